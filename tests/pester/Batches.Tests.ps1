#Requires -Modules Pester
# The Batch API cmdlets against the local server: plan, submit, wait, receive, cancel, and collect from another session.

Describe 'Batch API' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestApiServer.psm1') -Force
        $script:server = Enter-ImageEditTestSession
        $samples = Join-Path $PSScriptRoot '../../samples' | Resolve-Path | Select-Object -ExpandProperty Path
        $script:reference = Join-Path $samples 'harbour.jpg'
        $suite = Join-Path $PSScriptRoot '../corpus/pngsuite' | Resolve-Path | Select-Object -ExpandProperty Path
        $script:inputs = Join-Path $TestDrive 'inputs'
        New-Item -ItemType Directory $inputs | Out-Null
        Get-ChildItem $suite -Filter 'bas*.png' | Select-Object -First 30 | ForEach-Object { Copy-Item $_.FullName (Join-Path $inputs $_.Name) }
        function Get-Upload([string] $Purpose) { @(Get-TestApiRequest $server | Where-Object { $_.method -eq 'POST' -and $_.path -eq '/v1/files' -and ($_.fields | Where-Object name -EQ 'purpose').value -eq $Purpose }) }
    }

    AfterAll {
        Exit-ImageEditTestSession $server
    }

    BeforeEach {
        Reset-TestApiServer $server
    }

    It 'submits 30 files with one shared reference as 31 uploads and one batch, and collects 30 files holding the returned bytes' {
        $out = Join-Path $TestDrive 'thirty'
        $batch = Get-ChildItem $inputs | Start-ImageEditBatch -Prompt 'make it autumn' -ReferencePath $reference -Model gpt-image-2 -OutputDirectory $out
        $batch | Should -HaveCount 1
        $batch.Status | Should -Be 'validating'
        $batch.RequestCounts.Total | Should -Be 0 -Because 'the server counts once it has validated'
        Get-Upload 'vision' | Should -HaveCount 31
        Get-Upload 'batch' | Should -HaveCount 1

        Invoke-TestApiControl $server "batches/$($batch.Id)/advance" @{ to = 'completed' } | Out-Null
        $done = $batch | Wait-ImageEditBatch -PollIntervalSec 0.1
        $done.Status | Should -Be 'completed'
        $done.RequestCounts.Completed | Should -Be 30
        $results = $done | Receive-ImageEditBatch

        $results | Should -HaveCount 30
        @(Get-SavedImage $out) | Should -HaveCount 30
        $returned = @{}
        Get-TestApiBatchLine $server | ForEach-Object { $returned[$_.customId] = $_.returnedImageSha256[0] }
        $lines = Read-RunRecord $out
        foreach ($result in $results) {
            $line = $lines | Where-Object { $_.requestId -eq $result.RequestId -and $_.customId }
            Get-Sha256 $result.Data[0].Path | Should -Be $returned[$line.customId]
            (Split-Path $result.Data[0].Path -Leaf) | Should -Be ((Split-Path $result.SourcePath -LeafBase) + '-edited.png')
        }
        $executed = Get-TestApiBatchLine $server
        $executed[0].imageRefs.kind | Should -Be @('file_id', 'file_id')
    }

    It 'writes one error per failed line, naming its source, and receiving twice leaves the same files' {
        $out = Join-Path $TestDrive 'failures'
        $batch = Get-ChildItem $inputs | Select-Object -First 6 | Start-ImageEditBatch -Prompt 'x' -OutputDirectory $out
        $requests = Read-RunRecord $out | Where-Object type -EQ 'batchRequest'
        Invoke-TestApiControl $server 'batch-failures' @($requests[1].customId, $requests[4].customId) | Out-Null
        Invoke-TestApiControl $server "batches/$($batch.Id)/advance" @{ to = 'completed' } | Out-Null

        $results = $batch | Receive-ImageEditBatch -ErrorVariable failures -ErrorAction SilentlyContinue
        $results | Should -HaveCount 4
        $failures | Should -HaveCount 2
        $failures.TargetObject | Sort-Object | Should -Be (@($requests[1].source, $requests[4].source) | Sort-Object)
        $failures | ForEach-Object { $_.FullyQualifiedErrorId | Should -BeLike 'ApiBadRequest,*' }

        $again = Get-ImageEditBatch -OutputDirectory $out | Receive-ImageEditBatch -ErrorAction SilentlyContinue
        $again | Should -HaveCount 4
        $again | ForEach-Object { $_.Resumed | Should -BeTrue }
        @(Get-SavedImage $out) | Should -HaveCount 4
    }

    It 'reports a batch cancelled halfway with what it finished, collects that, and -Resume submits only the rest' {
        $out = Join-Path $TestDrive 'cancelled'
        $batch = Get-ChildItem $inputs | Select-Object -First 10 | Start-ImageEditBatch -Prompt 'x' -OutputDirectory $out
        Invoke-TestApiControl $server "batches/$($batch.Id)/advance" @{ complete = 5 } | Out-Null
        $cancelling = $batch | Stop-ImageEditBatch -Confirm:$false
        $cancelling.Status | Should -Be 'cancelling'
        Invoke-TestApiControl $server "batches/$($batch.Id)/advance" $null | Out-Null
        $cancelled = $batch | Wait-ImageEditBatch -PollIntervalSec 0.1
        $cancelled.Status | Should -Be 'cancelled'
        $cancelled.RequestCounts.Completed | Should -Be 5

        $results = $cancelled | Receive-ImageEditBatch -ErrorVariable failures -ErrorAction SilentlyContinue
        $results | Should -HaveCount 5
        $failures | Should -HaveCount 5
        $failures | ForEach-Object { $_.FullyQualifiedErrorId | Should -BeLike 'BatchRequestNotRun,*' }

        $uploadsBefore = (Get-Upload 'vision').Count
        $rest = Get-ChildItem $inputs | Select-Object -First 10 | Start-ImageEditBatch -Prompt 'x' -OutputDirectory $out -Resume
        Invoke-TestApiControl $server "batches/$($rest.Id)/advance" @{ to = 'completed' } | Out-Null
        @(Get-TestApiBatchLine $server | Where-Object batchId -EQ $rest.Id) | Should -HaveCount 5
        (Get-Upload 'vision').Count | Should -Be $uploadsBefore -Because 'the images were uploaded by the first batch into this folder'
        $null = $rest | Receive-ImageEditBatch
        @(Get-SavedImage $out) | Should -HaveCount 10
        # Once -Resume has given them results, the first batch's unrun requests are no longer failures.
        $all = Get-ImageEditBatch -OutputDirectory $out | Receive-ImageEditBatch -ErrorVariable later -ErrorAction SilentlyContinue
        $all | Should -HaveCount 10
        $later | Should -BeNullOrEmpty
        @(Get-SavedImage $out) | Should -HaveCount 10
    }

    It 'says that an -OutputDirectory that does not exist does not exist, in <Command>, and creates nothing' -ForEach @(
        @{ Command = 'Get-ImageEditBatch' }
        @{ Command = 'Wait-ImageEditBatch' }
        @{ Command = 'Receive-ImageEditBatch' }
        @{ Command = 'Stop-ImageEditBatch' }
    ) {
        $missing = Join-Path $TestDrive 'nightly-typo'
        $confirm = if ($Command -eq 'Stop-ImageEditBatch') { @{ Confirm = $false } } else { @{} }
        $output = & $Command -OutputDirectory $missing @confirm -ErrorVariable failures -ErrorAction SilentlyContinue
        $output | Should -BeNullOrEmpty
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'OutputDirectoryNotFound,*'
        $failures[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failures[0].TargetObject | Should -Be $missing
        $failures[0].Exception.Message | Should -BeLike "*$missing does not exist*"
        Test-Path $missing | Should -BeFalse
        Get-TestApiRequest $server | Should -BeNullOrEmpty
    }

    It 'says the wait that was asked for when -TimeoutSec passes with the batch still running' {
        $out = Join-Path $TestDrive 'still-running'
        $batch = Get-ChildItem $inputs | Select-Object -First 1 | Start-ImageEditBatch -Prompt 'x' -OutputDirectory $out
        $waited = $batch | Wait-ImageEditBatch -TimeoutSec 3 -PollIntervalSec 2 -ErrorVariable failures -ErrorAction SilentlyContinue
        $waited.Id | Should -Be $batch.Id
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'BatchWaitTimedOut,*'
        $failures[0].Exception.Message | Should -BeLike "$($batch.Id) is still * after the 3 s wait asked for (-TimeoutSec 3)*"
    }

    It 'does not try to cancel a finished batch, and says so' {
        $out = Join-Path $TestDrive 'finished'
        $batch = Get-ChildItem $inputs | Select-Object -First 1 | Start-ImageEditBatch -Prompt 'x' -OutputDirectory $out
        Invoke-TestApiControl $server "batches/$($batch.Id)/advance" @{ to = 'completed' } | Out-Null
        $result = $batch | Stop-ImageEditBatch -Confirm:$false -WarningVariable warned -ErrorVariable failed
        $result.Status | Should -Be 'completed'
        $warned | Should -BeLike '*already completed*'
        $failed | Should -BeNullOrEmpty
        @(Get-TestApiRequest $server | Where-Object path -Like '*/cancel') | Should -HaveCount 0
    }

    It 'uploads an image again when the file an earlier batch uploaded has been deleted' {
        $out = Join-Path $TestDrive 'deleted-upload'
        $first = Get-ChildItem $inputs | Select-Object -First 2 | Start-ImageEditBatch -Prompt 'x' -OutputDirectory $out
        $uploaded = Read-RunRecord $out | Where-Object type -EQ 'upload'
        $uploaded[0].fileId | Remove-ImageEditFile -Confirm:$false
        $second = Get-ChildItem $inputs | Select-Object -First 2 | Start-ImageEditBatch -Prompt 'y' -OutputDirectory $out
        Get-Upload 'vision' | Should -HaveCount 3
        Invoke-TestApiControl $server 'batches/advance-all' @{ to = 'completed' } | Out-Null
        $second | Receive-ImageEditBatch | Should -HaveCount 2
    }

    It 'is found and collected by a new pwsh from its output folder alone' {
        $out = Join-Path $TestDrive 'next-morning'
        $batch = Get-ChildItem $inputs | Select-Object -First 3 | Start-ImageEditBatch -Prompt 'x' -OutputDirectory $out
        Invoke-TestApiControl $server "batches/$($batch.Id)/advance" @{ to = 'completed' } | Out-Null
        $pwsh = @([Environment]::ProcessPath)
        if ([IO.Path]::GetFileNameWithoutExtension($pwsh[0]) -eq 'dotnet') { $pwsh += Join-Path $PSHOME 'pwsh.dll' }
        $script = "Import-Module '$env:IMAGEEDIT_TEST_MODULE'; `$env:OPENAI_API_KEY = '$($server.ApiKey)'; `$env:OPENAI_BASE_URL = '$($server.BaseUri)'; " +
            "(Get-ImageEditBatch -OutputDirectory '$out' | Receive-ImageEditBatch).Data.Path"
        $paths = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $script
        $paths | Should -HaveCount 3
        @(Get-SavedImage $out) | Should -HaveCount 3
    }

    It 'splits the work into several batches past the line limit' {
        $out = Join-Path $TestDrive 'split'
        $env:IMAGEEDIT_BATCH_MAX_LINES = '4'
        try { $batches = Get-ChildItem $inputs | Select-Object -First 10 | Start-ImageEditBatch -Prompt 'x' -OutputDirectory $out }
        finally { Remove-Item Env:IMAGEEDIT_BATCH_MAX_LINES }
        $batches | Should -HaveCount 3
        Invoke-TestApiControl $server 'batches/advance-all' @{ to = 'completed' } | Out-Null
        $results = $batches | Wait-ImageEditBatch -PollIntervalSec 0.1 | Receive-ImageEditBatch
        $results | Should -HaveCount 10
        @(Get-SavedImage $out) | Should -HaveCount 10
    }

    It 'says under -WhatIf how many requests, uploads and batches it would make, and sends nothing' {
        $pwsh = @([Environment]::ProcessPath)
        if ([IO.Path]::GetFileNameWithoutExtension($pwsh[0]) -eq 'dotnet') { $pwsh += Join-Path $PSHOME 'pwsh.dll' }
        $out = Join-Path $TestDrive 'whatif'
        $script = "Import-Module '$env:IMAGEEDIT_TEST_MODULE'; `$env:OPENAI_API_KEY = '$($server.ApiKey)'; `$env:OPENAI_BASE_URL = '$($server.BaseUri)'; " +
            "Get-ChildItem '$inputs' | Select-Object -First 12 | Start-ImageEditBatch -Prompt 'x' -ReferencePath '$reference' -OutputDirectory '$out' -WhatIf"
        $text = (& $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $script | Out-String) -replace '\s+', ' '
        $text | Should -Match '12 request\(s\), 13 image upload\(s\) and 1 batch\(es\) would be made'
        Get-TestApiRequest $server | Should -BeNullOrEmpty
    }

    It 'checks every request locally first, per input, as Edit-Image does' {
        $out = Join-Path $TestDrive 'checked'
        $batch = Get-ChildItem $inputs | Select-Object -First 3 | Start-ImageEditBatch -Prompt 'x' -Model dall-e-2 -OutputDirectory $out -ErrorVariable failures -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $batch | Should -BeNullOrEmpty
        $failures | Should -HaveCount 3
        $failures | ForEach-Object { $_.FullyQualifiedErrorId | Should -BeLike 'JsonNotSupportedByModel,*' }
        Get-TestApiRequest $server | Should -BeNullOrEmpty
    }

    It 'refuses an Azure connection with a clear error' {
        { Get-ChildItem $inputs | Select-Object -First 1 | Start-ImageEditBatch -Prompt 'x' -OutputDirectory (Join-Path $TestDrive 'azure') -ApiType Azure -BaseUri $server.Root -Deployment d -ApiKey (ConvertTo-SecureString $server.ApiKey -AsPlainText -Force) -ErrorAction Stop } |
            Should -Throw '*Azure OpenAI*'
    }
}
