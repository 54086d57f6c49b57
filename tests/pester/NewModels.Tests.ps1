#Requires -Modules Pester
# The gpt-image-2.5 and 2.6 generation (issue 20): the new models and their values, -Complexity, markup-guided edits
# (-Markup, -MarkupUrl, -MarkupFileId) and animated output (-OutputFormat gif, -FrameCount, -FrameDurationMs), in both
# body forms, in a batch line and by CSV column, as users run them against the local server.

Describe 'gpt-image-2.5 and 2.6' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestApiServer.psm1') -Force
        $script:server = Enter-ImageEditTestSession
        $samples = Join-Path $PSScriptRoot '../../samples' | Resolve-Path | Select-Object -ExpandProperty Path
        $fixtures = Join-Path $PSScriptRoot '../fixtures' | Resolve-Path | Select-Object -ExpandProperty Path
        $script:lighthouse = Join-Path $samples 'lighthouse.png'
        $script:markup = Join-Path $fixtures 'markup-256.png'
        $script:opaque = Join-Path $fixtures 'opaque-256.png'
        $script:wide = Join-Path $fixtures 'wide-320x240.png'
        function Get-Field($Request, [string] $Name) { ($Request.fields | Where-Object name -EQ $Name).value }
        function Get-Edit { @(Get-TestApiRequest $server -EditsOnly) }
        function Complete([string] $Line) { (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches.CompletionText }
        # Runs a batch of the given inputs to the end and receives it.
        function Invoke-Batch([scriptblock] $Start) {
            $batch = & $Start
            Invoke-TestApiControl $server "batches/$($batch.Id)/advance" @{ to = 'completed' } | Out-Null
            $batch | Wait-ImageEditBatch -PollIntervalSec 0.1 | Receive-ImageEditBatch
        }
        $script:savedToday = $env:IMAGEEDIT_TODAY
    }

    AfterAll {
        $env:IMAGEEDIT_TODAY = $savedToday
        Exit-ImageEditTestSession $server
    }

    BeforeEach {
        Reset-TestApiServer $server
        $env:IMAGEEDIT_TODAY = '2026-12-04'
    }

    Context 'the new models and their values' {
        It 'sends quality <Quality> and a flexible size <Size> to <Model>' -ForEach @(
            @{ Model = 'gpt-image-2.5-sunburst'; Quality = 'xhigh'; Size = '2880x2880' }
            @{ Model = 'gpt-image-2.5-flare-2026-09-08'; Quality = 'max'; Size = '1024x640' }
            @{ Model = 'gpt-image-2.6-flare'; Quality = 'max'; Size = '3840x2160' }
        ) {
            $result = Edit-Image $lighthouse -Prompt 'x' -Model $Model -Quality $Quality -Size $Size -WarningVariable warned
            $result | Should -HaveCount 1
            $warned | Should -BeNullOrEmpty
            $edit = Get-Edit
            $edit | Should -HaveCount 1
            $edit[0].status | Should -Be 200
            Get-Field $edit[0] 'model' | Should -Be $Model
            Get-Field $edit[0] 'quality' | Should -Be $Quality
            Get-Field $edit[0] 'size' | Should -Be $Size
        }

        It 'names OpenAI''s replacement for a retired model: gpt-image-2.6-sunburst or gpt-image-2.6-flare' {
            $null = Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-1.5 -WarningVariable warned -ErrorAction SilentlyContinue
            $warned | Should -HaveCount 1
            $warned[0].Message | Should -BeLike '*shut gpt-image-1.5 down on 2026-12-01*-Model gpt-image-2.6-sunburst or gpt-image-2.6-flare*'
            (Get-ImageEditModel -Name gpt-image-1.5 -ErrorAction SilentlyContinue | Select-Object -First 1).Replacement | Should -Be 'gpt-image-2.6-sunburst or gpt-image-2.6-flare'
        }
    }

    Context 'each new field in both bodies, a batch line and a CSV column' {
        It 'sends -Complexity as a multipart field, a JSON member and a batch line''s member' {
            $null = Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-2.6-sunburst -Complexity high
            $null = Edit-Image -ImageUrl 'https://example.com/a.png' -Prompt 'x' -Model gpt-image-2.6-sunburst -Complexity LOW
            $edits = Get-Edit
            $edits.bodyForm | Should -Be @('multipart', 'json')
            $edits | ForEach-Object { $_.status | Should -Be 200 }
            Get-Field $edits[0] 'complexity' | Should -Be 'high'
            Get-Field $edits[1] 'complexity' | Should -Be 'low' -Because 'a known value is sent in its documented spelling'

            $out = Join-Path $TestDrive 'complexity-batch'
            $results = Invoke-Batch { Start-ImageEditBatch $lighthouse -Prompt 'x' -Model gpt-image-2.6-flare -Complexity medium -OutputDirectory $out }
            $results | Should -HaveCount 1
            $line = Get-TestApiBatchLine $server
            $line[0].status | Should -Be 200
            ($line[0].fields | Where-Object name -EQ 'complexity').value | Should -Be 'medium'
        }

        It 'sends -Markup as the multipart part markup, with its bytes' {
            $out = Join-Path $TestDrive 'markup-multipart'
            $result = Edit-Image $lighthouse -Prompt 'follow the arrows' -Model gpt-image-2.6-sunburst -Markup $markup -OutputDirectory $out
            $edit = (Get-Edit)[0]
            $edit.status | Should -Be 200
            $edit.bodyForm | Should -Be 'multipart'
            $part = $edit.files | Where-Object name -EQ 'markup'
            $part | Should -HaveCount 1
            $part.contentType | Should -Be 'image/png'
            $part.sha256 | Should -Be (Get-Sha256 $markup)
            $record = Get-Content (Join-Path $out 'imageedit-record.jsonl') | ForEach-Object { $_ | ConvertFrom-Json } | Select-Object -Last 1
            ($record.sources | Where-Object role -EQ 'markup').sha256 | Should -Be (Get-Sha256 $markup)
            $result.Data | Should -HaveCount 1
        }

        It 'sends -MarkupUrl, -MarkupFileId and a local -Markup beside a -FileId as the JSON member markup' {
            $uploaded = Add-ImageEditFile $markup
            $image = Add-ImageEditFile $lighthouse
            $null = Edit-Image -FileId $image.FileId -Prompt 'x' -Model gpt-image-2.6-flare -MarkupUrl 'https://example.com/markup.png'
            $null = Edit-Image -FileId $image.FileId -Prompt 'x' -Model gpt-image-2.6-flare -MarkupFileId $uploaded.FileId
            $null = Edit-Image -FileId $image.FileId -Prompt 'x' -Model gpt-image-2.6-flare -Markup $markup
            $edits = Get-Edit
            $edits | Should -HaveCount 3
            $edits | ForEach-Object { $_.bodyForm | Should -Be 'json'; $_.status | Should -Be 200 }
            $refs = $edits | ForEach-Object { $_.imageRefs | Where-Object role -EQ 'markup' }
            $refs.kind | Should -Be @('url', 'file_id', 'data_url')
            $refs[0].url | Should -Be 'https://example.com/markup.png'
            $refs[1].fileId | Should -Be $uploaded.FileId
            $refs[2].sha256 | Should -Be (Get-Sha256 $markup)
        }

        It 'uploads a local -Markup for a batch and names it by file ID in the line' {
            $out = Join-Path $TestDrive 'markup-batch'
            $results = Invoke-Batch { Start-ImageEditBatch $lighthouse -Prompt 'x' -Model gpt-image-2.6-sunburst -Markup $markup -OutputDirectory $out }
            $results | Should -HaveCount 1
            $line = (Get-TestApiBatchLine $server)[0]
            $line.status | Should -Be 200
            $ref = $line.imageRefs | Where-Object role -EQ 'markup'
            $ref.kind | Should -Be 'file_id'
            $ref.sha256 | Should -Be (Get-Sha256 $markup)
        }

        It 'takes Complexity, Markup, OutputFormat, FrameCount and FrameDurationMs from CSV columns' {
            $csv = Join-Path $TestDrive 'rows.csv'
            @(
                [pscustomobject]@{ Path = $lighthouse; Prompt = 'a'; Model = 'gpt-image-2.6-flare'; Complexity = 'high'; Markup = $markup; OutputFormat = ''; FrameCount = ''; FrameDurationMs = '' }
                [pscustomobject]@{ Path = $lighthouse; Prompt = 'b'; Model = 'gpt-image-2.6-flare'; Complexity = ''; Markup = ''; OutputFormat = 'gif'; FrameCount = '3'; FrameDurationMs = '50' }
            ) | Export-Csv $csv -NoTypeInformation
            $results = Import-Csv $csv | Edit-Image -ThrottleLimit 1
            $results | Should -HaveCount 2
            $edits = Get-Edit
            Get-Field $edits[0] 'complexity' | Should -Be 'high'
            ($edits[0].files | Where-Object name -EQ 'markup').sha256 | Should -Be (Get-Sha256 $markup)
            Get-Field $edits[0] 'output_format' | Should -BeNullOrEmpty
            Get-Field $edits[1] 'complexity' | Should -BeNullOrEmpty
            $edits[1].files | Where-Object name -EQ 'markup' | Should -BeNullOrEmpty
            Get-Field $edits[1] 'output_format' | Should -Be 'gif'
            Get-Field $edits[1] 'frame_count' | Should -Be '3'
            Get-Field $edits[1] 'frame_duration_ms' | Should -Be '50'
        }
    }

    Context 'animated output' {
        It 'saves a gif result as .gif holding the returned bytes, in the <Body> body' -ForEach @(@{ Body = 'multipart' }, @{ Body = 'json' }) {
            $out = Join-Path $TestDrive "gif-$Body"
            $image = if ($Body -eq 'multipart') { @{ Path = $lighthouse } } else { @{ ImageUrl = 'https://example.com/harbour-night.png' } }
            $result = Edit-Image @image -Prompt 'make the light blink' -Model gpt-image-2.6-sunburst -OutputFormat gif -FrameCount 4 -FrameDurationMs 120 -OutputDirectory $out
            $edit = (Get-Edit)[0]
            $edit.bodyForm | Should -Be $Body
            $edit.status | Should -Be 200
            Get-Field $edit 'output_format' | Should -Be 'gif'
            Get-Field $edit 'frame_count' | Should -Be '4'
            Get-Field $edit 'frame_duration_ms' | Should -Be '120'
            $saved = @(Get-SavedImage $out)
            $saved | Should -HaveCount 1
            $saved[0].Extension | Should -Be '.gif'
            $result.Data[0].Path | Should -Be $saved[0].FullName
            Get-Sha256 $saved[0].FullName | Should -Be $edit.returnedImageSha256[0]
            [Text.Encoding]::ASCII.GetString([IO.File]::ReadAllBytes($saved[0].FullName), 0, 6) | Should -Be 'GIF89a'
            $result.OutputFormat | Should -Be 'gif'
            ($result | Out-String -Width 300) | Should -BeLike "*$($saved[0].Name)*" -Because 'the view shows the saved animation'
        }

        It 'resumes a gif result from the run record without sending it again' {
            $out = Join-Path $TestDrive 'gif-resume'
            $first = Edit-Image $lighthouse -Prompt 'blink' -Model gpt-image-2.6-flare -OutputFormat gif -FrameCount 2 -OutputDirectory $out
            Reset-TestApiServer $server
            $again = Edit-Image $lighthouse -Prompt 'blink' -Model gpt-image-2.6-flare -OutputFormat gif -FrameCount 2 -OutputDirectory $out -Resume
            Get-Edit | Should -BeNullOrEmpty
            $again.Resumed | Should -BeTrue
            $again.Data[0].Path | Should -Be $first.Data[0].Path
            $first.Data[0].Path | Should -BeLike '*.gif'
            $record = Get-Content (Join-Path $out 'imageedit-record.jsonl') | ForEach-Object { $_ | ConvertFrom-Json } | Select-Object -First 1
            $record.files[0].name | Should -BeLike '*.gif'
            $record.fields.output_format | Should -Be 'gif'
        }

        It 'receives a batch of gif lines as .gif files holding the returned bytes' {
            $out = Join-Path $TestDrive 'gif-batch'
            $results = Invoke-Batch { Start-ImageEditBatch $lighthouse -Prompt 'x' -Model gpt-image-2.6-sunburst -OutputFormat gif -FrameCount 3 -OutputDirectory $out }
            $results | Should -HaveCount 1
            $line = (Get-TestApiBatchLine $server)[0]
            ($line.fields | Where-Object name -EQ 'output_format').value | Should -Be 'gif'
            ($line.fields | Where-Object name -EQ 'frame_count').value | Should -Be '3'
            $results.Data[0].Path | Should -BeLike '*.gif'
            Get-Sha256 $results.Data[0].Path | Should -Be $line.returnedImageSha256[0]
        }
    }

    Context 'refused before anything is sent' {
        It '<Name> gives <Id>, naming the reason' -ForEach @(
            @{ Name = 'complexity with gpt-image-2'; Id = 'ParameterNotSupportedByModel'; Reason = '*-Complexity*'; Run = { Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-2 -Complexity high } }
            @{ Name = 'complexity with gpt-image-2.5'; Id = 'ParameterNotSupportedByModel'; Reason = '*-Complexity*'; Run = { Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-2.5-flare -Complexity high } }
            @{ Name = 'quality xhigh with gpt-image-2'; Id = 'ValueNotSupportedByModel'; Reason = "*'xhigh'*gpt-image-2*"; Run = { Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-2 -Quality xhigh } }
            @{ Name = 'size 512x512 with gpt-image-2.6'; Id = 'SizeNotSupportedByModel'; Reason = '*262,144 pixels*655,360*'; Run = { Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-2.6-flare -Size 512x512 } }
            @{ Name = 'markup with a mask'; Id = 'MarkupWithMask'; Reason = '*markup*mask*'; Run = { Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-2.6-flare -Markup $markup -Mask $markup } }
            @{ Name = 'markup of another size'; Id = 'MarkupSizeMismatch'; Reason = '*320x240*256x256*'; Run = { Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-2.6-flare -Markup $wide } }
            @{ Name = 'markup with gpt-image-2.5'; Id = 'ParameterNotSupportedByModel'; Reason = '*markup*'; Run = { Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-2.5-sunburst -Markup $markup } }
            @{ Name = 'markup by URL with gpt-image-2'; Id = 'ParameterNotSupportedByModel'; Reason = '*markup*'; Run = { Edit-Image -ImageUrl 'https://example.com/a.png' -Prompt 'x' -Model gpt-image-2 -MarkupUrl 'https://example.com/m.png' } }
            @{ Name = 'markup that is not a PNG'; Id = 'MarkupNotPng'; Reason = '*Jpeg*PNG*'; Run = { Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-2.6-flare -Markup (Join-Path $samples 'harbour.jpg') } }
            @{ Name = 'two markup images'; Id = 'AmbiguousMarkup'; Reason = '*-Markup*-MarkupUrl*'; Run = { Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-2.6-flare -Markup $markup -MarkupUrl 'https://example.com/m.png' } }
            @{ Name = 'gif with gpt-image-2'; Id = 'ValueNotSupportedByModel'; Reason = "*'gif'*"; Run = { Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-2 -OutputFormat gif } }
            @{ Name = 'gif streamed'; Id = 'GifNotStreamable'; Reason = '*cannot be streamed*'; Run = { Get-ImageEditStream $lighthouse -Prompt 'x' -Model gpt-image-2.6-flare -OutputFormat gif } }
            @{ Name = 'gif with partial images'; Id = 'GifNotStreamable'; Reason = '*partial images*'; Run = { Get-ImageEditStream $lighthouse -Prompt 'x' -Model gpt-image-2.6-flare -OutputFormat gif -PartialImages 2 } }
            @{ Name = 'gif with a mask'; Id = 'GifWithMask'; Reason = '*mask*'; Run = { Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-2.6-flare -OutputFormat gif -Mask $markup } }
            @{ Name = 'gif with output compression'; Id = 'OutputCompressionNeedsJpegOrWebp'; Reason = '*gif*'; Run = { Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-2.6-flare -OutputFormat gif -OutputCompression 50 } }
            @{ Name = 'frame count 17'; Id = 'FrameCountOutOfRange'; Reason = '*between 2 and 16*'; Run = { Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-2.6-flare -OutputFormat gif -FrameCount 17 } }
            @{ Name = 'frame count 1'; Id = 'FrameCountOutOfRange'; Reason = '*between 2 and 16*'; Run = { Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-2.6-flare -OutputFormat gif -FrameCount 1 } }
            @{ Name = 'frame duration 10 ms'; Id = 'FrameDurationMsOutOfRange'; Reason = '*20 or more*'; Run = { Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-2.6-flare -OutputFormat gif -FrameDurationMs 10 } }
            @{ Name = 'frames without gif'; Id = 'FramesNeedGif'; Reason = '*-FrameCount applies only to animated output*'; Run = { Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-2.6-flare -FrameCount 4 } }
            @{ Name = 'markup with gpt-image-2 in a batch'; Id = 'ParameterNotSupportedByModel'; Reason = '*markup*'; Run = { Start-ImageEditBatch $lighthouse -Prompt 'x' -Model gpt-image-2 -Markup $markup -OutputDirectory (Join-Path $TestDrive 'refused-batch') } }
        ) {
            $errors = @(
                try { & $Run 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } }
                catch { $_ }
            )
            $errors | Should -HaveCount 1
            $errors[0].FullyQualifiedErrorId | Should -BeLike "$Id,ImageEdit.Commands.*"
            $errors[0].Exception.Message | Should -BeLike $Reason
            $errors[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
            $errors[0].TargetObject | Should -Not -BeNullOrEmpty
            Get-TestApiRequest $server | Should -BeNullOrEmpty
        }

        It 'warns once that a markup image without transparency covers the whole image, and sends it' {
            $null = Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-2.6-flare -Markup $opaque -WarningVariable warned
            $warned | Should -HaveCount 1
            $warned[0].Message | Should -BeLike '*opaque-256.png has no alpha channel*'
            (Get-Edit)[0].status | Should -Be 200
        }
    }

    Context 'Tab completion' {
        It 'offers the new models on <Command>' -ForEach @(@{ Command = 'Edit-Image' }, @{ Command = 'Get-ImageEditStream' }, @{ Command = 'Start-ImageEditBatch' }) {
            $models = Complete "$Command a.png -Prompt p -Model "
            foreach ($model in 'gpt-image-2.5-sunburst', 'gpt-image-2.5-sunburst-2026-09-08', 'gpt-image-2.5-flare', 'gpt-image-2.5-flare-2026-09-08', 'gpt-image-2.6-sunburst', 'gpt-image-2.6-flare') {
                $models | Should -Contain $model
            }
            Complete "$Command a.png -Prompt p -Model gpt-image-2.6" | Should -Be @('gpt-image-2.6-sunburst', 'gpt-image-2.6-flare')
        }

        It 'offers per model only its values' {
            Complete 'Edit-Image a.png -Prompt p -Model gpt-image-2.6-flare -Quality ' | Should -Be @('low', 'medium', 'high', 'auto', 'xhigh', 'max')
            Complete 'Edit-Image a.png -Prompt p -Model gpt-image-2.5-sunburst -Quality x' | Should -Be @('xhigh')
            Complete 'Edit-Image a.png -Prompt p -Model gpt-image-2 -Quality ' | Should -Be @('low', 'medium', 'high', 'auto')
            Complete 'Edit-Image a.png -Prompt p -Model gpt-image-2.6-sunburst -Complexity ' | Should -Be @('low', 'medium', 'high')
            Complete 'Edit-Image a.png -Prompt p -Model gpt-image-2.5-flare -Complexity ' | Should -BeNullOrEmpty
            Complete 'Edit-Image a.png -Prompt p -Model gpt-image-2.6-sunburst -OutputFormat ' | Should -Be @('png', 'jpeg', 'webp', 'gif')
            Complete 'Edit-Image a.png -Prompt p -Model gpt-image-2 -OutputFormat ' | Should -Be @('png', 'jpeg', 'webp')
            Complete 'Edit-Image a.png -Prompt p -Model gpt-image-2.6-flare -Size 25' | Should -Be @('2560x1440')
        }
    }
}
