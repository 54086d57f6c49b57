# Runs every *.Tests.ps1 here with Pester against the built module and writes {Passed, Failed, Failures} to -SummaryPath.
param(
    [Parameter(Mandatory)][string] $PesterManifest,
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $ServerPath,
    [Parameter(Mandatory)][string] $SummaryPath
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterManifest -Force
$env:IMAGEEDIT_TEST_MODULE = $ModulePath
$env:IMAGEEDIT_TEST_SERVER = $ServerPath
$configuration = New-PesterConfiguration
$configuration.Run.Path = $PSScriptRoot
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Normal'
$result = Invoke-Pester -Configuration $configuration
New-Item -ItemType Directory -Force -Path (Split-Path $SummaryPath) | Out-Null
$failures = @($result.Failed | ForEach-Object { "Pester FAILED: $($_.ExpandedPath)`n    $((($_.ErrorRecord | Select-Object -First 1) -split "`n" | Select-Object -First 6) -join "`n    ")" }) +
    @($result.FailedContainers | ForEach-Object { "Pester FAILED: $($_.Item) (the file did not run)" })
[pscustomobject]@{ Passed = $result.PassedCount; Failed = $result.FailedCount + $result.FailedContainersCount; Failures = $failures } |
    ConvertTo-Json | Set-Content $SummaryPath
