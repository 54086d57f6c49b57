#Requires -Modules Pester
# The README's promises, tested where they break: many writers at once, many trials, odd but real inputs
# (symlinks, brackets, long names, the same name in many folders, CSV cells that are empty, null or wrong).

Describe 'Promises in messy, concurrent batches' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestApiServer.psm1') -Force
        $script:server = Enter-ImageEditTestSession
        $script:samples = Join-Path $PSScriptRoot '../../samples' | Resolve-Path | Select-Object -ExpandProperty Path
        $script:lighthouse = Join-Path $samples 'lighthouse.png'
        $script:harbour = Join-Path $samples 'harbour.jpg'
        $script:mask = Join-Path $PSScriptRoot '../corpus/pngsuite/basn6a08.png' | Resolve-Path | Select-Object -ExpandProperty Path


        # For each result: the SHA-256 of every image the server returned for that very request, found by its request id.
        function Get-ReturnedHashes($Result) {
            $sequence = [int]($Result.RequestId -replace '^req_test', '')
            $request = Get-TestApiRequest $server -EditsOnly | Where-Object sequence -EQ $sequence
            , @($request.returnedImageSha256)
        }

        # Eight folders, each with its own img.png (different bytes, same name).
        $script:eightFolders = foreach ($i in 1..8) {
            $folder = Join-Path $TestDrive "source-$i"
            New-Item -ItemType Directory $folder | Out-Null
            Copy-Item $lighthouse (Join-Path $folder 'img.png')
            Get-Item (Join-Path $folder 'img.png')
        }
    }

    AfterAll {
        Exit-ImageEditTestSession $server
    }

    BeforeEach {
        Reset-TestApiServer $server
    }

    Context 'the output folder lost in the middle of a batch' {
        It 'stops paying once images can no longer be saved, and says how many were not saved' {
            $inputs = New-Item -ItemType Directory (Join-Path $TestDrive 'lost-in')
            $files = foreach ($i in 1..12) { Copy-Item $lighthouse (Join-Path $inputs "photo-$i.png") -PassThru }
            $out = Join-Path $TestDrive 'lost-out'
            Set-TestApiScript $server @(@{ delayMs = 300; repeat = 12 })
            $script:gone = $false
            # After the first result the folder goes away and a file takes its place (a share dropped, a folder cleaned
            # up): nothing can be saved there any more, and it cannot be made again.
            $results = @($files | Edit-Image -Prompt 'lost folder' -ThrottleLimit 2 -OutputDirectory $out -ErrorAction SilentlyContinue -ErrorVariable errors -InformationVariable information |
                ForEach-Object { if (-not $script:gone) { $script:gone = $true; Remove-Item -LiteralPath $out -Recurse -Force; Set-Content -LiteralPath $out 'not a folder' }; $_ })

            $sent = @(Get-TestApiRequest $server -EditsOnly)
            # Sent: the requests whose results were in before the folder went (one or two, at -ThrottleLimit 2) and the
            # two in flight then; none after a save failed.
            $sent.Count | Should -BeLessOrEqual 4
            $results.Count | Should -Be $sent.Count
            $notSaved = @($errors | Where-Object { $_.FullyQualifiedErrorId -like 'OutputWriteFailed*' })
            $refused = @($errors | Where-Object { $_.FullyQualifiedErrorId -like 'OutputDirectoryNotUsable*' })
            $notSaved.Count | Should -BeGreaterThan 0
            $refused.Count | Should -Be (12 - $sent.Count)
            # Every input is accounted for: sent, or refused naming itself.
            @($refused.TargetObject) + @($results.SourcePath) | Sort-Object | Should -Be ($files.FullName | Sort-Object)
            # Each image that could not be saved travels in its result.
            @($results | Where-Object { -not $_.Data[0].Path } | Where-Object { $_.Data[0].B64Json }).Count | Should -Be $notSaved.Count
            $summary = ($information | Where-Object { $_.Tags -contains 'RunSummary' }).MessageData
            $summary.ImagesSaved | Should -Be ($sent.Count - $notSaved.Count)
            $summary.ImagesNotSaved | Should -Be $notSaved.Count
            $summary.Failed | Should -Be $refused.Count
            "$summary" | Should -BeLike "*NOT saved*"
        }
    }

    Context 'nothing is overwritten or lost, at any -ThrottleLimit' {
        It 'saves eight results named alike from eight folders as eight files holding their own bytes (<Trials> trials, -ThrottleLimit <Throttle>)' -ForEach @(
            @{ Throttle = 8; Trials = 12 }
            @{ Throttle = 3; Trials = 4 }
        ) {
            for ($trial = 1; $trial -le $Trials; $trial++) {
                Reset-TestApiServer $server
                $out = Join-Path $TestDrive "same-name-$Throttle-$trial"
                # Answers arrive together, so the saves race for img-edited.png.
                Set-TestApiScript $server @(@{ delayMs = 150; repeat = 8 })

                $results = $eightFolders | Edit-Image -Prompt 'x' -OutputDirectory $out -ThrottleLimit $Throttle

                $results | Should -HaveCount 8
                $paths = @($results.Data.Path)
                @($paths | Sort-Object -Unique) | Should -HaveCount 8
                @(Get-SavedImage $out) | Should -HaveCount 8
                foreach ($result in $results) {
                    $file = $result.Data[0].Path
                    Get-Sha256 $file | Should -Be (Get-ReturnedHashes $result)[0]
                    $result.Data[0].Sha256 | Should -Be (Get-ReturnedHashes $result)[0]
                }
            }
        }

        It 'saves one file piped eight times as eight files (<Trials> trials)' -ForEach @(@{ Trials = 8 }) {
            for ($trial = 1; $trial -le $Trials; $trial++) {
                Reset-TestApiServer $server
                $out = Join-Path $TestDrive "same-file-$trial"
                Set-TestApiScript $server @(@{ delayMs = 100; repeat = 8 })

                $results = @(1..8 | ForEach-Object { Get-Item $lighthouse }) | Edit-Image -Prompt 'x' -OutputDirectory $out -ThrottleLimit 8 -Count 2

                $results | Should -HaveCount 8
                @($results.Data.Path | Sort-Object -Unique) | Should -HaveCount 16
                @(Get-SavedImage $out) | Should -HaveCount 16
                foreach ($result in $results) {
                    $expected = Get-ReturnedHashes $result
                    Get-Sha256 $result.Data[0].Path | Should -Be $expected[0]
                    Get-Sha256 $result.Data[1].Path | Should -Be $expected[1]
                }
            }
        }

        It 'streams eight same-named inputs into eight final files' {
            $out = Join-Path $TestDrive 'stream-same-name'
            $events = $eightFolders | Get-ImageEditStream -Prompt 'x' -OutputDirectory $out -ThrottleLimit 8
            $completed = @($events | Where-Object Type -EQ 'image_edit.completed')
            $completed | Should -HaveCount 8
            @($completed.Path | Sort-Object -Unique) | Should -HaveCount 8
            @(Get-SavedImage $out) | Should -HaveCount 8
        }
    }

    Context 'a paid answer is never thrown away' {
        It 'refuses an -OutputDirectory that is a file before sending anything, naming each input' {
            $file = Join-Path $TestDrive 'not-a-folder'
            Set-Content $file 'x'
            $results = $lighthouse, $harbour | Edit-Image -Prompt 'x' -OutputDirectory $file -ErrorVariable failures -ErrorAction SilentlyContinue
            $results | Should -BeNullOrEmpty
            $failures | Should -HaveCount 2
            $failures.FullyQualifiedErrorId | ForEach-Object { $_ | Should -Be 'OutputDirectoryNotUsable,ImageEdit.Commands.EditImageCommand' }
            $failures.TargetObject | Should -Be @($lighthouse, $harbour)
            Get-TestApiRequest $server | Should -BeNullOrEmpty
        }

        It 'refuses a folder that cannot be created (under a file, or where nothing can be written) before sending' {
            $file = Join-Path $TestDrive 'plain-file'
            Set-Content $file 'x'
            Edit-Image $lighthouse -Prompt 'x' -OutputDirectory (Join-Path $file 'sub') -ErrorVariable failures -ErrorAction SilentlyContinue
            Edit-Image $lighthouse -Prompt 'x' -OutputDirectory '/proc/imageedit-out' -ErrorVariable +failures -ErrorAction SilentlyContinue
            $failures | Should -HaveCount 2
            $failures | ForEach-Object { $_.FullyQualifiedErrorId | Should -BeLike 'OutputDirectoryNotUsable,*' }
            Get-TestApiRequest $server | Should -BeNullOrEmpty
        }

        It 'refuses an -OutputDirectory on another provider (<Folder>) before sending' -ForEach @(@{ Folder = 'Variable:\x' }, @{ Folder = 'Function:\zz' }, @{ Folder = 'Env:\' }) {
            Edit-Image $lighthouse -Prompt 'x' -OutputDirectory $Folder -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'OutputDirectoryNotUsable,*'
            $failures[0].Exception.Message | Should -BeLike "*'$Folder'*"
            Get-TestApiRequest $server | Should -BeNullOrEmpty
        }

        It 'saves relative to the current location, not the process''s working folder' {
            Push-Location $TestDrive
            try {
                $result = Edit-Image $lighthouse -Prompt 'x' -OutputDirectory 'relative-out'
                $result.Data[0].Path | Should -Be (Join-Path $TestDrive 'relative-out/lighthouse-edited.png')
            }
            finally { Pop-Location }
        }

        It 'never lets -Force replace a result of the same run (same name from many folders)' {
            $out = Join-Path $TestDrive 'forced'
            New-Item -ItemType Directory $out | Out-Null
            Set-Content (Join-Path $out 'img-edited.png') 'an old result'
            $results = $eightFolders | Edit-Image -Prompt 'x' -OutputDirectory $out -Force -ThrottleLimit 8
            @($results.Data.Path | Sort-Object -Unique) | Should -HaveCount 8
            @(Get-SavedImage $out) | Should -HaveCount 8
            Get-Content -LiteralPath (Join-Path $out 'img-edited.png') -Raw | Should -Not -BeLike 'an old result*'
            foreach ($result in $results) { Get-Sha256 $result.Data[0].Path | Should -Be (Get-ReturnedHashes $result)[0] }
        }

        It 'checks the folder under -WhatIf too, without creating it' {
            $new = Join-Path $TestDrive 'whatif-new/deeper'
            Edit-Image $lighthouse -Prompt 'x' -OutputDirectory $new -WhatIf
            Test-Path $new | Should -BeFalse
        }

        It 'writes the result with its image beside the error when saving fails after the API answered (<Cmdlet>)' -ForEach @(
            @{ Cmdlet = 'Edit-Image' }
            @{ Cmdlet = 'Get-ImageEditStream' }
        ) {
            $out = Join-Path $TestDrive "vanishing-$Cmdlet"
            Set-TestApiScript $server @(@{ delayMs = 1200 })
            # While the request is at the server, the folder is replaced by a file.
            $saboteur = Start-ThreadJob -ArgumentList $out -ScriptBlock {
                param($out)
                Start-Sleep -Milliseconds 500
                Remove-Item -LiteralPath $out -Recurse -Force
                Set-Content -LiteralPath $out -Value 'in the way'
            }
            $results = @(& $Cmdlet $lighthouse -Prompt 'x' -OutputDirectory $out -ErrorVariable failures -ErrorAction SilentlyContinue)
            $saboteur | Wait-Job | Remove-Job

            $results | Should -HaveCount 1
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'OutputWriteFailed,*'
            $failures[0].TargetObject | Should -Be $lighthouse
            $image = if ($Cmdlet -eq 'Edit-Image') { $results[0].Data[0] } else { $results[0] }
            $image.Path | Should -BeNullOrEmpty
            $bytes = [Convert]::FromBase64String($image.B64Json)
            $hash = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($bytes)).ToLowerInvariant()
            $hash | Should -Be (Get-TestApiRequest $server -EditsOnly)[0].returnedImageSha256[0]
            $image.Sha256 | Should -Be $hash
        }

        It 'leaves no temporary file when the batch is ended with SIGTERM mid-save (<Trials> trials)' -Skip:$IsWindows -ForEach @(@{ Trials = 3 }) {
            $runner = Join-Path $TestDrive 'sigterm.ps1'
            Set-Content $runner @'
param($Module, $Base, $Key, $Out, $Image)
Import-Module $Module
$env:OPENAI_API_KEY = $Key; $env:OPENAI_BASE_URL = $Base
1..6 | ForEach-Object { Get-Item $Image } | Edit-Image -Prompt x -OutputDirectory $Out -ThrottleLimit 6 | Out-Null
'@
            for ($trial = 1; $trial -le $Trials; $trial++) {
                Reset-TestApiServer $server
                # Large answers, so that the saves are under way when the signal comes.
                Set-TestApiScript $server @(@{ imageBytes = 40000000; repeat = 6 })
                $out = Join-Path $TestDrive "sigterm-$trial"
                $process = Start-Process -FilePath ([Environment]::ProcessPath) -PassThru -ArgumentList @(
                    if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' }
                    '-NoProfile', '-File', $runner, $env:IMAGEEDIT_TEST_MODULE, $server.BaseUri, $server.ApiKey, $out, $lighthouse)
                $deadline = [DateTime]::UtcNow.AddSeconds(60)
                while ([DateTime]::UtcNow -lt $deadline -and -not (Get-ChildItem -LiteralPath $out -Force -Filter '*.tmp' -ErrorAction SilentlyContinue)) { Start-Sleep -Milliseconds 10 }
                Get-ChildItem -LiteralPath $out -Force -Filter '*.tmp' | Should -Not -BeNullOrEmpty -Because 'the signal must come while a save is under way'
                & kill -TERM $process.Id
                $process.WaitForExit(30000) | Should -BeTrue
                @(Get-ChildItem -LiteralPath $out -Force -Filter '*.tmp') | Should -HaveCount 0
            }
        }

        It 'saves a 215-character name whole, with no temporary name pushing it over the limit' {
            $long = Join-Path $TestDrive ('p' * 215 + '.png')
            Copy-Item $lighthouse $long
            $out = Join-Path $TestDrive 'long-names'
            $result = Edit-Image -LiteralPath $long -Prompt 'x' -OutputDirectory $out
            Split-Path $result.Data[0].Path -Leaf | Should -Be ('p' * 215 + '-edited.png')
            @(Get-SavedImage $out) | Should -HaveCount 1
        }
    }

    Context 'B64Json never returns other bytes than the API returned' {
        It 'reads the saved file back only while it is unchanged, and says so otherwise' {
            $out = Join-Path $TestDrive 'b64'
            $result = Edit-Image $lighthouse -Prompt 'x' -OutputDirectory $out
            $data = $result.Data[0]
            $original = [IO.File]::ReadAllBytes($data.Path)
            # The image lives in its file, not in the result: B64Json is empty, and GetB64Json() reads it back checked.
            $data.B64Json | Should -BeNullOrEmpty
            $data.GetB64Json() | Should -Be ([Convert]::ToBase64String($original))

            Set-Content -LiteralPath $data.Path -Value 'overwritten by another tool'
            { $data.GetB64Json() } | Should -Throw '*no longer the image the API returned*'
            $data.B64Json | Should -BeNullOrEmpty
            [IO.File]::WriteAllBytes($data.Path, $original)
            $data.GetB64Json() | Should -Be ([Convert]::ToBase64String($original))

            Move-Item -LiteralPath $data.Path -Destination "$($data.Path).moved"
            { $data.GetB64Json() } | Should -Throw "*$($data.Path)*"
        }
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
