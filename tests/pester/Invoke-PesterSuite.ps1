# Runs every *.Tests.ps1 here with Pester against the built module and writes {Passed, Failed} to -SummaryPath.
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
[pscustomobject]@{ Passed = $result.PassedCount; Failed = $result.FailedCount + $result.FailedContainersCount } |
    ConvertTo-Json | Set-Content $SummaryPath
