# Runs every *.Tests.ps1 here with Pester against the built module and writes {Passed, Failed, Failures} to -SummaryPath.
# -Filter: only the test files whose name contains the text (Costs: Costs.Tests.ps1), or, when no file name does, only
# the tests whose full name (Describe, Context and It) contains it.
param(
    [Parameter(Mandatory)][string] $PesterManifest,
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $ServerPath,
    [Parameter(Mandatory)][string] $SummaryPath,
    [string] $Filter
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterManifest -Force
$env:IMAGEEDIT_TEST_MODULE = $ModulePath
$env:IMAGEEDIT_TEST_SERVER = $ServerPath
$configuration = New-PesterConfiguration
$configuration.Run.Path = $PSScriptRoot
if ($Filter) {
    $files = @(Get-ChildItem -LiteralPath $PSScriptRoot -Filter '*.Tests.ps1' | Where-Object { $_.Name -like "*$Filter*" })
    if ($files) {
        $configuration.Run.Path = [string[]]$files.FullName
        Write-Host "Pester: the files whose name contains '$Filter': $($files.Name -join ', ')"
    }
    else {
        $configuration.Filter.FullName = "*$Filter*"
        Write-Host "Pester: no file name contains '$Filter'; the tests whose full name contains it"
    }
}
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Normal'
$result = Invoke-Pester -Configuration $configuration
New-Item -ItemType Directory -Force -Path (Split-Path $SummaryPath) | Out-Null
$failures = @($result.Failed | ForEach-Object { "Pester FAILED: $($_.ExpandedPath)`n    $((($_.ErrorRecord | Select-Object -First 1) -split "`n" | Select-Object -First 6) -join "`n    ")" }) +
    @($result.FailedContainers | ForEach-Object { "Pester FAILED: $($_.Item) (the file did not run)" })
[pscustomobject]@{ Passed = $result.PassedCount; Failed = $result.FailedCount + $result.FailedContainersCount; Failures = $failures } |
    ConvertTo-Json | Set-Content $SummaryPath
