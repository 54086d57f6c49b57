# The benchmark behind ./build.ps1 -Task Bench: wall time and peak resident memory of ImageEdit, curl (the floor) and the
# official OpenAI .NET SDK doing the same jobs against the local API server, with ratios, written to docs/BENCHMARKS.md.
param(
    [Parameter(Mandatory)][string] $Root,
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $ServerPath,
    [Parameter(Mandatory)][string] $SdkRunner,
    [Parameter(Mandatory)][string[]] $Pwsh,
    [int] $Repeat = 3,
    # This run's place in a series of runs in a row (build.ps1 -Runs): the report lists every run's targets so far.
    [int] $SeriesRun = 1,
    [int] $SeriesLength = 1,
    # Only these scenarios (by name, e.g. photos100), printed and not written to docs/BENCHMARKS.md: for investigating.
    [string[]] $Only
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
Import-Module (Join-Path $Root 'tests/pester/TestApiServer.psm1') -Force

# Whether this run measures a scenario or measure (all of them unless -Only names some); with -Only, the large inputs
# that no named scenario reads are not prepared.
function Test-Wanted([string[]] $Name) { -not $Only -or @($Name | Where-Object { $_ -in ($Only -split ',') }).Count -gt 0 }
$work = Join-Path $Root 'out/bench'
if (Test-Path $work) { Remove-Item $work -Recurse -Force }
$inputs = New-Item -ItemType Directory (Join-Path $work 'inputs')
$sample = Join-Path $Root 'samples/lighthouse.png'

Write-Host 'Preparing inputs: 16 PNGs of 48 MB and 40 small PNGs' -ForegroundColor Cyan
$small = Join-Path $inputs 'small.png'
Copy-Item $sample $small
$big = if (Test-Wanted 'upload16') { 1..16 | ForEach-Object {
    $path = Join-Path $inputs ('big-{0:D2}.png' -f $_)
    # The image data written for real, so that it is read from the page cache like any file, not from a hole.
    New-LargePng -Path $path -Bytes 48MB -HeaderFrom $sample -Fill $_
    $path
} } else { @() }
# The piped scenarios' images each in a folder of their own: ImageEdit reads them as admins do, with Get-ChildItem of
# the folder piped to Edit-Image (bench/Measure-ModuleScenario.ps1); curl gets the same files one transfer each.
function New-InputFolder([string] $Name) { (New-Item -ItemType Directory (Join-Path $inputs $Name)).FullName }
$batchFolder = New-InputFolder 'batch'
$batch = 1..40 | ForEach-Object { $path = Join-Path $batchFolder ('batch-{0:D2}.png' -f $_); Copy-Item $sample $path; $path }

# Issue 14's workloads: 100 real photos of about 6 MB (valid PNGs whose image data is written, not sparse), and 1,000
# small files.
Write-Host 'Preparing inputs: 100 PNGs of 6 MB and 1,000 small PNGs' -ForegroundColor Cyan
$photoFolder = New-InputFolder 'photos'
$photos = if (Test-Wanted 'photos100', 'photos100saved') { 1..100 | ForEach-Object { $path = Join-Path $photoFolder ('photo-{0:D3}.png' -f $_); New-LargePng -Path $path -Bytes (6MB + $_ * 1000) -HeaderFrom $sample -Fill $_; $path } } else { @() }
$thousandFolder = New-InputFolder 'many'
$thousand = if (Test-Wanted 'batch1000') { 1..1000 | ForEach-Object { $path = Join-Path $thousandFolder ('many-{0:D4}.png' -f $_); Copy-Item $sample $path; $path } } else { @() }
# Written out before anything is measured, so that the kernel's writeback of 1.5 GB of new files does not take CPU from
# the first scenarios; the files stay in the page cache, which is where every client reads them from.
if (Get-Command sync -CommandType Application -ErrorAction Ignore) { sync }

# A curl config that sends each file in its own transfer, up to -Parallel at once (options apply per transfer; "next"
# starts the next one).
function New-CurlParallel([string[]] $Files, [string] $Out, [string] $Name, [int] $Parallel) {
    $config = Join-Path $Out "$Name.curlrc"
    $lines = for ($i = 0; $i -lt $Files.Count; $i++) {
        if ($i -gt 0) { 'next' }
        'silent'; 'show-error'; 'fail'; "url = `"$edits`""; "header = `"Authorization: Bearer $key`""; 'form = "prompt=benchmark"'
        "form = `"image=@$($Files[$i]);type=image/png`""; "output = `"$Out/$Name-$i.json`""
    }
    Set-Content $config $lines
    @('--parallel', '--parallel-max', "$Parallel", '-K', $config)
}

# A 15 MB (15,000,000 bytes) PNG with real data, sent as a data URL in a JSON body (-Moderation needs the JSON body): just
# under the API's 20,971,520-character image_url limit. curl sends the same body, prepared beforehand as a file.
$dataUrlImage = Join-Path $inputs 'photo-15mb.png'
New-LargePng -Path $dataUrlImage -Bytes 15000000 -HeaderFrom $sample -Fill 99
$dataUrlBody = Join-Path $inputs 'dataurl-body.json'
if (Test-Wanted 'dataurl15') { [IO.File]::WriteAllText($dataUrlBody, '{"images":[{"image_url":"data:image/png;base64,' + [Convert]::ToBase64String([IO.File]::ReadAllBytes($dataUrlImage)) + '"}],"prompt":"benchmark","moderation":"low"}') }

# An unmeasured pass of curl over some images ($edits and $key: the current server), so that the server has compiled
# and sized itself for this kind of request before any client is timed.
function Invoke-ServerWarmUp([string[]] $Images, [string] $Name, [int] $Parallel) {
    $folder = New-Item -ItemType Directory -Force (Join-Path $work "$Name-server-warm-up")
    $null = Invoke-Measured 'curl' (New-CurlParallel $Images $folder 'warm-up' $Parallel)
}

function Get-Median([double[]] $Values) {
    $sorted = $Values | Sort-Object
    $sorted[[int][Math]::Floor(($sorted.Count - 1) / 2)]
}

# Runs a client, timing it whole, and takes its peak resident memory from the kernel's own count (ru_maxrss, which
# GNU time reports when the process ends), so that nothing polls while it runs: on two cores a polling loop in this
# pwsh would take CPU from the client and the server under test. Where /usr/bin/time is missing, /proc/PID/status is
# polled instead, as before.
$gnuTime = if (Test-Path /usr/bin/time) { '/usr/bin/time' } else { $null }
function Invoke-Measured([string] $File, [string[]] $Arguments) {
    $rssFile = if ($gnuTime) { [IO.Path]::GetTempFileName() } else { $null }
    $info = [Diagnostics.ProcessStartInfo]::new($(if ($gnuTime) { $gnuTime } else { $File }))
    if ($gnuTime) { foreach ($argument in '-f', '%M', '-o', $rssFile, $File) { $info.ArgumentList.Add($argument) } }
    foreach ($argument in $Arguments) { $info.ArgumentList.Add($argument) }
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.UseShellExecute = $false
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $process = [Diagnostics.Process]::Start($info)
    $stdout = $process.StandardOutput.ReadToEndAsync()
    $stderr = $process.StandardError.ReadToEndAsync()
    $peakKb = 0
    while (-not $gnuTime -and -not $process.HasExited) {
        try {
            $line = [IO.File]::ReadAllLines("/proc/$($process.Id)/status") | Where-Object { $_.StartsWith('VmHWM:') }
            $kb = [long]($line -replace '\D', '')
            if ($kb -gt $peakKb) { $peakKb = $kb }
        }
        catch { }
        Start-Sleep -Milliseconds 2
    }
    $process.WaitForExit()
    $watch.Stop()
    if ($gnuTime) {
        $peakKb = [long]((Get-Content -LiteralPath $rssFile | Where-Object { $_ -match '^\d+$' } | Select-Object -Last 1) ?? 0)
        Remove-Item -LiteralPath $rssFile
    }
    if ($process.ExitCode -ne 0) { throw "$File failed ($($process.ExitCode)): $($stderr.Result) $($stdout.Result)" }
    [pscustomobject]@{ Ms = $watch.Elapsed.TotalMilliseconds; PeakMB = $peakKb / 1024; Output = $stdout.Result }
}

function Read-SelfReport($Run) {
    $json = ($Run.Output -split "`n" | Where-Object { $_ -like '{"ms"*' } | Select-Object -Last 1) | ConvertFrom-Json
    [pscustomobject]@{ Ms = [double]$json.ms; PeakMB = [double]$json.peakMB }
}

$server = Start-TestApiServer -ServerPath $ServerPath
$key = $server.ApiKey
$edits = "$($server.BaseUri)/images/edits"
try {
    $scenarios = @(
        @{ Name = 'small'; Title = 'One small edit (1 KB PNG), cold: the first call in the process'; Steps = @(); Images = @($small); Sdk = 'small'
            Curl = { param($out) @('-F', 'prompt=benchmark', '-F', "image=@$small;type=image/png", '-o', "$out/small.json", $edits) } }
        @{ Name = 'upload16'; Title = 'Upload of 16 x 48 MB images in one request'; Steps = @(); Images = $big; Sdk = $null
            Curl = { param($out) @('-F', 'prompt=benchmark') + ($big | ForEach-Object { '-F'; "image[]=@$_;type=image/png" }) + @('-o', "$out/upload.json", $edits) } }
        @{ Name = 'batch'; Title = '40 files, server answers in 0.5 s, 8 in flight'; Steps = @(@{ delayMs = 500; repeat = 40 }); Images = $batch; Sdk = 'batch'
            Curl = { param($out) New-CurlParallel $batch $out 'batch' 8 } }
        @{ Name = 'photos100'; Title = '100 real PNGs of about 6 MB, 8 in flight, no server latency'; Steps = @(); Images = $photos; Sdk = $null
            Curl = { param($out) New-CurlParallel $photos $out 'photos' 8 } }
        @{ Name = 'photos100saved'; Title = 'The same 100 photos with -OutputDirectory: results saved, run record with each source''s SHA-256'; Steps = @(); Images = $photos; Sdk = $null
            Curl = { param($out) New-CurlParallel $photos $out 'photos' 8 } }
        @{ Name = 'batch1000'; Title = '1,000 small files, server answers in 0.5 s, 16 in flight'; Steps = @(@{ delayMs = 500; repeat = 1000 }); Images = $thousand; Sdk = $null
            Curl = { param($out) New-CurlParallel $thousand $out 'many' 16 } }
        @{ Name = 'stream'; Title = 'Stream of three 4 MB partial images and the final image, saved'; Steps = @(@{ imageBytes = 4MB }); Images = @($small); Sdk = $null
            Curl = { param($out) @('-N', '-F', 'prompt=benchmark', '-F', 'stream=true', '-F', 'partial_images=3', '-F', "image=@$small;type=image/png", '-o', "$out/stream.txt", $edits) } }
        @{ Name = 'dataurl15'; Title = 'A 15 MB local file sent as a data URL in a JSON body'; Steps = @(); Images = @($dataUrlImage); Sdk = $null
            Curl = { param($out) @('-H', 'Content-Type: application/json', '--data-binary', "@$dataUrlBody", '-o', "$out/dataurl.json", $edits) } }
        @{ Name = 'save10'; Title = 'Ten 4 MB results in one answer, saved'; Steps = @(@{ imageBytes = 4MB }); Images = @($small); Sdk = 'save'
            Curl = { param($out) @('-F', 'prompt=benchmark', '-F', 'n=10', '-F', "image=@$small;type=image/png", '-o', "$out/save10.json", $edits) } }
    )

    if ($Only) { $names = $Only -split ','; $scenarios = @($scenarios | Where-Object { $_.Name -in $names }) }
    $rows = foreach ($scenario in $scenarios) {
        Write-Host "Scenario: $($scenario.Title)" -ForegroundColor Cyan
        # Each scenario gets a server of its own, as the workloads are independent (and a remote API is not changed by
        # what this machine sent it before): one that has just taken 768 MB of uploads has grown its heap and memory
        # pools, and the clients that share its two cores would pay for that in the next scenario.
        Stop-TestApiServer $server
        $server = Start-TestApiServer -ServerPath $ServerPath
        $key = $server.ApiKey
        $edits = "$($server.BaseUri)/images/edits"
        $measures = @{ module = @(); curl = @(); sdk = @() }
        # First an unmeasured pass of curl over the scenario's first images (up to 16, 8 at a time), so that the server
        # has compiled and sized itself for this kind of request before either client is timed.
        Reset-TestApiServer $server
        Invoke-ServerWarmUp @($scenario.Images | Select-Object -First 16) $scenario.Name 8
        for ($run = 1; $run -le $Repeat; $run++) {
            $out = New-Item -ItemType Directory -Force (Join-Path $work "$($scenario.Name)-$run")
            $warm = $scenario.Name -ne 'small'

            $imageList = Join-Path $out 'images.txt'
            Set-Content -LiteralPath $imageList -Value $scenario.Images
            $clients = [ordered]@{
                module = {
                    Reset-TestApiServer $server
                    $steps = @($scenario.Steps)
                    if ($warm) { $steps = @(@{ action = 'respond' }) + $steps }
                    if ($steps.Count) { Set-TestApiScript $server $steps }
                    $moduleArgs = @($Pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', (Join-Path $PSScriptRoot 'Measure-ModuleScenario.ps1'),
                        '-Module', $ModulePath, '-BaseUri', $server.BaseUri, '-ApiKey', $key, '-Scenario', $scenario.Name, '-OutDir', (Join-Path $out 'module'), '-ImageList', $imageList)
                    if ($warm) { $moduleArgs += '-WarmUp' }
                    Read-SelfReport (Invoke-Measured $Pwsh[0] $moduleArgs)
                }
                curl = {
                    Reset-TestApiServer $server
                    if ($scenario.Steps.Count) { Set-TestApiScript $server @($scenario.Steps) }
                    $curlArgs = & $scenario.Curl $out
                    if ($scenario.Name -notin 'batch', 'photos100', 'photos100saved', 'batch1000') { $curlArgs = @('-s', '-S', '-f', '-H', "Authorization: Bearer $key") + $curlArgs }
                    Invoke-Measured 'curl' $curlArgs
                }
                sdk = {
                    if (-not $scenario.Sdk) { return }
                    Reset-TestApiServer $server
                    if ($scenario.Steps.Count) { Set-TestApiScript $server @($scenario.Steps) }
                    Read-SelfReport (Invoke-Measured 'dotnet' (@($SdkRunner, $scenario.Sdk, $server.BaseUri, $key, (Join-Path $out 'sdk')) + $scenario.Images))
                }
            }
            # The clients take turns going first, so that none is always the one that meets a server fresh from the
            # previous scenario.
            $order = if ($run % 2) { 'module', 'curl', 'sdk' } else { 'curl', 'sdk', 'module' }
            foreach ($client in $order) {
                $measure = & $clients[$client]
                if ($measure) { $measures[$client] += $measure }
            }
            if ($Only) { Write-Host ('  run {0}: ImageEdit {1:N0} ms, curl {2:N0} ms' -f $run, $measures.module[-1].Ms, $measures.curl[-1].Ms) }
        }
        $row = [ordered]@{ Scenario = $scenario.Name; Title = $scenario.Title }
        foreach ($client in 'module', 'curl', 'sdk') {
            $row["${client}Ms"] = if ($measures[$client].Count) { Get-Median $measures[$client].Ms } else { $null }
            $row["${client}MB"] = if ($measures[$client].Count) { Get-Median $measures[$client].PeakMB } else { $null }
        }
        [pscustomobject]$row
    }
}
finally {
    Stop-TestApiServer $server
}
# Issue 23's measures (the second wave, streamed events, start-up): in their own file, run here in this scope.
. (Join-Path $PSScriptRoot 'Measure-ModuleLatency.ps1')

if ($Only) {
    $rows | ForEach-Object { '{0}: ImageEdit {1:N0} ms / {2:N0} MB, curl {3:N0} ms, {4:N2}x' -f $_.Scenario, $_.moduleMs, $_.moduleMB, $_.curlMs, ($_.moduleMs / $_.curlMs) }
    if ($waves) { 'waves: the second wave starts {0:N1} ms after the answers it follows, later waves {1:N1} ms: {2:+0.0;-0.0} ms (target: within 40 ms)' -f $waves.SecondMs, $waves.LaterMs, $waves.LateByMs }
    if ($streamEvents) { 'streamevents: each event reaches user code {0} ms after the server sent it (target: within 15 ms)' -f (($streamEvents | ForEach-Object { '{0:N1}' -f $_ }) -join ' / ') }
    if ($startup) { 'startup: bare {0:N0} ms, import {1:N0} ms (+{2:N1}%, target <= 12%), one-off run {3:N0} ms (+{4:N1}%, target <= 40%)' -f $startup.BareMs, $startup.ImportMs, $startup.ImportPercent, $startup.OneOffMs, $startup.OneOffPercent }
    return
}

# The fixed cost of a run: the time from the end of Import-Module to the first request at the server, and a second edit
# in the same session (with the time formatting its result takes), each the median of 3.
Write-Host 'Fixed costs: first request after Import-Module, second edit in a session' -ForegroundColor Cyan
$server = Start-TestApiServer -ServerPath $ServerPath
$key = $server.ApiKey
$edits = "$($server.BaseUri)/images/edits"
# The same unmeasured curl pass as before each scenario: the time is taken when the server's handler starts, and a fresh
# server would otherwise add the compiling of its own edits route to the first run's figure.
$fixed = try {
    Invoke-ServerWarmUp @($small, $small) 'fixed' 2
    foreach ($run in 1..3) {
        Reset-TestApiServer $server
        $out = New-Item -ItemType Directory -Force (Join-Path $work "fixed-$run")
        $imageList = Join-Path $out 'images.txt'
        Set-Content -LiteralPath $imageList -Value $small
        $moduleArgs = @($Pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', (Join-Path $PSScriptRoot 'Measure-ModuleScenario.ps1'),
            '-Module', $ModulePath, '-BaseUri', $server.BaseUri, '-ApiKey', $key, '-Scenario', 'second', '-OutDir', (Join-Path $out 'module'), '-ImageList', $imageList)
        $report = ((Invoke-Measured $Pwsh[0] $moduleArgs).Output -split "`n" | Where-Object { $_ -like '{"ms"*' } | Select-Object -Last 1) | ConvertFrom-Json
        $first = (Get-TestApiRequest $server -EditsOnly | Select-Object -First 1).receivedAt
        [pscustomobject]@{
            FirstRequestMs = ([DateTimeOffset]$first - [DateTimeOffset]::FromUnixTimeMilliseconds([long]$report.importEndMs)).TotalMilliseconds
            SecondMs = [double]$report.ms
            FormatMs = [double]$report.formatMs
        }
    }
}
finally { Stop-TestApiServer $server }
$fixedCost = [pscustomobject]@{ FirstRequestMs = Get-Median $fixed.FirstRequestMs; SecondMs = Get-Median $fixed.SecondMs; FormatMs = Get-Median $fixed.FormatMs }

# The Batch API: the memory of planning and collecting a batch of 500 and of 5,000 requests (module only: curl and the SDK
# have nothing comparable). Flat means the larger batch peaks no more than 32 MB above the smaller.
Write-Host 'Batch API: planning and collecting 500 and 5,000 requests' -ForegroundColor Cyan
$batchInputs = New-Item -ItemType Directory (Join-Path $work 'batch-inputs')
$batchImages = 1..5000 | ForEach-Object { $path = Join-Path $batchInputs ('b-{0:D4}.png' -f $_); Copy-Item $sample $path; $path }
$batchServer = Start-TestApiServer -ServerPath $ServerPath
$batchRows = try {
    foreach ($count in 500, 5000) {
        $runs = foreach ($run in 1..3) {
            Reset-TestApiServer $batchServer
            Invoke-RestMethod -Method Post -Uri "$($batchServer.Root)/_control/batch-mode" -Body '{"auto":true}' -ContentType 'application/json' | Out-Null
            $out = New-Item -ItemType Directory -Force (Join-Path $work "batchapi-$count-$run")
            $imageList = Join-Path $out 'images.txt'
            Set-Content -LiteralPath $imageList -Value ($batchImages | Select-Object -First $count)
            $moduleArgs = @($Pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', (Join-Path $PSScriptRoot 'Measure-ModuleScenario.ps1'),
                '-Module', $ModulePath, '-BaseUri', $batchServer.BaseUri, '-ApiKey', $batchServer.ApiKey, '-Scenario', 'batchapi', '-OutDir', (Join-Path $out 'module'), '-ImageList', $imageList)
            Read-SelfReport (Invoke-Measured $Pwsh[0] $moduleArgs)
        }
        [pscustomobject]@{ Requests = $count; Ms = Get-Median $runs.Ms; PeakMB = Get-Median $runs.PeakMB }
    }
}
finally { Stop-TestApiServer $batchServer }

# Whether the measured PowerShell is precompiled (ReadyToRun): the dotnet tool package is not, so its own code is
# compiled on first use, in every process, which weighs on the start-up, Import-Module and first-formatting figures.
$pwshHome = if ($Pwsh.Count -gt 1) { Split-Path $Pwsh[1] } else { Split-Path $Pwsh[0] }
$automation = [IO.File]::OpenRead((Join-Path $pwshHome 'System.Management.Automation.dll'))
try { $pwshPrecompiled = [Reflection.PortableExecutable.PEReader]::new($automation).PEHeaders.CorHeader.ManagedNativeHeaderDirectory.Size -gt 0 }
finally { $automation.Dispose() }
$pwshCompileNote = if ($pwshPrecompiled) { '' } else {
    ' This PowerShell is not precompiled (its System.Management.Automation.dll has no ReadyToRun code, as in the dotnet tool package), so PowerShell compiles its own code on first use in every process: most of the start-up, Import-Module and first-formatting time below is that.'
}

# The report.
function Format-Ms($value) { if ($null -eq $value) { 'n/a' } else { '{0:N0} ms' -f $value } }
function Format-MB($value) { if ($null -eq $value) { 'n/a' } else { '{0:N0} MB' -f $value } }
function Format-Ratio($a, $b) { if ($null -eq $a -or $null -eq $b -or $b -eq 0) { 'n/a' } else { '{0:N2}x' -f ($a / $b) } }
$byName = @{}
$rows | ForEach-Object { $byName[$_.Scenario] = $_ }
$baseline = $byName['small'].moduleMB
$checks = @(
    [pscustomobject]@{ Target = '16 x 48 MB upload peaks within +64 MB of a small edit'; Measured = '{0:+#,0;-#,0;0} MB' -f ($byName['upload16'].moduleMB - $baseline); Met = ($byName['upload16'].moduleMB - $baseline) -le 64 }
    [pscustomobject]@{ Target = 'Saving 10 x 4 MB results peaks within +150 MB of a small edit'; Measured = '{0:+#,0;-#,0;0} MB' -f ($byName['save10'].moduleMB - $baseline); Met = ($byName['save10'].moduleMB - $baseline) -le 150 }
    [pscustomobject]@{ Target = 'A 15 MB file as a data URL peaks within +32 MB of a small edit (issue 11)'; Measured = '{0:+#,0;-#,0;0} MB' -f ($byName['dataurl15'].moduleMB - $baseline); Met = ($byName['dataurl15'].moduleMB - $baseline) -le 32 }
    [pscustomobject]@{ Target = '100 real 6 MB PNGs at -ThrottleLimit 8 within 1.10x curl (issue 14)'; Measured = Format-Ratio $byName['photos100'].moduleMs $byName['photos100'].curlMs; Met = $byName['photos100'].moduleMs -le 1.10 * $byName['photos100'].curlMs }
    [pscustomobject]@{ Target = '1,000 small files at -ThrottleLimit 16 within 1.05x curl (issue 14)'; Measured = Format-Ratio $byName['batch1000'].moduleMs $byName['batch1000'].curlMs; Met = $byName['batch1000'].moduleMs -le 1.05 * $byName['batch1000'].curlMs }
    [pscustomobject]@{ Target = '1,000 small files peak within +30 MB of the 40-file batch (issue 14)'; Measured = '{0:+#,0;-#,0;0} MB' -f ($byName['batch1000'].moduleMB - $byName['batch'].moduleMB); Met = ($byName['batch1000'].moduleMB - $byName['batch'].moduleMB) -le 30 }
    [pscustomobject]@{ Target = 'First request reaches the server within 100 ms of Import-Module (issue 14)'; Measured = Format-Ms $fixedCost.FirstRequestMs; Met = $fixedCost.FirstRequestMs -le 100 }
    [pscustomobject]@{ Target = 'A second edit in a session within 15 ms of curl''s small edit (issue 14)'; Measured = '{0:N0} ms vs {1:N0} ms' -f $fixedCost.SecondMs, $byName['small'].curlMs; Met = $fixedCost.SecondMs -le $byName['small'].curlMs + 15 }
    [pscustomobject]@{ Target = 'Planning and collecting 5,000 batch requests peaks within +32 MB of 500 (issue 13)'; Measured = '{0:+#,0;-#,0;0} MB' -f ($batchRows[1].PeakMB - $batchRows[0].PeakMB); Met = ($batchRows[1].PeakMB - $batchRows[0].PeakMB) -le 32 }
    [pscustomobject]@{ Target = '16 x 48 MB upload takes at most 1.5x curl'; Measured = Format-Ratio $byName['upload16'].moduleMs $byName['upload16'].curlMs; Met = $byName['upload16'].moduleMs -le 1.5 * $byName['upload16'].curlMs }
    [pscustomobject]@{ Target = '40 files at 0.5 s with -ThrottleLimit 8 within 1.4x the ideal 2.5 s'; Measured = Format-Ms $byName['batch'].moduleMs; Met = $byName['batch'].moduleMs -le 3500 }
    [pscustomobject]@{ Target = 'Import-Module adds at most 150 ms to a bare pwsh start'; Measured = '{0:+#,0;-#,0;0} ms' -f ($startup.ImportMs - $startup.BareMs); Met = ($startup.ImportMs - $startup.BareMs) -le 150 }
    [pscustomobject]@{ Target = 'A fresh 40-file batch (8 in flight, 0.5 s answers, -OutputDirectory): its second wave starts within 40 ms of when later waves do (issue 23)'; Measured = '{0:+#,0;-#,0;0} ms ({1:N0} ms against {2:N0} ms)' -f $waves.LateByMs, $waves.SecondMs, $waves.LaterMs; Met = $waves.LateByMs -le 40 }
    [pscustomobject]@{ Target = 'Every streamed event (two 1 MB partial images and the final image, saved) reaches user code within 15 ms of the server sending it (issue 23)'; Measured = (($streamEvents | ForEach-Object { '{0:N0}' -f $_ }) -join ' / ') + ' ms'; Met = ($streamEvents | Measure-Object -Maximum).Maximum -le 15 }
    [pscustomobject]@{ Target = 'Import-Module costs at most 12% of a bare pwsh start (issue 23)'; Measured = '{0:+0;-0}% ({1:+#,0;-#,0;0} ms)' -f $startup.ImportPercent, ($startup.ImportMs - $startup.BareMs); Met = $startup.ImportPercent -le 12 }
    [pscustomobject]@{ Target = 'A one-off run (start, Import-Module, one edit piped to Out-Null, exit) costs at most 40% of a bare pwsh start (issue 23)'; Measured = '{0:+0;-0}% ({1:+#,0;-#,0;0} ms)' -f $startup.OneOffPercent, ($startup.OneOffMs - $startup.BareMs); Met = $startup.OneOffPercent -le 40 }
)

$table = $rows | ForEach-Object {
    '| {0} | {1} / {2} | {3} / {4} | {5} / {6} | {7} | {8} |' -f $_.Title, (Format-Ms $_.moduleMs), (Format-MB $_.moduleMB), (Format-Ms $_.curlMs), (Format-MB $_.curlMB),
    (Format-Ms $_.sdkMs), (Format-MB $_.sdkMB), (Format-Ratio $_.moduleMs $_.curlMs), (Format-Ratio $_.moduleMs $_.sdkMs)
}
$checkTable = $checks | ForEach-Object { '| {0} | {1} | {2} |' -f $_.Target, $_.Measured, $(if ($_.Met) { 'met' } else { 'NOT met' }) }

# Every run of a series keeps its targets in out/bench-series.jsonl (the first run of a series starts it afresh), and
# the report shows them side by side.
$seriesPath = Join-Path $Root 'out/bench-series.jsonl'
if ($SeriesRun -eq 1 -and (Test-Path $seriesPath)) { Remove-Item $seriesPath }
Add-Content -Path $seriesPath -Value (@{ run = $SeriesRun; at = (Get-Date).ToUniversalTime().ToString('yyyy-MM-dd HH:mm'); checks = @($checks | ForEach-Object { @{ target = $_.Target; measured = $_.Measured; met = $_.Met } }) } | ConvertTo-Json -Depth 4 -Compress)
$series = @(Get-Content $seriesPath | ForEach-Object { $_ | ConvertFrom-Json })
$seriesHeader = '| Target | ' + (($series | ForEach-Object { "Run $($_.run) ($($_.at) UTC)" }) -join ' | ') + ' |'
$seriesRule = '| --- | ' + (($series | ForEach-Object { '---' }) -join ' | ') + ' |'
$seriesRows = for ($i = 0; $i -lt $checks.Count; $i++) {
    '| {0} | {1} |' -f $checks[$i].Target, (($series | ForEach-Object { $c = $_.checks[$i]; '{0} ({1})' -f $c.measured, $(if ($c.met) { 'met' } else { 'NOT met' }) }) -join ' | ')
}
$allMet = @($series | Where-Object { @($_.checks | Where-Object { -not $_.met }).Count -gt 0 }).Count -eq 0
$seriesSection = if ($SeriesLength -gt 1) {
    "`n## Targets in $($series.Count) of $SeriesLength runs in a row (``./build.ps1 -Task Bench -Runs $SeriesLength``)`n`n" +
    "$(if ($allMet) { 'Every target held in every run so far.' } else { 'At least one target was missed in at least one run so far.' })`n`n" +
    (@($seriesHeader, $seriesRule) + $seriesRows -join "`n") + "`n"
} else { '' }
$curlVersion = ((& curl --version | Select-Object -First 1) -split ' ')[0..1] -join ' '
$memoryGiB = [double]((Get-Content /proc/meminfo | Select-Object -First 1) -replace '\D', '') / 1MB
$machine = '{0} cores, {1:N0} GiB, {2}; .NET {3}, PowerShell {4}, {5}' -f [Environment]::ProcessorCount, $memoryGiB,
    [Runtime.InteropServices.RuntimeInformation]::OSDescription, [Environment]::Version, $PSVersionTable.PSVersion, $curlVersion
$report = @"
# Benchmarks

Measured by ``dotnet pwsh ./build.ps1 -Task Bench`` on $((Get-Date).ToUniversalTime().ToString('yyyy-MM-dd HH:mm')) UTC ($machine),
against the project's local API server on 127.0.0.1. Each figure is the median of $Repeat runs: wall time of the work
alone (for ImageEdit and the SDK, process start and module load excluded; curl is timed whole, its start-up is a few
milliseconds) and the peak resident memory of the client process (VmHWM). ImageEdit runs in a fresh pwsh per run, so
its memory includes pwsh itself (the small edit is its baseline). Except for the small edit, ImageEdit and the SDK make
one warm-up request first, so that JIT compilation and the first connection are not counted: the piped scenarios (40
files, the photos, 1,000 files) send their first image through the same command, the others one small edit (a streamed
one before the stream); the small edit is measured cold, as a one-off command runs. "n/a": the official SDK (OpenAI 2.15.0) has no call for it (it sends one image per
request and has no streamed edit).

| Scenario | ImageEdit time / peak | curl time / peak | OpenAI SDK time / peak | ImageEdit vs curl | ImageEdit vs SDK |
| --- | --- | --- | --- | --- | --- |
$($table -join "`n")

Batch API, planned, submitted, waited for and collected into files (median of 3): $(($batchRows | ForEach-Object { '{0:N0} requests {1:N0} ms / {2:N0} MB' -f $_.Requests, $_.Ms, $_.PeakMB }) -join '; ').

Start-up: bare ``pwsh -NoProfile`` $('{0:N0}' -f $startup.BareMs) ms, with ``Import-Module ImageEdit`` $('{0:N0}' -f $startup.ImportMs) ms, a one-off run (import, one small edit piped to ``Out-Null``, exit) $('{0:N0}' -f $startup.OneOffMs) ms (medians of 11, taking turns).$pwshCompileNote

Issue 23's measures, each against the module itself or a bare start (medians of 3, of 11 for start-up):
- waves: 40 files piped to ``Edit-Image -ThrottleLimit 8 -OutputDirectory`` as the first command of a fresh pwsh, the
  server answering each in 0.5 s. Taken at the server, which records when each request arrived and when it finished
  answering it: the k-th answer (in the order they were sent) frees the slot that the (8+k)-th request (in the order
  they arrived) takes; a request's lag is its arrival less that answer's end, a wave's lag the mean of its 8 requests'.
  The second wave started $('{0:N0}' -f $waves.SecondMs) ms after the answers it follows, the later waves (3 to 5, their median) $('{0:N0}' -f $waves.LaterMs) ms.
- stream events: ``Get-ImageEditStream -PartialImages 2 -OutputDirectory`` piped to ``ForEach-Object``, the server
  sending two 1 MB partial images and the final image 250 ms apart, after one unsaved stream in the same pwsh (so the
  measured stream is the session's first to save and keep a run record). For each event, the time (UTC) at which the
  ``ForEach-Object`` saw it less the time at which the server began writing it (one machine, one clock): $(($streamEvents | ForEach-Object { '{0:N0} ms' -f $_ }) -join ', ').

The fixed cost of a one-off run, in parts: starting and leaving pwsh $('{0:N0}' -f $startup.BareMs) ms; Import-Module +$('{0:N0}' -f ($startup.ImportMs - $startup.BareMs)) ms;
from the end of Import-Module to the first request at the server $('{0:N0}' -f $fixedCost.FirstRequestMs) ms (checks, connection, JIT of the first request);
formatting a result for the screen $('{0:N1}' -f $fixedCost.FormatMs) ms. A second edit in the same session takes $('{0:N0}' -f $fixedCost.SecondMs) ms
against $('{0:N0}' -f $byName['small'].curlMs) ms for curl's whole process (medians of 3).

| Target | Measured | |
| --- | --- | --- |
$($checkTable -join "`n")

curl saves the raw answer without decoding it; ImageEdit parses the answer, decodes each image into its file and
writes result objects, so "vs curl" is against a floor that does less work. The piped scenarios read their images as an
admin does, ``Get-ChildItem`` of a folder piped to ``Edit-Image``. The 100 photos are measured twice: as curl sends them
(each answer goes down the pipeline, nothing is written), which is issue 14's target, and with ``-OutputDirectory``,
where each answer's image is also decoded into a file and the run record keeps every source's SHA-256 (issue 12): that
hashes the 600 MB once more, about 330 ms of CPU at OpenSSL's 1.8 GB/s on this machine, on the two cores the local
server also needs, and curl does neither, so that row has no target.
$seriesSection
"@
New-Item -ItemType Directory -Force (Join-Path $Root 'docs') | Out-Null
Set-Content -Path (Join-Path $Root 'docs/BENCHMARKS.md') -Value $report
Write-Host ''
Write-Host $report
