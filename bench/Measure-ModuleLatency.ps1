# Issue 23's measures for bench/Invoke-Benchmark.ps1, dot-sourced by it (so they read and set its variables: $Pwsh,
# $ModulePath, $work, $results and the rest): the second wave of a batch, streamed events, and start-up.
# Issue 23's measures, each against the module itself or a bare start, so that the machine's speed does not move them.
# -Only waves, streamevents or startup runs one of them (and prints it).
function Invoke-ModuleScenario($Server, [string] $Scenario, [string[]] $Images, [string] $Out, [switch] $WarmUp) {
    $imageList = Join-Path $Out 'images.txt'
    Set-Content -LiteralPath $imageList -Value $Images
    $moduleArgs = @($Pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', (Join-Path $PSScriptRoot 'Measure-ModuleScenario.ps1'),
        '-Module', $ModulePath, '-BaseUri', $Server.BaseUri, '-ApiKey', $Server.ApiKey, '-Scenario', $Scenario, '-OutDir', (Join-Path $Out 'module'), '-ImageList', $imageList)
    if ($WarmUp) { $moduleArgs += '-WarmUp' }
    ((Invoke-Measured $Pwsh[0] $moduleArgs).Output -split "`n" | Where-Object { $_ -like '{"ms"*' } | Select-Object -Last 1) | ConvertFrom-Json
}

# a) The second wave of a batch. 40 files piped to Edit-Image -ThrottleLimit 8 -OutputDirectory in a fresh pwsh, the
# first command of the process (as a scheduled run sends it), the server answering each in 0.5 s. Taken at the server:
# each answer frees a slot, and the request that fills it arrives some milliseconds later; the k-th answer (in the
# order they were sent) frees the slot that the (8+k)-th request (in the order they arrived) takes. A wave's lag is the
# mean of its 8 requests' lags; the figure is how much later the second wave starts than the later waves (the median of
# waves 3 to 5), the median of 3 runs.
$waves = $null
if (Test-Wanted 'waves') {
    Write-Host 'Waves: 40 files, 8 in flight, 0.5 s answers, -OutputDirectory, the first command in a fresh pwsh' -ForegroundColor Cyan
    $server = Start-TestApiServer -ServerPath $ServerPath
    $key = $server.ApiKey
    $edits = "$($server.BaseUri)/images/edits"
    $waveRuns = try {
        Invoke-ServerWarmUp @($batch | Select-Object -First 16) 'waves' 8
        foreach ($run in 1..$Repeat) {
            Reset-TestApiServer $server
            Set-TestApiScript $server @(@{ delayMs = 500; repeat = 40 })
            $out = New-Item -ItemType Directory -Force (Join-Path $work "waves-$run")
            $null = Invoke-ModuleScenario $server 'batch' $batch $out
            $requests = @(Get-TestApiRequest $server -EditsOnly)
            $arrivals = @($requests | ForEach-Object { ([DateTimeOffset]$_.receivedAt).UtcTicks } | Sort-Object)
            $answers = @($requests | ForEach-Object { ([DateTimeOffset]$_.answeredAt).UtcTicks } | Sort-Object)
            $lags = for ($k = 0; $k -lt $arrivals.Count - 8; $k++) { ($arrivals[8 + $k] - $answers[$k]) / 10000.0 }
            $waveLags = for ($wave = 0; $wave * 8 -lt $lags.Count; $wave++) { ($lags[($wave * 8)..([Math]::Min($lags.Count, $wave * 8 + 8) - 1)] | Measure-Object -Average).Average }
            $later = Get-Median @($waveLags | Select-Object -Skip 1)
            if ($Only) { Write-Host ('  run {0}: lag of waves 2 to 5 {1} ms' -f $run, (($waveLags | ForEach-Object { '{0:N1}' -f $_ }) -join ', ')) }
            [pscustomobject]@{ SecondMs = $waveLags[0]; LaterMs = $later; LateByMs = $waveLags[0] - $later }
        }
    }
    finally { Stop-TestApiServer $server }
    $waves = [pscustomobject]@{ SecondMs = Get-Median $waveRuns.SecondMs; LaterMs = Get-Median $waveRuns.LaterMs; LateByMs = Get-Median $waveRuns.LateByMs }
}

