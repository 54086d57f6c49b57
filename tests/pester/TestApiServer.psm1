# Starts and drives the local API server (tests/ImageEdit.TestServer) for Pester, Demo and Bench.

function Start-TestApiServer {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string] $ServerPath)
    $dll = Join-Path $ServerPath 'ImageEdit.TestServer.dll'
    $info = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    $info.ArgumentList.Add($dll)
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true
    $info.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($info)
    $line = $process.StandardOutput.ReadLine()
    if ($line -notmatch '^Listening on (\S+)') {
        $process.Kill()
        throw "The local API server did not start: '$line'"
    }
    $baseUri = $Matches[1]
    [pscustomobject]@{
        Process = $process
        BaseUri = $baseUri
        Root    = ([uri]$baseUri).GetLeftPart([System.UriPartial]::Authority)
        ApiKey  = 'sk-test-imageedit-0123456789'
    }
}

function Stop-TestApiServer {
    param([Parameter(Mandatory)] $Server)
    if ($Server.Process.HasExited) { return }
    $Server.Process.StandardInput.Close()
    if (-not $Server.Process.WaitForExit(5000)) { $Server.Process.Kill() }
}

function Reset-TestApiServer {
    param([Parameter(Mandatory)] $Server)
    Invoke-RestMethod -Method Post -Uri "$($Server.Root)/_control/reset" | Out-Null
}

# Every request the server has received, oldest first.
function Get-TestApiRequest {
    param([Parameter(Mandatory)] $Server, [switch] $EditsOnly)
    # Invoke-RestMethod writes a JSON array as one object; ForEach-Object unrolls it.
    $all = @(Invoke-RestMethod -Uri "$($Server.Root)/_control/requests" | ForEach-Object { $_ })
    if ($EditsOnly) { $all = @($all | Where-Object { $_.method -eq 'POST' -and $_.path -like '*/images/edits' }) }
    $all | Sort-Object sequence
}

# Queues scripted answers (see ScriptStep in the server) for the next edit requests.
function Set-TestApiScript {
    param([Parameter(Mandatory)] $Server, [Parameter(Mandatory)][object[]] $Steps)
    $json = ConvertTo-Json -InputObject @($Steps) -Depth 5
    Invoke-RestMethod -Method Post -Uri "$($Server.Root)/_control/script" -Body $json -ContentType 'application/json' | Out-Null
}

# Queues faults for any route (see FaultStep in the server): @{ method='POST'; path='/v1/batches'; action='hang-after' }.
# Actions: status (with status=500, 503, 429 ...; the handler does not run), reset-before, reset-after, hang-after
# (the handler runs, so the batch is created or the file stored, and then the answer is lost or never comes) and
# pause-midway (the handler runs, then the first bytes= of the answer, half by default, go and delayMs= passes before the rest).
function Set-TestApiFault {
    param([Parameter(Mandatory)] $Server, [Parameter(Mandatory)][object[]] $Faults)
    $json = ConvertTo-Json -InputObject @($Faults) -Depth 5
    Invoke-RestMethod -Method Post -Uri "$($Server.Root)/_control/faults" -Body $json -ContentType 'application/json' | Out-Null
}

# The faults the server has carried out so far (method, path, action, status).
function Get-TestApiFault {
    param([Parameter(Mandatory)] $Server)
    @(Invoke-RestMethod -Uri "$($Server.Root)/_control/faults" | ForEach-Object { $_ })
}

# Posts to a control route of the server (/_control/<Path>, e.g. "batch-mode" or "batches/<id>/advance") with -Body as
# JSON ({} when none) and returns its answer.
function Invoke-TestApiControl {
    param([Parameter(Mandatory)] $Server, [Parameter(Mandatory)][string] $Path, $Body)
    $json = if ($null -eq $Body) { '{}' } else { ConvertTo-Json -InputObject $Body -Depth 5 }
    Invoke-RestMethod -Method Post -Uri "$($Server.Root)/_control/$Path" -Body $json -ContentType 'application/json'
}

# The lines of every batch input file the server has been given (/_control/batches), one object each.
function Get-TestApiBatchLine {
    param([Parameter(Mandatory)] $Server)
    @(Invoke-RestMethod -Uri "$($Server.Root)/_control/batches" | ForEach-Object { $_ })
}

