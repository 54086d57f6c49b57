#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests and demonstrates the ImageEdit module.
.DESCRIPTION
    Build  publishes the module into out/ImageEdit (Import-Module ./out/ImageEdit works) and the local API server into out/testserver.
    Test   builds, runs the xunit tests and the Pester tests against out/ImageEdit in a child pwsh, and ends with "N passed, N failed".
           -Suite xunit|pester runs one of the two (default all); -Filter <text> runs only the xunit tests whose fully
           qualified name contains the text (dotnet test --filter FullyQualifiedName~text) and the Pester test files whose
           name contains it (-Filter Costs runs Costs.Tests.ps1), or, when no file name does, the Pester tests whose full
           name (Describe, Context and It) contains it.
    Demo   builds, starts the local API server and runs Get-ChildItem samples | Edit-Image, saving into out/demo, then a batch into out/demo-batch, and ends by writing the report of out/demo (Export-ImageEditReport) and printing its path.
    Package builds and publishes the module to a local folder repository, leaving out/ImageEdit.<version>.nupkg.
    Bench  builds, measures ImageEdit against curl and the official OpenAI .NET SDK (docs/BENCHMARKS.md), -Runs times in a
           row (default 1), then runs the BenchmarkDotNet micro-benchmarks of the multipart writer and the SSE and base64
           path (-SkipMicro skips them).
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Test
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Test -Suite pester -Filter Costs
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Test -Suite xunit -Filter RunRecord
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Bench', 'Package')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # With -Task Bench: skip the BenchmarkDotNet micro-benchmarks.
    [switch] $SkipMicro,

    # With -Task Bench: run the whole measurement this many times in a row; docs/BENCHMARKS.md gets the last run's
    # figures and every run's targets, so "each target holds in N runs in a row" can be read off one page.
    [ValidateRange(1, 10)]
    [int] $Runs = 1,

    # With -Task Bench: only these scenarios (e.g. photos100) or measures (waves, streamevents, startup: issue 23), printed
    # and not written to docs/BENCHMARKS.md.
    [string[]] $Only,

    # With -Task Test: which tests to run, the xunit tests, the Pester tests or both (the default).
    [ValidateSet('all', 'xunit', 'pester')]
    [string] $Suite = 'all',

    # With -Task Test: only the tests this text names. xunit: the tests whose fully qualified name (namespace, class,
    # method) contains it. Pester: the test files whose name contains it, or when no file name does, the tests whose
    # full name (Describe, Context and It) contains it.
    [string] $Filter
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$out = Join-Path $root 'out'
$moduleOut = Join-Path $out 'ImageEdit'
$serverOut = Join-Path $out 'testserver'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'

function Invoke-Native {
    param([string] $What, [scriptblock] $Command)
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$What failed with exit code $LASTEXITCODE." }
}

function Get-ModuleVersion {
    ([xml](Get-Content -Raw (Join-Path $root 'Directory.Build.props'))).Project.PropertyGroup.Version | Select-Object -First 1
}

# The pwsh running this script, as a command line: `dotnet pwsh` runs pwsh.dll through the dotnet host.
function Get-PwshCommand {
    $process = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') { return @($process, (Join-Path $PSHOME 'pwsh.dll')) }
    return @($process)
}

