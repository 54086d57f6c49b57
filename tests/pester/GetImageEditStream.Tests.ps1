#Requires -Modules Pester
# Get-ImageEditStream against the local API server's text/event-stream answers.

Describe 'Get-ImageEditStream' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestApiServer.psm1') -Force
        $script:server = Enter-ImageEditTestSession
        $script:samples = Join-Path $PSScriptRoot '../../samples' | Resolve-Path | Select-Object -ExpandProperty Path
        $script:lighthouse = Join-Path $samples 'lighthouse.png'
    }

    AfterAll {
        Exit-ImageEditTestSession $server
    }

    BeforeEach {
        Reset-TestApiServer $server
    }

    It 'shares every parameter of Edit-Image and adds -PartialImages' {
        $edit = (Get-Command Edit-Image).Parameters.Keys
        $stream = (Get-Command Get-ImageEditStream).Parameters.Keys
        foreach ($name in $edit) { $stream | Should -Contain $name }
        $stream | Should -Contain 'PartialImages'
        $edit | Should -Not -Contain 'PartialImages'
    }

    It 'sends stream=true and partial_images, and writes partial and completed events as typed objects' {
        $events = Get-ImageEditStream $lighthouse -Prompt 'stream it' -PartialImages 2 -Quality low

        $events | Should -HaveCount 3
        $events[0] | Should -BeOfType ([ImageEdit.Models.ImageEditPartialImageEvent])
        $events[1] | Should -BeOfType ([ImageEdit.Models.ImageEditPartialImageEvent])
        $events[2] | Should -BeOfType ([ImageEdit.Models.ImageEditCompletedEvent])
        $events[0..1].PartialImageIndex | Should -Be @(0, 1)
        $events.Type | Should -Be @('image_edit.partial_image', 'image_edit.partial_image', 'image_edit.completed')
        $events[2].Usage.TotalTokens | Should -BeGreaterThan 0
        $events[2].Quality | Should -Be 'low'
        foreach ($event in $events) {
            $event.SourcePath | Should -Be $lighthouse
            $event.RequestId | Should -BeLike 'req_test*'
            [Convert]::FromBase64String($event.B64Json).Length | Should -BeGreaterThan 0
            $event.CreatedAt | Should -BeOfType ([DateTimeOffset])
        }
        $request = Get-TestApiRequest $server -EditsOnly
        ($request.fields | Where-Object name -EQ 'stream').value | Should -Be 'true'
        ($request.fields | Where-Object name -EQ 'partial_images').value | Should -Be '2'
    }

    It 'passes each event down the pipeline the moment it arrives, before the server sends the last' {
        Set-TestApiScript $server @(@{ pauseMs = 1500 })
        $stopwatch = [Diagnostics.Stopwatch]::StartNew()

        $seen = Get-ImageEditStream $lighthouse -Prompt 'slow' -PartialImages 2 | ForEach-Object {
            [pscustomobject]@{
                Type          = $_.Type
                Index         = if ($_ -is [ImageEdit.Models.ImageEditPartialImageEvent]) { $_.PartialImageIndex }
                Milliseconds  = $stopwatch.ElapsedMilliseconds
                ServerOutcome = (Get-TestApiRequest $server -EditsOnly).outcome
            }
        }

        $seen | Should -HaveCount 3
        $seen[0].Index | Should -Be 0
        # When partial image 0 reached ForEach-Object, the server had not finished the stream.
        $seen[0].ServerOutcome | Should -BeNullOrEmpty
        ($seen[2].Milliseconds - $seen[0].Milliseconds) | Should -BeGreaterThan 2500
    }

    It 'saves every partial image and the final one under names that tell them apart, without overwriting' {
        $out = Join-Path $TestDrive 'stream-out'
        New-Item -ItemType Directory $out | Out-Null
        Set-Content (Join-Path $out 'lighthouse-edited.png') 'keep me'

        $events = Get-ImageEditStream $lighthouse -Prompt 'x' -PartialImages 2 -OutputDirectory $out

        $events.Path | ForEach-Object { Split-Path $_ -Leaf } | Should -Be @('lighthouse-partial-0.png', 'lighthouse-partial-1.png', 'lighthouse-edited (2).png')
        $returned = (Get-TestApiRequest $server -EditsOnly).returnedImageSha256
        $events.Path | ForEach-Object { (Get-FileHash -LiteralPath $_ -Algorithm SHA256).Hash.ToLowerInvariant() } | Should -Be $returned
        Get-Content (Join-Path $out 'lighthouse-edited.png') | Should -Be 'keep me'
    }

    It 'joins data split over several lines, skips comments and unknown events, and says so in Verbose' {
        Set-TestApiScript $server @(@{ multiline = $true })

        $events = Get-ImageEditStream $lighthouse -Prompt 'x' -PartialImages 1 -Verbose 4>&1

        $verbose = $events | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        $images = $events | Where-Object { $_ -is [ImageEdit.Models.ImageEditStreamEvent] }
        $images | Should -HaveCount 2
        $images[1].Usage.InputTokens | Should -BeGreaterThan 0
        $verbose.Message | Should -Contain "Skipped an event of a type this version does not know: 'image_edit.unknown_future_event'."
        ($verbose.Message -like 'Stream opened for lighthouse.png*') | Should -HaveCount 1
        ($verbose.Message -like 'Stream closed for lighthouse.png after 2 image event(s).') | Should -HaveCount 1
    }

    It 'turns an error event into an ErrorRecord with the API''s message, after the events before it' {
        Set-TestApiScript $server @(@{ errorAfter = 1 })

        $events = Get-ImageEditStream $lighthouse -Prompt 'x' -PartialImages 2 -ErrorVariable failures -ErrorAction SilentlyContinue

        $events | Should -HaveCount 1
        $events[0].PartialImageIndex | Should -Be 0
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'ApiStreamError,ImageEdit.Commands.GetImageEditStreamCommand'
        $failures[0].Exception.Message | Should -BeLike 'The image could not be generated (scripted).*'
        $failures[0].Exception.Code | Should -Be 'image_generation_failed'
        $failures[0].TargetObject | Should -Be $lighthouse
        @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 1 -Because 'events already reached the pipeline, so it is not retried'
    }

    It 'reports a stream that ends without image_edit.completed as an error, never a silent success' {
        Set-TestApiScript $server @(@{ cutAfter = 2 })

        $events = Get-ImageEditStream $lighthouse -Prompt 'x' -PartialImages 2 -ErrorVariable failures -ErrorAction SilentlyContinue

        $events | Should -HaveCount 2
        $events | ForEach-Object { $_ | Should -BeOfType ([ImageEdit.Models.ImageEditPartialImageEvent]) }
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'StreamIncomplete,ImageEdit.Commands.GetImageEditStreamCommand'
        $failures[0].Exception.Message | Should -BeLike '*ended after 2 image event(s) without image_edit.completed*'
    }

    It 'advises what is true of a stream cut (<CutBy>) after events reached the pipeline: it is not asked again, so not -MaximumRetryCount' -ForEach @(
        @{ CutBy = 'end'; Id = 'StreamIncomplete' }
        @{ CutBy = 'reset'; Id = 'StreamIncomplete' }
        @{ CutBy = 'silence'; Id = 'Timeout' }
    ) {
        $step = if ($CutBy -eq 'silence') { @{ pauseMs = 3000 } } else { @{ cutAfter = 1; cutBy = $CutBy } }
        Set-TestApiScript $server @($step)

        $events = Get-ImageEditStream $lighthouse -Prompt 'x' -PartialImages 2 -TimeoutSec 1 -MaximumRetryCount 2 -ErrorVariable failures -ErrorAction SilentlyContinue

        $events | Should -HaveCount 1
        @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 1 -Because 'an image already reached the pipeline, so the stream is not asked for again'
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -Be "$Id,ImageEdit.Commands.GetImageEditStreamCommand"
        $failures[0].TargetObject | Should -Be $lighthouse
        $advice = $failures[0].ErrorDetails.RecommendedAction
        $advice | Should -Not -BeLike '*MaximumRetryCount*'
        $advice | Should -BeLike '*not asked for again*'
        if ($CutBy -eq 'silence') { $advice | Should -BeLike '*-TimeoutSec*' }
    }

    It 'asks again when a stream ends before any event reached the pipeline' {
        Set-TestApiScript $server @(@{ cutAfter = 0 })

        $events = Get-ImageEditStream $lighthouse -Prompt 'x' -PartialImages 1 -ErrorVariable failures -ErrorAction SilentlyContinue

        $failures | Should -BeNullOrEmpty
        $events | Should -HaveCount 2
        @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 2
    }

    It 'shows which partial image has arrived with Write-Progress and completes it' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                    param($Module, $Image, $Key, $Base)
                    Import-Module $Module
                    Get-ImageEditStream $Image -Prompt 'x' -PartialImages 2 -ApiKey (ConvertTo-SecureString $Key -AsPlainText -Force) -BaseUri $Base
                }).AddArgument($env:IMAGEEDIT_TEST_MODULE).AddArgument($lighthouse).AddArgument($server.ApiKey).AddArgument($server.BaseUri)
            $output = $ps.Invoke()
            $output | Should -HaveCount 3
            $progress = @($ps.Streams.Progress)
            $progress.StatusDescription | Should -Contain 'Partial image 1 of 2 received'
            $progress.StatusDescription | Should -Contain 'Partial image 2 of 2 received'
            $progress[-1].RecordType | Should -Be 'Completed'
            $progress[0].Activity | Should -Be 'Streaming the edit of lighthouse.png'
        }
        finally { $ps.Dispose() }
    }

    It 'sends nothing under -WhatIf' {
        Get-ImageEditStream $lighthouse -Prompt 'x' -PartialImages 1 -WhatIf | Should -BeNullOrEmpty
        Get-TestApiRequest $server | Should -BeNullOrEmpty
    }

    It 'shows events compactly, never base64' {
        $events = Get-ImageEditStream $lighthouse -Prompt 'x' -PartialImages 1
        $text = ($events | Out-String) + ($events | Format-List | Out-String)
        $text | Should -Not -BeLike "*$($events[1].B64Json.Substring(0, 40))*"
        $text | Should -BeLike '*partial 0*'
        $text | Should -BeLike '*completed*'
    }
}
