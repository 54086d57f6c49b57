#Requires -Modules Pester
# The write side of the fault matrix (issue 19): for every file the module writes (an image, a run record line) in
# Edit-Image, Get-ImageEditStream and Receive-ImageEditBatch, a full disk (a small tmpfs), a folder removed, a folder
# that refuses writes (a read-only remount, and a folder made unwritable for a process without root's override), and a
# name too long; kill -9 at each phase of Receive-ImageEditBatch. Every case asserts the same two things: every image
# the API returned (its SHA-256, as the server recorded it) is in a saved file or in a result's B64Json, and nothing was
# paid twice (the server's request counts).
# This file: Edit-Image and Get-ImageEditStream (and the run record, and names); WriteFaults.Receive.Tests.ps1:
# Receive-ImageEditBatch. Set-up: WriteFaults.Setup.ps1 and WriteFaults.Mounts.ps1.

BeforeDiscovery { . (Join-Path $PSScriptRoot 'WriteFaults.Mounts.ps1') }

Describe 'Write faults: nothing the API returned is lost, nothing is paid twice' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'WriteFaults.Setup.ps1')
    }

    AfterAll {
        foreach ($mount in $mounts) { & umount -l $mount 2>$null }
        Exit-ImageEditTestSession $server
    }

    BeforeEach {
        Reset-TestApiServer $server
    }

    Context 'a full disk (tmpfs of 1 MB, answers of 400 KB)' {
        It '<Cmdlet> keeps the image it cannot save in its result, with advice, and sends nothing more' -Skip:(-not $canMount) -ForEach @(
            @{ Cmdlet = 'Edit-Image' }
            @{ Cmdlet = 'Get-ImageEditStream' }
        ) {
            $out = New-SmallDisk "full-$Cmdlet"
            Set-TestApiScript $server @(@{ imageBytes = 400000; repeat = 5 })
            $objects = @(Get-Input 5 | & $Cmdlet -Prompt 'x' -OutputDirectory $out -ThrottleLimit 1 -ErrorVariable failures -ErrorAction SilentlyContinue -InformationVariable information)

            $sent = @(Get-TestApiRequest $server -EditsOnly)
            # Two images fit; the third is answered and cannot be saved; nothing is sent after it.
            $sent | Should -HaveCount 3
            Assert-NothingLost @($sent.returnedImageSha256) $out $objects
            @(Get-SavedHash $out) | Should -HaveCount 2
            $notSaved = @($failures | Where-Object { $_.FullyQualifiedErrorId -like 'OutputWriteFailed,*' })
            $notSaved | Should -HaveCount 1
            $notSaved[0].TargetObject | Should -Be (Get-Input 3)[2].FullName
            $notSaved[0].Exception.Message | Should -BeLike "*$out*"
            $notSaved[0].ErrorDetails.RecommendedAction | Should -BeLike '*free space*'
            $unsent = @($failures | Where-Object { $_.FullyQualifiedErrorId -like 'OutputDirectoryNotUsable,*' })
            $unsent.TargetObject | Should -Be (Get-Input 5 | Select-Object -Skip 3).FullName
            $unsent | ForEach-Object { $_.Exception.Message | Should -BeLike "*$out*stopped taking files*Nothing was sent*" }
            $failures | Should -HaveCount 3 -Because 'one error for the image not saved, one per input not sent, and nothing else'
            @(Get-ChildItem -LiteralPath $out -Force -Filter '*.tmp') | Should -HaveCount 0
            $summary = Get-Summary $information
            $summary.ImagesSaved | Should -Be 2
            $summary.ImagesNotSaved | Should -Be 1
            $summary.Failed | Should -Be 2
        }

        It 'Edit-Image does not record a -Count request whose images were not all saved, so -Resume sends it again' -Skip:(-not $canMount) {
            $out = New-SmallDisk 'full-count'
            Set-TestApiScript $server @(@{ imageBytes = 400000; repeat = 2 })
            $objects = @(Get-Input 1 | Edit-Image -Prompt 'x' -Count 3 -OutputDirectory $out -ErrorVariable failures -ErrorAction SilentlyContinue)
            $objects | Should -HaveCount 1
            @(Get-SavedHash $out) | Should -HaveCount 2
            @($objects.Data | Where-Object B64Json) | Should -HaveCount 1
            $failures[0].ErrorDetails.RecommendedAction + $failures[0].Exception.Message | Should -BeLike '*-Resume*'
            $record = Join-Path $out 'imageedit-record.jsonl'
            @(if (Test-Path $record) { Get-Content $record | Where-Object { $_ -like '*"requestId"*' } }) | Should -HaveCount 0 -Because 'a request with an image not saved is not on record'

            & mount -o remount,size=4m $out
            $again = @(Get-Input 1 | Edit-Image -Prompt 'x' -Count 3 -OutputDirectory $out -Resume)
            $again[0].Resumed | Should -BeFalse -Because 'the input is sent again, as its error said'
            @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 2
            @(Get-SavedHash $out).Count | Should -Be 5
        }

        It 'Start-ImageEditBatch submits nothing when its requests file or record cannot be written, names every input, and -Resume after freeing space submits them once' -Skip:(-not $canMount) {
            # A 64 KB disk nearly filled: the images upload (nothing is saved in the folder for them), the run record
            # takes a few lines, and then the part file (long prompts make long lines) runs out of room.
            $out = New-SmallDisk 'full-start' '64k'
            [IO.File]::WriteAllBytes((Join-Path $out 'filler.bin'), [byte[]]::new(50000))
            $prompt = 'p' * 3000
            $objects = @(Get-Input 6 | Start-ImageEditBatch -Prompt $prompt -Model gpt-image-2 -OutputDirectory $out -ErrorVariable failures -ErrorAction SilentlyContinue -InformationVariable information)

            $objects | Should -HaveCount 0 -Because 'no batch is created from a requests file cut short'
            @(Get-TestApiRequest $server | Where-Object path -EQ '/v1/batches') | Should -HaveCount 0
            $failures | Should -HaveCount 6 -Because 'every input gets one error'
            @($failures.TargetObject | Sort-Object) | Should -Be @((Get-Input 6).FullName | Sort-Object)
            foreach ($failure in $failures) {
                $failure.FullyQualifiedErrorId | Should -BeLike 'OutputWriteFailed,*'
                $failure.Exception.Message | Should -BeLike "*$out*stopped taking*no batch was created*"
                $failure.ErrorDetails.RecommendedAction | Should -BeLike '*Free space*-Resume*'
            }
            (Get-Summary $information).Failed | Should -Be 6
            @(Get-ChildItem -LiteralPath $out -Force -Filter '.imageedit-*') | Should -HaveCount 0 -Because 'no part file or temporary file is left'

            # Free space: the same command with -Resume plans every input again and submits them in one batch,
            # reusing every image already uploaded.
            Remove-Item (Join-Path $out 'filler.bin')
            & mount -o remount,size=4m $out
            $batch = @(Get-Input 6 | Start-ImageEditBatch -Prompt $prompt -Model gpt-image-2 -OutputDirectory $out -Resume -ErrorVariable later -ErrorAction SilentlyContinue)
            $later | Should -BeNullOrEmpty
            $batch | Should -HaveCount 1
            @(Get-TestApiRequest $server | Where-Object path -EQ '/v1/batches') | Should -HaveCount 1
            $visionNow = @(Get-TestApiRequest $server | Where-Object { $_.method -eq 'POST' -and $_.path -eq '/v1/files' -and ($_.fields | Where-Object name -EQ 'purpose').value -eq 'vision' }).Count
            $visionNow | Should -Be 6 -Because 'each of the six images is uploaded once over both runs: those the first run uploaded are reused'
            Invoke-TestApiControl $server "batches/$($batch[0].Id)/advance" @{ to = 'completed' } | Out-Null
            @(Get-TestApiBatchLine $server) | Should -HaveCount 6
        }

        It 'Receive-ImageEditBatch reports a write error per input not collected, and receiving again after freeing space collects the rest once' -Skip:(-not $canMount) {
            $out = New-SmallDisk 'full-receive'
            Invoke-TestApiControl $server 'batch-mode' @{ imageBytes = 400000 } | Out-Null
            $batch = Start-CompletedBatch $out 4
            $results = @($batch | Receive-ImageEditBatch -ErrorVariable failures -ErrorAction SilentlyContinue -InformationVariable information)

            $returned = @(Get-TestApiBatchLine $server).returnedImageSha256
            $returned | Should -HaveCount 4
            # Three answers were read: two saved, one in its result. The fourth was left with the API (collected below).
            $kept = @(Get-SavedHash $out) + @(Get-CarriedHash $results)
            @($returned | Where-Object { $kept -contains $_ }) | Should -HaveCount 3
            @(Get-SavedHash $out) | Should -HaveCount 2
            $failures | ForEach-Object { $_.FullyQualifiedErrorId | Should -Not -BeLike 'ConnectionFailed*' }
            $notSaved = @($failures | Where-Object { $_.FullyQualifiedErrorId -like 'OutputWriteFailed,*' })
            $notCollected = @($failures | Where-Object { $_.FullyQualifiedErrorId -like 'OutputDirectoryNotUsable,*' })
            $notSaved | Should -HaveCount 1
            $notCollected | Should -HaveCount 1
            # The last two lines of the output file (its order is the batch's, not the inputs': images upload in parallel).
            $sourceOf = @{}
            Get-Content (Join-Path $out 'imageedit-record.jsonl') | ForEach-Object { $_ | ConvertFrom-Json } | Where-Object type -EQ 'batchRequest' |
                ForEach-Object { $sourceOf[$_.customId] = $_.source }
            $lastTwo = @(Get-TestApiBatchLine $server | Select-Object -Skip 2 | ForEach-Object { $sourceOf[$_.customId] })
            @($notSaved.TargetObject) + @($notCollected.TargetObject) | Should -Be $lastTwo
            foreach ($failure in $notSaved + $notCollected) {
                $failure.Exception.Message | Should -BeLike "*$out*"
                $failure.ErrorDetails.RecommendedAction | Should -BeLike '*free space*receive*again*'
            }
            $summary = Get-Summary $information
            $summary | Should -Not -BeNullOrEmpty
            $summary.Edited | Should -Be 3
            $summary.ImagesSaved | Should -Be 2
            $summary.ImagesNotSaved | Should -Be 1
            $summary.Failed | Should -Be 1 -Because 'the input whose image is in its result has an outcome; the one not collected has none'

            # Free space (the disk grows), receive again: the rest is collected, nothing twice.
            & mount -o remount,size=4m $out
            $again = @(Get-ImageEditBatch -OutputDirectory $out | Receive-ImageEditBatch -ErrorVariable later -ErrorAction SilentlyContinue -InformationVariable information)
            $later | Should -BeNullOrEmpty
            $again | Should -HaveCount 4
            @($again | Where-Object Resumed) | Should -HaveCount 2
            $saved = @(Get-SavedHash $out)
            $saved | Should -HaveCount 4
            foreach ($hash in $returned) { $saved | Should -Contain $hash }
            (Get-Summary $information).Resumed | Should -Be 2
            @(Get-TestApiBatchLine $server) | Should -HaveCount 4 -Because 'receiving never runs a request again'
            @(Get-ChildItem -LiteralPath $out -Force -Filter '*.tmp') | Should -HaveCount 0
        }
    }

    Context 'a folder that refuses writes (read-only remount while the request is at the server)' {
        It '<Cmdlet> keeps the image in its result and sends nothing more' -Skip:(-not $canMount) -ForEach @(
            @{ Cmdlet = 'Edit-Image' }
            @{ Cmdlet = 'Get-ImageEditStream' }
        ) {
            $out = New-SmallDisk "readonly-$Cmdlet" '8m'
            Set-TestApiScript $server @(@{ delayMs = 1500 })
            $saboteur = Start-ThreadJob -ArgumentList $out, $server.Root -ScriptBlock {
                param($out, $root)
                $deadline = [DateTime]::UtcNow.AddSeconds(30)
                while (-not @(Invoke-RestMethod "$root/_control/requests" | ForEach-Object { $_ } | Where-Object path -Like '*/images/edits').Count -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
                & mount -o remount,ro $out
            }
            $objects = @(Get-Input 3 | & $Cmdlet -Prompt 'x' -OutputDirectory $out -ThrottleLimit 1 -ErrorVariable failures -ErrorAction SilentlyContinue)
            $saboteur | Wait-Job | Remove-Job
            & mount -o remount,rw $out

            $sent = @(Get-TestApiRequest $server -EditsOnly)
            $sent | Should -HaveCount 1
            Assert-NothingLost @($sent.returnedImageSha256) $out $objects
            @($failures | Where-Object { $_.FullyQualifiedErrorId -like 'OutputWriteFailed,*' }) | Should -HaveCount 1
            @($failures | Where-Object { $_.FullyQualifiedErrorId -like 'OutputDirectoryNotUsable,*' }) | Should -HaveCount 2
        }
    }

    Context 'a folder removed while the request is at the server' {
        It '<Cmdlet> keeps the image in its result and sends nothing more (not even into a folder made again)' -ForEach @(
            @{ Cmdlet = 'Edit-Image' }
            @{ Cmdlet = 'Get-ImageEditStream' }
        ) {
            $out = Join-Path $TestDrive "removed-$Cmdlet"
            Set-TestApiScript $server @(@{ delayMs = 1500 })
            $saboteur = Start-ThreadJob -ArgumentList $out, $server.Root -ScriptBlock {
                param($out, $root)
                $deadline = [DateTime]::UtcNow.AddSeconds(30)
                while (-not @(Invoke-RestMethod "$root/_control/requests" | ForEach-Object { $_ } | Where-Object path -Like '*/images/edits').Count -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
                Remove-Item -LiteralPath $out -Recurse -Force
            }
            $objects = @(Get-Input 3 | & $Cmdlet -Prompt 'x' -OutputDirectory $out -ThrottleLimit 1 -ErrorVariable failures -ErrorAction SilentlyContinue)
            $saboteur | Wait-Job | Remove-Job

            $sent = @(Get-TestApiRequest $server -EditsOnly)
            $sent | Should -HaveCount 1
            @(Get-CarriedHash $objects) | Should -Be @($sent.returnedImageSha256)
            @($failures | Where-Object { $_.FullyQualifiedErrorId -like 'OutputWriteFailed,*' }) | Should -HaveCount 1
            @($failures | Where-Object { $_.FullyQualifiedErrorId -like 'OutputDirectoryNotUsable,*' }) | Should -HaveCount 2
        }
    }

    Context 'a folder made unwritable for a writer without root''s override (permission denied)' {
        It '<Cmdlet> keeps the image in its result and sends nothing more' -Skip:(-not $canDropOverride) -ForEach @(
            @{ Cmdlet = 'Edit-Image' }
            @{ Cmdlet = 'Get-ImageEditStream' }
        ) {
            $out = Join-Path $TestDrive "denied-$Cmdlet"
            New-Item -ItemType Directory $out | Out-Null
            Set-TestApiScript $server @(@{ delayMs = 1500 })
            $files = (Get-Input 3).FullName -join "','"
            $child = Start-Child -Prefix 'setpriv', '--bounding-set=-dac_override,-dac_read_search' -Script @"
Import-Module `$env:IMAGEEDIT_TEST_MODULE
`$env:OPENAI_API_KEY = '$($server.ApiKey)'; `$env:OPENAI_BASE_URL = '$($server.BaseUri)'
`$objects = @('$files' | $Cmdlet -Prompt x -OutputDirectory '$out' -ThrottleLimit 1 -ErrorVariable failures -ErrorAction SilentlyContinue)
[pscustomobject]@{
    Carried = @(`$objects | ForEach-Object { if (`$_.PSObject.Properties['Data']) { `$_.Data } else { `$_ } } | Where-Object B64Json | ForEach-Object { [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([Convert]::FromBase64String(`$_.B64Json))).ToLowerInvariant() })
    Errors = @(`$failures | ForEach-Object { `$_.FullyQualifiedErrorId + ': ' + `$_.Exception.Message })
} | ConvertTo-Json -Compress
"@
            Wait-Until { @(Get-TestApiRequest $server -EditsOnly).Count -ge 1 }
            & chmod 500 $out
            try {
                $child.Process.WaitForExit(60000) | Should -BeTrue
            }
            finally { & chmod 755 $out }
            $report = $child.Output.Result | ConvertFrom-Json
            $child.Errors.Result | Should -BeNullOrEmpty

            $sent = @(Get-TestApiRequest $server -EditsOnly)
            $sent | Should -HaveCount 1
            $report.Carried | Should -Be @($sent.returnedImageSha256)
            @($report.Errors | Where-Object { $_ -like 'OutputWriteFailed,*' }) | Should -HaveCount 1
            @($report.Errors | Where-Object { $_ -like 'OutputDirectoryNotUsable,*stopped taking files*' }) | Should -HaveCount 2
        }
    }

    Context 'the run record cannot take the line' {
        It '<Cmdlet> keeps the saved image, says -Resume would send it again, and sends nothing more' -ForEach @(
            @{ Cmdlet = 'Edit-Image' }
            @{ Cmdlet = 'Get-ImageEditStream' }
        ) {
            $out = Join-Path $TestDrive "record-$Cmdlet"
            New-Item -ItemType Directory $out | Out-Null
            Set-TestApiScript $server @(@{ delayMs = 1500 })
            # While the request is at the server, the record becomes a folder: its line cannot be written.
            $saboteur = Start-ThreadJob -ArgumentList $out, $server.Root -ScriptBlock {
                param($out, $root)
                $deadline = [DateTime]::UtcNow.AddSeconds(30)
                while (-not @(Invoke-RestMethod "$root/_control/requests" | ForEach-Object { $_ } | Where-Object path -Like '*/images/edits').Count -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
                $record = Join-Path $out 'imageedit-record.jsonl'
                Remove-Item -LiteralPath $record -Force -ErrorAction SilentlyContinue
                New-Item -ItemType Directory $record | Out-Null
            }
            $objects = @(Get-Input 3 | & $Cmdlet -Prompt 'x' -OutputDirectory $out -ThrottleLimit 1 -ErrorVariable failures -ErrorAction SilentlyContinue)
            $saboteur | Wait-Job | Remove-Job

            $sent = @(Get-TestApiRequest $server -EditsOnly)
            $sent | Should -HaveCount 1
            Assert-NothingLost @($sent.returnedImageSha256) $out $objects
            $recordFailure = @($failures | Where-Object { $_.FullyQualifiedErrorId -like 'OutputWriteFailed,*' })
            $recordFailure | Should -HaveCount 1
            $recordFailure[0].Exception.Message | Should -BeLike '*run record*-Resume*'
            @($failures | Where-Object { $_.FullyQualifiedErrorId -like 'OutputDirectoryNotUsable,*' }) | Should -HaveCount 2
        }

        It 'Get-ImageEditStream hands the completed event on before its run record line, so the error about the line follows the event' {
            # Issue 23: the event reaches user code as soon as its file has its name; the line is written after (it was
            # written first, so the event waited for it, and its error came before the event).
            $out = Join-Path $TestDrive 'record-order'
            New-Item -ItemType Directory $out | Out-Null
            Set-TestApiScript $server @(@{ delayMs = 1500 })
            $saboteur = Start-ThreadJob -ArgumentList $out, $server.Root -ScriptBlock {
                param($out, $root)
                $deadline = [DateTime]::UtcNow.AddSeconds(30)
                while (-not @(Invoke-RestMethod "$root/_control/requests" | ForEach-Object { $_ } | Where-Object path -Like '*/images/edits').Count -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
                New-Item -ItemType Directory (Join-Path $out 'imageedit-record.jsonl') | Out-Null
            }
            $all = @(Get-Input 1 | Get-ImageEditStream -Prompt 'x' -OutputDirectory $out -ErrorAction Continue 2>&1)
            $saboteur | Wait-Job | Remove-Job

            $completed = @(0..($all.Count - 1) | Where-Object { $all[$_] -is [ImageEdit.Models.ImageEditCompletedEvent] })
            $recordError = @(0..($all.Count - 1) | Where-Object { $all[$_] -is [Management.Automation.ErrorRecord] -and $all[$_].FullyQualifiedErrorId -like 'OutputWriteFailed,*' })
            $completed | Should -HaveCount 1
            $recordError | Should -HaveCount 1
            $completed[0] | Should -BeLessThan $recordError[0]
            Test-Path -LiteralPath $all[$completed[0]].Path -PathType Leaf | Should -BeTrue
        }
    }

    Context 'a name too long for the file system' {
        It 'Edit-Image keeps that image in its result and goes on with the others' -Skip:(-not $IsLinux) {
            # A folder whose path leaves room for the temporary name, not for the source's long name.
            $out = $TestDrive
            while ($out.Length -lt 3900) { $out = Join-Path $out ('d' * [Math]::Min(200, 3900 - $out.Length)) }
            $long = Join-Path $TestDrive ('p' * 200 + '.png')
            Copy-Item (Get-Input 1).FullName $long
            try {
                $objects = @($long, (Get-Input 2)[1].FullName | Edit-Image -Prompt 'x' -OutputDirectory $out -ThrottleLimit 1 -ErrorVariable failures -ErrorAction SilentlyContinue)
                $sent = @(Get-TestApiRequest $server -EditsOnly)
                $sent | Should -HaveCount 2
                Assert-NothingLost @($sent.returnedImageSha256) $out $objects
                $failures | Should -HaveCount 1
                $failures[0].FullyQualifiedErrorId | Should -BeLike 'OutputWriteFailed,*'
                $failures[0].TargetObject | Should -Be $long
                $objects[1].Data[0].Path | Should -Not -BeNullOrEmpty
            }
            finally { & rm -rf (Join-Path $TestDrive ('d' * 200)) }
        }
    }
}
