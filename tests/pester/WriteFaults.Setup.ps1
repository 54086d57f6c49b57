# The set-up shared by WriteFaults.Tests.ps1 and WriteFaults.Receive.Tests.ps1, dot-sourced in their BeforeAll: a
# session with the local server, inputs, small disks (tmpfs) and child processes.
Import-Module (Join-Path $PSScriptRoot 'TestApiServer.psm1') -Force
$script:server = Enter-ImageEditTestSession
$suite = Join-Path $PSScriptRoot '../corpus/pngsuite' | Resolve-Path | Select-Object -ExpandProperty Path
$script:inputs = Join-Path $TestDrive 'inputs'
New-Item -ItemType Directory $inputs | Out-Null
# Distinct images (a batch uploads each distinct image once, and -Resume tells inputs apart by their bytes).
Get-ChildItem $suite -Filter 'basn*.png' | Select-Object -First 6 | ForEach-Object { Copy-Item $_.FullName (Join-Path $inputs $_.Name) }
$script:mounts = [Collections.Generic.List[string]]::new()

function New-SmallDisk([string] $Name, [string] $Size = '1m') {
    $folder = Join-Path $TestDrive $Name
    New-Item -ItemType Directory $folder | Out-Null
    & mount -t tmpfs -o "size=$Size" tmpfs $folder
    if ($LASTEXITCODE -ne 0) { throw "mount -t tmpfs $folder failed" }
    $mounts.Add($folder)
    $folder
}
function Get-Input([int] $Count) { Get-ChildItem $inputs | Sort-Object Name | Select-Object -First $Count }
function Get-Hash([byte[]] $Bytes) { [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($Bytes)).ToLowerInvariant() }
# The SHA-256 of every image the pipeline carries in B64Json: results' Data, and stream events.
function Get-CarriedHash([object[]] $Objects) {
    foreach ($object in $Objects) {
        $images = if ($object.PSObject.Properties['Data']) { $object.Data } else { $object }
        foreach ($image in $images) { if ($image.B64Json) { Get-Hash ([Convert]::FromBase64String($image.B64Json)) } }
    }
}
# The SHA-256 of every image file in the folder (not the record, not a temporary file).
function Get-SavedHash([string] $Folder) {
    Get-SavedImage $Folder | Where-Object Name -NotLike '.imageedit-*' | ForEach-Object { Get-Sha256 $_.FullName }
}
# Nothing lost: every returned image is in a file of the folder or in B64Json on the pipeline.
function Assert-NothingLost([string[]] $Returned, [string] $Folder, [object[]] $Objects) {
    $kept = @(Get-SavedHash $Folder) + @(Get-CarriedHash $Objects)
    $Returned | Should -Not -BeNullOrEmpty
    foreach ($hash in $Returned) { $kept | Should -Contain $hash -Because 'every image the API returned must be in a file or in a result' }
}
function Get-Summary($Information) { ($Information | Where-Object { $_.Tags -contains 'RunSummary' }).MessageData }
# A pwsh of its own, for kill -9 and for a writer without root's permission override.
function Start-Child([string] $Script, [string[]] $Prefix = @()) {
    $runner = Join-Path $TestDrive "child-$([guid]::NewGuid().ToString('N')).ps1"
    Set-Content $runner $Script
    $pwsh = @([Environment]::ProcessPath)
    if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') { $pwsh += Join-Path $PSHOME 'pwsh.dll' }
    $info = [Diagnostics.ProcessStartInfo]::new($Prefix.Count -gt 0 ? $Prefix[0] : $pwsh[0])
    foreach ($argument in @($Prefix | Select-Object -Skip 1) + @(if ($Prefix.Count -gt 0) { $pwsh } else { $pwsh | Select-Object -Skip 1 }) + @('-NoProfile', '-NonInteractive', '-File', $runner)) {
        $info.ArgumentList.Add($argument)
    }
    $info.Environment['IMAGEEDIT_TEST_MODULE'] = $env:IMAGEEDIT_TEST_MODULE
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.UseShellExecute = $false
    $process = [Diagnostics.Process]::Start($info)
    [pscustomobject]@{ Process = $process; Output = $process.StandardOutput.ReadToEndAsync(); Errors = $process.StandardError.ReadToEndAsync() }
}
# A batch of the first $Count inputs into $Folder, run to completion by the server.
function Start-CompletedBatch([string] $Folder, [int] $Count) {
    $batch = Get-Input $Count | Start-ImageEditBatch -Prompt 'autumn' -OutputDirectory $Folder
    Invoke-TestApiControl $server "batches/$($batch.Id)/advance" @{ to = 'completed' } | Out-Null
    $batch
}
