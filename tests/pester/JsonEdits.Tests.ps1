#Requires -Modules Pester
# JSON edits (images by URL, data URL and file ID, moderation), the Files API cmdlets, the model list and the model
# lifecycle, as users run them against the local server.

Describe 'JSON edits, files and models' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestApiServer.psm1') -Force
        $script:server = Enter-ImageEditTestSession
        $script:samples = Join-Path $PSScriptRoot '../../samples' | Resolve-Path | Select-Object -ExpandProperty Path
        $script:lighthouse = Join-Path $samples 'lighthouse.png'
        $script:harbour = Join-Path $samples 'harbour.jpg'
        $script:suite = Join-Path $PSScriptRoot '../corpus/pngsuite' | Resolve-Path | Select-Object -ExpandProperty Path
        function Get-Field($Request, [string] $Name) { ($Request.fields | Where-Object name -EQ $Name).value }
        function Set-TestModels([object[]] $Models) {
            Invoke-RestMethod -Method Post -Uri "$($server.Root)/_control/models" -Body (ConvertTo-Json -InputObject @($Models) -Depth 5) -ContentType 'application/json' | Out-Null
        }
        $script:savedToday = $env:IMAGEEDIT_TODAY
    }

    AfterAll {
        $env:IMAGEEDIT_TODAY = $savedToday
        Exit-ImageEditTestSession $server
    }

    BeforeEach {
        Reset-TestApiServer $server
        $env:IMAGEEDIT_TODAY = '2026-06-01'
    }

    Context 'images by URL and by data URL' {
        It 'sends an edit by https URL as the JSON body and names the result after the URL' {
            $out = Join-Path $TestDrive 'by-url'
            $result = Edit-Image -ImageUrl 'https://images.example.com/photos/beach.png' -Prompt 'add a boat' -Model gpt-image-2 -Quality high -OutputDirectory $out
            $request = (Get-TestApiRequest $server -EditsOnly)[0]
            $request.bodyForm | Should -Be 'json'
            $request.contentType | Should -BeLike 'application/json*'
            $request.imageRefs[0].kind | Should -Be 'url'
            $request.imageRefs[0].url | Should -Be 'https://images.example.com/photos/beach.png'
            Get-Field $request 'quality' | Should -Be 'high'
            Get-Field $request 'model' | Should -Be 'gpt-image-2'
            $result.SourcePath | Should -Be 'https://images.example.com/photos/beach.png'
            Split-Path $result.Data[0].Path -Leaf | Should -Be 'beach-edited.png'
        }

        It 'sends a local file as a data URL when -Moderation needs the JSON body, the bytes unchanged' {
            $result = Edit-Image $lighthouse -Prompt 'x' -Moderation low
            $request = (Get-TestApiRequest $server -EditsOnly)[0]
            $request.bodyForm | Should -Be 'json'
            $request.imageRefs[0].kind | Should -Be 'data_url'
            $request.imageRefs[0].mediaType | Should -Be 'image/png'
            $request.imageRefs[0].sha256 | Should -Be (Get-Sha256 $lighthouse)
            Get-Field $request 'moderation' | Should -Be 'low'
            $request.contentLength | Should -BeGreaterThan 0
            $request.chunked | Should -BeFalse
            $result.SourcePath | Should -Be $lighthouse
        }

        It 'sends local reference images beside an -ImageUrl as data URLs, in order' {
            $null = Edit-Image -ImageUrl 'https://example.com/a.png' -ReferencePath $harbour -ReferenceUrl 'https://example.com/b.png' -Prompt 'combine'
            $refs = (Get-TestApiRequest $server -EditsOnly)[0].imageRefs | Where-Object role -EQ 'image'
            $refs.kind | Should -Be @('url', 'data_url', 'url')
            $refs[1].sha256 | Should -Be (Get-Sha256 $harbour)
            $refs[1].mediaType | Should -Be 'image/jpeg'
        }

        It 'streams a JSON edit too' {
            $events = Get-ImageEditStream -ImageUrl 'https://example.com/a.png' -Prompt 'x' -PartialImages 1
            $events | Should -HaveCount 2
            $request = (Get-TestApiRequest $server -EditsOnly)[0]
            $request.bodyForm | Should -Be 'json'
            Get-Field $request 'stream' | Should -Be 'true'
        }

        It 'sends the same JSON body to an Azure deployment' {
            $null = Edit-Image -ImageUrl 'https://example.com/a.png' -Prompt 'x' -ApiType Azure -BaseUri $server.Root -Deployment 'img' -ApiKey (ConvertTo-SecureString $server.ApiKey -AsPlainText -Force)
            $request = (Get-TestApiRequest $server -EditsOnly)[0]
            $request.path | Should -Be '/openai/deployments/img/images/edits'
            $request.bodyForm | Should -Be 'json'
        }

        It 'refuses locally what the JSON body cannot carry: <Name>' -ForEach @(
            @{ Name = 'dall-e-2'; Id = 'JsonNotSupportedByModel'; Run = { Edit-Image -ImageUrl 'https://example.com/a.png' -Prompt 'x' -Model dall-e-2 } }
            @{ Name = 'a custom size'; Id = 'SizeNotSupportedInJson'; Run = { Edit-Image -ImageUrl 'https://example.com/a.png' -Prompt 'x' -Model gpt-image-2 -Size 1536x864 } }
            @{ Name = '-ResponseFormat'; Id = 'ParameterNotSupportedInJson'; Run = { Edit-Image -ImageUrl 'https://example.com/a.png' -Prompt 'x' -ResponseFormat url } }
            @{ Name = 'an http URL'; Id = 'InvalidImageUrl'; Run = { Edit-Image -ImageUrl 'http://example.com/a.png' -Prompt 'x' } }
            @{ Name = 'two masks'; Id = 'AmbiguousMask'; Run = { Edit-Image -ImageUrl 'https://example.com/a.png' -Prompt 'x' -MaskUrl 'https://example.com/m.png' -MaskFileId 'file-1' } }
            @{ Name = 'two kinds of input'; Id = 'AmbiguousImageInput'; Run = { Edit-Image $lighthouse -ImageUrl 'https://example.com/a.png' -Prompt 'x' } }
            @{ Name = 'moderation with dall-e-2'; Id = 'JsonNotSupportedByModel'; Run = { Edit-Image (Join-Path $suite 'basn6a08.png') -Prompt 'x' -Model dall-e-2 -Moderation low } }
        ) {
            $failures = @(
                try { & $Run 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } }
                catch { $_ }
            )
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike "$Id,*"
            $failures[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
            Get-TestApiRequest $server -EditsOnly | Should -BeNullOrEmpty
        }

        It 'names a data URL input by its type, start and length, not by its millions of characters' {
            $dataUrl = 'data:image/png;base64,' + [Convert]::ToBase64String([IO.File]::ReadAllBytes($lighthouse))
            $result = Edit-Image -ImageUrl $dataUrl -Prompt 'x'
            $result.SourcePath | Should -BeLike 'data:image/png;base64,iVBORw0KGgo*characters)'
            $result.SourcePath.Length | Should -BeLessThan 80
            (Get-TestApiRequest $server -EditsOnly)[0].imageRefs[0].sha256 | Should -Be (Get-Sha256 $lighthouse)
        }

        It 'refuses a data URL whose type or bytes are not an image it can be (<Name>)' -ForEach @(
            @{ Name = 'text'; Url = 'data:text/plain;base64,aGVsbG8gd29ybGQ=' }
            @{ Name = 'JPEG bytes called PNG'; Url = 'data:image/png;base64,/9j/4AAQSkZJRgABAQAAAQABAAD' }
            @{ Name = 'not base64'; Url = 'data:image/png;base64,@@@@####$$$$%%%%' }
        ) {
            Edit-Image -ImageUrl $Url -Prompt 'x' -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'InvalidImageUrl,*'
            Get-TestApiRequest $server -EditsOnly | Should -BeNullOrEmpty
        }

        It 'sends a custom size for a model the table does not know, even in the JSON body' {
            Set-TestModels @(@{ id = 'gpt-image-3'; shutdown_date = $null; values = @{ size = @('2048x2048') } })
            $null = Edit-Image -ImageUrl 'https://example.com/a.png' -Prompt 'x' -Model gpt-image-3 -Size 2048x2048 -ErrorVariable failures
            $failures | Should -BeNullOrEmpty
            Get-Field (Get-TestApiRequest $server -EditsOnly)[0] 'size' | Should -Be '2048x2048'
        }

        It 'refuses a local file too large for a data URL, naming the input and advising an upload' {
            $big = Join-Path $TestDrive 'big.png'
            New-LargePng $big (16MB) -HeaderFrom (Join-Path $suite 'basn6a08.png')
            Edit-Image $big -Prompt 'x' -Moderation low -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'DataUrlTooLong,*'
            $failures[0].TargetObject | Should -Be $big
            $failures[0].ErrorDetails.RecommendedAction | Should -BeLike '*Add-ImageEditFile*'
            Get-TestApiRequest $server -EditsOnly | Should -BeNullOrEmpty
        }

        It 'says under -WhatIf that a request goes as JSON, and sends nothing' {
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript({ param($Module) Import-Module $Module; Edit-Image -ImageUrl 'https://example.com/a.png' -Prompt 'x' -WhatIf }).AddArgument($env:IMAGEEDIT_TEST_MODULE)
                $ps.Invoke() | Out-Null
                ($ps.Streams.Information | Out-String) + ($ps.Streams.Verbose | Out-String) | Out-Null
            }
            finally { $ps.Dispose() }
            Get-TestApiRequest $server | Should -BeNullOrEmpty
        }
    }

    Context 'the Files API' {
        It 'uploads images, edits them by file ID with a mask by file ID and -Moderation low, in one pipeline' {
            $folder = Join-Path $TestDrive 'uploads'
            New-Item -ItemType Directory $folder | Out-Null
            Copy-Item $lighthouse (Join-Path $folder 'one.png')
            Copy-Item $lighthouse (Join-Path $folder 'two.png')
            $mask = Add-ImageEditFile $lighthouse
            $mask.FileId | Should -Match '^file-'
            $mask.Purpose | Should -Be 'vision'
            $out = Join-Path $TestDrive 'by-id'

            $results = Get-ChildItem $folder -Filter *.png | Add-ImageEditFile | Edit-Image -Prompt 'add snow' -MaskFileId $mask.FileId -Moderation low -OutputDirectory $out

            $results | Should -HaveCount 2
            $uploads = Get-TestApiRequest $server | Where-Object { $_.method -eq 'POST' -and $_.path -eq '/v1/files' }
            $uploads | Should -HaveCount 3
            $uploads | ForEach-Object { Get-Field $_ 'purpose' | Should -Be 'vision' }
            foreach ($request in Get-TestApiRequest $server -EditsOnly) {
                $request.bodyForm | Should -Be 'json'
                ($request.imageRefs | Where-Object role -EQ 'image').kind | Should -Be 'file_id'
                ($request.imageRefs | Where-Object role -EQ 'mask').fileId | Should -Be $mask.FileId
                ($request.imageRefs | Where-Object role -EQ 'image').sha256 | Should -Be (Get-Sha256 $lighthouse)
                Get-Field $request 'moderation' | Should -Be 'low'
            }
            $results.SourcePath | ForEach-Object { $_ | Should -Match '^file-' }
            @(Get-SavedImage $out) | Should -HaveCount 2
        }

        It 'uploads with -Purpose user_data and streams the file from disk with its length' {
            $file = Add-ImageEditFile $harbour -Purpose user_data
            $file.Bytes | Should -Be (Get-Item $harbour).Length
            $upload = Get-TestApiRequest $server | Where-Object path -EQ '/v1/files'
            Get-Field $upload 'purpose' | Should -Be 'user_data'
            $upload.files[0].sha256 | Should -Be (Get-Sha256 $harbour)
            $upload.chunked | Should -BeFalse
        }

        It 'reports a file that is not an image as its own error and uploads the rest' {
            $text = Join-Path $TestDrive 'notes.png'
            Set-Content $text 'not an image'
            $files = $lighthouse, $text, $harbour | Add-ImageEditFile -ErrorVariable failures -ErrorAction SilentlyContinue
            $files | Should -HaveCount 2
            $failures | Should -HaveCount 1
            $failures[0].TargetObject | Should -Be $text
        }

        It 'binds CSV columns ImageUrl and FileId, one request per row' {
            $file = Add-ImageEditFile $lighthouse
            $csv = Join-Path $TestDrive 'rows.csv'
            @(
                'ImageUrl,FileId,Prompt,Quality'
                'https://example.com/a.png,,from a url,high'
                ",$($file.FileId),from a file id,"
            ) | Set-Content $csv
            $results = Import-Csv $csv | Edit-Image -ThrottleLimit 1 -ErrorVariable failures
            $failures | Should -BeNullOrEmpty
            $results | Should -HaveCount 2
            $edits = Get-TestApiRequest $server -EditsOnly | Sort-Object sequence
            $edits[0].imageRefs[0].kind | Should -Be 'url'
            Get-Field $edits[0] 'quality' | Should -Be 'high'
            $edits[1].imageRefs[0].kind | Should -Be 'file_id'
            $edits[1].imageRefs[0].fileId | Should -Be $file.FileId
            Get-Field $edits[1] 'quality' | Should -BeNullOrEmpty
        }

        It 'binds a CSV that mixes Path rows (empty Path cells elsewhere) with ImageUrl and FileId rows' {
            $file = Add-ImageEditFile $harbour
            $csv = Join-Path $TestDrive 'mixed.csv'
            @(
                'Path,ImageUrl,FileId,Prompt'
                "$lighthouse,,,a local file"
                ',https://example.com/a.png,,a url'
                ",,$($file.FileId),a file id"
                ',,,nothing at all'
            ) | Set-Content $csv
            $results = Import-Csv $csv | Edit-Image -ThrottleLimit 1 -ErrorVariable failures -ErrorAction SilentlyContinue
            $results | Should -HaveCount 3
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'NoImageGiven,*'
            (Get-TestApiRequest $server -EditsOnly | Sort-Object sequence).bodyForm | Should -Be @('multipart', 'json', 'json')
        }

        It 'binds JSON rows whose Path or LiteralPath is null or empty in <Command>, and names a row with no image' -ForEach @(
            @{ Command = 'Edit-Image' }
            @{ Command = 'Get-ImageEditStream' }
            @{ Command = 'Start-ImageEditBatch' }
        ) {
            $file = Add-ImageEditFile $harbour
            $json = ConvertTo-Json -Depth 3 -InputObject @(
                [ordered]@{ Path = $null; LiteralPath = $null; ImageUrl = 'https://example.com/a.png'; FileId = $null; Prompt = 'a url' }
                [ordered]@{ Path = $null; LiteralPath = ''; ImageUrl = $null; FileId = $file.FileId; Prompt = 'a file id' }
                [ordered]@{ Path = $lighthouse; LiteralPath = $null; ImageUrl = $null; FileId = $null; Prompt = 'a path' }
                [ordered]@{ Path = $null; LiteralPath = $lighthouse; ImageUrl = $null; FileId = $null; Prompt = 'a literal path' }
                [ordered]@{ Path = ''; LiteralPath = $null; ImageUrl = $null; FileId = $null; Prompt = 'nothing at all' }
            )
            $out = Join-Path $TestDrive "json-nulls-$Command"
            $output = $json | ConvertFrom-Json | & $Command -Model gpt-image-2 -OutputDirectory $out -ThrottleLimit 1 -Confirm:$false -ErrorVariable failures -ErrorAction SilentlyContinue -InformationVariable information
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'NoImageGiven,*'
            "$($failures[0].TargetObject)" | Should -BeLike '*nothing at all*'
            if ($Command -eq 'Start-ImageEditBatch') {
                $output | Should -HaveCount 1
                Invoke-RestMethod -Method Post -Uri "$($server.Root)/_control/batches/$($output.Id)/advance" -Body '{"to":"completed"}' -ContentType 'application/json' | Out-Null
                ($output | Wait-ImageEditBatch -PollIntervalSec 0.1).RequestCounts.Completed | Should -Be 4
            }
            else {
                (Get-TestApiRequest $server -EditsOnly | Sort-Object sequence).bodyForm | Should -Be @('json', 'json', 'multipart', 'multipart')
                ($information | Where-Object { $_.Tags -contains 'RunSummary' }).MessageData.Failed | Should -Be 1
            }
        }

        It 'refuses a row with both a Path and a LiteralPath value, naming it, and edits the rest' {
            $rows = @(
                [pscustomobject]@{ Path = $lighthouse; LiteralPath = $harbour; Prompt = 'two images' }
                [pscustomobject]@{ Path = $lighthouse; LiteralPath = $null; Prompt = 'one image' }
            )
            $results = $rows | Edit-Image -ErrorVariable failures -ErrorAction SilentlyContinue
            $results | Should -HaveCount 1
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'AmbiguousImageInput,*'
            "$($failures[0].TargetObject)" | Should -BeLike '*two images*'
            @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 1
        }

        It 'uploads JSON rows whose Path or LiteralPath is null or empty, and names a row with no image' {
            $json = ConvertTo-Json -InputObject @(
                [ordered]@{ Path = $null; LiteralPath = $lighthouse }
                [ordered]@{ Path = $harbour; LiteralPath = $null }
                [ordered]@{ Path = $harbour; LiteralPath = '' }
                [ordered]@{ Path = $null; LiteralPath = ''; Note = 'nothing at all' }
            )
            $files = $json | ConvertFrom-Json | Add-ImageEditFile -ErrorVariable failures -ErrorAction SilentlyContinue
            $files | Should -HaveCount 3
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'NoImageGiven,*'
            "$($failures[0].TargetObject)" | Should -BeLike '*nothing at all*'
        }

        It 'names the file ID the API no longer has, and advises uploading it again with Add-ImageEditFile' {
            $file = Add-ImageEditFile $lighthouse
            $file | Remove-ImageEditFile -Confirm:$false
            $null = Edit-Image -FileId $file.FileId -Prompt 'x' -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'ApiNotFound,*'
            $failures[0].TargetObject | Should -Be $file.FileId
            $advice = $failures[0].ErrorDetails.RecommendedAction
            $advice | Should -BeLike "*$($file.FileId)*Add-ImageEditFile*"
            $advice | Should -Not -BeLike '*-BaseUri*'
            $advice | Should -Not -BeLike '*-Model*'
        }

        It 'refuses a file ID that cannot be one before sending a delete' {
            ' ', 'file a', 'file-a?x=1#y' | Remove-ImageEditFile -Confirm:$false -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures | Should -HaveCount 3
            $failures | ForEach-Object { $_.FullyQualifiedErrorId | Should -BeLike 'InvalidFileId,*' }
            @(Get-TestApiRequest $server | Where-Object method -EQ 'DELETE') | Should -HaveCount 0
        }

        It 'deletes files, with -WhatIf sending nothing and an unknown ID failing alone' {
            $files = $lighthouse, $harbour | Add-ImageEditFile
            $files | Remove-ImageEditFile -WhatIf
            @(Get-TestApiRequest $server | Where-Object method -EQ 'DELETE') | Should -HaveCount 0

            @($files.FileId) + 'file-doesnotexist000000000000' | Remove-ImageEditFile -Confirm:$false -ErrorVariable failures -ErrorAction SilentlyContinue
            $deletes = @(Get-TestApiRequest $server | Where-Object method -EQ 'DELETE')
            $deletes | Should -HaveCount 3
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'ApiNotFound,*'
            $failures[0].TargetObject | Should -Be 'file-doesnotexist000000000000'
        }
    }

    Context 'the model list and the model lifecycle' {
        It 'lists the image models the key can use with the shutdown date the API reports' {
            $env:IMAGEEDIT_TODAY = '2026-11-26'
            $models = Get-ImageEditModel
            $models.Id | Should -Contain 'gpt-image-2'
            $models.Id | Should -Not -Contain 'gpt-4o'
            $models.Id | Should -Not -Contain 'whisper-1'
            $old = $models | Where-Object Id -EQ 'gpt-image-1.5'
            $old.ShutdownDate | Should -Be ([datetime]'2026-12-01')
            $old.Status | Should -Be 'Retiring'
            $old.Replacement | Should -Be 'gpt-image-2.6-sunburst or gpt-image-2.6-flare'
            ($models | Where-Object Id -EQ 'gpt-image-2').Status | Should -Be 'Available'
            (Get-ImageEditModel -All).Id | Should -Contain 'gpt-4o'
            (Get-ImageEditModel 'gpt-image-2.6*').Id | Sort-Object | Should -Be @('gpt-image-2.6-flare', 'gpt-image-2.6-sunburst')
        }

        It 'warns <Expect> for a request to gpt-image-1.5 on <Today>, and still sends it' -ForEach @(
            @{ Today = '2026-08-01'; Expect = 'nothing' }
            @{ Today = '2026-10-01'; Expect = 'the date and the replacement' }
            @{ Today = '2026-12-02'; Expect = 'that OpenAI no longer serves it' }
        ) {
            $env:IMAGEEDIT_TODAY = $Today
            $null = Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-1.5 -WarningVariable warnings -WarningAction SilentlyContinue
            @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 1
            switch ($Expect) {
                'nothing' { $warnings | Should -BeNullOrEmpty }
                'the date and the replacement' { $warnings[0] | Should -BeLike '*shuts gpt-image-1.5 down on 2026-12-01 (61 days from now)*-Model gpt-image-2.6-sunburst or gpt-image-2.6-flare*' }
                default { $warnings[0] | Should -BeLike '*shut gpt-image-1.5 down on 2026-12-01 and no longer serves it*-Model gpt-image-2.6-sunburst or gpt-image-2.6-flare*' }
            }
        }

        It 'warns once per command, not once per file, and not at all on Azure' {
            $env:IMAGEEDIT_TODAY = '2026-12-02'
            $null = $lighthouse, $harbour, $lighthouse | Edit-Image -Prompt 'x' -Model gpt-image-1.5 -WarningVariable warnings -WarningAction SilentlyContinue
            $warnings | Should -HaveCount 1
            $null = Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-1.5 -ApiType Azure -BaseUri $server.Root -ApiKey (ConvertTo-SecureString $server.ApiKey -AsPlainText -Force) -WarningVariable azureWarnings
            $azureWarnings | Should -BeNullOrEmpty
        }

        It 'names the replacement when the API refuses a retiring model before its announced day' {
            $env:IMAGEEDIT_TODAY = '2026-11-27'
            Set-TestModels @(@{ id = 'gpt-image-1.5'; shutdown_date = '2026-12-01'; retired = $true })
            $null = Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-1.5 -ErrorVariable failures -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
            $failures[0].ErrorDetails.RecommendedAction | Should -BeLike '*retires gpt-image-1.5 on 2026-12-01*-Model gpt-image-2.6-sunburst or gpt-image-2.6-flare*'
        }

        It 'says when a plain model name matches nothing, as Get-Command does' {
            $models = Get-ImageEditModel 'no-such-model' -ErrorVariable failures -ErrorAction SilentlyContinue
            $models | Should -BeNullOrEmpty
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'ModelNotFound,*'
            Get-ImageEditModel 'no-such-*' -ErrorVariable quiet | Should -BeNullOrEmpty
            $quiet | Should -BeNullOrEmpty
        }

        It 'assumes nothing when no -Model is given: no model is sent and no warning given' {
            $env:IMAGEEDIT_TODAY = '2026-12-02'
            $null = Edit-Image $lighthouse -Prompt 'x' -WarningVariable warnings
            $warnings | Should -BeNullOrEmpty
            (Get-TestApiRequest $server -EditsOnly)[0].fields.name | Should -Not -Contain 'model'
        }

        It 'names the replacement when the API refuses a model the table knows is shut down' {
            $env:IMAGEEDIT_TODAY = '2026-12-02'
            Set-TestModels @(@{ id = 'gpt-image-1.5'; shutdown_date = '2026-12-01'; retired = $true }, @{ id = 'gpt-image-2'; shutdown_date = $null })
            $null = Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-1.5 -ErrorVariable failures -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'ApiNotFound,*'
            $failures[0].ErrorDetails.RecommendedAction | Should -BeLike '*shut gpt-image-1.5 down on 2026-12-01*-Model gpt-image-2.6-sunburst or gpt-image-2.6-flare*'
            $failures[0].TargetObject | Should -Be $lighthouse
        }

        It 'advises -Model and Get-ImageEditModel when no -Model was given and the API''s default model is retired' {
            Set-TestModels @(@{ id = 'gpt-image-1.5'; shutdown_date = '2026-12-01'; retired = $true }, @{ id = 'gpt-image-2'; shutdown_date = $null })
            $null = Edit-Image $lighthouse -Prompt 'x' -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'ApiNotFound,*'
            $advice = $failures[0].ErrorDetails.RecommendedAction
            $advice | Should -BeLike '*No -Model was given*gpt-image-1.5*-Model*Get-ImageEditModel*'
            $advice | Should -Not -BeLike '*-BaseUri*'
        }

        It 'sends a model the table does not know, and its new values, unchanged' {
            Set-TestModels @(@{ id = 'gpt-image-3'; shutdown_date = $null; values = @{ quality = @('ultra') } })
            $result = Edit-Image $lighthouse -Prompt 'x' -Model 'gpt-image-3' -Quality 'ultra' -ErrorVariable failures
            $failures | Should -BeNullOrEmpty
            $request = (Get-TestApiRequest $server -EditsOnly)[0]
            Get-Field $request 'model' | Should -Be 'gpt-image-3'
            Get-Field $request 'quality' | Should -Be 'ultra'
            $result.Model | Should -Be 'gpt-image-3'
        }
    }
}