function Invoke-Build {
    Write-Host "Building ImageEdit $(Get-ModuleVersion) ($Configuration)" -ForegroundColor Cyan
    if (Test-Path $moduleOut) { Remove-Item $moduleOut -Recurse -Force }
    Invoke-Native 'Publishing the module' { dotnet publish (Join-Path $root 'src/ImageEdit/ImageEdit.csproj') -c $Configuration -o $moduleOut --nologo -v quiet }
    Get-ChildItem $moduleOut -Filter '*.pdb' | Remove-Item
    Get-ChildItem $moduleOut -Filter '*.deps.json' | Remove-Item
    Copy-Item (Join-Path $root 'ImageEdit.format.ps1xml'), (Join-Path $root 'ImageEdit.types.ps1xml') $moduleOut
    Copy-Item (Join-Path $root 'LICENSE'), (Join-Path $root 'CHANGELOG.md') $moduleOut
    $manifest = Get-Content -Raw (Join-Path $root 'ImageEdit.psd1')
    $manifest = $manifest -replace "ModuleVersion(\s*)=(\s*)'[^']*'", "ModuleVersion`$1=`$2'$(Get-ModuleVersion)'"
    # ReleaseNotes: the newest section of CHANGELOG.md, which must be the version being built.
    $changelog = Get-Content -Raw (Join-Path $root 'CHANGELOG.md')
    if ($changelog -notmatch "(?ms)^## $([regex]::Escape((Get-ModuleVersion)))\s*\r?\n(.*?)(?=^## |\z)") { throw "CHANGELOG.md has no section for version $(Get-ModuleVersion)." }
    $notes = $Matches[1].Trim() -replace "'", "''"
    $manifest = $manifest -replace "ReleaseNotes(\s*)=(\s*)'[^']*'", "ReleaseNotes`$1=`$2'$notes'"
    Set-Content -Path (Join-Path $moduleOut 'ImageEdit.psd1') -Value $manifest -NoNewline
    $pwsh = Get-PwshCommand
    Invoke-Native 'Generating help' {
        & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File (Join-Path $root 'tools/New-ModuleHelp.ps1') -ModulePath $moduleOut -HelpSource (Join-Path $root 'docs/help')
    }
    Invoke-Native 'Building the local API server' { dotnet build (Join-Path $root 'tests/ImageEdit.TestServer/ImageEdit.TestServer.csproj') -c $Configuration -o $serverOut --nologo -v quiet }
}

# Runs a script in a child pwsh whose HOME is $HomePath, so that repository registrations and installs stay out of
# the user's own configuration.
function Invoke-IsolatedPwsh {
    param([string] $HomePath, [string] $Script, [string[]] $Arguments = @())
    $pwsh = Get-PwshCommand
    $info = [System.Diagnostics.ProcessStartInfo]::new($pwsh[0])
    foreach ($argument in @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $Script) + $Arguments) { $info.ArgumentList.Add($argument) }
    $info.Environment['HOME'] = $HomePath
    $info.Environment.Remove('XDG_DATA_HOME') | Out-Null
    $info.Environment.Remove('XDG_CONFIG_HOME') | Out-Null
    $info.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($info)
    $process.WaitForExit()
    if ($process.ExitCode -ne 0) { throw "The isolated pwsh failed with exit code $($process.ExitCode)." }
}

function Invoke-Package {
    $work = Join-Path $out 'package-work'
    if (Test-Path $work) { Remove-Item $work -Recurse -Force }
    $repository = New-Item -ItemType Directory (Join-Path $work 'repository')
    $isolatedHome = New-Item -ItemType Directory (Join-Path $work 'home')
    Invoke-IsolatedPwsh -HomePath $isolatedHome -Script @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name ImageEditBuild -Uri '$repository' -Trusted
Publish-PSResource -Path '$moduleOut' -Repository ImageEditBuild
"@
    $package = Join-Path $out "ImageEdit.$(Get-ModuleVersion).nupkg"
    Get-ChildItem $out -Filter 'ImageEdit.*.nupkg' | Remove-Item
    Copy-Item (Join-Path $repository "ImageEdit.$(Get-ModuleVersion).nupkg") $package
    Write-Host "Package: $package" -ForegroundColor Cyan
    $package
}

function Get-Pester {
    $folder = Join-Path $out 'tools'
    $manifest = Join-Path $folder 'pester/5.7.1/tools/Pester.psd1'
    if (-not (Test-Path $manifest)) {
        Invoke-Native 'Downloading Pester 5.7.1' { dotnet package download Pester@5.7.1 -o $folder | Out-Host }
    }
    $manifest
}

# Selenium.WebDriver for the report's browser tests (tests/pester/Browser.psm1), restored beside Pester: the tests give
# it the path of Debian's chromedriver, so nothing is downloaded when they run.
function Get-Selenium {
    $folder = Join-Path $out 'tools'
    $assembly = Join-Path $folder 'selenium.webdriver/4.52.0/lib/net8.0/Selenium.WebDriver.dll'
    if (-not (Test-Path $assembly)) {
        Invoke-Native 'Downloading Selenium.WebDriver 4.52.0' { dotnet package download Selenium.WebDriver@4.52.0 -o $folder | Out-Host }
    }
    $assembly
}

