#Requires -Modules Pester
# The write side of the fault matrix (issue 19): for every file the module writes (an image, a run record line) in
# Edit-Image, Get-ImageEditStream and Receive-ImageEditBatch, a full disk (a small tmpfs), a folder removed, a folder
# that refuses writes (a read-only remount, and a folder made unwritable for a process without root's override), and a
# name too long; kill -9 at each phase of Receive-ImageEditBatch. Every case asserts the same two things: every image
# the API returned (its SHA-256, as the server recorded it) is in a saved file or in a result's B64Json, and nothing was
# paid twice (the server's request counts).

BeforeDiscovery {
    # A real full disk needs a mount: root on Linux. Elsewhere (CI without root, Windows, macOS) those cases are skipped.
    $script:canMount = $false
    $script:mountSkipReason = 'mounting a tmpfs needs root on Linux'
    if ($IsLinux -and (& id -u) -eq '0') {
        $probe = Join-Path ([IO.Path]::GetTempPath()) "imageedit-mount-probe-$PID"
        New-Item -ItemType Directory $probe -Force | Out-Null
        & mount -t tmpfs -o size=64k tmpfs $probe 2>$null
        if ($LASTEXITCODE -eq 0) {
            & umount $probe
            $script:canMount = $true
        }
        else { $script:mountSkipReason = 'mount -t tmpfs failed here (a container without CAP_SYS_ADMIN?)' }
        Remove-Item $probe -Force -ErrorAction SilentlyContinue
    }
    # A folder that refuses the writer: root ignores permission bits, so the writer runs without CAP_DAC_OVERRIDE.
    $script:canDropOverride = $canMount -and [bool](Get-Command setpriv -ErrorAction SilentlyContinue)
}

