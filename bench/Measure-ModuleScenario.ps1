# Runs one benchmark scenario with the ImageEdit module in this (fresh) pwsh and prints {"ms":..,"peakMB":..}:
# the wall time of the command alone (process start and Import-Module excluded) and the process's peak resident memory.
param(
    [Parameter(Mandatory)][string] $Module,
    [Parameter(Mandatory)][string] $BaseUri,
    [Parameter(Mandatory)][string] $ApiKey,
    [Parameter(Mandatory)][ValidateSet('small', 'upload16', 'batch', 'stream', 'save10', 'dataurl15', 'batchapi', 'photos100', 'photos100saved', 'batch1000', 'second', 'streamevents')][string] $Scenario,
    [Parameter(Mandatory)][string] $OutDir,
    # A file listing the input images, one path a line (a piped scenario's images are all the files of their folder).
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
# The piped scenarios, each one pipeline as an admin writes it: Get-ChildItem of the folder that holds exactly the
# scenario's images, piped to Edit-Image. The measured run pipes the whole folder; its warm-up pipes the first image
# through the same command, so that the code a piped batch runs (files bound by property name, several requests in
# flight, the large-file path) is compiled before the clock starts, as it is in a session after its first batch. The
# other scenarios warm up with one small edit.
$piped = @{
    'batch'          = { param($path, $out) Get-ChildItem -LiteralPath $path -File | Edit-Image -Prompt 'benchmark' -ThrottleLimit 8 -OutputDirectory $out | Measure-Object }
    'photos100'      = { param($path, $out) Get-ChildItem -LiteralPath $path -File | Edit-Image -Prompt 'benchmark' -ThrottleLimit 8 | Measure-Object }
    'photos100saved' = { param($path, $out) Get-ChildItem -LiteralPath $path -File | Edit-Image -Prompt 'benchmark' -ThrottleLimit 8 -OutputDirectory $out | Measure-Object }
    'batch1000'      = { param($path, $out) Get-ChildItem -LiteralPath $path -File | Edit-Image -Prompt 'benchmark' -ThrottleLimit 16 -OutputDirectory $out | Measure-Object }
}
# streamevents: the time (UTC ticks) at which user code, a ForEach-Object after the command, sees each event; the server
# records when it began sending each one, and the benchmark takes the difference. The warm-up stream goes through the same
# script block (its list is cleared after), so that what is measured is the module's work and not PowerShell compiling
# the user's script block, which it does once per block, whatever module feeds it (measured: 5 to 16 ms on the first event).
$seenAt = [Collections.Generic.List[long]]::new()
$seeEvent = { $seenAt.Add([DateTimeOffset]::UtcNow.UtcTicks); $_ }
if ($WarmUp) {
    # One request first, so that the measured command does not pay for JIT compilation and the first connection.
    $null = if ($piped.ContainsKey($Scenario)) { & $piped[$Scenario] $Images[0] (Join-Path $OutDir '../warm-up') }
    elseif ($Scenario -eq 'stream') { Get-ImageEditStream -LiteralPath $Images[0] -Prompt 'warm-up' }
    # The same stream, not saved: the measured one is the first to save in the session (its folder, run record and
    # saving code are new to the process), as when a session streams to a folder for the first time.
    elseif ($Scenario -eq 'streamevents') { Get-ImageEditStream -LiteralPath $Images[0] -Prompt 'warm-up' -PartialImages 2 | ForEach-Object $seeEvent; $seenAt.Clear() }
    else { Edit-Image -LiteralPath $Images[0] -Prompt 'warm-up' }
}
$watch = [Diagnostics.Stopwatch]::StartNew()
$results = if ($piped.ContainsKey($Scenario)) { & $piped[$Scenario] (Split-Path -LiteralPath $Images[0]) $OutDir } else {
    switch ($Scenario) {
        'small' { Edit-Image -LiteralPath $Images[0] -Prompt 'benchmark' -OutputDirectory $OutDir }
        'upload16' { Edit-Image -LiteralPath $Images[0] -ReferencePath ($Images[1..15] | ForEach-Object { [Management.Automation.WildcardPattern]::Escape($_) }) -Prompt 'benchmark' }
        'stream' { Get-ImageEditStream -LiteralPath $Images[0] -Prompt 'benchmark' -PartialImages 3 -OutputDirectory $OutDir }
        'streamevents' { Get-ImageEditStream -LiteralPath $Images[0] -Prompt 'benchmark' -PartialImages 2 -OutputDirectory $OutDir | ForEach-Object $seeEvent }
        'save10' { Edit-Image -LiteralPath $Images[0] -Prompt 'benchmark' -Count 10 -OutputDirectory $OutDir }
        'dataurl15' { Edit-Image -LiteralPath $Images[0] -Prompt 'benchmark' -Moderation low }
        # Plan, submit, wait for and collect a Batch API job of every listed image (the server runs it when first polled).
        'batchapi' { $Images | Start-ImageEditBatch -Prompt 'benchmark' -OutputDirectory $OutDir | Wait-ImageEditBatch -PollIntervalSec 0.2 | Receive-ImageEditBatch | Measure-Object }
    }
}
$watch.Stop()
if (-not $results) { throw "The $Scenario scenario produced nothing." }
$peak = (Get-Content /proc/self/status | Where-Object { $_ -like 'VmHWM:*' }) -replace '\D', ''
'{{"ms":{0:0},"peakMB":{1:0.0},"seenAt":[{2}]}}' -f $watch.Elapsed.TotalMilliseconds, ([double]$peak / 1024), ($seenAt -join ',')
