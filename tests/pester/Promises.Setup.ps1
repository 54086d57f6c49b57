# The set-up shared by Promises.Tests.ps1 and Promises.Inputs.Tests.ps1, dot-sourced in their BeforeAll.
Import-Module (Join-Path $PSScriptRoot 'TestApiServer.psm1') -Force
$script:server = Enter-ImageEditTestSession
$script:samples = Join-Path $PSScriptRoot '../../samples' | Resolve-Path | Select-Object -ExpandProperty Path
$script:lighthouse = Join-Path $samples 'lighthouse.png'
$script:harbour = Join-Path $samples 'harbour.jpg'
$script:mask = Join-Path $PSScriptRoot '../corpus/pngsuite/basn6a08.png' | Resolve-Path | Select-Object -ExpandProperty Path


# For each result: the SHA-256 of every image the server returned for that very request, found by its request id.
function Get-ReturnedHashes($Result) {
    $sequence = [int]($Result.RequestId -replace '^req_test', '')
    $request = Get-TestApiRequest $server -EditsOnly | Where-Object sequence -EQ $sequence
    , @($request.returnedImageSha256)
}

# Eight folders, each with its own img.png (different bytes, same name).
$script:eightFolders = foreach ($i in 1..8) {
    $folder = Join-Path $TestDrive "source-$i"
    New-Item -ItemType Directory $folder | Out-Null
    Copy-Item $lighthouse (Join-Path $folder 'img.png')
    Get-Item (Join-Path $folder 'img.png')
}
