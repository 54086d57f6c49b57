#Requires -Modules Pester
# Export-ImageEditReport: the page of an output folder, looked at in a real headless Chromium as a reader would see it.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'Browser.psm1') -Force
    $script:browserSkip = Get-BrowserSkipReason
    if ($browserSkip) { Write-Warning "Browser tests of the report skipped: $browserSkip" }
}

Describe 'Export-ImageEditReport' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestApiServer.psm1') -Force
        Import-Module (Join-Path $PSScriptRoot 'Browser.psm1') -Force
        $script:server = Enter-ImageEditTestSession
        $samples = Join-Path $PSScriptRoot '../../samples' | Resolve-Path | Select-Object -ExpandProperty Path
        $script:hostilePrompt = '<img src=x onerror=alert(1)></script><script>document.title="pwned"</script> & "quoted"'
        $inputs = Join-Path $TestDrive 'in put#1'
        New-Item -ItemType Directory $inputs | Out-Null
        # A file name that is markup, and one that is plain; both the lighthouse, so the mask fits.
        $script:hostileName = '<b>bold<i> & 100%.png'
        Copy-Item (Join-Path $samples 'lighthouse.png') (Join-Path $inputs $hostileName)
        Copy-Item (Join-Path $samples 'lighthouse.png') (Join-Path $inputs 'plain.png')
        $mask = Join-Path $TestDrive 'mask.png'
        Copy-Item (Join-Path $samples 'lighthouse.png') $mask
        $references = (Join-Path $samples 'harbour.jpg'), (Join-Path $samples 'meadow.webp')
        $script:out = Join-Path $TestDrive 'out'

        # Edits with references and a mask; the same run again with -Resume (resumed); an input the API refuses (a
        # failure line); a batch received into the same folder.
        $hostileInput = Get-Item -LiteralPath (Join-Path $inputs $hostileName)
        $plainInput = Get-Item -LiteralPath (Join-Path $inputs 'plain.png')
        $null = $hostileInput | Edit-Image -Prompt $hostilePrompt -ReferencePath $references -Mask $mask -OutputDirectory $out
        $null = $plainInput | Edit-Image -Prompt 'plain' -OutputDirectory $out
        $script:resumed = @($hostileInput | Edit-Image -Prompt $hostilePrompt -ReferencePath $references -Mask $mask -OutputDirectory $out -Resume) +
            @($plainInput | Edit-Image -Prompt 'plain' -OutputDirectory $out -Resume)
        Set-TestApiFault $server @(@{ method = 'POST'; path = '/v1/images/edits'; action = 'status'; status = 400; repeat = 1 })
        $null = Edit-Image -Path (Join-Path $samples 'meadow.webp') -Prompt 'refused' -OutputDirectory $out -ErrorVariable refused -ErrorAction SilentlyContinue
        $script:refusedErrors = @($refused)
        Invoke-RestMethod -Method Post -Uri "$($server.Root)/_control/batch-mode" -Body '{"auto":true}' -ContentType 'application/json' | Out-Null
        $script:received = @(Get-Item (Join-Path $samples 'harbour.jpg') | Start-ImageEditBatch -Prompt 'Make it a winter scene' -OutputDirectory $out |
                Wait-ImageEditBatch -PollIntervalSec 0.2 | Receive-ImageEditBatch)
        $script:record = @(Get-Content -LiteralPath (Join-Path $out 'imageedit-record.jsonl') | ForEach-Object { $_ | ConvertFrom-Json })
    }

    AfterAll {
        Exit-ImageEditTestSession $server
    }

    It 'keeps the refused input as a failure line that is not a result' {
        $refusedErrors | Should -HaveCount 1
        $failures = @($record | Where-Object { $_.type -eq 'failure' })
        $failures | Should -HaveCount 1
        $failures[0].source | Should -Be (Join-Path (Resolve-Path (Join-Path $PSScriptRoot '../../samples')) 'meadow.webp')
        $failures[0].errorId | Should -Be ($refusedErrors[0].FullyQualifiedErrorId -split ',')[0]
        $failures[0].cmdlet | Should -Be 'Edit-Image'
        $failures[0].prompt | Should -Be 'refused'
    }

    It 'keeps inputs refused before sending (a broken file, even before the folder exists) as failure lines, shown on the page' {
        $out = Join-Path $TestDrive 'refused-locally'
        $suite = Join-Path $PSScriptRoot '../corpus/pngsuite' | Resolve-Path | Select-Object -ExpandProperty Path
        $broken = Join-Path $suite 'xc1n0g08.png'
        $good = Join-Path $suite 'basn0g08.png'
        $null = Get-Item $broken, $good | Edit-Image -Prompt 'x' -OutputDirectory $out -ErrorVariable refused -ErrorAction SilentlyContinue
        $refused | Should -HaveCount 1
        $failures = @(Get-Content -LiteralPath (Join-Path $out 'imageedit-record.jsonl') | ForEach-Object { $_ | ConvertFrom-Json } | Where-Object type -EQ 'failure')
        $failures | Should -HaveCount 1
        $failures[0].source | Should -Be $broken
        $failures[0].errorId | Should -Be ($refused[0].FullyQualifiedErrorId -split ',')[0]
        $page = Get-Content -Raw (Export-ImageEditReport $out).FullName
        $page | Should -Match ('data-error-id="' + [regex]::Escape($failures[0].errorId) + '"')
    }

    It 'keeps a failed batch line as a failure line of Receive-ImageEditBatch, shown on the page' {
        $batchOut = Join-Path $TestDrive 'batch-failure'
        $samples = Join-Path $PSScriptRoot '../../samples' | Resolve-Path | Select-Object -ExpandProperty Path
        $batch = Get-Item (Join-Path $samples 'harbour.jpg'), (Join-Path $samples 'meadow.webp') | Start-ImageEditBatch -Prompt 'fails once' -OutputDirectory $batchOut
        $lines = @(Get-Content -LiteralPath (Join-Path $batchOut 'imageedit-record.jsonl') | ForEach-Object { $_ | ConvertFrom-Json })
        $failing = $lines | Where-Object { $_.type -eq 'batchRequest' -and $_.source -like '*meadow.webp' }
        $body = ConvertTo-Json -InputObject @($failing.customId)
        Invoke-RestMethod -Method Post -Uri "$($server.Root)/_control/batch-failures" -Body $body -ContentType 'application/json' | Out-Null
        $null = $batch | Wait-ImageEditBatch -PollIntervalSec 0.2 | Receive-ImageEditBatch -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed | Should -HaveCount 1
        $failures = @(Get-Content -LiteralPath (Join-Path $batchOut 'imageedit-record.jsonl') | ForEach-Object { $_ | ConvertFrom-Json } | Where-Object type -EQ 'failure')
        $failures | Should -HaveCount 1
        $failures[0].cmdlet | Should -Be 'Receive-ImageEditBatch'
        $failures[0].batchId | Should -Be $batch.Id
        $failures[0].customId | Should -Be $failing.customId
        $failures[0].source | Should -Be $failing.source
        $failures[0].errorId | Should -Be ($failed[0].FullyQualifiedErrorId -split ',')[0]
        $html = Get-Content -Raw -LiteralPath (Export-ImageEditReport $batchOut).FullName
        ([regex]::Matches($html, 'data-error-id="')).Count | Should -Be 1
        ([regex]::Matches($html, 'data-request-id="')).Count | Should -Be 1
    }

    It 'writes the page into the folder by default and returns it, from a folder, a summary or results' {
        $page = Export-ImageEditReport $out
        $page | Should -BeOfType System.IO.FileInfo
        $page.FullName | Should -Be (Join-Path $out 'imageedit-report.html')
        $null = Edit-Image -Path (Join-Path $TestDrive 'in put#1/plain.png') -Prompt 'plain' -OutputDirectory $out -Resume -InformationVariable info
        ($info | Where-Object { $_.Tags -contains 'RunSummary' }).MessageData | Export-ImageEditReport | Select-Object -ExpandProperty FullName | Should -Be $page.FullName
        $received | Export-ImageEditReport | Select-Object -ExpandProperty FullName | Should -Be $page.FullName
        @(Get-ChildItem -LiteralPath $out -Filter '*.tmp' -Force) | Should -HaveCount 0
    }

    It 'refuses a folder without a run record with ReportRecordNotFound' {
        $empty = New-Item -ItemType Directory (Join-Path $TestDrive 'empty')
        Export-ImageEditReport $empty.FullName -ErrorVariable problem -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $problem[0].FullyQualifiedErrorId | Should -Match '^ReportRecordNotFound'
        $problem[0].TargetObject | Should -Be $empty.FullName
    }

    Context 'in headless Chromium' -Skip:([bool]$browserSkip) {
        BeforeAll {
            # The resumed results piped in mark their requests; the page is written elsewhere, so every link must climb.
            $resumed | Should -HaveCount 2
            $script:page = $resumed | Export-ImageEditReport -OutFile (Join-Path $TestDrive 'pages/deep/report.html')
            $script:browser = Start-Browser
            Open-Page $browser $page.FullName
            $script:driver = $browser.Driver
        }

        AfterAll {
            Stop-Browser $browser
        }

        It 'shows every request and failure of the record, with its hooks and counts' {
            $edits = @($record | Where-Object { -not $_.type })
            $ids = @($driver.FindElements([OpenQA.Selenium.By]::CssSelector('[data-request-id]')) | ForEach-Object { $_.GetAttribute('data-request-id') })
            $ids | Sort-Object | Should -Be ($edits.requestId | Sort-Object)
            $errorIds = @($driver.FindElements([OpenQA.Selenium.By]::CssSelector('[data-error-id]')) | ForEach-Object { $_.GetAttribute('data-error-id') })
            $errorIds | Should -Be @(($record | Where-Object type -EQ 'failure').errorId)
            $count = { param($name) $driver.FindElement([OpenQA.Selenium.By]::CssSelector("[data-count=$name]")).Text }
            & $count 'failed' | Should -Be '1'
            & $count 'resumed' | Should -Be '2'
            & $count 'edited' | Should -Be ([string]($edits.Count - 2))
            @($driver.FindElements([OpenQA.Selenium.By]::CssSelector('article.resumed'))) | Should -HaveCount 2
            @($driver.FindElements([OpenQA.Selenium.By]::CssSelector('article.batch'))) | Should -HaveCount 1
            $tokens = ($edits | ForEach-Object { $_.usage.totalTokens } | Measure-Object -Sum).Sum
            $driver.FindElement([OpenQA.Selenium.By]::CssSelector('[data-total-tokens]')).GetAttribute('data-total-tokens') | Should -Be ([string]$tokens)
            @($driver.FindElements([OpenQA.Selenium.By]::CssSelector('[data-total-cost]'))) | Should -HaveCount 1
        }

        It 'loads every image (sources, references, mask and results) by a relative link' {
            $images = Get-LoadedImage $browser
            # The first request: its input, two references and the mask beside its result; the others: input and result; the failure: its input.
            $images.Count | Should -BeGreaterOrEqual 10
            foreach ($image in $images) {
                $image.src | Should -Not -Match '^(/|[a-z]+:)' -Because 'every image is linked relative to the page'
                $image.naturalWidth | Should -BeGreaterThan 0 -Because "$($image.src) must load"
            }
            @($images.src | Where-Object { $_ -like '*mask.png' }).Count | Should -Be 1
            @($images.src | Where-Object { $_ -like '*%3Cb%3Ebold%3Ci%3E%20%26%20100%25*' }).Count | Should -BeGreaterOrEqual 1
        }

        It 'shows hostile prompts and file names as text' {
            $driver.Title | Should -Not -Be 'pwned'
            @($driver.FindElements([OpenQA.Selenium.By]::CssSelector('img[src="x"], main script, main b'))) | Should -HaveCount 0
            $driver.FindElements([OpenQA.Selenium.By]::TagName('dd')).Text | Should -Contain $hostilePrompt
            $driver.FindElements([OpenQA.Selenium.By]::CssSelector('h2 .source')).Text | Should -Contain $hostileName
            { $driver.SwitchTo().Alert() } | Should -Throw
        }

        It 'filters to failed inputs only' {
            $driver.FindElement([OpenQA.Selenium.By]::Id('failed-only')).Click()
            try {
                $shown = @($driver.FindElements([OpenQA.Selenium.By]::CssSelector('main > article')) | Where-Object Displayed)
                $shown | Should -HaveCount 1
                $shown[0].GetAttribute('data-error-id') | Should -Not -BeNullOrEmpty
            }
            finally { $driver.FindElement([OpenQA.Selenium.By]::Id('failed-only')).Click() }
            $null = $driver.ExecuteScript("var s=document.getElementById('prompt-filter'); s.value='Make it a winter scene'; s.dispatchEvent(new Event('change'));")
            $shown = @($driver.FindElements([OpenQA.Selenium.By]::CssSelector('main > article')) | Where-Object Displayed)
            $shown | Should -HaveCount 1
            $shown[0].GetAttribute('class') | Should -Match 'batch'
            $null = $driver.ExecuteScript("var s=document.getElementById('prompt-filter'); s.value=''; s.dispatchEvent(new Event('change'));")
        }

        It 'renders a screenshot that is not blank' {
            $png = $driver.GetScreenshot().AsByteArray
            [ImageEditTests.PngPixels]::DistinctColours($png) | Should -BeGreaterThan 200
        }

        It 'opens a page of 1,000 requests in reasonable time' {
            $big = Join-Path $TestDrive 'big'
            New-Item -ItemType Directory $big | Out-Null
            $samples = Join-Path $PSScriptRoot '../../samples' | Resolve-Path | Select-Object -ExpandProperty Path
            $names = 'harbour.jpg', 'lighthouse.png', 'meadow.webp'
            foreach ($name in $names) { Copy-Item (Join-Path $samples $name) (Join-Path $big "edited-$name") }
            $sha = '0' * 64
            $lines = for ($i = 0; $i -lt 1000; $i++) {
                $name = $names[$i % 3]
                [ordered]@{ v = 1; time = [DateTimeOffset]::UtcNow.AddSeconds($i).ToString('o'); key = "k$i"; quickKey = "q$i"; cmdlet = 'Edit-Image'; endpoint = 'e'; bodyForm = 'multipart'
                    model = 'gpt-image-1'; prompt = "prompt $($i % 7)"; sources = @(@{ role = 'image'; path = (Join-Path $samples $name) })
                    files = @(@{ name = "edited-$name"; kind = 'edited'; index = 0; length = 1; sha256 = $sha }); requestId = "req_$i"; created = 1
                    usage = @{ inputTokens = 1; outputTokens = 2; totalTokens = 3 }; cost = 0.01 } | ConvertTo-Json -Compress -Depth 5
            }
            Set-Content -LiteralPath (Join-Path $big 'imageedit-record.jsonl') -Value $lines
            $bigPage = Export-ImageEditReport $big
            $watch = [Diagnostics.Stopwatch]::StartNew()
            Open-Page $browser $bigPage.FullName
            $watch.Stop()
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 30 -Because 'a generous sanity bound, not a benchmark'
            $driver.ExecuteScript('return document.querySelectorAll("[data-request-id]").length') | Should -Be 1000
            $driver.FindElement([OpenQA.Selenium.By]::CssSelector('[data-total-cost]')).GetAttribute('data-total-cost') | Should -Be '10.00'
            $driver.ExecuteScript('return document.images[0].naturalWidth') | Should -BeGreaterThan 0
        }
    }
}
