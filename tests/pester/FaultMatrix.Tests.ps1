#Requires -Modules Pester
# The fault matrix (issue 19): every HTTP call the module makes, under each fault the network and the API can give it,
# asserting the same two things, counted on the local API server and on disk: nothing the API returned is lost, and
# nothing is paid twice (no request, upload or batch made more often than the fault forces, and every forced repeat
# said as a warning).
#
# Faults (tests/ImageEdit.TestServer/FaultInjector.cs), each once, at the call under test:
#   timeout  the server handles the request (the edit is paid for, the batch created), then sends nothing: -TimeoutSec ends the try
#   reset    the server handles the request, then closes the connection without the answer
#   5xx      503 without handling the request
#   429      429 with retry-after-ms, without handling the request

BeforeDiscovery {
    $calls = 'edit', 'stream', 'upload', 'batch image upload', 'batch part upload', 'file get', 'file delete', 'batch create', 'batch get', 'batch cancel', 'output file download', 'error file download', 'model list'
    $faults = 'timeout', 'reset', '5xx', '429'
    $cells = foreach ($call in $calls) { foreach ($fault in $faults) { @{ Call = $call; Fault = $fault } } }
}

Describe 'Fault matrix: every HTTP call under every fault' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestApiServer.psm1') -Force
        $script:server = Enter-ImageEditTestSession
        $samples = Join-Path $PSScriptRoot '../../samples' | Resolve-Path | Select-Object -ExpandProperty Path
        $script:image = Join-Path $samples 'lighthouse.png'
        $suite = Join-Path $PSScriptRoot '../corpus/pngsuite' | Resolve-Path | Select-Object -ExpandProperty Path
        $script:inputs = Join-Path $TestDrive 'inputs'
        New-Item -ItemType Directory $inputs | Out-Null
        Get-ChildItem $suite -Filter 'basn*.png' | Select-Object -First 4 | ForEach-Object { Copy-Item $_.FullName (Join-Path $inputs $_.Name) }

        $script:faults = @{
            'timeout' = @{ action = 'hang-after' }
            'reset'   = @{ action = 'reset-after' }
            '5xx'     = @{ action = 'status'; status = 503 }
            '429'     = @{ action = 'status'; status = 429; headers = @{ 'retry-after-ms' = '50' } }
        }
        # Whether the fault lets the server carry the request out (the first try took effect; only its answer is lost).
        function Test-TookEffect([string] $Fault) { $Fault -in 'timeout', 'reset' }

        # Edits the server carried out in full (each one paid for).
        function Get-PaidEdit { @(Get-TestApiRequest $server -EditsOnly | Where-Object status -EQ 200) }
        function New-Folder([string] $Name) { Join-Path $TestDrive ("$Name-" + [guid]::NewGuid().ToString('N').Substring(0, 8)) }

        # Every Act splats these, so that its output, errors and warnings are captured as $o, $e and $w, then made a run.
        $script:capture = @{ ErrorVariable = 'e'; WarningVariable = 'w'; ErrorAction = 'SilentlyContinue'; WarningAction = 'SilentlyContinue'; TimeoutSec = 2 }
        function New-Run($Output, $Errors, $Warnings) { [pscustomobject]@{ Output = @($Output); Errors = @($Errors); Warnings = @($Warnings) } }

        # A batch of the four inputs, submitted (no fault) and optionally completed, with its folder.
        function New-SubmittedBatch([switch] $Completed, [int] $FailLine = -1) {
            $folder = New-Folder 'batch'
            $batch = Get-ChildItem $inputs | Start-ImageEditBatch -Prompt 'x' -Model gpt-image-2 -OutputDirectory $folder
            if ($FailLine -ge 0) {
                $customId = @(Read-RunRecord $folder | Where-Object type -EQ 'batchRequest')[$FailLine].customId
                Invoke-TestApiControl $server 'batch-failures' @($customId) | Out-Null
            }
            if ($Completed) { Invoke-TestApiControl $server "batches/$($batch.Id)/advance" @{ to = 'completed' } | Out-Null }
            [pscustomobject]@{ Batch = (Get-ImageEditBatch -Id $batch.Id -OutputDirectory $folder); Folder = $folder }
        }

        # Asserts that every image the server returned for these requests is in a file in the folder, or in a result's B64Json.
        function Assert-NothingLost([string[]] $ReturnedSha256, [string] $Folder, $Results) {
            $kept = @{}
            if ($Folder -and (Test-Path $Folder)) {
                Get-SavedImage $Folder | ForEach-Object { $kept[(Get-Sha256 $_.FullName)] = $true }
            }
            foreach ($item in @($Results | ForEach-Object { $_.Data })) {
                if ($item.B64Json) {
                    $bytes = [Convert]::FromBase64String($item.B64Json)
                    $kept[[Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($bytes)).ToLowerInvariant()] = $true
                }
            }
            foreach ($sha in $ReturnedSha256) { $kept.ContainsKey($sha) | Should -BeTrue -Because "the image with SHA-256 $sha was returned by the API" }
        }

        $script:cases = @{
            'edit'                  = @{
                Fault   = { param($state) @{ method = 'POST'; path = '/v1/images/edits' } }
                Act     = { param($state) $o = Edit-Image -Path $image -Prompt 'x' -Model gpt-image-2 -OutputDirectory $state.Folder @capture; New-Run $o $e $w }
                Arrange = { @{ Folder = New-Folder 'edit' } }
                Assert  = {
                    param($state, $run, $fault)
                    $paid = Get-PaidEdit
                    $paid | Should -HaveCount ($(if (Test-TookEffect $fault) { 2 } else { 1 })) -Because 'an edit is sent again only when the answer to one that was carried out was lost'
                    $run.Output | Should -HaveCount 1
                    @(Get-SavedImage $state.Folder) | Should -HaveCount 1 -Because 'one result, one file'
                    Assert-NothingLost @($paid[-1].returnedImageSha256) $state.Folder $run.Output
                    if (Test-TookEffect $fault) { $run.Warnings -join "`n" | Should -Match 'again' -Because 'a repeat that may be billed twice is said' }
                }
            }
            'stream'                = @{
                Fault   = { param($state) @{ method = 'POST'; path = '/v1/images/edits' } }
                Act     = { param($state) $o = Get-ImageEditStream -Path $image -Prompt 'x' -Model gpt-image-2 -PartialImages 1 -OutputDirectory $state.Folder @capture; New-Run $o $e $w }
                Arrange = { @{ Folder = New-Folder 'stream' } }
                Assert  = {
                    param($state, $run, $fault)
                    $paid = Get-PaidEdit
                    $paid | Should -HaveCount ($(if (Test-TookEffect $fault) { 2 } else { 1 }))
                    @($run.Output | Where-Object Type -EQ 'image_edit.completed') | Should -HaveCount 1
                    @(Get-SavedImage $state.Folder | Where-Object Name -NotLike '*partial*') | Should -HaveCount 1
                    Assert-NothingLost @($paid[-1].returnedImageSha256 | Select-Object -Last 1) $state.Folder $null
                    if (Test-TookEffect $fault) { $run.Warnings -join "`n" | Should -Match 'again' }
                }
            }
            'upload'                = @{
                Fault   = { param($state) @{ method = 'POST'; path = '/v1/files' } }
                Act     = { param($state) $o = Add-ImageEditFile -Path $image @capture; New-Run $o $e $w }
                Arrange = { @{} }
                Assert  = {
                    param($state, $run, $fault)
                    $run.Output | Should -HaveCount 1
                    $stored = Get-TestApiFile $server
                    $stored | Should -HaveCount 1 -Because 'a retried upload leaves no duplicate behind'
                    $stored[0].id | Should -Be $run.Output[0].FileId
                }
            }
            'file get'              = @{
                # A second batch into the folder checks that the first batch's upload still exists before reusing it.
                Fault   = { param($state) @{ method = 'GET'; path = "/v1/files/$($state.ImageFileId)" } }
                Arrange = {
                    $first = New-SubmittedBatch
                    $firstInput = (Get-ChildItem $inputs | Select-Object -First 1).FullName
                    $upload = Read-RunRecord $first.Folder | Where-Object { $_.type -eq 'upload' -and $_.path -eq $firstInput }
                    @{ Folder = $first.Folder; ImageFileId = $upload.fileId; VisionBefore = (Get-TestApiFile $server 'vision').Count }
                }
                Act     = { param($state) $o = Get-ChildItem $inputs | Select-Object -First 1 | Start-ImageEditBatch -Prompt 'y' -Model gpt-image-2 -OutputDirectory $state.Folder @capture; New-Run $o $e $w }
                Assert  = {
                    param($state, $run, $fault)
                    $run.Output | Should -HaveCount 1
                    (Get-TestApiFile $server 'vision').Count | Should -Be $state.VisionBefore -Because 'the image uploaded before is reused, not uploaded again'
                    Get-TestApiBatch $server | Should -HaveCount 2
                }
            }
            'file delete'           = @{
                Fault   = { param($state) @{ method = 'DELETE'; path = "/v1/files/$($state.FileId)" } }
                Arrange = { @{ FileId = (Add-ImageEditFile -Path $image).FileId } }
                Act     = { param($state) $o = Remove-ImageEditFile -FileId $state.FileId -Confirm:$false @capture; New-Run $o $e $w }
                Assert  = {
                    param($state, $run, $fault)
                    Get-TestApiFile $server | Should -HaveCount 0
                }
            }
            'batch create'          = @{
                Fault   = { param($state) @{ method = 'POST'; path = '/v1/batches' } }
                Arrange = { @{ Folder = New-Folder 'create' } }
                Act     = { param($state) $o = Get-ChildItem $inputs | Start-ImageEditBatch -Prompt 'x' -Model gpt-image-2 -OutputDirectory $state.Folder @capture; New-Run $o $e $w }
                Assert  = {
                    param($state, $run, $fault)
                    $batches = Get-TestApiBatch $server
                    $batches | Should -HaveCount 1 -Because 'a batch whose creation was carried out is adopted, not created again'
                    $run.Output | Should -HaveCount 1
                    $run.Output[0].Id | Should -Be $batches[0].id
                    @(Read-RunRecord $state.Folder | Where-Object { $_.type -eq 'batch' -and $_.id }).id | Should -Be @($batches[0].id)
                    Get-TestApiFile $server 'batch' | Should -HaveCount 1
                    Get-TestApiFile $server 'vision' | Should -HaveCount 4
                    @(Get-ChildItem $state.Folder -Force -Filter '.imageedit-*') | Should -HaveCount 0
                }
            }
            # Start-ImageEditBatch's own uploads: the first of its four images (purpose vision), and its requests file
            # (purpose batch), which goes after all four.
            'batch image upload'    = @{
                Fault   = { param($state) @{ method = 'POST'; path = '/v1/files' } }
                Arrange = { @{ Folder = New-Folder 'image-upload' } }
                Act     = { param($state) $o = Get-ChildItem $inputs | Start-ImageEditBatch -Prompt 'x' -Model gpt-image-2 -OutputDirectory $state.Folder @capture; New-Run $o $e $w }
                Assert  = { param($state, $run, $fault) & $cases['batch create'].Assert $state $run $fault }
            }
            'batch part upload'     = @{
                Fault   = { param($state) @{ method = 'POST'; path = '/v1/files'; skip = 4 } }
                Arrange = { @{ Folder = New-Folder 'part-upload' } }
                Act     = { param($state) $o = Get-ChildItem $inputs | Start-ImageEditBatch -Prompt 'x' -Model gpt-image-2 -OutputDirectory $state.Folder @capture; New-Run $o $e $w }
                Assert  = { param($state, $run, $fault) & $cases['batch create'].Assert $state $run $fault }
            }
            'batch get'             = @{
                Fault   = { param($state) @{ method = 'GET'; path = "/v1/batches/$($state.Submitted.Batch.Id)" } }
                Arrange = { @{ Submitted = New-SubmittedBatch } }
                Act     = { param($state) $o = Get-ImageEditBatch -Id $state.Submitted.Batch.Id @capture; New-Run $o $e $w }
                Assert  = {
                    param($state, $run, $fault)
                    $run.Output | Should -HaveCount 1
                    $run.Output[0].Id | Should -Be $state.Submitted.Batch.Id
                }
            }
            'batch cancel'          = @{
                Fault   = { param($state) @{ method = 'POST'; path = "/v1/batches/$($state.Submitted.Batch.Id)/cancel" } }
                Arrange = { @{ Submitted = New-SubmittedBatch } }
                Act     = { param($state) $o = Stop-ImageEditBatch -Id $state.Submitted.Batch.Id -Confirm:$false @capture; New-Run $o $e $w }
                Assert  = {
                    param($state, $run, $fault)
                    $run.Output | Should -HaveCount 1
                    $run.Output[0].Status | Should -BeIn 'cancelling', 'cancelled'
                    Get-TestApiBatch $server | Should -HaveCount 1
                }
            }
            'output file download'  = @{
                Fault   = { param($state) @{ method = 'GET'; path = "/v1/files/$($state.Submitted.Batch.OutputFileId)/content" } }
                Arrange = { @{ Submitted = New-SubmittedBatch -Completed } }
                Act     = { param($state) $o = $state.Submitted.Batch | Receive-ImageEditBatch @capture; New-Run $o $e $w }
                Assert  = {
                    param($state, $run, $fault)
                    $run.Output | Should -HaveCount 4
                    @(Get-SavedImage $state.Submitted.Folder) | Should -HaveCount 4 -Because 'each image saved once'
                    Assert-NothingLost @(Get-TestApiBatchLine $server | ForEach-Object { $_.returnedImageSha256 }) $state.Submitted.Folder $run.Output
                }
            }
            'error file download'   = @{
                Fault   = { param($state) @{ method = 'GET'; path = "/v1/files/$($state.Submitted.Batch.ErrorFileId)/content" } }
                Arrange = { @{ Submitted = New-SubmittedBatch -Completed -FailLine 2 } }
                Act     = { param($state) $o = $state.Submitted.Batch | Receive-ImageEditBatch @capture; New-Run $o $e $w }
                Assert  = {
                    param($state, $run, $fault)
                    $run.Output | Should -HaveCount 3
                    @(Get-SavedImage $state.Submitted.Folder) | Should -HaveCount 3
                    # The failed line is reported once, as the API's error for that input, not as a download failure.
                    $run.Errors | Should -HaveCount 1
                    $run.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ApiBadRequest,*'
                    $run.Errors = @()
                }
            }
            'model list'            = @{
                Fault   = { param($state) @{ method = 'GET'; path = '/v1/models' } }
                Arrange = { @{} }
                Act     = { param($state) $o = Get-ImageEditModel @capture; New-Run $o $e $w }
                Assert  = {
                    param($state, $run, $fault)
                    @($run.Output).Count | Should -BeGreaterThan 0
                }
            }
        }
    }

    AfterAll {
        Exit-ImageEditTestSession $server
    }

    BeforeEach {
        Reset-TestApiServer $server
    }

    It '<Call> under <Fault>: nothing lost, nothing paid twice' -ForEach $cells {
        $case = $cases[$Call]
        $state = & $case.Arrange
        $injected = (& $case.Fault $state) + $faults[$Fault]
        Set-TestApiFault $server @($injected)
        $run = & $case.Act $state
        @(Get-TestApiFault $server) | Should -HaveCount 1 -Because 'the fault was given to the call under test'
        & $case.Assert $state $run $Fault
        $run.Errors | Should -BeNullOrEmpty -Because 'one fault within the retries is recovered from'
    }

    It 'says that every try may have been billed when an edit''s answers are lost on every try, and advises -Resume, not more retries (<Action>)' -ForEach @(
        @{ Action = 'reset-after'; Id = 'ConnectionFailed' }, @{ Action = 'hang-after'; Id = 'Timeout' }
    ) {
        $folder = New-Folder 'all-lost'
        Set-TestApiFault $server @(@{ method = 'POST'; path = '/v1/images/edits'; action = $Action; repeat = 3 })
        $o = Edit-Image -Path $image -Prompt 'x' -Model gpt-image-2 -OutputDirectory $folder @capture
        $o | Should -BeNullOrEmpty
        Get-PaidEdit | Should -HaveCount 3 -Because 'the server carried out every try'
        $e | Should -HaveCount 1
        $e[0].FullyQualifiedErrorId | Should -BeLike "$Id,*"
        $e[0].Exception.Message | Should -BeLike '*Each of 3 tries reached the API*billed*'
        $e[0].ErrorDetails.RecommendedAction | Should -BeLike '*-Resume*'
        $e[0].ErrorDetails.RecommendedAction | Should -Not -BeLike '*raise -MaximumRetryCount*'
        @($w | Where-Object { "$_" -like '*may bill it twice*' }) | Should -HaveCount 2 -Because 'each repeat was said as it happened'
    }
}