Describe 'Write faults: nothing the API returned is lost, nothing is paid twice' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestApiServer.psm1') -Force
        $script:server = Enter-ImageEditTestSession
        $suite = Join-Path $PSScriptRoot '../corpus/pngsuite' | Resolve-Path | Select-Object -ExpandProperty Path
        $script:inputs = Join-Path $TestDrive 'inputs'
        New-Item -ItemType Directory $inputs | Out-Null
        # Distinct images (a batch uploads each distinct image once, and -Resume tells inputs apart by their bytes).
        Get-ChildItem $suite -Filter 'basn*.png' | Select-Object -First 6 | ForEach-Object { Copy-Item $_.FullName (Join-Path $inputs $_.Name) }
        $script:mounts = [Collections.Generic.List[string]]::new()

        function New-SmallDisk([string] $Name, [string] $Size = '1m') {
            $folder = Join-Path $TestDrive $Name
            New-Item -ItemType Directory $folder | Out-Null
            & mount -t tmpfs -o "size=$Size" tmpfs $folder
            if ($LASTEXITCODE -ne 0) { throw "mount -t tmpfs $folder failed" }
            $mounts.Add($folder)
            $folder
        }
        function Get-Input([int] $Count) { Get-ChildItem $inputs | Sort-Object Name | Select-Object -First $Count }
        function Invoke-Control([string] $Path, $Body) {
            $json = if ($null -eq $Body) { '{}' } else { ConvertTo-Json -InputObject $Body -Depth 5 }
            Invoke-RestMethod -Method Post -Uri "$($server.Root)/_control/$Path" -Body $json -ContentType 'application/json'
        }
        function Get-BatchLine { @(Invoke-RestMethod -Uri "$($server.Root)/_control/batches" | ForEach-Object { $_ }) }
        function Get-Hash([byte[]] $Bytes) { [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($Bytes)).ToLowerInvariant() }
        # The SHA-256 of every image the pipeline carries in B64Json: results' Data, and stream events.
        function Get-CarriedHash([object[]] $Objects) {
            foreach ($object in $Objects) {
                $images = if ($object.PSObject.Properties['Data']) { $object.Data } else { $object }
                foreach ($image in $images) { if ($image.B64Json) { Get-Hash ([Convert]::FromBase64String($image.B64Json)) } }
            }
        }
        # The SHA-256 of every image file in the folder (not the record, not a temporary file).
        function Get-SavedHash([string] $Folder) {
            Get-SavedImage $Folder | Where-Object Name -NotLike '.imageedit-*' | ForEach-Object { Get-Sha256 $_.FullName }
        }
        # Nothing lost: every returned image is in a file of the folder or in B64Json on the pipeline.
        function Assert-NothingLost([string[]] $Returned, [string] $Folder, [object[]] $Objects) {
            $kept = @(Get-SavedHash $Folder) + @(Get-CarriedHash $Objects)
            $Returned | Should -Not -BeNullOrEmpty
            foreach ($hash in $Returned) { $kept | Should -Contain $hash -Because 'every image the API returned must be in a file or in a result' }
        }
        function Get-Summary($Information) { ($Information | Where-Object { $_.Tags -contains 'RunSummary' }).MessageData }
        # A pwsh of its own, for kill -9 and for a writer without root's permission override.
        function Start-Child([string] $Script, [string[]] $Prefix = @()) {
            $runner = Join-Path $TestDrive "child-$([guid]::NewGuid().ToString('N')).ps1"
            Set-Content $runner $Script
            $pwsh = @([Environment]::ProcessPath)
            if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') { $pwsh += Join-Path $PSHOME 'pwsh.dll' }
            $info = [Diagnostics.ProcessStartInfo]::new($Prefix.Count -gt 0 ? $Prefix[0] : $pwsh[0])
            foreach ($argument in @($Prefix | Select-Object -Skip 1) + @(if ($Prefix.Count -gt 0) { $pwsh } else { $pwsh | Select-Object -Skip 1 }) + @('-NoProfile', '-NonInteractive', '-File', $runner)) {
                $info.ArgumentList.Add($argument)
            }
            $info.Environment['IMAGEEDIT_TEST_MODULE'] = $env:IMAGEEDIT_TEST_MODULE
            $info.RedirectStandardOutput = $true
            $info.RedirectStandardError = $true
            $info.UseShellExecute = $false
            $process = [Diagnostics.Process]::Start($info)
            [pscustomobject]@{ Process = $process; Output = $process.StandardOutput.ReadToEndAsync(); Errors = $process.StandardError.ReadToEndAsync() }
        }
        function Wait-Until([scriptblock] $Condition, [int] $Seconds = 60) {
            $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
            while (-not (& $Condition)) {
                if ([DateTime]::UtcNow -gt $deadline) { throw "Timed out waiting for: $Condition" }
                Start-Sleep -Milliseconds 20
            }
        }
        # A batch of the first $Count inputs into $Folder, run to completion by the server.
        function Start-CompletedBatch([string] $Folder, [int] $Count) {
            $batch = Get-Input $Count | Start-ImageEditBatch -Prompt 'autumn' -OutputDirectory $Folder
            Invoke-Control "batches/$($batch.Id)/advance" @{ to = 'completed' } | Out-Null
            $batch
        }
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
            Invoke-Control "batches/$($batch[0].Id)/advance" @{ to = 'completed' } | Out-Null
            @(Get-BatchLine) | Should -HaveCount 6
        }

        It 'Receive-ImageEditBatch reports a write error per input not collected, and receiving again after freeing space collects the rest once' -Skip:(-not $canMount) {
            $out = New-SmallDisk 'full-receive'
            Invoke-Control 'batch-mode' @{ imageBytes = 400000 } | Out-Null
            $batch = Start-CompletedBatch $out 4
            $results = @($batch | Receive-ImageEditBatch -ErrorVariable failures -ErrorAction SilentlyContinue -InformationVariable information)

            $returned = @(Get-BatchLine).returnedImageSha256
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
            $lastTwo = @(Get-BatchLine | Select-Object -Skip 2 | ForEach-Object { $sourceOf[$_.customId] })
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
            @(Get-BatchLine) | Should -HaveCount 4 -Because 'receiving never runs a request again'
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

    Context 'Receive-ImageEditBatch into a folder removed while it downloads' {
        It 'keeps the image in its result, and names each input not collected' {
            $out = Join-Path $TestDrive 'removed-receive'
            $batch = Start-CompletedBatch $out 3
            # The output file arrives in two halves, 3 s apart; the folder goes in between.
            Set-TestApiFault $server @(@{ method = 'GET'; path = '/v1/files/*/content'; action = 'pause-midway'; delayMs = 3000 })
            $saboteur = Start-ThreadJob -ArgumentList $out, $server.Root -ScriptBlock {
                param($out, $root)
                $deadline = [DateTime]::UtcNow.AddSeconds(30)
                while (-not @(Invoke-RestMethod "$root/_control/faults" | ForEach-Object { $_ }).Count -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
                Start-Sleep -Milliseconds 500
                Remove-Item -LiteralPath $out -Recurse -Force
            }
            $results = @($batch | Receive-ImageEditBatch -ErrorVariable failures -ErrorAction SilentlyContinue)
            $saboteur | Wait-Job | Remove-Job

            $returned = @(Get-BatchLine).returnedImageSha256
            $carried = @(Get-CarriedHash $results)
            $failures | ForEach-Object { $_.FullyQualifiedErrorId | Should -Not -BeLike 'ConnectionFailed*' }
            # What was saved before the folder went is gone with it; what came after is in B64Json or not collected (and still with the API).
            $notCollected = @($failures | Where-Object { $_.FullyQualifiedErrorId -like 'OutputDirectoryNotUsable,*' })
            $notSaved = @($failures | Where-Object { $_.FullyQualifiedErrorId -like 'OutputWriteFailed,*' })
            $notSaved.Count | Should -Be $carried.Count
            $notSaved.Count | Should -BeGreaterThan 0
            foreach ($hash in $carried) { $returned | Should -Contain $hash }
            $results.Count + $notCollected.Count | Should -Be 3
        }
    }

    Context 'Receive-ImageEditBatch when the folder refuses writes in the middle of the download' {
        BeforeAll {
            # A batch of three, its output file sent in two halves 3 s apart; $Sabotage runs in between.
            function Invoke-DisturbedReceive([string] $Out, [scriptblock] $Sabotage, [switch] $AsChild) {
                $batch = Start-CompletedBatch $Out 3
                Set-TestApiFault $server @(@{ method = 'GET'; path = '/v1/files/*/content'; action = 'pause-midway'; delayMs = 3000 })
                $child = $null
                $job = $null
                if ($AsChild) {
                    # Without CAP_DAC_OVERRIDE, so that permission bits hold for this root-run writer.
                    $child = Start-Child -Prefix 'setpriv', '--bounding-set=-dac_override,-dac_read_search' -Script @"
Import-Module `$env:IMAGEEDIT_TEST_MODULE
`$env:OPENAI_API_KEY = '$($server.ApiKey)'; `$env:OPENAI_BASE_URL = '$($server.BaseUri)'
`$objects = @(Receive-ImageEditBatch -Id '$($batch.Id)' -OutputDirectory '$Out' -ErrorVariable failures -ErrorAction SilentlyContinue)
[pscustomobject]@{
    Results = `$objects.Count
    Carried = @(`$objects.Data | Where-Object B64Json | ForEach-Object { [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([Convert]::FromBase64String(`$_.B64Json))).ToLowerInvariant() })
    Errors = @(`$failures | ForEach-Object { `$_.FullyQualifiedErrorId })
} | ConvertTo-Json -Compress
"@
                }
                else {
                    $job = Start-ThreadJob -ScriptBlock { param($b, $o) Import-Module $env:IMAGEEDIT_TEST_MODULE; $b | Receive-ImageEditBatch -OutputDirectory $o -ErrorVariable failures -ErrorAction SilentlyContinue; $failures | ForEach-Object { "ERROR:$($_.FullyQualifiedErrorId)" } } -ArgumentList $batch, $Out
                }
                Wait-Until { @(Get-TestApiFault $server).Count -ge 1 }
                Start-Sleep -Milliseconds 500
                & $Sabotage
                if ($AsChild) {
                    $child.Process.WaitForExit(60000) | Should -BeTrue
                    $report = $child.Output.Result | ConvertFrom-Json
                    return [pscustomobject]@{ Batch = $batch; Results = $report.Results; Carried = @($report.Carried); Errors = @($report.Errors) }
                }
                $output = @($job | Wait-Job | Receive-Job)
                $job | Remove-Job
                $results = @($output | Where-Object { $_ -isnot [string] })
                [pscustomobject]@{ Batch = $batch; Results = $results.Count; Carried = @(Get-CarriedHash $results); Errors = @($output | Where-Object { $_ -is [string] } | ForEach-Object { $_ -replace '^ERROR:' }) }
            }
            # The first receive kept every answer it read (in a file or a result) and named each input it did not collect;
            # after the repair, receiving again collects all three once.
            function Assert-ReceivedOnceAfterRepair($Outcome, [string] $Out) {
                $returned = @(Get-BatchLine).returnedImageSha256
                $Outcome.Errors | ForEach-Object { $_ | Should -Not -BeLike 'ConnectionFailed*' }
                $notSaved = @($Outcome.Errors | Where-Object { $_ -like 'OutputWriteFailed*' })
                $notCollected = @($Outcome.Errors | Where-Object { $_ -like 'OutputDirectoryNotUsable*' })
                $notSaved.Count | Should -BeGreaterThan 0
                $Outcome.Carried.Count | Should -Be $notSaved.Count
                foreach ($hash in $Outcome.Carried) { $returned | Should -Contain $hash }
                $Outcome.Results + $notCollected.Count | Should -Be 3
                $again = @($Outcome.Batch | Receive-ImageEditBatch -ErrorVariable later -ErrorAction SilentlyContinue)
                $later | Should -BeNullOrEmpty
                $again | Should -HaveCount 3
                $saved = @(Get-SavedHash $Out)
                $saved | Should -HaveCount 3
                foreach ($hash in $returned) { $saved | Should -Contain $hash }
                @(Get-ChildItem -LiteralPath $Out -Force -Filter '*.tmp') | Should -HaveCount 0
                @(Get-BatchLine) | Should -HaveCount 3
            }
        }

        It 'a read-only remount: keeps the image in its result, names the rest, and receiving again after the repair collects all' -Skip:(-not $canMount) {
            $out = New-SmallDisk 'receive-readonly' '8m'
            $outcome = Invoke-DisturbedReceive $out { & mount -o remount,ro $out }
            & mount -o remount,rw $out
            Assert-ReceivedOnceAfterRepair $outcome $out
        }

        It 'permission refused: keeps the image in its result, names the rest, and receiving again after the repair collects all' -Skip:(-not $canDropOverride) {
            $out = Join-Path $TestDrive 'receive-denied'
            $outcome = Invoke-DisturbedReceive $out { & chmod 500 $out } -AsChild
            & chmod 755 $out
            Assert-ReceivedOnceAfterRepair $outcome $out
        }

        It 'the run record made unreadable: every answer read after it is kept in its result' {
            $out = Join-Path $TestDrive 'receive-record'
            $outcome = Invoke-DisturbedReceive $out {
                $record = Join-Path $out 'imageedit-record.jsonl'
                Remove-Item -LiteralPath $record -Force
                New-Item -ItemType Directory $record | Out-Null
            }
            $returned = @(Get-BatchLine).returnedImageSha256
            $outcome.Errors | ForEach-Object { $_ | Should -BeLike 'OutputWriteFailed*' }
            $outcome.Results | Should -Be 3
            $kept = @(Get-SavedHash $out) + @($outcome.Carried)
            foreach ($hash in $returned) { $kept | Should -Contain $hash }
        }
    }

    Context 'kill -9 in the middle of Receive-ImageEditBatch' {
        It 'collects everything once after a kill <Phase>, with no duplicate and no temporary file' -Skip:($IsWindows) -ForEach @(
            @{ Phase = 'mid-download of the output file'; ImageBytes = 0 }
            @{ Phase = 'mid-save of an image'; ImageBytes = 30000000 }
        ) {
            $out = Join-Path $TestDrive "killed-$($Phase -replace '\W', '-')"
            if ($ImageBytes) { Invoke-Control 'batch-mode' @{ imageBytes = $ImageBytes } | Out-Null }
            $batch = Start-CompletedBatch $out 3
            if (-not $ImageBytes) {
                # Half the output file, then a long pause: two lines are in, the third is not.
                Set-TestApiFault $server @(@{ method = 'GET'; path = '/v1/files/*/content'; action = 'pause-midway'; bytes = 0; delayMs = 60000 })
            }
            $child = Start-Child -Script @"
Import-Module `$env:IMAGEEDIT_TEST_MODULE
`$env:OPENAI_API_KEY = '$($server.ApiKey)'; `$env:OPENAI_BASE_URL = '$($server.BaseUri)'
Receive-ImageEditBatch -Id '$($batch.Id)' -OutputDirectory '$out' | Out-Null
"@
            try {
                if ($ImageBytes) { Wait-Until { Get-ChildItem -LiteralPath $out -Force -Filter '.imageedit-*.tmp' } }
                else { Wait-Until { @(Get-SavedHash $out).Count -ge 1 } }
            }
            finally {
                & kill -9 $child.Process.Id
                $child.Process.WaitForExit(30000) | Out-Null
            }
            # A temporary file the killed process left is old enough to be known as left over (not being written) after 2 s.
            Start-Sleep -Seconds 2.5

            $results = @($batch | Receive-ImageEditBatch -ErrorVariable failures -ErrorAction SilentlyContinue)
            $failures | Should -BeNullOrEmpty
            $results | Should -HaveCount 3
            $returned = @(Get-BatchLine).returnedImageSha256
            $saved = @(Get-SavedHash $out)
            $saved | Should -HaveCount 3 -Because 'no image is saved twice'
            foreach ($hash in $returned) { $saved | Should -Contain $hash }
            @(Get-ChildItem -LiteralPath $out -Force -Filter '*.tmp') | Should -HaveCount 0
            @(Get-BatchLine) | Should -HaveCount 3
        }
    }
}