# Headless Chromium and its driver from the Debian packages, installed when missing and this runs as root; otherwise the
# browser tests are skipped with the reason (never failed).
function Install-Chromium {
    if ((Test-Path '/usr/bin/chromium') -and (Test-Path '/usr/bin/chromedriver')) { return }
    if (-not $IsLinux -or -not (Get-Command apt-get -ErrorAction SilentlyContinue) -or (id -u) -ne '0') {
        Write-Host 'Chromium or ChromeDriver is missing and cannot be installed here (apt-get as root): the report''s browser tests will be skipped.' -ForegroundColor Yellow
        return
    }
    apt-get install -y chromium chromium-driver | Out-Host
    if ($LASTEXITCODE -ne 0) {
        apt-get update | Out-Host
        apt-get install -y chromium chromium-driver | Out-Host
    }
    if ($LASTEXITCODE -ne 0) { Write-Host 'Installing chromium and chromium-driver failed: the report''s browser tests will be skipped.' -ForegroundColor Yellow }
}

function Invoke-XunitTests {
    $results = Join-Path $out 'test-results'
    if (Test-Path $results) { Remove-Item $results -Recurse -Force }
    $filterArguments = if ($Filter) { @('--filter', "FullyQualifiedName~$Filter") } else { @() }
    dotnet test (Join-Path $root 'tests/ImageEdit.Tests/ImageEdit.Tests.csproj') -c $Configuration --nologo @filterArguments `
        --logger 'trx;LogFileName=xunit.trx' --logger 'console;verbosity=minimal' --results-directory $results | Out-Host
    $trx = Join-Path $results 'xunit.trx'
    if (-not (Test-Path $trx)) { return [pscustomobject]@{ Passed = 0; Failed = 1; Failures = @('xunit FAILED: no results file (the test host did not run; see above)') } }
    $run = ([xml](Get-Content -Raw $trx)).TestRun
    $counters = $run.ResultSummary.Counters
    # Name the failures last, where a CI log's tail shows them.
    $failures = @($run.Results.UnitTestResult | Where-Object { $_.outcome -ne 'Passed' -and $_.outcome -ne 'NotExecuted' } |
        ForEach-Object { "xunit FAILED: $($_.testName)`n    $(($_.Output.ErrorInfo.Message -split "`n" | Select-Object -First 6) -join "`n    ")" })
    [pscustomobject]@{ Passed = [int]$counters.passed; Failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout; Failures = $failures }
}

function Invoke-PesterTests {
    $summary = Join-Path $out 'test-results/pester.json'
    # A summary left by an earlier run (-Suite pester does not clear test-results) must not pass for this one's.
    if (Test-Path $summary) { Remove-Item $summary -Force }
    $pwsh = Get-PwshCommand
    $runner = Join-Path $root 'tests/pester/Invoke-PesterSuite.ps1'
    $filterArguments = if ($Filter) { @('-Filter', $Filter) } else { @() }
    & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File $runner -PesterManifest (Get-Pester) -ModulePath $moduleOut -ServerPath $serverOut -SummaryPath $summary @filterArguments | Out-Host
    if (-not (Test-Path $summary)) { return [pscustomobject]@{ Passed = 0; Failed = 1 } }
    Get-Content -Raw $summary | ConvertFrom-Json
}

function Invoke-Demo {
    Import-Module (Join-Path $root 'tests/pester/TestApiServer.psm1') -Force
    $server = Start-TestApiServer -ServerPath $serverOut
    try {
        Import-Module $moduleOut -Force
        $env:OPENAI_BASE_URL = $server.BaseUri
        $env:OPENAI_API_KEY = $server.ApiKey
        $demo = Join-Path $out 'demo'
        Write-Host "Local API server at $($server.BaseUri); saving into $demo" -ForegroundColor Cyan
        Write-Host "PS> Get-ChildItem samples | Edit-Image -Prompt 'Paint it as a watercolour' -OutputDirectory out/demo" -ForegroundColor Yellow
        Get-ChildItem (Join-Path $root 'samples') -File | Edit-Image -Prompt 'Paint it as a watercolour' -OutputDirectory $demo | Format-Table -AutoSize | Out-Host

        # A Batch API job from start to collected files. The local server runs batches at once when polled (batch mode
        # "auto"); OpenAI takes up to 24 hours.
        Invoke-RestMethod -Method Post -Uri "$($server.Root)/_control/batch-mode" -Body '{"auto":true}' -ContentType 'application/json' | Out-Null
        $batchOut = Join-Path $out 'demo-batch'
        Write-Host "PS> Get-ChildItem samples | Start-ImageEditBatch -Prompt 'Make it a winter scene' -OutputDirectory out/demo-batch | Wait-ImageEditBatch -PollIntervalSec 0.2 | Receive-ImageEditBatch" -ForegroundColor Yellow
        Get-ChildItem (Join-Path $root 'samples') -File | Start-ImageEditBatch -Prompt 'Make it a winter scene' -OutputDirectory $batchOut |
            Wait-ImageEditBatch -PollIntervalSec 0.2 | Receive-ImageEditBatch | Format-Table -AutoSize | Out-Host

        # The review page of the first run: sources beside results, prompts, tokens, costs and failures.
        Write-Host "PS> Export-ImageEditReport out/demo" -ForegroundColor Yellow
        $report = Export-ImageEditReport $demo
        Write-Host "Report: $($report.FullName)" -ForegroundColor Cyan
    }
    finally {
        Stop-TestApiServer $server
    }
}

