#Requires -Modules Pester
# The Files API cmdlets, as users run them against the local server (set-up: JsonEdits.Setup.ps1).

Describe 'JSON edits, files and models' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'JsonEdits.Setup.ps1')
    }

    AfterAll {
        $env:IMAGEEDIT_TODAY = $savedToday
        Exit-ImageEditTestSession $server
    }

    BeforeEach {
        Reset-TestApiServer $server
        $env:IMAGEEDIT_TODAY = '2026-06-01'
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
}