# The files the server holds now, through the Files API itself (GET /v1/files), of one -Purpose or all.
function Get-TestApiFile {
    param([Parameter(Mandatory)] $Server, [string] $Purpose)
    $answer = Invoke-RestMethod -Uri "$($Server.BaseUri)/files?limit=10000" -Headers @{ Authorization = "Bearer $($Server.ApiKey)" }
    @($answer.data | Where-Object { -not $Purpose -or $_.purpose -eq $Purpose })
}

# The batches the server holds now, through the Batch API itself (GET /v1/batches).
function Get-TestApiBatch {
    param([Parameter(Mandatory)] $Server)
    @((Invoke-RestMethod -Uri "$($Server.BaseUri)/batches?limit=100" -Headers @{ Authorization = "Bearer $($Server.ApiKey)" }).data)
}

# The lines of an output folder's run record (imageedit-record.jsonl), each as an object; blank lines are skipped.
# -WhileWriting: for a record a run may be appending to right now: a missing record is no lines, a file held for a
# moment is read again, and a line not yet whole is left out.
function Read-RunRecord {
    param([Parameter(Mandatory)][string] $Folder, [switch] $WhileWriting)
    $path = Join-Path $Folder 'imageedit-record.jsonl'
    if (-not $WhileWriting) {
        return Get-Content -LiteralPath $path | Where-Object { $_ } | ForEach-Object { $_ | ConvertFrom-Json }
    }
    if (-not (Test-Path -LiteralPath $path)) { return }
    for ($try = 0; ; $try++) {
        try { $lines = Get-Content -LiteralPath $path -ErrorAction Stop; break }
        catch [System.IO.IOException] { if ($try -gt 200) { throw }; Start-Sleep -Milliseconds 10 }
    }
    $lines | Where-Object { $_ } | ForEach-Object { try { $_ | ConvertFrom-Json } catch { } }
}

# Waits until -Condition returns something true, at most -Seconds (a minute by default), and throws naming -What (or the
# condition) when it does not.
function Wait-Until {
    param([Parameter(Mandatory)][scriptblock] $Condition, [string] $What, [int] $Seconds = 60)
    $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
    while (-not (& $Condition)) {
        if ([DateTime]::UtcNow -gt $deadline) { throw "Timed out waiting for $(if ($What) { $What } else { $Condition })" }
        Start-Sleep -Milliseconds 20
    }
}

