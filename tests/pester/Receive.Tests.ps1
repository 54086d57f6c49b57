#Requires -Modules Pester
# Receive-ImageEditBatch: one outcome per input (its latest request's), restoring only what is missing, and its run summary.

Describe 'Receive-ImageEditBatch' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestApiServer.psm1') -Force
        $script:server = Enter-ImageEditTestSession
        $suite = Join-Path $PSScriptRoot '../corpus/pngsuite' | Resolve-Path | Select-Object -ExpandProperty Path
        $script:inputs = Join-Path $TestDrive 'inputs'
        New-Item -ItemType Directory $inputs | Out-Null
        Get-ChildItem $suite -Filter 'basn*.png' | Select-Object -First 4 | ForEach-Object { Copy-Item $_.FullName (Join-Path $inputs $_.Name) }
    }

    AfterAll {
        Exit-ImageEditTestSession $server
    }

    BeforeEach {
        Reset-TestApiServer $server
    }

    It 'gives each input one outcome, its latest request''s, when -Resume sent it again in a later batch' {
        $out = Join-Path $TestDrive 'superseded'
        $first = Get-ChildItem $inputs | Start-ImageEditBatch -Prompt 'x' -OutputDirectory $out
        Invoke-TestApiControl $server "batches/$($first.Id)/advance" @{ complete = 2 } | Out-Null
        $null = $first | Stop-ImageEditBatch -Confirm:$false
        Invoke-TestApiControl $server "batches/$($first.Id)/advance" $null | Out-Null
        $null = $first | Receive-ImageEditBatch -ErrorAction SilentlyContinue
        $second = Get-ChildItem $inputs | Start-ImageEditBatch -Prompt 'x' -OutputDirectory $out -Resume
        $plan = (Read-RunRecord $out | Where-Object { $_.type -eq 'batch' -and $_.id -eq $second.Id }).plan
        $secondIds = @(Read-RunRecord $out | Where-Object { $_.type -eq 'batchRequest' -and $_.plan -eq $plan }).customId
        $secondIds | Should -HaveCount 2

        # While the second batch runs, the first one's unrun requests are not failures: the second carries them.
        $early = @(Get-ImageEditBatch -OutputDirectory $out | Receive-ImageEditBatch -ErrorVariable earlyFailures -ErrorAction SilentlyContinue -WarningVariable warnings -WarningAction SilentlyContinue)
        $early | Should -HaveCount 2
        $earlyFailures | Should -BeNullOrEmpty
        "$warnings" | Should -BeLike "*$($second.Id)*"

        # The second batch fails both: those failures are the inputs' outcomes, once each, with no "not run" from the first.
        Invoke-TestApiControl $server 'batch-failures' @($secondIds) | Out-Null
        Invoke-TestApiControl $server "batches/$($second.Id)/advance" @{ to = 'completed' } | Out-Null
        $all = @(Get-ImageEditBatch -OutputDirectory $out | Receive-ImageEditBatch -ErrorVariable failures -ErrorAction SilentlyContinue -InformationVariable information)
        $all | Should -HaveCount 2
        $failures | Should -HaveCount 2
        $failures | ForEach-Object { $_.FullyQualifiedErrorId | Should -Not -BeLike 'BatchRequestNotRun*' }
        @($failures.TargetObject | Sort-Object -Unique) | Should -HaveCount 2
        $summary = ($information | Where-Object { $_.Tags -contains 'RunSummary' }).MessageData
        $summary.Resumed | Should -Be 2
        $summary.Failed | Should -Be 2
        $summary.Edited | Should -Be 0
    }

    It 'restores only the file that was deleted, not a copy of the one still there' {
        $out = Join-Path $TestDrive 'restore'
        $batch = Get-ChildItem $inputs | Select-Object -First 1 | Start-ImageEditBatch -Prompt 'x' -Count 2 -OutputDirectory $out
        Invoke-TestApiControl $server "batches/$($batch.Id)/advance" @{ to = 'completed' } | Out-Null
        $first = $batch | Receive-ImageEditBatch
        $paths = @($first.Data.Path)
        $paths | Should -HaveCount 2
        $kept = Get-FileHash -LiteralPath $paths[0]
        Remove-Item -LiteralPath $paths[1]

        $again = @($batch | Receive-ImageEditBatch -InformationVariable information)
        $again | Should -HaveCount 1
        @(Get-SavedImage $out).FullName | Sort-Object | Should -Be ($paths | Sort-Object) -Because 'the missing file comes back under its name, and no "(2)" copy is made'
        (Get-FileHash -LiteralPath $paths[0]).Hash | Should -Be $kept.Hash
        $returned = @(Get-TestApiBatchLine $server)[0].returnedImageSha256
        (Get-FileHash -LiteralPath $paths[1] -Algorithm SHA256).Hash.ToLowerInvariant() | Should -Be $returned[1]
        ($information | Where-Object { $_.Tags -contains 'RunSummary' }).MessageData.ImagesSaved | Should -Be 1
        @(Get-TestApiBatchLine $server) | Should -HaveCount 1 -Because 'receiving never runs a request again'
    }

    It 'counts a request whose images were all already in their files (saved by another receive) as collected before, with no tokens' {
        $out = Join-Path $TestDrive 'saved-elsewhere'
        $batch = Get-ChildItem $inputs | Select-Object -First 2 | Start-ImageEditBatch -Prompt 'x' -OutputDirectory $out
        Invoke-TestApiControl $server "batches/$($batch.Id)/advance" @{ to = 'completed' } | Out-Null
        $null = $batch | Receive-ImageEditBatch
        # As a second receive running at the same time sees it: the files are there, the record has no result line yet.
        $record = Join-Path $out 'imageedit-record.jsonl'
        $lines = Get-Content $record | Where-Object { -not ($_ -like '*"customId"*' -and $_ -like '*"files"*') }
        Set-Content $record $lines

        $again = @($batch | Receive-ImageEditBatch -InformationVariable information)
        $again | Should -HaveCount 2
        $again | ForEach-Object { $_.Resumed | Should -BeTrue }
        $summary = ($information | Where-Object { $_.Tags -contains 'RunSummary' }).MessageData
        $summary.Edited | Should -Be 0 -Because 'this run saved nothing'
        $summary.Resumed | Should -Be 2
        $summary.TotalTokens | Should -Be 0 -Because 'the tokens belong to the run that saved the images'
        @(Get-SavedImage $out) | Should -HaveCount 2
    }
}
