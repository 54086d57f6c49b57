# Runs one benchmark scenario with the ImageEdit module in this (fresh) pwsh and prints {"ms":..,"peakMB":..}:
# the wall time of the command alone (process start and Import-Module excluded) and the process's peak resident memory.
param(
    [Parameter(Mandatory)][string] $Module,
    [Parameter(Mandatory)][string] $BaseUri,
    [Parameter(Mandatory)][string] $ApiKey,
    [Parameter(Mandatory)][ValidateSet('small', 'upload16', 'batch', 'stream', 'save10', 'dataurl15', 'batchapi', 'photos100', 'batch1000', 'second')][string] $Scenario,
    [Parameter(Mandatory)][string] $OutDir,
    # A file listing the input images, one path a line.
    [Parameter(Mandatory)][string] $ImageList,
    [switch] $WarmUp
)
$ErrorActionPreference = 'Stop'
$Images = @(Get-Content -LiteralPath $ImageList)
Import-Module $Module
$importEndMs = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
$env:OPENAI_BASE_URL = $BaseUri
$env:OPENAI_API_KEY = $ApiKey
if ($Scenario -eq 'second') {
    # The first edit (its time to the server is measured there), then a second one, timed, and formatting its result.
    $null = Edit-Image -LiteralPath $Images[0] -Prompt 'first'
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $second = Edit-Image -LiteralPath $Images[0] -Prompt 'second'
    $secondMs = $watch.Elapsed.TotalMilliseconds
    $watch.Restart()
    $null = $second | Out-String
    '{{"ms":{0:0.0},"formatMs":{1:0.0},"importEndMs":{2},"peakMB":0}}' -f $secondMs, $watch.Elapsed.TotalMilliseconds, $importEndMs
    return
}
if ($WarmUp) {
    # One small edit first, so that the measured command does not pay for JIT compilation and the first connection.
    $null = if ($Scenario -eq 'stream') { Get-ImageEditStream -LiteralPath $Images[0] -Prompt 'warm-up' } else { Edit-Image -LiteralPath $Images[0] -Prompt 'warm-up' }
}
$watch = [Diagnostics.Stopwatch]::StartNew()
$results = switch ($Scenario) {
    'small' { Edit-Image -LiteralPath $Images[0] -Prompt 'benchmark' -OutputDirectory $OutDir }
    'upload16' { Edit-Image -LiteralPath $Images[0] -ReferencePath ($Images[1..15] | ForEach-Object { [Management.Automation.WildcardPattern]::Escape($_) }) -Prompt 'benchmark' }
    'batch' { $Images | Get-Item | Edit-Image -Prompt 'benchmark' -ThrottleLimit 8 -OutputDirectory $OutDir }
    'stream' { Get-ImageEditStream -LiteralPath $Images[0] -Prompt 'benchmark' -PartialImages 3 -OutputDirectory $OutDir }
    'save10' { Edit-Image -LiteralPath $Images[0] -Prompt 'benchmark' -Count 10 -OutputDirectory $OutDir }
    'dataurl15' { Edit-Image -LiteralPath $Images[0] -Prompt 'benchmark' -Moderation low }
    'photos100' { $Images | Get-Item | Edit-Image -Prompt 'benchmark' -ThrottleLimit 8 -OutputDirectory $OutDir | Measure-Object }
    'batch1000' { $Images | Get-Item | Edit-Image -Prompt 'benchmark' -ThrottleLimit 16 -OutputDirectory $OutDir | Measure-Object }
    # Plan, submit, wait for and collect a Batch API job of every listed image (the server runs it when first polled).
    'batchapi' { $Images | Start-ImageEditBatch -Prompt 'benchmark' -OutputDirectory $OutDir | Wait-ImageEditBatch -PollIntervalSec 0.2 | Receive-ImageEditBatch | Measure-Object }
}
$watch.Stop()
if (-not $results) { throw "The $Scenario scenario produced nothing." }
$peak = (Get-Content /proc/self/status | Where-Object { $_ -like 'VmHWM:*' }) -replace '\D', ''
'{{"ms":{0:0},"peakMB":{1:0.0}}}' -f $watch.Elapsed.TotalMilliseconds, ([double]$peak / 1024)
