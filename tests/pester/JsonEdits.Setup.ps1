# The set-up shared by JsonEdits, FilesApi and ModelLifecycle.Tests.ps1, dot-sourced in their BeforeAll: a session with
# the local server, the sample paths, and helpers for request fields and the server's model list.
Import-Module (Join-Path $PSScriptRoot 'TestApiServer.psm1') -Force
$script:server = Enter-ImageEditTestSession
$script:samples = Join-Path $PSScriptRoot '../../samples' | Resolve-Path | Select-Object -ExpandProperty Path
$script:lighthouse = Join-Path $samples 'lighthouse.png'
$script:harbour = Join-Path $samples 'harbour.jpg'
$script:suite = Join-Path $PSScriptRoot '../corpus/pngsuite' | Resolve-Path | Select-Object -ExpandProperty Path
function Get-Field($Request, [string] $Name) { ($Request.fields | Where-Object name -EQ $Name).value }
function Set-TestModels([object[]] $Models) {
    Invoke-RestMethod -Method Post -Uri "$($server.Root)/_control/models" -Body (ConvertTo-Json -InputObject @($Models) -Depth 5) -ContentType 'application/json' | Out-Null
}
$script:savedToday = $env:IMAGEEDIT_TODAY
