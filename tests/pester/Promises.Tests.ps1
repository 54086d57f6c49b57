#Requires -Modules Pester
# The README's promises, tested where they break: many writers at once, many trials; the output folder lost, nothing
# overwritten or lost, a paid answer never thrown away, B64Json never other bytes. Odd but real inputs are in
# Promises.Inputs.Tests.ps1; the set-up of both is Promises.Setup.ps1.

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
                # A temporary file of an image being saved (over 1 MB): the saving warm-up's own tiny one comes and goes first.
                $saving = { Get-ChildItem -LiteralPath $out -Force -Filter '*.tmp' -ErrorAction SilentlyContinue | Where-Object Length -gt 1MB }
                while ([DateTime]::UtcNow -lt $deadline -and -not (& $saving)) { Start-Sleep -Milliseconds 10 }
                & $saving | Should -Not -BeNullOrEmpty -Because 'the signal must come while a save is under way'
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
}