# b) Streamed events. Get-ImageEditStream with two 1 MB partial images and the final image, saved to -OutputDirectory,
# piped to ForEach-Object, after one such stream in the same process (so that compiling its reading is not counted); the server
# pauses 250 ms between events, as the API takes seconds. For each event: when user code saw it (UTC, in the client)
# less when the server began sending it (UTC, in the server; one machine, one clock). Medians of 3 per event. The warm-up stream is not saved, so the
# measured one is the first in its process to save and keep a run record, as the issue measured it.
$streamEvents = $null
if (Test-Wanted 'streamevents') {
    Write-Host 'Stream events: two 1 MB partial images and the final image, saved, to a ForEach-Object' -ForegroundColor Cyan
    $server = Start-TestApiServer -ServerPath $ServerPath
    $key = $server.ApiKey
    $edits = "$($server.BaseUri)/images/edits"
    $eventRuns = try {
        Invoke-ServerWarmUp @($small, $small) 'streamevents' 2
        foreach ($run in 1..$Repeat) {
            Reset-TestApiServer $server
            Set-TestApiScript $server @(@{ imageBytes = 1MB; pauseMs = 250; repeat = 2 })
            $out = New-Item -ItemType Directory -Force (Join-Path $work "streamevents-$run")
            $report = Invoke-ModuleScenario $server 'streamevents' @($small) $out -WarmUp
            $sent = @((Get-TestApiRequest $server -EditsOnly | Select-Object -Last 1).eventsSentAt | ForEach-Object { ([DateTimeOffset]$_).UtcTicks })
            $seen = @($report.seenAt)
            if ($seen.Count -ne $sent.Count) { throw "The stream's user code saw $($seen.Count) event(s) of $($sent.Count)." }
            $latencies = for ($i = 0; $i -lt $sent.Count; $i++) { ($seen[$i] - $sent[$i]) / 10000.0 }
            if ($Only) { Write-Host ('  run {0}: {1} ms' -f $run, (($latencies | ForEach-Object { '{0:N1}' -f $_ }) -join ', ')) }
            , @($latencies)
        }
    }
    finally { Stop-TestApiServer $server }
    $streamEvents = for ($i = 0; $i -lt 3; $i++) { Get-Median @($eventRuns | ForEach-Object { $_[$i] }) }
}

# c) Start-up, 11 rounds taking turns, so that a slower minute of this VM falls on all three rather than on one block (a
# bare start moved between 404 and 615 ms across runs): a bare pwsh start; one that imports ImageEdit; a one-off run
# (import, one small edit piped to Out-Null, exit) against the local server.
$startup = $null
if (Test-Wanted 'startup') {
    Write-Host 'Start-up: bare pwsh, Import-Module, a one-off run (import, one edit), 11 rounds taking turns' -ForegroundColor Cyan
    $server = Start-TestApiServer -ServerPath $ServerPath
    $key = $server.ApiKey
    $edits = "$($server.BaseUri)/images/edits"
    $startupRuns = try {
        Invoke-ServerWarmUp @($small, $small) 'startup' 2
        $oneOff = "`$env:OPENAI_BASE_URL = '$($server.BaseUri)'; `$env:OPENAI_API_KEY = '$($server.ApiKey)'; Import-Module '$ModulePath'; Edit-Image -LiteralPath '$small' -Prompt 'benchmark' | Out-Null; exit"
        foreach ($run in 1..11) {
            Reset-TestApiServer $server
            $round = [pscustomobject]@{
                Bare = (Invoke-Measured $Pwsh[0] (@($Pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', 'exit'))).Ms
                Import = (Invoke-Measured $Pwsh[0] (@($Pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', "Import-Module '$ModulePath'; exit"))).Ms
                OneOff = (Invoke-Measured $Pwsh[0] (@($Pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $oneOff))).Ms
            }
            if ($Only) { Write-Host ('  round {0}: bare {1:N0} ms, import {2:N0} ms, one-off {3:N0} ms' -f $run, $round.Bare, $round.Import, $round.OneOff) }
            $round
        }
    }
    finally { Stop-TestApiServer $server }
    $startup = [pscustomobject]@{ BareMs = Get-Median $startupRuns.Bare; ImportMs = Get-Median $startupRuns.Import; OneOffMs = Get-Median $startupRuns.OneOff }
    $startup | Add-Member ImportPercent (100 * ($startup.ImportMs - $startup.BareMs) / $startup.BareMs)
    $startup | Add-Member OneOffPercent (100 * ($startup.OneOffMs - $startup.BareMs) / $startup.BareMs)
}
