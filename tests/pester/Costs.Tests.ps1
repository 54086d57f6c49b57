#Requires -Modules Pester
# Issue 21, items 2-4: each result's Cost from its usage and the price table, the run summary's sums, the -MaxCost
# budget, price overrides, and Attempts with the count of requests sent again after a lost answer.

Describe 'Costs, budgets and attempts' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestApiServer.psm1') -Force
        $script:server = Enter-ImageEditTestSession
        $suite = Join-Path $PSScriptRoot '../corpus/pngsuite' | Resolve-Path | Select-Object -ExpandProperty Path
        $script:inputs = Join-Path $TestDrive 'inputs'
        New-Item -ItemType Directory $inputs | Out-Null
        Get-ChildItem $suite -Filter 'bas*.png' | Select-Object -First 5 | ForEach-Object { Copy-Item $_.FullName (Join-Path $inputs $_.Name) }
        $script:five = @(Get-ChildItem $inputs -File | Sort-Object Name)
        # The table's prices for gpt-image-2 (USD per 1M tokens), as images-edits-2026-12.md gives them.
        function Get-ExpectedCost($Usage, [decimal] $Text = 5, [decimal] $Image = 8, [decimal] $Output = 30, [decimal] $Factor = 1) {
            ($Usage.InputTokensDetails.TextTokens * $Text + $Usage.InputTokensDetails.ImageTokens * $Image + $Usage.OutputTokens * $Output) / 1000000 * $Factor
        }
        $script:savedPriceFile = $env:IMAGEEDIT_PRICE_FILE
        $env:IMAGEEDIT_PRICE_FILE = $null
    }

    AfterAll {
        $env:IMAGEEDIT_PRICE_FILE = $savedPriceFile
        Exit-ImageEditTestSession $server
    }

    BeforeEach {
        Reset-TestApiServer $server
        $env:IMAGEEDIT_PRICE_FILE = $null
    }

    It 'gives each result the cost of its usage at the table''s prices, and the summary their sum' {
        $out = Join-Path $TestDrive 'costs'
        $results = @($five[0..2] | Edit-Image -Prompt 'make it night over the harbour' -Model gpt-image-2 -OutputDirectory $out -InformationVariable info)
        $results | Should -HaveCount 3
        foreach ($result in $results) {
            $result.Usage.InputTokensDetails.TextTokens | Should -BeGreaterThan 0
            $result.Usage.InputTokensDetails.ImageTokens | Should -BeGreaterThan 0
            $result.Cost | Should -BeOfType [decimal]
            $result.Cost | Should -Be (Get-ExpectedCost $result.Usage)
            $result.Attempts | Should -Be 1
        }
        $summary = $info.MessageData | Where-Object { $_ -is [ImageEdit.Models.ImageEditRunSummary] }
        $summary.Cost | Should -Be (($results | Measure-Object Cost -Sum).Sum)
        $summary.ResultsWithoutCost | Should -Be 0
        $summary.ToString() | Should -Match ([regex]::Escape('cost $' + $summary.Cost.ToString('0.0000', [cultureinfo]::InvariantCulture)))
        # The run record keeps each request's cost (invariant JSON number) and attempts, for the report.
        $lines = @(Read-RunRecord $out)
        $lines | Should -HaveCount 3
        foreach ($line in $lines) {
            [decimal]$line.cost | Should -Be ($results | Where-Object RequestId -EQ $line.requestId).Cost
            $line.attempts | Should -Be 1
        }
        # A resumed result carries the cost its run paid, and costs nothing this run.
        $resumed = @($five[0..2] | Edit-Image -Prompt 'make it night over the harbour' -Model gpt-image-2 -OutputDirectory $out -Resume -InformationVariable again)
        $resumed.Resumed | Should -Not -Contain $false
        ($resumed | Measure-Object Cost -Sum).Sum | Should -Be $summary.Cost
        ($again.MessageData | Where-Object { $_ -is [ImageEdit.Models.ImageEditRunSummary] }).Cost | Should -Be 0
    }

    It 'gives a streamed completed event its cost' {
        $events = @($five[0] | Get-ImageEditStream -Prompt 'x' -Model gpt-image-2 -PartialImages 1)
        $completed = $events | Where-Object { $_ -is [ImageEdit.Models.ImageEditCompletedEvent] }
        $completed.Cost | Should -Be (Get-ExpectedCost $completed.Usage)
        $completed.Attempts | Should -Be 1
    }

    It 'has no cost (not zero) for a model without a price, and the summary counts it' {
        $results = @($five[0..1] | Edit-Image -Prompt 'x' -InformationVariable info)
        $results | ForEach-Object { $_.Cost | Should -BeNullOrEmpty }
        $summary = $info.MessageData | Where-Object { $_ -is [ImageEdit.Models.ImageEditRunSummary] }
        $summary.ResultsWithoutCost | Should -Be 2
        $summary.Cost | Should -Be 0
        $summary.ToString() | Should -Match '2 result\(s\) without a known price'
        $summary.ToString() | Should -Match 'cost unknown' -Because 'no result had a known price, so the line must not read as free'
        $summary.ToString() | Should -Not -Match 'cost \$0\.0000'
    }

    It 'prices a received batch result at half the price' {
        $out = Join-Path $TestDrive 'batch'
        $batch = $five[0..1] | Start-ImageEditBatch -Prompt 'make it autumn' -Model gpt-image-2 -OutputDirectory $out
        Invoke-RestMethod -Method Post -Uri "$($server.Root)/_control/batches/$($batch.Id)/advance" -Body '{"to":"completed"}' -ContentType 'application/json' | Out-Null
        $results = @($batch | Wait-ImageEditBatch -PollIntervalSec 0.1 | Receive-ImageEditBatch -InformationVariable info)
        $results | Should -HaveCount 2
        foreach ($result in $results) {
            $result.Usage | Should -Not -BeNullOrEmpty
            # The record keeps totals only, so the expected cost is computed from the server's answer lines' usage.
            $line = Read-RunRecord $out | Where-Object { $_.requestId -eq $result.RequestId -and $_.batchId }
            [decimal]$line.cost | Should -Be $result.Cost
            $result.Cost | Should -BeGreaterThan 0
        }
        ($info.MessageData | Where-Object { $_ -is [ImageEdit.Models.ImageEditRunSummary] }).Cost | Should -Be (($results | Measure-Object Cost -Sum).Sum)
    }

    It 'stops sending once the completed requests reach -MaxCost; -Resume sends exactly the rest' {
        $out = Join-Path $TestDrive 'budget'
        # Each request costs the same (same prompt, one image): the budget is reached after the second.
        $probe = $five[0] | Edit-Image -Prompt 'make it night' -Model gpt-image-2
        Reset-TestApiServer $server
        $budget = [decimal]$probe.Cost * 1.5
        $results = @($five | Edit-Image -Prompt 'make it night' -Model gpt-image-2 -OutputDirectory $out -ThrottleLimit 1 -MaxCost $budget `
                -ErrorVariable failures -ErrorAction SilentlyContinue -InformationVariable info)
        $results | Should -HaveCount 2
        @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 2
        $failures | Should -HaveCount 3
        $failures.FullyQualifiedErrorId | Sort-Object -Unique | Should -Be 'BudgetExceeded,ImageEdit.Commands.EditImageCommand'
        $failures[0].CategoryInfo.Category | Should -Be 'LimitsExceeded'
        @($failures.TargetObject | Sort-Object) | Should -Be @($five[2..4].FullName)
        $failures[0].ErrorDetails.RecommendedAction | Should -Match '-Resume'
        ($info.MessageData | Where-Object { $_ -is [ImageEdit.Models.ImageEditRunSummary] }).Failed | Should -Be 3
        # The inputs not sent are in the record as failures, so the review page shows that the night did not finish.
        $failureLines = @(Get-Content (Join-Path $out 'imageedit-record.jsonl') | ForEach-Object { $_ | ConvertFrom-Json } | Where-Object type -EQ 'failure')
        @($failureLines | Where-Object errorId -EQ 'BudgetExceeded' | ForEach-Object source | Sort-Object) | Should -Be @($five[2..4].FullName)
        $page = Get-Content -Raw (Export-ImageEditReport $out).FullName
        ([regex]::Matches($page, 'data-error-id="BudgetExceeded"')).Count | Should -Be 3
        Reset-TestApiServer $server
        $rest = @($five | Edit-Image -Prompt 'make it night' -Model gpt-image-2 -OutputDirectory $out -ThrottleLimit 1 -Resume)
        $sent = @(Get-TestApiRequest $server -EditsOnly)
        $sent | Should -HaveCount 3
        @($rest | Where-Object { -not $_.Resumed } | ForEach-Object SourcePath | Sort-Object) | Should -Be @($five[2..4].FullName)
    }

    It 'refuses to start with -MaxCost when the model has no price, saying how to give one' {
        { $five[0] | Edit-Image -Prompt 'x' -Model dall-e-2 -MaxCost 1 -ErrorAction Stop } | Should -Throw -ErrorId 'BudgetNeedsPrice*'
        $refusal = $null
        try { $five[0] | Edit-Image -Prompt 'x' -MaxCost 1 -ErrorAction Stop } catch { $refusal = $_ }
        $refusal.FullyQualifiedErrorId | Should -BeLike 'BudgetNeedsPrice*'
        $refusal.ErrorDetails.RecommendedAction | Should -Match 'IMAGEEDIT_PRICE_FILE'
        @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 0
    }

    It 'takes prices from $env:IMAGEEDIT_PRICE_FILE: a contract price and a new model, with the file''s date' {
        $file = Join-Path $TestDrive 'prices.json'
        Set-Content -LiteralPath $file -Value '{"date":"2027-01-15","models":{"gpt-image-2":{"textInput":2,"imageInput":4,"imageOutput":10},"dall-e-2":{"textInput":1,"imageInput":1,"imageOutput":1}}}'
        $env:IMAGEEDIT_PRICE_FILE = $file
        $result = $five[0] | Edit-Image -Prompt 'x' -Model gpt-image-2
        $result.Cost | Should -Be (Get-ExpectedCost $result.Usage -Text 2 -Image 4 -Output 10)
        $model = Get-ImageEditModel gpt-image-2
        $model.Price.ImageOutput | Should -Be 10
        $model.Price.CachedTextInput | Should -Be 2
        $model.PriceDate | Should -Be ([datetime]'2027-01-15')
        # A budget works for the model the file prices.
        $null = $five[0] | Edit-Image -Prompt 'x' -Model dall-e-2 -MaxCost 1 -ErrorAction SilentlyContinue -ErrorVariable refused
        $refused.FullyQualifiedErrorId | Should -Not -Contain 'BudgetNeedsPrice,ImageEdit.Commands.EditImageCommand'
        Set-Content -LiteralPath $file -Value '{"models":{"gpt-image-2":{"textInput":"five"}}}'
        { $five[0] | Edit-Image -Prompt 'x' -Model gpt-image-2 -ErrorAction Stop } | Should -Throw -ErrorId 'PriceFileInvalid*'
        # A misspelt cached price must not fall back to the full price without a word.
        Set-Content -LiteralPath $file -Value '{"models":{"gpt-image-2":{"textInput":5,"cachedTextInput":1.25,"imageInput":8,"cachedImageInptu":2,"imageOutput":30}}}'
        { $five[0] | Edit-Image -Prompt 'x' -Model gpt-image-2 -ErrorAction Stop } | Should -Throw -ErrorId 'PriceFileInvalid*'
    }

    It 'shows the built-in prices and their date in Get-ImageEditModel' {
        $model = Get-ImageEditModel gpt-image-2
        $model.Price.TextInput | Should -Be 5
        $model.Price.CachedTextInput | Should -Be 1.25
        $model.Price.ImageInput | Should -Be 8
        $model.Price.CachedImageInput | Should -Be 2
        $model.Price.ImageOutput | Should -Be 30
        $model.PriceDate | Should -Be ([datetime]'2026-12-01')
        ($model | Format-Table | Out-String -Width 200) | Should -Match '2026-12-01'
    }

    It 'counts Attempts and the requests sent again after their answer was lost (hang-after)' {
        Set-TestApiFault $server @(@{ method = 'POST'; path = '/v1/images/edits'; action = 'hang-after' })
        $out = Join-Path $TestDrive 'attempts'
        $result = $five[0] | Edit-Image -Prompt 'x' -Model gpt-image-2 -TimeoutSec 2 -OutputDirectory $out -InformationVariable info -WarningAction SilentlyContinue
        $result.Attempts | Should -Be 2
        @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 2
        $summary = $info.MessageData | Where-Object { $_ -is [ImageEdit.Models.ImageEditRunSummary] }
        $summary.SentAgainAfterSent | Should -Be 1
        $summary.ToString() | Should -Match '1 request\(s\) sent again after their answer was lost'
        (Read-RunRecord $out).attempts | Should -Be 2
    }

    It 'states the largest cost a batch could reach with -WhatIf' {
        $out = Join-Path $TestDrive 'whatif'
        # -WhatIf writes to the host: read from a child process, as Batches.Tests.ps1 does.
        $pwsh = @([Environment]::ProcessPath)
        if ([IO.Path]::GetFileNameWithoutExtension($pwsh[0]) -eq 'dotnet') { $pwsh += Join-Path $PSHOME 'pwsh.dll' }
        $script = "Import-Module '$env:IMAGEEDIT_TEST_MODULE'; `$env:OPENAI_API_KEY = '$($server.ApiKey)'; `$env:OPENAI_BASE_URL = '$($server.BaseUri)'; " +
            "'$($five[0].FullName)', '$($five[1].FullName)' | Start-ImageEditBatch -Prompt 'make it autumn' -Model gpt-image-2 -Size 1024x1024 -OutputDirectory '$out' -WhatIf"
        $lines = (& $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $script | Out-String) -replace '\s+', ' '
        # Per request: prompt bytes of text, 10,000 image tokens, 2 x 4,160 output tokens, at half price.
        $one = ([decimal]14 * 5 + 10000 * 8 + 8320 * 30) / 1000000 / 2
        $lines | Should -Match ([regex]::Escape('Largest cost: $' + (2 * $one).ToString('0.00', [cultureinfo]::InvariantCulture) + ' at Batch API prices'))
        @(Get-TestApiRequest $server) | Should -HaveCount 0
    }
}
