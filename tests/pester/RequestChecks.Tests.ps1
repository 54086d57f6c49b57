#Requires -Modules Pester
# Every documented rule is checked before a byte is sent: each bad input gets its own ErrorId and the server
# receives nothing; unusual but valid inputs go through.

BeforeDiscovery {
    # Each case: a name, the command (given the fixture table $f), and the ErrorId it must produce.
    $script:badInputs = @(
        @{ Name = 'blank prompt'; Id = 'PromptEmpty'; Run = { param($f) Edit-Image $f.Png -Prompt '' } }
        @{ Name = 'whitespace prompt'; Id = 'PromptEmpty'; Run = { param($f) Edit-Image $f.Png -Prompt "  `t " } }
        @{ Name = 'dall-e-2 prompt over 1000'; Id = 'PromptTooLong'; Run = { param($f) Edit-Image $f.Png -Prompt ('x' * 1001) -Model dall-e-2 } }
        @{ Name = 'GPT prompt over 32000'; Id = 'PromptTooLong'; Run = { param($f) Edit-Image $f.Png -Prompt ('x' * 32001) -Model gpt-image-1 } }
        @{ Name = 'default-model prompt over 32000'; Id = 'PromptTooLong'; Run = { param($f) Edit-Image $f.Png -Prompt ('x' * 32001) } }
        @{ Name = 'seventeen images'; Id = 'TooManyImages'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -ReferencePath (@($f.Jpeg) * 16) } }
        @{ Name = 'dall-e-2 with a reference'; Id = 'TooManyImages'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -Model dall-e-2 -ReferencePath $f.Png } }
        @{ Name = 'dall-e-2 with a JPEG'; Id = 'ImageFormatNotSupported'; Run = { param($f) Edit-Image $f.Jpeg -Prompt 'x' -Model dall-e-2 } }
        @{ Name = 'dall-e-2 with a WebP'; Id = 'ImageFormatNotSupported'; Run = { param($f) Edit-Image $f.WebP -Prompt 'x' -Model dall-e-2 } }
        @{ Name = 'dall-e-2 with a non-square PNG'; Id = 'ImageNotSquare'; Run = { param($f) Edit-Image $f.Wide -Prompt 'x' -Model dall-e-2 } }
        @{ Name = 'GPT image of 51 MB'; Id = 'ImageTooLarge'; Run = { param($f) Edit-Image $f.Huge -Prompt 'x' } }
        @{ Name = 'dall-e-2 image of 9 MB'; Id = 'ImageTooLarge'; Run = { param($f) Edit-Image $f.Big -Prompt 'x' -Model dall-e-2 } }
        @{ Name = 'reference image of 51 MB'; Id = 'ImageTooLarge'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -ReferencePath $f.Huge } }
        @{ Name = 'text named .png'; Id = 'UnsupportedImageFormat'; Run = { param($f) Edit-Image $f.Text -Prompt 'x' } }
        @{ Name = 'GIF named .png'; Id = 'UnsupportedImageFormat'; Run = { param($f) Edit-Image $f.Gif -Prompt 'x' } }
        @{ Name = 'PNG with a broken signature'; Id = 'UnsupportedImageFormat'; Run = { param($f) Edit-Image $f.BadSignature -Prompt 'x' } }
        @{ Name = 'text as a reference'; Id = 'UnsupportedImageFormat'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -ReferencePath $f.Text } }
        @{ Name = 'empty file'; Id = 'EmptyFile'; Run = { param($f) Edit-Image $f.Empty -Prompt 'x' } }
        @{ Name = 'PNG without image data'; Id = 'InvalidImage'; Run = { param($f) Edit-Image $f.NoIdat -Prompt 'x' } }
        @{ Name = 'PNG with an impossible bit depth'; Id = 'InvalidImage'; Run = { param($f) Edit-Image $f.BadDepth -Prompt 'x' } }
        @{ Name = 'truncated JPEG'; Id = 'InvalidImage'; Run = { param($f) Edit-Image $f.TruncatedJpeg -Prompt 'x' } }
        @{ Name = 'missing image'; Id = 'PathNotFound'; Run = { param($f) Edit-Image $f.Missing -Prompt 'x' } }
        @{ Name = 'missing literal path'; Id = 'PathNotFound'; Run = { param($f) Edit-Image -LiteralPath $f.Missing -Prompt 'x' } }
        @{ Name = 'wildcard matching nothing'; Id = 'PathNotFound'; Run = { param($f) Edit-Image (Join-Path $f.Folder 'nothing-*.png') -Prompt 'x' } }
        @{ Name = 'missing reference'; Id = 'PathNotFound'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -ReferencePath $f.Missing } }
        @{ Name = 'missing mask'; Id = 'PathNotFound'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -Mask $f.Missing } }
        @{ Name = 'folder as the image'; Id = 'PathIsDirectory'; Run = { param($f) Edit-Image -LiteralPath $f.Folder -Prompt 'x' } }
        @{ Name = 'folder as a reference'; Id = 'PathIsDirectory'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -ReferencePath $f.Folder } }
        @{ Name = 'path on another provider'; Id = 'NotAFileSystemPath'; Run = { param($f) Edit-Image 'Env:PATH' -Prompt 'x' } }
        @{ Name = 'mask matching several files'; Id = 'AmbiguousPath'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -Mask (Join-Path $f.Samples '*') } }
        @{ Name = 'JPEG mask'; Id = 'MaskNotPng'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -Mask $f.Jpeg } }
        @{ Name = 'mask of 9 MB'; Id = 'MaskTooLarge'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -Mask $f.Big } }
        @{ Name = 'mask of another size'; Id = 'MaskSizeMismatch'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -Mask $f.Small } }
        @{ Name = 'Count 0'; Id = 'CountOutOfRange'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -Count 0 } }
        @{ Name = 'Count 11'; Id = 'CountOutOfRange'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -Count 11 } }
        @{ Name = 'OutputCompression 101'; Id = 'OutputCompressionOutOfRange'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -OutputFormat jpeg -OutputCompression 101 } }
        @{ Name = 'OutputCompression -1'; Id = 'OutputCompressionOutOfRange'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -OutputFormat webp -OutputCompression -1 } }
        @{ Name = 'PartialImages 4'; Id = 'PartialImagesOutOfRange'; Run = { param($f) Get-ImageEditStream $f.Png -Prompt 'x' -PartialImages 4 } }
        @{ Name = 'PartialImages -1'; Id = 'PartialImagesOutOfRange'; Run = { param($f) Get-ImageEditStream $f.Png -Prompt 'x' -PartialImages -1 } }
        @{ Name = 'ResponseFormat with gpt-image-1'; Id = 'ParameterNotSupportedByModel'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -Model gpt-image-1 -ResponseFormat url } }
        @{ Name = 'ResponseFormat with the default model'; Id = 'ParameterNotSupportedByModel'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -ResponseFormat b64_json } }
        @{ Name = 'Background with dall-e-2'; Id = 'ParameterNotSupportedByModel'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -Model dall-e-2 -Background opaque } }
        @{ Name = 'OutputFormat with dall-e-2'; Id = 'ParameterNotSupportedByModel'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -Model dall-e-2 -OutputFormat png } }
        @{ Name = 'OutputCompression with dall-e-2'; Id = 'ParameterNotSupportedByModel'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -Model dall-e-2 -OutputCompression 50 } }
        @{ Name = 'InputFidelity with dall-e-2'; Id = 'ParameterNotSupportedByModel'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -Model dall-e-2 -InputFidelity high } }
        @{ Name = 'InputFidelity with gpt-image-1-mini'; Id = 'ParameterNotSupportedByModel'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -Model gpt-image-1-mini -InputFidelity low } }
        @{ Name = 'PartialImages with dall-e-2'; Id = 'ParameterNotSupportedByModel'; Run = { param($f) Get-ImageEditStream $f.Png -Prompt 'x' -Model dall-e-2 -PartialImages 1 } }
        @{ Name = 'streaming with dall-e-2'; Id = 'StreamingNotSupportedByModel'; Run = { param($f) Get-ImageEditStream $f.Png -Prompt 'x' -Model dall-e-2 } }
        @{ Name = 'transparent jpeg'; Id = 'TransparentNeedsPngOrWebp'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -Background transparent -OutputFormat jpeg } }
        @{ Name = 'compression of png'; Id = 'OutputCompressionNeedsJpegOrWebp'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -OutputFormat png -OutputCompression 50 } }
        @{ Name = 'compression of the default format'; Id = 'OutputCompressionNeedsJpegOrWebp'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -OutputCompression 50 } }
        @{ Name = 'dall-e-2 at 1536x1024'; Id = 'SizeNotSupportedByModel'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -Model dall-e-2 -Size 1536x1024 } }
        @{ Name = 'dall-e-2 at auto'; Id = 'SizeNotSupportedByModel'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -Model dall-e-2 -Size auto } }
        @{ Name = 'gpt-image-1 at 512x512'; Id = 'SizeNotSupportedByModel'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -Model gpt-image-1 -Size 512x512 } }
        @{ Name = 'gpt-image-2 side not divisible by 16'; Id = 'SizeNotSupportedByModel'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -Model gpt-image-2 -Size 1000x1000 } }
        @{ Name = 'gpt-image-2 beyond 3:1'; Id = 'SizeNotSupportedByModel'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -Model gpt-image-2 -Size 3520x1072 } }
        @{ Name = 'known quality the model does not take'; Id = 'ValueNotSupportedByModel'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -Model gpt-image-2 -Quality standard } }
        @{ Name = 'known quality no current model takes'; Id = 'ValueNotSupportedByModel'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -Quality standard } }
        @{ Name = 'gpt-image-2 above 3840x2160'; Id = 'SizeNotSupportedByModel'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -Model gpt-image-2-2026-04-21 -Size 4096x2304 } }
        @{ Name = 'size that is not WIDTHxHEIGHT'; Id = 'InvalidSize'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -Size big } }
        @{ Name = 'size with a star'; Id = 'InvalidSize'; Run = { param($f) Edit-Image $f.Png -Prompt 'x' -Model gpt-image-2 -Size '1024*1024' } }
    )
}

