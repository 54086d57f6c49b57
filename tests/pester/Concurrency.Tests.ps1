#Requires -Modules Pester
# -ThrottleLimit: several requests in flight, the pipeline thread alone writing, errors per file, one pause after a 429.
# (How fast this is, is measured by ./build.ps1 -Task Bench, not here.)

Describe 'Concurrent batches' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestApiServer.psm1') -Force
        $script:server = Enter-ImageEditTestSession
        $samples = Join-Path $PSScriptRoot '../../samples' | Resolve-Path | Select-Object -ExpandProperty Path
        $script:inputs = Join-Path $TestDrive 'batch'
        New-Item -ItemType Directory $inputs | Out-Null
        1..12 | ForEach-Object { Copy-Item (Join-Path $samples 'lighthouse.png') (Join-Path $inputs ('img-{0:D2}.png' -f $_)) }
    }

    AfterAll {
        Exit-ImageEditTestSession $server
    }

    BeforeEach {
        Reset-TestApiServer $server
    }

    It 'keeps up to -ThrottleLimit requests in flight and writes every result once, naming its source' {
        Set-TestApiScript $server @(@{ delayMs = 400; repeat = 12 })

        $results = Get-ChildItem $inputs | Edit-Image -Prompt 'x' -ThrottleLimit 4

        $results | Should -HaveCount 12
        @($results.SourcePath | Sort-Object -Unique) | Should -HaveCount 12
        $requests = Get-TestApiRequest $server -EditsOnly
        ($requests.inFlightOnArrival | Measure-Object -Maximum).Maximum | Should -Be 4
    }

    It 'defaults to 4 in flight' {
        (Get-Command Edit-Image).Parameters.ThrottleLimit | Should -Not -BeNullOrEmpty
        Set-TestApiScript $server @(@{ delayMs = 400; repeat = 8 })
        Get-ChildItem $inputs | Select-Object -First 8 | Edit-Image -Prompt 'x' | Should -HaveCount 8
        ((Get-TestApiRequest $server -EditsOnly).inFlightOnArrival | Measure-Object -Maximum).Maximum | Should -Be 4
    }

    It 'sends one at a time with -ThrottleLimit 1, in input order' {
        $results = Get-ChildItem $inputs | Select-Object -First 4 | Edit-Image -Prompt 'x' -ThrottleLimit 1
        ($results.SourcePath | ForEach-Object { Split-Path $_ -Leaf }) | Should -Be @('img-01.png', 'img-02.png', 'img-03.png', 'img-04.png')
        ((Get-TestApiRequest $server -EditsOnly).inFlightOnArrival | Measure-Object -Maximum).Maximum | Should -Be 1
    }

    It 'keeps errors per file while the others succeed' {
        Set-TestApiScript $server @(@{ delayMs = 200 }, @{ status = 400; delayMs = 100 }, @{ delayMs = 200 }, @{ delayMs = 200 })
        $results = Get-ChildItem $inputs | Select-Object -First 6 | Edit-Image -Prompt 'x' -ThrottleLimit 3 -ErrorVariable failures -ErrorAction SilentlyContinue
        $results | Should -HaveCount 5
        $failures | Should -HaveCount 1
        $failures[0].TargetObject | Should -BeLike "$inputs*img-0?.png"
        $results.SourcePath | Should -Not -Contain $failures[0].TargetObject
    }

    It 'starts no request before the wait a 429 asked for' {
        # The other request in flight answers after 300 ms, so that the 429 has reached the client before a slot frees.
        Set-TestApiScript $server @(@{ status = 429; headers = @{ 'retry-after-ms' = '1500' } }, @{ delayMs = 300 })
        $results = Get-ChildItem $inputs | Select-Object -First 6 | Edit-Image -Prompt 'x' -ThrottleLimit 2
        $results | Should -HaveCount 6
        $requests = @(Get-TestApiRequest $server -EditsOnly)
        $limited = [DateTimeOffset]$requests[0].receivedAt
        # The second request was already in flight with the first; every later one waited out the pause.
        foreach ($request in $requests | Select-Object -Skip 2) {
            ([DateTimeOffset]$request.receivedAt - $limited).TotalSeconds | Should -BeGreaterThan 1.4
        }
    }

    It 'cancels every request in flight on Ctrl+C' {
        Set-TestApiScript $server @(@{ delayMs = 15000; repeat = 12 })
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                    param($Module, $Folder, $Key, $Base)
                    Import-Module $Module
                    Get-ChildItem $Folder | Edit-Image -Prompt 'x' -ThrottleLimit 4 -ApiKey (ConvertTo-SecureString $Key -AsPlainText -Force) -BaseUri $Base
                }).AddArgument($env:IMAGEEDIT_TEST_MODULE).AddArgument($inputs).AddArgument($server.ApiKey).AddArgument($server.BaseUri)
            $null = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(10)
            while (@(Get-TestApiRequest $server -EditsOnly).Count -lt 4 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 25 }
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 1
        }
        finally { $ps.Dispose() }
        Start-Sleep -Milliseconds 500
        @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 4
    }

    It 'asks ShouldProcess for each file on the pipeline thread, so -WhatIf works with a throttle' {
        Get-ChildItem $inputs | Edit-Image -Prompt 'x' -ThrottleLimit 8 -WhatIf | Should -BeNullOrEmpty
        Get-TestApiRequest $server | Should -BeNullOrEmpty
    }

    It 'is safe to call from ForEach-Object -Parallel' {
        $module = $env:IMAGEEDIT_TEST_MODULE
        $key = $server.ApiKey
        $base = $server.BaseUri
        $results = Get-ChildItem $inputs | Select-Object -First 8 | ForEach-Object -ThrottleLimit 4 -Parallel {
            Import-Module $using:module
            Edit-Image -LiteralPath $_.FullName -Prompt 'parallel' -ApiKey (ConvertTo-SecureString $using:key -AsPlainText -Force) -BaseUri $using:base
        }
        $results | Should -HaveCount 8
        @($results.SourcePath | Sort-Object -Unique) | Should -HaveCount 8
    }

    It 'is safe to call from Start-ThreadJob' {
        $jobs = 1..3 | ForEach-Object {
            Start-ThreadJob -ArgumentList $env:IMAGEEDIT_TEST_MODULE, $inputs, $server.ApiKey, $server.BaseUri, $_ -ScriptBlock {
                param($Module, $Folder, $Key, $Base, $Slice)
                Import-Module $Module
                Get-ChildItem $Folder | Select-Object -Skip (($Slice - 1) * 4) -First 4 |
                    Edit-Image -Prompt 'job' -ThrottleLimit 2 -ApiKey (ConvertTo-SecureString $Key -AsPlainText -Force) -BaseUri $Base
            }
        }
        $results = $jobs | Receive-Job -Wait -AutoRemoveJob
        $results | Should -HaveCount 12
        @($results.SourcePath | Sort-Object -Unique) | Should -HaveCount 12
    }
}
