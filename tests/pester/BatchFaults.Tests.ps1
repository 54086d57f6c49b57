#Requires -Modules Pester
# Start-ImageEditBatch under faults (issue 19, items 2, 3, 12 and 15): calls that are not idempotent (creating a batch,
# uploading a file) whose answer is lost, kill -9 at each phase, -Resume while a batch still runs, part files left behind,
# and Ctrl+C during the uploads. Every case counts on the server: no batch or file made twice, nothing left in the folder.

Describe 'Start-ImageEditBatch under faults' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestApiServer.psm1') -Force
        $script:server = Enter-ImageEditTestSession
        $suite = Join-Path $PSScriptRoot '../corpus/pngsuite' | Resolve-Path | Select-Object -ExpandProperty Path
        $script:inputs = Join-Path $TestDrive 'inputs'
        New-Item -ItemType Directory $inputs | Out-Null
        Get-ChildItem $suite -Filter 'bas*.png' | Select-Object -First 3 | ForEach-Object { Copy-Item $_.FullName (Join-Path $inputs $_.Name) }
        function Get-CreateCall { @(Get-TestApiRequest $server | Where-Object { $_.method -eq 'POST' -and $_.path -eq '/v1/batches' }) }
        function Get-PartFile([string] $Folder) { if (-not (Test-Path -LiteralPath $Folder)) { return @() }; @(Get-ChildItem -LiteralPath $Folder -Force -Filter '.imageedit-batch-*') }
        # A child pwsh running Start-ImageEditBatch on the inputs into $Folder, not waited for (it is killed).
        function Start-BatchChild([string] $Folder) {
            $script = "Import-Module '$env:IMAGEEDIT_TEST_MODULE'; `$env:OPENAI_API_KEY = '$($server.ApiKey)'; `$env:OPENAI_BASE_URL = '$($server.BaseUri)'; " +
                "Get-ChildItem '$inputs' | Start-ImageEditBatch -Prompt 'x' -OutputDirectory '$Folder' -TimeoutSec 300"
            $info = [System.Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
            if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') { $info.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
            foreach ($argument in '-NoProfile', '-NonInteractive', '-Command', $script) { $info.ArgumentList.Add($argument) }
            $info.UseShellExecute = $false
            $info.RedirectStandardOutput = $true
            $info.RedirectStandardError = $true
            [System.Diagnostics.Process]::Start($info)
        }
    }

    AfterAll {
        Exit-ImageEditTestSession $server
    }

    BeforeEach {
        Reset-TestApiServer $server
    }

    It 'adopts the batch a create call made when its answer is lost (<Action>), instead of creating a second one' -ForEach @(
        @{ Action = 'hang-after' }, @{ Action = 'reset-after' }
    ) {
        $out = Join-Path $TestDrive "create-$Action"
        Set-TestApiFault $server @(@{ method = 'POST'; path = '/v1/batches'; action = $Action })
        $all = Get-ChildItem $inputs | Start-ImageEditBatch -Prompt 'x' -OutputDirectory $out -TimeoutSec 2 -Verbose 4>&1
        $verbose = @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        $batch = @($all | Where-Object { $_ -is [ImageEdit.Models.ImageEditBatch] })
        Get-TestApiBatch $server | Should -HaveCount 1 -Because 'the first try created the batch; a second would run (and bill) every line again'
        Get-CreateCall | Should -HaveCount 1
        $batch | Should -HaveCount 1
        $batch.Id | Should -Be (Get-TestApiBatch $server)[0].id
        @(Read-RunRecord $out | Where-Object type -EQ 'batch').id | Should -Be @($batch.Id)
        ($verbose.Message -join "`n") | Should -Match 'adopted'
        Get-PartFile $out | Should -BeNullOrEmpty
    }

    It 'sends a create call again only after finding that the first made nothing, and says so' {
        $out = Join-Path $TestDrive 'create-500'
        Set-TestApiFault $server @(@{ method = 'POST'; path = '/v1/batches'; action = 'status'; status = 500 })
        $verbose = Get-ChildItem $inputs | Start-ImageEditBatch -Prompt 'x' -OutputDirectory $out -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        Get-TestApiBatch $server | Should -HaveCount 1
        Get-TestApiFault $server | Should -HaveCount 1 -Because 'the first try was answered 500 without being handled'
        Get-CreateCall | Should -HaveCount 1
        @(Get-TestApiRequest $server | Where-Object { $_.method -eq 'GET' -and $_.path -eq '/v1/batches' }).Count | Should -BeGreaterThan 0 -Because 'it looked before sending again'
        ($verbose.Message -join "`n") | Should -Match 'found none.*sending it again'
    }

    It 'adopts an upload whose answer is lost (purpose <Purpose>) instead of storing the file twice' -ForEach @(
        @{ Purpose = 'vision'; Skip = 1 }, @{ Purpose = 'batch'; Skip = 3 }
    ) {
        $out = Join-Path $TestDrive "upload-$Purpose"
        Set-TestApiFault $server @(@{ method = 'POST'; path = '/v1/files'; action = 'hang-after'; skip = $Skip })
        $batch = Get-ChildItem $inputs | Start-ImageEditBatch -Prompt 'x' -OutputDirectory $out -TimeoutSec 2
        Get-TestApiFault $server | Should -HaveCount 1
        Get-TestApiFile $server 'vision' | Should -HaveCount 3
        Get-TestApiFile $server 'batch' | Should -HaveCount 1
        $batch.InputFileId | Should -Be (Get-TestApiFile $server 'batch')[0].id
        $recorded = @(Read-RunRecord $out | Where-Object type -EQ 'upload').fileId | Sort-Object
        $recorded | Should -Be (@((Get-TestApiFile $server 'vision').id) | Sort-Object)
    }

    It 'makes its uploads expire 30 days after they were made' {
        $out = Join-Path $TestDrive 'expiry'
        $null = Get-ChildItem $inputs | Start-ImageEditBatch -Prompt 'x' -OutputDirectory $out
        foreach ($file in (Get-TestApiFile $server 'vision') + (Get-TestApiFile $server 'batch')) {
            $file.expires_at - $file.created_at | Should -Be (30 * 86400)
        }
    }

    It 'uploads an image again when the upload the record remembers expires within a new batch''s window' {
        $out = Join-Path $TestDrive 'expiring'
        New-Item -ItemType Directory $out | Out-Null
        $image = (Get-ChildItem $inputs)[0].FullName
        $soon = Add-ImageEditFile $image -ExpiresAfterDays 1
        $line = [ordered]@{ type = 'upload'; time = [DateTimeOffset]::UtcNow.ToString('o'); sha256 = (Get-Sha256 $image); length = $soon.Bytes; fileId = $soon.FileId; path = $image }
        Add-Content (Join-Path $out 'imageedit-record.jsonl') (ConvertTo-Json $line -Compress)
        $null = Start-ImageEditBatch $image -Prompt 'x' -OutputDirectory $out
        Get-TestApiFile $server 'vision' | Should -HaveCount 2 -Because 'a file that expires in 24 hours may be gone before the batch runs'
        @(Read-RunRecord $out | Where-Object type -EQ 'upload')[-1].fileId | Should -Not -Be $soon.FileId
    }

    It 'Add-ImageEditFile adopts an upload whose answer is lost, and sets the expiry it is given' {
        $image = (Get-ChildItem $inputs)[0].FullName
        Set-TestApiFault $server @(@{ method = 'POST'; path = '/v1/files'; action = 'reset-after' })
        $file = Add-ImageEditFile $image -ExpiresAfterDays 2
        Get-TestApiFile $server 'vision' | Should -HaveCount 1
        $file.FileId | Should -Be (Get-TestApiFile $server 'vision')[0].id
        $file.ExpiresAt - $file.CreatedAt | Should -Be ([timespan]::FromDays(2))
        $plain = Add-ImageEditFile $image
        $plain.ExpiresAt | Should -BeNullOrEmpty -Because 'Add-ImageEditFile keeps files until they are removed unless asked'
    }

    It 'after kill -9 <Phase>, the next -Resume adopts what was made: no batch or file twice, nothing left in the folder' -ForEach @(
        @{ Phase = 'during the image uploads'; Fault = @{ method = 'POST'; path = '/v1/files'; action = 'hang-after'; skip = 1 }; Made = { (Get-TestApiFile $server 'vision').Count -eq 3 -and (Get-PartFile $out).Count -eq 1 } }
        @{ Phase = 'during the part upload'; Fault = @{ method = 'POST'; path = '/v1/files'; action = 'hang-after'; skip = 3 }; Made = { (Get-TestApiFile $server 'batch').Count -eq 1 } }
        @{ Phase = 'during the create call'; Fault = @{ method = 'POST'; path = '/v1/batches'; action = 'hang-after' }; Made = { (Get-TestApiBatch $server).Count -eq 1 } }
    ) {
        $out = Join-Path $TestDrive ('kill-' + ($Phase -replace '\W', ''))
        Set-TestApiFault $server @($Fault)
        $child = Start-BatchChild $out
        try {
            Wait-Until $Made $Phase
        }
        finally {
            $child.Kill()
            $child.WaitForExit()
        }
        if ($Phase -ne 'during the create call') {
            Get-PartFile $out | Should -Not -BeNullOrEmpty -Because 'kill -9 leaves the part file being written'
        }

        $batch = Get-ChildItem $inputs | Start-ImageEditBatch -Prompt 'x' -OutputDirectory $out -Resume -WarningAction SilentlyContinue
        Get-TestApiBatch $server | Should -HaveCount 1
        Get-TestApiFile $server 'vision' | Should -HaveCount 3
        $batchFiles = @(Get-TestApiFile $server 'batch')
        $batchFiles | Should -HaveCount 1
        (Get-TestApiBatch $server)[0].input_file_id | Should -Be $batchFiles[0].id
        @(Read-RunRecord $out | Where-Object type -EQ 'batch').id | Should -Be @((Get-TestApiBatch $server)[0].id)
        Get-PartFile $out | Should -BeNullOrEmpty

        Invoke-TestApiControl $server 'batches/advance-all' @{ to = 'completed' } | Out-Null
        $results = Get-ImageEditBatch -OutputDirectory $out | Receive-ImageEditBatch
        $results | Should -HaveCount 3
    }

    It 'run again without -Resume after kill -9 during the create call, adopts the batch and does not submit its inputs a second time' {
        $out = Join-Path $TestDrive 'kill-create-no-resume'
        Set-TestApiFault $server @(@{ method = 'POST'; path = '/v1/batches'; action = 'hang-after' })
        $child = Start-BatchChild $out
        try {
            Wait-Until { (Get-TestApiBatch $server).Count -eq 1 } 'the create call'
        }
        finally {
            $child.Kill()
            $child.WaitForExit()
        }
        $batch = @(Get-ChildItem $inputs | Start-ImageEditBatch -Prompt 'x' -OutputDirectory $out -WarningVariable warned -WarningAction SilentlyContinue)
        Get-TestApiBatch $server | Should -HaveCount 1 -Because 'nobody saw the adopted batch: running the same command again means the inputs it already carries'
        $batch.Id | Should -Be @((Get-TestApiBatch $server)[0].id)
        ($warned -join "`n") | Should -Match 'Adopted'
        Invoke-TestApiControl $server 'batches/advance-all' @{ to = 'completed' } | Out-Null
        @($batch | Wait-ImageEditBatch -PollIntervalSec 0.1 | Receive-ImageEditBatch) | Should -HaveCount 3
        @(Get-SavedImage $out) | Should -HaveCount 3
    }

    It 'passes the batch that holds the inputs down the pipeline under -Resume, so Wait- and Receive-ImageEditBatch after it collect them' {
        $out = Join-Path $TestDrive 'resume-pipeline'
        $first = Get-ChildItem $inputs | Start-ImageEditBatch -Prompt 'x' -OutputDirectory $out
        Invoke-TestApiControl $server 'batch-mode' @{ auto = $true } | Out-Null
        $results = @(Get-ChildItem $inputs | Start-ImageEditBatch -Prompt 'x' -OutputDirectory $out -Resume -WarningAction SilentlyContinue |
            Wait-ImageEditBatch -PollIntervalSec 0.1 | Receive-ImageEditBatch)
        $results | Should -HaveCount 3
        Get-CreateCall | Should -HaveCount 1
        @(Get-SavedImage $out) | Should -HaveCount 3
    }

    It '-Resume does not submit again what a running batch holds, says which batch holds it, and later submits only what it did not complete' {
        $out = Join-Path $TestDrive 'running'
        $first = Get-ChildItem $inputs | Start-ImageEditBatch -Prompt 'x' -OutputDirectory $out
        $again = Get-ChildItem $inputs | Start-ImageEditBatch -Prompt 'x' -OutputDirectory $out -Resume -WarningVariable warned -WarningAction SilentlyContinue
        @($again).Id | Should -Be @($first.Id) -Because 'the batch holding the inputs goes down the pipeline in place of a new one'
        Get-CreateCall | Should -HaveCount 1
        ($warned -join "`n") | Should -Match ([regex]::Escape($first.Id))

        Invoke-TestApiControl $server "batches/$($first.Id)/advance" @{ complete = 2 } | Out-Null
        $null = $first | Stop-ImageEditBatch -Confirm:$false
        Invoke-TestApiControl $server "batches/$($first.Id)/advance" $null | Out-Null
        ($first | Get-ImageEditBatch).Status | Should -Be 'cancelled'
        $rest = Get-ChildItem $inputs | Start-ImageEditBatch -Prompt 'x' -OutputDirectory $out -Resume -WarningVariable warned -WarningAction SilentlyContinue
        $rest = @($rest | Where-Object Id -NE $first.Id)
        $rest | Should -HaveCount 1
        @(Read-RunRecord $out | Where-Object { $_.type -eq 'batch' -and $_.id -eq $rest.Id }).requests | Should -Be 1 -Because 'two of the three completed in the first batch, waiting to be received'
        ($warned -join "`n") | Should -Match 'Receive-ImageEditBatch'

        Invoke-TestApiControl $server 'batches/advance-all' @{ to = 'completed' } | Out-Null
        $results = Get-ImageEditBatch -OutputDirectory $out | Receive-ImageEditBatch -ErrorAction SilentlyContinue
        @(Get-SavedImage $out) | Should -HaveCount 3
    }

    It 'deletes the part files an earlier run left, but not one another run still holds' {
        $out = Join-Path $TestDrive 'left-behind'
        New-Item -ItemType Directory $out | Out-Null
        $stale = Join-Path $out '.imageedit-batch-0123456789ab-0.jsonl'
        Set-Content $stale '{}'
        $held = Join-Path $out '.imageedit-batch-ba9876543210-0.jsonl'
        $holder = [IO.FileStream]::new($held, 'CreateNew', 'Write', 'Read')
        try {
            $null = Get-ChildItem $inputs | Start-ImageEditBatch -Prompt 'x' -OutputDirectory $out
            Test-Path $stale | Should -BeFalse
            Test-Path $held | Should -BeTrue -Because 'a live run is writing it'
        }
        finally {
            $holder.Dispose()
        }
    }

    It 'writes a run summary' {
        $out = Join-Path $TestDrive 'summary'
        $null = Get-ChildItem $inputs | Start-ImageEditBatch -Prompt 'x' -OutputDirectory $out -InformationVariable info
        $summary = @($info.MessageData | Where-Object { $_ -is [ImageEdit.Models.ImageEditRunSummary] })
        $summary | Should -HaveCount 1
        $summary[0].Submitted | Should -Be 3
        $summary[0].Failed | Should -Be 0
        $summary[0].ToString() | Should -BeLike 'Submitted 3 input(s) in batches.*' -Because 'the line a log shows says what the command did'
    }

    It 'stops at Ctrl+C during an upload, with its Verbose lines written as it goes' {
        $out = Join-Path $TestDrive 'stopped'
        Set-TestApiFault $server @(@{ method = 'POST'; path = '/v1/files'; action = 'hang-after' })
        $ps = [PowerShell]::Create()
        $null = $ps.AddScript("Import-Module '$env:IMAGEEDIT_TEST_MODULE'; Get-ChildItem '$inputs' | Start-ImageEditBatch -Prompt 'x' -OutputDirectory '$out' -TimeoutSec 45 -MaximumRetryCount 0 -Verbose")
        $async = $ps.BeginInvoke()
        try {
            Wait-Until { (Get-TestApiFault $server).Count -eq 1 } 'the upload'
            Wait-Until { @($ps.Streams.Verbose | Where-Object Message -Like 'POST*/v1/files*').Count -gt 0 } 'the upload''s Verbose line while it is in flight'
            $stop = $ps.BeginStop($null, $null)
            $stop.AsyncWaitHandle.WaitOne([timespan]::FromSeconds(30)) | Should -BeTrue -Because 'Ctrl+C cancels the upload instead of waiting out -TimeoutSec'
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        }
        finally {
            $ps.Dispose()
        }
        Get-CreateCall | Should -HaveCount 0
        Get-PartFile $out | Should -BeNullOrEmpty
    }
}