Describe 'Checks before sending' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestApiServer.psm1') -Force
        $script:server = Enter-ImageEditTestSession

        $samples = Join-Path $PSScriptRoot '../../samples' | Resolve-Path | Select-Object -ExpandProperty Path
        $fixtures = Join-Path $PSScriptRoot '../fixtures' | Resolve-Path | Select-Object -ExpandProperty Path
        $suite = Join-Path $PSScriptRoot '../corpus/pngsuite' | Resolve-Path | Select-Object -ExpandProperty Path
        $folder = Join-Path $TestDrive 'inputs'
        New-Item -ItemType Directory $folder | Out-Null

        $script:f = @{
            Samples       = $samples
            Folder        = $folder
            Png           = Join-Path $samples 'lighthouse.png'
            Jpeg          = Join-Path $samples 'harbour.jpg'
            WebP          = Join-Path $samples 'meadow.webp'
            Wide          = Join-Path $fixtures 'wide-320x240.png'
            Opaque        = Join-Path $fixtures 'opaque-256.png'
            Small         = Join-Path $suite 'basn6a08.png'
            BadCrc        = Join-Path $suite 'xcsn0g01.png'
            NoIdat        = Join-Path $suite 'xdtn0g01.png'
            BadDepth      = Join-Path $suite 'xd9n2c08.png'
            BadSignature  = Join-Path $suite 'xs1n0g01.png'
            Huge          = Join-Path $folder 'huge.png'
            Big           = Join-Path $folder 'big.png'
            Text          = Join-Path $folder 'notes.png'
            Gif           = Join-Path $folder 'anim.png'
            Empty         = Join-Path $folder 'empty.png'
            TruncatedJpeg = Join-Path $folder 'cut.jpg'
            Missing       = Join-Path $folder 'missing.png'
        }
        New-LargePng $f.Huge (51MB) -HeaderFrom (Join-Path $suite 'basn6a08.png')
        New-LargePng $f.Big (9MB) -HeaderFrom (Join-Path $suite 'basn6a08.png')
        Set-Content $f.Text 'this is not an image'
        [IO.File]::WriteAllBytes($f.Gif, [byte[]](0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0, 0, 0, 0))
        New-Item -ItemType File $f.Empty | Out-Null
        [IO.File]::WriteAllBytes($f.TruncatedJpeg, [IO.File]::ReadAllBytes($f.Jpeg)[0..99])
    }

    AfterAll {
        Exit-ImageEditTestSession $server
    }

    BeforeEach {
        Reset-TestApiServer $server
    }

    Context 'a bad input is refused before anything is sent' {
        It '<Name> gives <Id>' -ForEach $badInputs {
            $errors = @(
                try { & $Run $f 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } }
                catch { $_ }
            )

            $errors | Should -HaveCount 1
            $errors[0].FullyQualifiedErrorId | Should -BeLike "$Id,ImageEdit.Commands.*"
            Get-TestApiRequest $server | Should -BeNullOrEmpty
            if ($Id -ne 'ParameterArgumentValidationError') {
                $errors[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
                $errors[0].TargetObject | Should -Not -BeNullOrEmpty
            }
        }
    }

    Context 'a PNG whose image data is corrupt' {
        # The header probe reads only headers on the pipeline thread; the image data's CRCs are checked while the file is
        # sent, so such a file is refused mid-request: its own error, before the request completes, and never retried.
        It 'is refused while it is sent (<Name>), with its own error and no retry' -ForEach @(
            @{ Name = 'as the image'; Run = { param($f) Edit-Image $f.BadCrc -Prompt 'x' }; Target = 'BadCrc' }
            @{ Name = 'as the mask'; Run = { param($f) Edit-Image $f.Small -Prompt 'x' -Mask $f.BadCrc }; Target = 'Small' }
            @{ Name = 'in a JSON body'; Run = { param($f) Edit-Image $f.BadCrc -Prompt 'x' -Moderation low }; Target = 'BadCrc' }
        ) {
            $errors = @(
                try { & $Run $f 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } }
                catch { $_ }
            )
            $errors | Should -HaveCount 1
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'InvalidImage,*'
            $errors[0].Exception.Message | Should -BeLike '*xcsn0g01.png*CRC*'
            $errors[0].TargetObject | Should -Be $f[$Target]
            $requests = @(Get-TestApiRequest $server -EditsOnly)
            $requests.Count | Should -BeLessOrEqual 1 -Because 'a broken file is not sent again'
            $requests | Where-Object status -EQ 200 | Should -BeNullOrEmpty
        }
    }

    Context 'the errors say what is wrong and how to fix it' {
        It 'names both sizes for a mask of the wrong size, with a fitting category and the input as target' {
            Edit-Image $f.Png -Prompt 'x' -Mask $f.Small -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures[0].Exception.Message | Should -Be 'basn6a08.png is 32x32 but lighthouse.png is 256x256; a mask must have the same width and height as the first image.'
            $failures[0].CategoryInfo.Category | Should -Be 'InvalidData'
            $failures[0].TargetObject | Should -Be $f.Png
            $failures[0].ErrorDetails.RecommendedAction | Should -Be 'Resize the mask to 256x256.'
        }

        It 'names the model, the size and what the model takes' {
            Edit-Image $f.Png -Prompt 'x' -Model gpt-image-2 -Size 1000x1000 -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures[0].Exception.Message | Should -BeLike 'gpt-image-2 does not make 1000x1000 images: both sides must be divisible by 16. It takes 1024x1024, 1536x1024, 1024x1536, auto, or WIDTHxHEIGHT*'
            $failures[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $failures[0].TargetObject | Should -Be $f.Png
        }

        It 'reports a bad file in a batch and edits the others' {
            $results = $f.Png, $f.Text, $f.Jpeg | Edit-Image -Prompt 'x' -ErrorVariable failures -ErrorAction SilentlyContinue
            $results | Should -HaveCount 2
            $failures | Should -HaveCount 1
            $failures[0].TargetObject | Should -Be $f.Text
            @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 2
        }

        It 'reports an out-of-range value from a CSV row and goes on with the next row' {
            $rows = @(
                [pscustomobject]@{ Path = $f.Png; Prompt = 'first'; Count = '12' }
                [pscustomobject]@{ Path = $f.Png; Prompt = 'second'; Count = '2' }
            )
            $results = $rows | Edit-Image -ErrorVariable failures -ErrorAction SilentlyContinue
            $results | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'CountOutOfRange,*'
        }

        It 'warns about a mask without an alpha channel but sends it' {
            $result = Edit-Image $f.Png -Prompt 'x' -Mask $f.Opaque -WarningVariable warnings -WarningAction SilentlyContinue
            $result | Should -HaveCount 1
            $warnings | Should -HaveCount 1
            $warnings[0].Message | Should -BeLike 'The mask opaque-256.png has no alpha channel*'
        }

        It 'checks under -WhatIf too' {
            Edit-Image $f.Png -Prompt '' -WhatIf -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'PromptEmpty,*'
        }
    }

    Context 'unusual but valid inputs go through' {
        It 'sends WebP bytes in a file named .png as image/webp' {
            $disguised = Join-Path $TestDrive 'photo.png'
            Copy-Item $f.WebP $disguised
            Edit-Image $disguised -Prompt 'x' | Should -HaveCount 1
            (Get-TestApiRequest $server -EditsOnly).files[0].contentType | Should -Be 'image/webp'
        }

        It 'takes a file named with [brackets] piped from Get-Item' {
            $odd = Join-Path $TestDrive 'holiday [2024].png'
            Copy-Item -LiteralPath $f.Png -Destination $odd
            Get-Item -LiteralPath $odd | Edit-Image -Prompt 'x' | Should -HaveCount 1
            (Get-TestApiRequest $server -EditsOnly).files[0].fileName | Should -Be 'holiday [2024].png'
        }

        It 'sends gpt-image-2 at 1536x864' {
            Edit-Image $f.Jpeg -Prompt 'x' -Model gpt-image-2 -Size 1536x864 | Should -HaveCount 1
            ((Get-TestApiRequest $server -EditsOnly).fields | Where-Object name -EQ 'size').value | Should -Be '1536x864'
        }

        It 'sends a model the table does not know, with only the general checks, and says so in a warning' {
            $null = Edit-Image $f.Png -Prompt 'x' -Model gpt-image-9 -InputFidelity high -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction SilentlyContinue
            $warnings | Should -HaveCount 1
            "$($warnings[0])" | Should -BeLike "The model 'gpt-image-9' is not in ImageEdit's rules table; it is sent as given, with only the checks that hold for every model.*"
            @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 1
        }

        It 'sends dall-e-2 a square PNG with a url answer' {
            Edit-Image $f.Png -Prompt 'x' -Model dall-e-2 -Size 512x512 -ResponseFormat url | Should -HaveCount 1
        }

        It 'sends sixteen images' {
            Edit-Image $f.Png -Prompt 'x' -ReferencePath (@($f.Jpeg) * 15) | Should -HaveCount 1
            (Get-TestApiRequest $server -EditsOnly).files | Should -HaveCount 16
        }
    }
}
