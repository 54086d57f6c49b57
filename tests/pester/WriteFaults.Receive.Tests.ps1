#Requires -Modules Pester
# The write side of the fault matrix (issue 19) for Receive-ImageEditBatch: a folder removed or refusing writes while it
# downloads, and kill -9 at each phase. As in WriteFaults.Tests.ps1: every image the API returned is in a saved file or
# in a result's B64Json, and nothing was paid twice. Set-up: WriteFaults.Setup.ps1 and WriteFaults.Mounts.ps1.

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

            $returned = @(Get-TestApiBatchLine $server).returnedImageSha256
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
                $returned = @(Get-TestApiBatchLine $server).returnedImageSha256
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
                @(Get-TestApiBatchLine $server) | Should -HaveCount 3
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
            $returned = @(Get-TestApiBatchLine $server).returnedImageSha256
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
            if ($ImageBytes) { Invoke-TestApiControl $server 'batch-mode' @{ imageBytes = $ImageBytes } | Out-Null }
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
            $returned = @(Get-TestApiBatchLine $server).returnedImageSha256
            $saved = @(Get-SavedHash $out)
            $saved | Should -HaveCount 3 -Because 'no image is saved twice'
            foreach ($hash in $returned) { $saved | Should -Contain $hash }
            @(Get-ChildItem -LiteralPath $out -Force -Filter '*.tmp') | Should -HaveCount 0
            @(Get-TestApiBatchLine $server) | Should -HaveCount 3
        }
    }
}
