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

# A PNG of the given size on disk: the signature and IHDR of -HeaderFrom (a small real PNG), one IDAT chunk whose data is
# left sparse, and IEND. Above 8 MB the module's probe walks the chunks without reading image data, as it does for large
# uploads, so this is a valid upload for the checks and the wire, without writing its bytes.
function New-LargePng {
    param([Parameter(Mandatory)][string] $Path, [Parameter(Mandatory)][long] $Bytes, [Parameter(Mandatory)][string] $HeaderFrom)
    $head = [IO.File]::ReadAllBytes($HeaderFrom)[0..32]
    $idatLength = $Bytes - $head.Length - 12 - 12
    $stream = [IO.File]::Create($Path)
    try {
        $stream.Write([byte[]]$head)
        $stream.Write([byte[]]@((($idatLength -shr 24) -band 0xFF), (($idatLength -shr 16) -band 0xFF), (($idatLength -shr 8) -band 0xFF), ($idatLength -band 0xFF)))
        $stream.Write([byte[]]@(0x49, 0x44, 0x41, 0x54))
        $stream.Position += $idatLength
        $stream.Write([byte[]]@(0, 0, 0, 0, 0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82))
    }
    finally { $stream.Dispose() }
}

# The shared set-up of every Pester file: import the built module, start a server, point the OPENAI_* variables at it.
function Enter-ImageEditTestSession {
    Import-Module $env:IMAGEEDIT_TEST_MODULE -Force -Global
    $server = Start-TestApiServer -ServerPath $env:IMAGEEDIT_TEST_SERVER
    $saved = @{}
    foreach ($name in 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_ORG_ID', 'OPENAI_PROJECT_ID') {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $null)
    }
    $env:OPENAI_API_KEY = $server.ApiKey
    $env:OPENAI_BASE_URL = $server.BaseUri
    $server | Add-Member -NotePropertyName SavedEnvironment -NotePropertyValue $saved -PassThru
}

function Exit-ImageEditTestSession {
    param([Parameter(Mandatory)] $Server)
    Stop-TestApiServer $Server
    foreach ($entry in $Server.SavedEnvironment.GetEnumerator()) { [Environment]::SetEnvironmentVariable($entry.Key, $entry.Value) }
}

# The images saved in an output folder: every file but the run record.
function Get-SavedImage {
    param([Parameter(Mandatory)][string] $Folder)
    Get-ChildItem -LiteralPath $Folder -Force -File | Where-Object Name -NE 'imageedit-record.jsonl'
}

Export-ModuleMember -Function Get-SavedImage, Start-TestApiServer, Stop-TestApiServer, Reset-TestApiServer, Get-TestApiRequest, Set-TestApiScript,
    Enter-ImageEditTestSession, Exit-ImageEditTestSession, New-LargePng
