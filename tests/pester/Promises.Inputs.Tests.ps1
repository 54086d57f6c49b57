#Requires -Modules Pester
# The README's promises for odd but real inputs (symlinks, brackets, long names, the same name in many folders, CSV
# cells that are empty, null or wrong), errors that name their input, rules per model and streams.
# The set-up is Promises.Setup.ps1, shared with Promises.Tests.ps1.

Describe 'Promises in messy, concurrent batches' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'Promises.Setup.ps1')
    }

    AfterAll {
        Exit-ImageEditTestSession $server
    }

    BeforeEach {
        Reset-TestApiServer $server
    }

    Context 'symbolic links are sent with their target''s bytes' {
        BeforeAll {
            $script:links = Join-Path $TestDrive 'links'
            New-Item -ItemType Directory $links | Out-Null
            $script:imageLink = (New-Item -ItemType SymbolicLink -Path (Join-Path $links 'photo.png') -Target $lighthouse).FullName
            $script:referenceLink = (New-Item -ItemType SymbolicLink -Path (Join-Path $links 'ref.jpg') -Target $harbour).FullName
            # A mask must be a PNG the size of the image: lighthouse.png itself (256x256, with alpha) serves.
            $script:fixtureMask = Get-Item $lighthouse
            $script:maskLink = (New-Item -ItemType SymbolicLink -Path (Join-Path $links 'mask.png') -Target $fixtureMask.FullName).FullName
        }

        It 'sends -Path, -ReferencePath and -Mask links once each, with the targets'' lengths and bytes (<Cmdlet>)' -ForEach @(
            @{ Cmdlet = 'Edit-Image' }
            @{ Cmdlet = 'Get-ImageEditStream' }
        ) {
            $null = & $Cmdlet $imageLink -Prompt 'x' -ReferencePath $referenceLink -Mask $maskLink -ErrorVariable failures
            $failures | Should -BeNullOrEmpty
            $requests = @(Get-TestApiRequest $server -EditsOnly)
            $requests | Should -HaveCount 1
            $files = $requests[0].files
            ($files | Where-Object name -EQ 'image[]')[0].sha256 | Should -Be (Get-Sha256 $lighthouse)
            ($files | Where-Object name -EQ 'image[]')[0].fileName | Should -Be 'photo.png'
            ($files | Where-Object name -EQ 'image[]')[1].sha256 | Should -Be (Get-Sha256 $harbour)
            ($files | Where-Object name -EQ 'mask').length | Should -Be $fixtureMask.Length
        }

        It 'takes a link piped from Get-ChildItem' {
            $result = Get-ChildItem $links -Filter 'photo.png' | Edit-Image -Prompt 'x'
            $result.SourcePath | Should -Be $imageLink
            @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 1
        }
    }

    Context 'CSV and object rows bind as documented' {
        BeforeAll {
            $script:csvFolder = Join-Path $TestDrive 'csv'
            New-Item -ItemType Directory $csvFolder | Out-Null
            $script:bracketed = Join-Path $csvFolder 'cat [1].png'
            Copy-Item -LiteralPath $lighthouse -Destination $bracketed
        }

        It 'leaves every empty cell out of the request (the README''s CSV example)' {
            $csv = Join-Path $csvFolder 'jobs.csv'
            @(
                'Path,Prompt,Mask,ReferencePath,Model,Size,Count,Quality,Background,InputFidelity,OutputFormat,OutputCompression,ResponseFormat,User,OutputDirectory'
                "$lighthouse,make it snow,,,,,,,,,,,,,"
                "$harbour,add a boat,,,gpt-image-2,,2,high,,,jpeg,80,,,"
            ) | Set-Content $csv
            $results = Import-Csv $csv | Edit-Image -ErrorVariable failures
            $failures | Should -BeNullOrEmpty
            $results | Should -HaveCount 2
            $requests = Get-TestApiRequest $server -EditsOnly | Sort-Object { $_.files[0].fileName }
            ($requests | Where-Object { $_.files[0].fileName -eq 'lighthouse.png' }).fields.name | Should -Be @('prompt')
            $boat = $requests | Where-Object { $_.files[0].fileName -eq 'harbour.jpg' }
            ($boat.fields | ForEach-Object { "$($_.name)=$($_.value)" }) | Sort-Object | Should -Be (@('model=gpt-image-2', 'n=2', 'output_compression=80', 'output_format=jpeg', 'prompt=add a boat', 'quality=high') | Sort-Object)
        }

        It 'leaves JSON nulls out of the request' {
            $rows = @"
[{"Path": "$($lighthouse -replace '\\', '\\')", "Prompt": "x", "Quality": null, "Background": null, "OutputFormat": null, "InputFidelity": null,
  "ResponseFormat": null, "Count": null, "OutputCompression": null, "Size": null, "Model": null, "User": null, "Mask": null, "ReferencePath": null}]
"@ | ConvertFrom-Json
            $rows | Edit-Image -ErrorVariable failures | Should -HaveCount 1
            $failures | Should -BeNullOrEmpty
            (Get-TestApiRequest $server -EditsOnly)[0].fields.name | Should -Be @('prompt')
        }

        It 'fails only the row whose <Column> is <Value>, never dropping or rounding it' -ForEach @(
            @{ Column = 'Count'; Value = 'abc' }
            @{ Column = 'Count'; Value = '2.7' }
            @{ Column = 'OutputCompression'; Value = 'high' }
            @{ Column = 'Count'; Value = '1e3' }
        ) {
            $good = [pscustomobject]@{ Path = $harbour; Prompt = 'fine' }
            $bad = [pscustomobject]@{ Path = $lighthouse; Prompt = 'x'; $Column = $Value; OutputFormat = 'jpeg' }
            $results = $good, $bad, $good | Edit-Image -ErrorVariable failures -ErrorAction SilentlyContinue -InformationVariable information
            $results | Should -HaveCount 2
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError,*'
            $failures[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $failures[0].Exception.Message | Should -BeLike "*'$Value' is not a whole number*"
            $failures[0].TargetObject | Should -Be $bad
            @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 2
            $summary = ($information | Where-Object { $_.Tags -contains 'RunSummary' }).MessageData
            $summary.Failed | Should -Be 1 -Because 'a row refused while its values were bound did not succeed either'
            $summary.Edited | Should -Be 2
        }

        It 'counts in <Command>''s summary every row PowerShell refused while binding it, the last one too' -ForEach @(
            @{ Command = 'Edit-Image' }
            @{ Command = 'Get-ImageEditStream' }
        ) {
            # A cell not of its field's kind, and rows without the mandatory Prompt (refused by PowerShell itself), one of them last.
            $rows = @(
                [pscustomobject]@{ Path = $harbour; Prompt = 'fine' }
                [pscustomobject]@{ Path = $lighthouse; Prompt = 'bad count'; Count = 'abc' }
                [pscustomobject]@{ Path = $lighthouse }
                [pscustomobject]@{ Path = $harbour; Prompt = 'fine again'; Count = 1 }
                [pscustomobject]@{ Path = $lighthouse; Count = 2 }
            )
            $null = $rows | & $Command -ErrorVariable failures -ErrorAction SilentlyContinue -InformationVariable information
            $failures | Should -HaveCount 3
            @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 2
            $summary = ($information | Where-Object { $_.Tags -contains 'RunSummary' }).MessageData
            $summary.Edited | Should -Be 2
            $summary.Failed | Should -Be 3 -Because 'every input that did not succeed is counted, whoever refused it'
            "$summary" | Should -BeLike '*failed 3*'
        }

        It 'refuses -Count 2.7 on the command line instead of rounding it' {
            { Edit-Image $lighthouse -Prompt 'x' -Count 2.7 -ErrorAction Stop } | Should -Throw "*'2.7' is not a whole number*"
            Get-TestApiRequest $server | Should -BeNullOrEmpty
        }

        It 'binds a <Column> column as a literal path (names with brackets)' -ForEach @(
            @{ Column = 'LiteralPath' }
            @{ Column = 'PSPath' }
        ) {
            $row = [pscustomobject]@{ $Column = $bracketed; Prompt = 'x' }
            $result = $row | Edit-Image -ErrorVariable failures
            $failures | Should -BeNullOrEmpty
            $result.SourcePath | Should -Be $bracketed
        }

        It 'takes -ReferencePath and -Mask as FileInfo objects whose names hold wildcard characters' {
            $reference = Join-Path $csvFolder 'ref [a].jpg'
            Copy-Item -LiteralPath $harbour -Destination $reference
            $maskCopy = Join-Path $csvFolder 'mask [*].png'
            Copy-Item -LiteralPath $fixtureMask.FullName -Destination $maskCopy
            $result = Edit-Image $lighthouse -Prompt 'x' -ReferencePath (Get-Item -LiteralPath $reference) -Mask (Get-Item -LiteralPath $maskCopy) -ErrorVariable failures
            $failures | Should -BeNullOrEmpty
            $result | Should -HaveCount 1
            ((Get-TestApiRequest $server -EditsOnly)[0].files | Where-Object name -EQ 'mask').fileName | Should -Be 'mask [*].png'
        }
    }

    Context 'every error of a batch names its input' {
        It 'targets the input file for every local rule and every API error' {
            $long = 'p' * 40000
            $rows = @(
                [pscustomobject]@{ Path = $lighthouse; Prompt = $long }
                [pscustomobject]@{ Path = $lighthouse; Prompt = 'x'; Count = 11 }
                [pscustomobject]@{ Path = $lighthouse; Prompt = 'x'; Size = '1000x1000'; Model = 'gpt-image-2' }
                [pscustomobject]@{ Path = $lighthouse; Prompt = 'x'; Quality = 'standard'; Model = 'gpt-image-2' }
                [pscustomobject]@{ Path = $lighthouse; Prompt = 'x'; Mask = $harbour }
                [pscustomobject]@{ Path = $lighthouse; Prompt = 'x'; ReferencePath = (Join-Path $TestDrive 'missing.png') }
                [pscustomobject]@{ Path = $lighthouse; Prompt = 'x'; OutputCompression = 50 }
                [pscustomobject]@{ Path = $harbour; Prompt = 'API refuses this one' }
            )
            Set-TestApiScript $server @(@{ status = 400; body = '{"error":{"message":"Refused.","type":"invalid_request_error","param":"prompt","code":null}}' })
            $null = $rows | Edit-Image -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures | Should -HaveCount 8
            $failures | Select-Object -First 7 | ForEach-Object { $_.TargetObject | Should -Be $lighthouse }
            $failures[7].TargetObject | Should -Be $harbour
            $failures[0].TargetObject.Length | Should -BeLessThan 300
        }
    }

    Context 'rules per model' {
        It 'takes -Quality <Quality> with <Model>: <Accepted>' -ForEach @(
            @{ Model = 'dall-e-2'; Quality = 'standard'; Accepted = $true }
            @{ Model = 'dall-e-2'; Quality = 'high'; Accepted = $false }
            @{ Model = 'gpt-image-2'; Quality = 'standard'; Accepted = $false }
            @{ Model = 'gpt-image-2'; Quality = 'HIGH'; Accepted = $true }
        ) {
            $image = if ($Model -eq 'dall-e-2') { $mask } else { $lighthouse }
            $null = Edit-Image $image -Prompt 'x' -Model $Model -Quality $Quality -ErrorVariable failures -ErrorAction SilentlyContinue
            if ($Accepted) {
                $failures | Should -BeNullOrEmpty
                (Get-TestApiRequest $server -EditsOnly)[0].fields | Where-Object name -EQ 'quality' | ForEach-Object value | Should -BeExactly $Quality.ToLowerInvariant()
            }
            else {
                $failures[0].FullyQualifiedErrorId | Should -BeLike 'ValueNotSupportedByModel,*'
                Get-TestApiRequest $server | Should -BeNullOrEmpty
            }
        }

        It 'compares model names without regard to case, and sends the documented spelling' {
            Edit-Image $mask -Prompt 'x' -Model 'DALL-E-2' -Background opaque -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'ParameterNotSupportedByModel,*'
            $null = Edit-Image $mask -Prompt 'x' -Model 'DALL-E-2' -Size 256x256
            ((Get-TestApiRequest $server -EditsOnly)[0].fields | Where-Object name -EQ 'model').value | Should -BeExactly 'dall-e-2'
        }
    }

    Context 'streams' {
        It 'reports a stream cut before its first event as StreamIncomplete, like one cut later' {
            Set-TestApiScript $server @(@{ cutAfter = 0; repeat = 3 })
            $events = Get-ImageEditStream $lighthouse -Prompt 'x' -PartialImages 2 -ErrorVariable failures -ErrorAction SilentlyContinue
            $events | Should -BeNullOrEmpty
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -Be 'StreamIncomplete,ImageEdit.Commands.GetImageEditStreamCommand'
            $failures[0].TargetObject | Should -Be $lighthouse
        }

        It 'gives the batch bar and each stream''s bar distinct ids, each stream''s bar a child of the batch bar' {
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript({
                        param($Module, $Images, $Key, $Base)
                        Import-Module $Module
                        $ProgressPreference = 'Continue'
                        $Images | Get-ImageEditStream -Prompt 'x' -PartialImages 1 -ApiKey (ConvertTo-SecureString $Key -AsPlainText -Force) -BaseUri $Base
                    }).AddArgument($env:IMAGEEDIT_TEST_MODULE).AddArgument(@($lighthouse, $harbour, $lighthouse)).AddArgument($server.ApiKey).AddArgument($server.BaseUri)
                $output = $ps.Invoke()
                $output | Should -HaveCount 6
                $progress = @($ps.Streams.Progress)
                $batch = @($progress | Where-Object Activity -EQ 'Streaming image edits')
                $streams = @($progress | Where-Object Activity -Like 'Streaming the edit of*')
                $batchIds = @($batch.ActivityId | Sort-Object -Unique)
                $batchIds | Should -HaveCount 1
                $streamIds = @($streams.ActivityId | Sort-Object -Unique)
                $streamIds | Should -HaveCount 3
                $streamIds | Should -Not -Contain $batchIds[0]
                $streams | ForEach-Object { $_.ParentActivityId | Should -Be $batchIds[0] }
            }
            finally { $ps.Dispose() }
        }
    }
}