function Invoke-Bench {
    $sdkOut = Join-Path $out 'sdkrunner'
    Invoke-Native 'Building the SDK runner' { dotnet build (Join-Path $root 'bench/ImageEdit.SdkRunner/ImageEdit.SdkRunner.csproj') -c Release -o $sdkOut --nologo -v quiet }
    for ($run = 1; $run -le $Runs; $run++) {
        Write-Host "Benchmark run $run of $Runs" -ForegroundColor Cyan
        & (Join-Path $root 'bench/Invoke-Benchmark.ps1') -Root $root -ModulePath $moduleOut -ServerPath $serverOut -SdkRunner (Join-Path $sdkOut 'ImageEdit.SdkRunner.dll') -Pwsh (Get-PwshCommand) -SeriesRun $run -SeriesLength $Runs -Only $Only
    }
    if (-not $SkipMicro -and -not $Only) {
        $artifacts = Join-Path $out 'benchmarkdotnet'
        Invoke-Native 'Running the micro-benchmarks' {
            dotnet run -c Release --project (Join-Path $root 'bench/ImageEdit.Benchmarks/ImageEdit.Benchmarks.csproj') -- --filter '*' --artifacts $artifacts | Out-Host
        }
        $micro = Get-ChildItem (Join-Path $artifacts 'results') -Filter '*-report-github.md' | Sort-Object Name | ForEach-Object { Get-Content -Raw $_.FullName }
        $section = "`n## Micro-benchmarks (BenchmarkDotNet, bench/ImageEdit.Benchmarks)`n`n" +
            "MultipartBenchmarks: a request of four 8 MB images written to Stream.Null. StreamBenchmarks: three 4 MB partial images and the final one, parsed from SSE and saved to files.`n`n" +
            ($micro -join "`n")
        Add-Content -Path (Join-Path $root 'docs/BENCHMARKS.md') -Value $section
    }
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Demo' { Invoke-Build; Invoke-Demo }
    'Bench' { Invoke-Build; Invoke-Bench }
    'Package' { Invoke-Build; $null = Invoke-Package }
    'Test' {
        Invoke-Build
        $notRun = [pscustomobject]@{ Passed = 0; Failed = 0; Failures = @() }
        $xunit = $pester = $notRun
        if ($Suite -ne 'pester') {
            $xunit = Invoke-XunitTests
        }
        if ($Suite -ne 'xunit') {
            # What only the Pester tests use: the package (Packaging.Tests.ps1) and the browser (Report.Tests.ps1).
            $env:IMAGEEDIT_TEST_PACKAGE = Invoke-Package
            Install-Chromium
            $env:IMAGEEDIT_TEST_SELENIUM = Get-Selenium
            $pester = Invoke-PesterTests
        }
        $passed = $xunit.Passed + $pester.Passed
        $failed = $xunit.Failed + $pester.Failed
        foreach ($failure in @($xunit.Failures) + @($pester.Failures)) { if ($failure) { Write-Host $failure -ForegroundColor Red } }
        $xunitLine = if ($Suite -eq 'pester') { 'not run' } else { "$($xunit.Passed) passed, $($xunit.Failed) failed" }
        $pesterLine = if ($Suite -eq 'xunit') { 'not run' } else { "$($pester.Passed) passed, $($pester.Failed) failed" }
        Write-Host "xunit: $xunitLine; Pester: $pesterLine$(if ($Filter) { " (filter: $Filter)" })"
        Write-Host "$passed passed, $failed failed"
        if ($failed -gt 0) { exit 1 }
    }
}