# A PNG of the given size on disk: the signature and IHDR of -HeaderFrom (a small real PNG), one IDAT chunk whose data is
# left sparse (zeros, not written), and IEND, every chunk with its right CRC, so the file passes the module's checks (the
# header probe, and the check of the image data while it is sent) without writing its bytes. With -Fill, the image
# data is filled with random bytes first (a file read from the page cache like any photo), its CRC computed over them.
function New-LargePng {
    param([Parameter(Mandatory)][string] $Path, [Parameter(Mandatory)][long] $Bytes, [Parameter(Mandatory)][string] $HeaderFrom, [int] $Fill = -1)
    $Path = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path)
    $head = [IO.File]::ReadAllBytes($HeaderFrom)[0..32]
    $idatLength = $Bytes - $head.Length - 12 - 12
    [ImageEditTest.PngFile]::Write($Path, [byte[]]$head, $idatLength, $Fill)
}
# The PNG writer behind New-LargePng: the CRC of a large IDAT is no job for a PowerShell loop.
if (-not ('ImageEditTest.PngFile' -as [type])) {
    Add-Type -TypeDefinition @'
namespace ImageEditTest
{
    public static class PngFile
    {
        private static readonly uint[] Table = BuildTable();

        public static void Write(string path, byte[] head, long idatLength, int fillSeed)
        {
            using (var stream = System.IO.File.Create(path))
            {
                stream.Write(head, 0, head.Length);
                var type = new byte[] { 0x49, 0x44, 0x41, 0x54 };
                stream.Write(BigEndian((uint)idatLength), 0, 4);
                stream.Write(type, 0, 4);
                uint crc = Update(0xFFFFFFFFu, type, 4);
                var chunk = new byte[1 << 20];
                var random = fillSeed >= 0 ? new System.Random(fillSeed) : null;
                if (random != null) random.NextBytes(chunk);
                for (long left = idatLength; left > 0; left -= chunk.Length)
                {
                    int count = (int)System.Math.Min(chunk.Length, left);
                    crc = Update(crc, chunk, count);
                    if (random != null) stream.Write(chunk, 0, count); else stream.Position += count;
                }
                stream.Write(BigEndian(crc ^ 0xFFFFFFFFu), 0, 4);
                stream.Write(new byte[] { 0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82 }, 0, 12);
            }
        }

        private static uint Update(uint crc, byte[] buffer, int count)
        {
            for (int i = 0; i < count; i++) crc = Table[(crc ^ buffer[i]) & 0xFF] ^ (crc >> 8);
            return crc;
        }

        private static byte[] BigEndian(uint value) => new byte[] { (byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value };

        private static uint[] BuildTable()
        {
            var table = new uint[256];
            for (uint n = 0; n < 256; n++)
            {
                uint c = n;
                for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
                table[n] = c;
            }
            return table;
        }
    }
}
'@
}

# The shared set-up of every Pester file: import the built module, start a server, point the OPENAI_* variables at it.
function Enter-ImageEditTestSession {
    Import-Module $env:IMAGEEDIT_TEST_MODULE -Force -Global
    $server = Start-TestApiServer -ServerPath $env:IMAGEEDIT_TEST_SERVER
    $saved = @{}
    foreach ($name in 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_ORG_ID', 'OPENAI_PROJECT_ID', 'IMAGEEDIT_CACHE_DIR') {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $null)
    }
    $env:OPENAI_API_KEY = $server.ApiKey
    $env:OPENAI_BASE_URL = $server.BaseUri
    # The model lists the lifecycle reads are cached in a folder of the session's own, never the user's cache.
    $env:IMAGEEDIT_CACHE_DIR = Join-Path ([IO.Path]::GetTempPath()) ('imageedit-cache-' + [guid]::NewGuid().ToString('n'))
    $server | Add-Member -NotePropertyName SavedEnvironment -NotePropertyValue $saved -PassThru
}

function Exit-ImageEditTestSession {
    param([Parameter(Mandatory)] $Server)
    Stop-TestApiServer $Server
    if ($env:IMAGEEDIT_CACHE_DIR -like '*imageedit-cache-*') { Remove-Item -LiteralPath $env:IMAGEEDIT_CACHE_DIR -Recurse -Force -ErrorAction SilentlyContinue }
    foreach ($entry in $Server.SavedEnvironment.GetEnumerator()) { [Environment]::SetEnvironmentVariable($entry.Key, $entry.Value) }
}

# The images saved in an output folder: every file but the run record.
function Get-SavedImage {
    param([Parameter(Mandatory)][string] $Folder)
    Get-ChildItem -LiteralPath $Folder -Force -File | Where-Object Name -NE 'imageedit-record.jsonl'
}

# A file's SHA-256 as lowercase hex, as the run record and the test server write it.
function Get-Sha256 {
    param([Parameter(Mandatory)][string] $Path)
    (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash.ToLowerInvariant()
}

# Runs a script in a fresh pwsh (the one running these tests), with the given working folder and environment changes
# (a $null value removes a variable); returns its exit code, standard output and standard error.
function Invoke-FreshPwsh {
    param([Parameter(Mandatory)][string] $Script, [string] $WorkingDirectory, [hashtable] $Environment = @{})
    $info = [System.Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
    if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') { $info.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
    foreach ($argument in '-NoProfile', '-NonInteractive', '-Command', $Script) { $info.ArgumentList.Add($argument) }
    if ($WorkingDirectory) { $info.WorkingDirectory = $WorkingDirectory }
    foreach ($entry in $Environment.GetEnumerator()) {
        if ($null -eq $entry.Value) { $info.Environment.Remove($entry.Key) | Out-Null } else { $info.Environment[$entry.Key] = $entry.Value }
    }
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($info)
    $stdout = $process.StandardOutput.ReadToEndAsync()
    $stderr = $process.StandardError.ReadToEnd()
    $process.WaitForExit()
    [pscustomobject]@{ ExitCode = $process.ExitCode; Output = $stdout.Result; Errors = $stderr }
}

Export-ModuleMember -Function Invoke-FreshPwsh, Get-Sha256, Get-SavedImage, Start-TestApiServer, Stop-TestApiServer, Reset-TestApiServer, Get-TestApiRequest, Set-TestApiScript, Set-TestApiFault, Get-TestApiFault,
    Enter-ImageEditTestSession, Exit-ImageEditTestSession, New-LargePng, Invoke-TestApiControl, Get-TestApiBatchLine, Get-TestApiFile, Get-TestApiBatch,
    Read-RunRecord, Wait-Until
