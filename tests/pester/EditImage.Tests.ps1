#Requires -Modules Pester
# Edit-Image as users run it: real pwsh, the built module, the local API server over loopback, real files.

Describe 'Edit-Image' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestApiServer.psm1') -Force
        $script:server = Enter-ImageEditTestSession
        $script:samples = Join-Path $PSScriptRoot '../../samples' | Resolve-Path | Select-Object -ExpandProperty Path

    }

    AfterAll {
        Exit-ImageEditTestSession $server
    }

    BeforeEach {
        Reset-TestApiServer $server
    }

    Describe 'Edit-Image pipeline binding' {
        It 'edits every file piped from Get-ChildItem, one request each, binding only their paths' {
            $results = Get-ChildItem $samples -File | Edit-Image -Prompt 'Paint it as a watercolour'

            $results | Should -HaveCount 3
            $results | ForEach-Object { $_ | Should -BeOfType ([ImageEdit.Models.ImageEditResult]) }
            ($results.SourcePath | ForEach-Object { Split-Path $_ -Leaf } | Sort-Object) | Should -Be @('harbour.jpg', 'lighthouse.png', 'meadow.webp')
            $requests = Get-TestApiRequest $server -EditsOnly
            $requests | Should -HaveCount 3
            foreach ($request in $requests) {
                # A FileInfo has Size and User properties of its own (on Unix); they must not become fields.
                $request.fields.name | Should -Be @('prompt')
            }
        }

        It 'takes a file piped from Get-Item, even one named with [brackets]' {
            $odd = Join-Path $TestDrive 'cat [1].png'
            Copy-Item -LiteralPath (Join-Path $samples 'lighthouse.png') -Destination $odd

            $result = Get-Item -LiteralPath $odd | Edit-Image -Prompt 'x'

            $result.SourcePath | Should -Be $odd
            (Get-TestApiRequest $server -EditsOnly).files[0].fileName | Should -Be 'cat [1].png'
        }

        It 'expands wildcards in -Path and resolves relative paths from the current location' {
            Push-Location $samples
            try { $results = Edit-Image -Path '*.png', 'harbour.*' -Prompt 'x' -ThrottleLimit 1 }
            finally { Pop-Location }

            ($results.SourcePath | ForEach-Object { Split-Path $_ -Leaf }) | Should -Be @('lighthouse.png', 'harbour.jpg')
        }

        It 'takes a path string from the pipeline and a path at position 0 with the prompt at position 1' {
            (Join-Path $samples 'meadow.webp') | Edit-Image -Prompt 'x' | Should -HaveCount 1
            Edit-Image (Join-Path $samples 'meadow.webp') 'positional prompt' | Should -HaveCount 1
            (Get-TestApiRequest $server -EditsOnly)[1].fields[0].value | Should -Be 'positional prompt'
        }

        It 'runs one edit per CSV row with that row''s path, prompt, mask, model and size' {
            $mask = Join-Path $TestDrive 'mask.png'
            Copy-Item (Join-Path $samples 'lighthouse.png') $mask
            $csv = Join-Path $TestDrive 'jobs.csv'
            @(
                [pscustomobject]@{ Path = (Join-Path $samples 'lighthouse.png'); Prompt = 'first'; Mask = $mask; Model = 'gpt-image-1'; Size = '1024x1536'; Count = '' }
                [pscustomobject]@{ Path = (Join-Path $samples 'harbour.jpg'); Prompt = 'second'; Mask = ''; Model = ''; Size = ''; Count = '2' }
            ) | Export-Csv -LiteralPath $csv

            $results = Import-Csv $csv | Edit-Image -OutputDirectory (Join-Path $TestDrive 'csv-out') -ThrottleLimit 1

            $results | Should -HaveCount 2
            $first, $second = Get-TestApiRequest $server -EditsOnly
            ($first.fields | Where-Object name -EQ 'prompt').value | Should -Be 'first'
            ($first.fields | Where-Object name -EQ 'model').value | Should -Be 'gpt-image-1'
            ($first.fields | Where-Object name -EQ 'size').value | Should -Be '1024x1536'
            $first.files.name | Should -Be @('image', 'mask')
            ($second.fields | Where-Object name -EQ 'prompt').value | Should -Be 'second'
            ($second.fields | Where-Object name -EQ 'n').value | Should -Be '2'
            $second.fields.name | Should -Not -Contain 'model'
            $second.fields.name | Should -Not -Contain 'size'
            $second.files.name | Should -Be @('image')
            $results[1].Data | Should -HaveCount 2
        }
    }

    Describe 'Edit-Image on the wire' {
        It 'sends every given field, in invariant culture, and nothing that was left out' {
            $culture = [cultureinfo]::CurrentCulture
            [cultureinfo]::CurrentCulture = 'de-DE'
            try {
                Edit-Image (Join-Path $samples 'lighthouse.png') -Prompt 'all fields' -Model gpt-image-1 -Count 3 -Size 1536x1024 -Quality HIGH `
                    -Background transparent -InputFidelity high -OutputFormat webp -OutputCompression 80 -User 'user-42' | Out-Null
            }
            finally { [cultureinfo]::CurrentCulture = $culture }

            $request = Get-TestApiRequest $server -EditsOnly
            $fields = @{}
            $request.fields | ForEach-Object { $fields[$_.name] = $_.value }
            $fields | Should -BeOfType [hashtable]
            $fields['prompt'] | Should -Be 'all fields'
            $fields['model'] | Should -Be 'gpt-image-1'
            $fields['n'] | Should -Be '3'
            $fields['size'] | Should -Be '1536x1024'
            $fields['quality'] | Should -Be 'high'
            $fields['background'] | Should -Be 'transparent'
            $fields['input_fidelity'] | Should -Be 'high'
            $fields['output_format'] | Should -Be 'webp'
            $fields['output_compression'] | Should -Be '80'
            $fields['user'] | Should -Be 'user-42'
            $fields.Keys | Should -Not -Contain 'stream'
            $fields.Keys | Should -Not -Contain 'response_format'
            $request.chunked | Should -BeFalse
            $request.contentLength | Should -BeGreaterThan 0
            $request.headers.Authorization | Should -Be "Bearer $($server.ApiKey)"
        }

        It 'sends one image as image, with a plain filename, its bytes and the Content-Type of its bytes' {
            $disguised = Join-Path $TestDrive 'actually-webp.png'
            Copy-Item (Join-Path $samples 'meadow.webp') $disguised

            Edit-Image $disguised -Prompt 'x' | Out-Null

            $files = @((Get-TestApiRequest $server -EditsOnly).files)
            $files | Should -HaveCount 1
            $file = $files[0]
            $file.name | Should -Be 'image'
            $file.fileName | Should -Be 'actually-webp.png'
            $file.rawDisposition | Should -Be 'form-data; name="image"; filename="actually-webp.png"'
            $file.contentType | Should -Be 'image/webp'
            $file.length | Should -Be (Get-Item $disguised).Length
            $file.sha256 | Should -Be (Get-Sha256 $disguised)
        }

        It 'adds -ReferencePath images after the edited one as image[] in every request, and -Mask as mask' {
            $mask = Join-Path $TestDrive 'mask.png'
            Copy-Item (Join-Path $samples 'lighthouse.png') $mask
            $references = (Join-Path $samples 'harbour.jpg'), (Join-Path $samples 'meadow.webp')

            Get-Item (Join-Path $samples 'lighthouse.png'), (Join-Path $samples 'lighthouse.png') |
                Edit-Image -Prompt 'combine' -ReferencePath $references -Mask $mask | Should -HaveCount 2

            foreach ($request in Get-TestApiRequest $server -EditsOnly) {
                $request.files.name | Should -Be @('image[]', 'image[]', 'image[]', 'mask')
                $request.files.fileName | Should -Be @('lighthouse.png', 'harbour.jpg', 'meadow.webp', 'mask.png')
                $request.files.contentType | Should -Be @('image/png', 'image/jpeg', 'image/webp', 'image/png')
                $request.files[1].sha256 | Should -Be (Get-Sha256 $references[0])
                $request.files[3].sha256 | Should -Be (Get-Sha256 $mask)
            }
        }

        It 'takes the key, base URI, organization and project from the environment' {
            $env:OPENAI_ORG_ID = 'org-from-env'
            $env:OPENAI_PROJECT_ID = 'proj-from-env'
            try { Edit-Image (Join-Path $samples 'lighthouse.png') -Prompt 'x' | Out-Null }
            finally { $env:OPENAI_ORG_ID = $null; $env:OPENAI_PROJECT_ID = $null }

            $request = Get-TestApiRequest $server -EditsOnly
            $request.headers.'OpenAI-Organization' | Should -Be 'org-from-env'
            $request.headers.'OpenAI-Project' | Should -Be 'proj-from-env'
            $request.headers.Authorization | Should -Be "Bearer $($env:OPENAI_API_KEY)"
        }

        It 'trims the line break a key, organization or project read from a file carries (<Source>), and never writes CR or LF into a header' -ForEach @(
            @{ Source = 'OPENAI_API_KEY with LF' }
            @{ Source = '-ApiKey with CR LF' }
        ) {
            $env:OPENAI_ORG_ID = "org-from-file`n"
            $env:OPENAI_PROJECT_ID = "  proj-from-file`r`n"
            $saved = $env:OPENAI_API_KEY
            try {
                if ($Source -like '-ApiKey*') {
                    $key = ConvertTo-SecureString "$($server.ApiKey)`r`n" -AsPlainText -Force
                    Edit-Image (Join-Path $samples 'lighthouse.png') -Prompt 'x' -ApiKey $key -ErrorVariable failures -ErrorAction SilentlyContinue | Out-Null
                }
                else {
                    $env:OPENAI_API_KEY = "$($server.ApiKey)`n"
                    Edit-Image (Join-Path $samples 'lighthouse.png') -Prompt 'x' -ErrorVariable failures -ErrorAction SilentlyContinue | Out-Null
                }
            }
            finally { $env:OPENAI_API_KEY = $saved; $env:OPENAI_ORG_ID = $null; $env:OPENAI_PROJECT_ID = $null }
            $failures | Should -BeNullOrEmpty
            $request = Get-TestApiRequest $server -EditsOnly
            $request.headers.Authorization | Should -BeExactly "Bearer $($server.ApiKey)"
            $request.headers.'OpenAI-Organization' | Should -BeExactly 'org-from-file'
            $request.headers.'OpenAI-Project' | Should -BeExactly 'proj-from-file'
        }

        It 'refuses a key with a line break inside it before sending, naming the line break and not the key' {
            $saved = $env:OPENAI_API_KEY
            $env:OPENAI_API_KEY = "sk-first-half`nsk-second-half"
            try { { Edit-Image (Join-Path $samples 'lighthouse.png') -Prompt 'x' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidHeaderValue,ImageEdit.Commands.EditImageCommand' }
            finally { $env:OPENAI_API_KEY = $saved }
            $error[0].Exception.Message | Should -BeLike '*OPENAI_API_KEY*line break*'
            "$($error[0].Exception.Message) $($error[0].ErrorDetails.RecommendedAction) $($error[0].TargetObject)" | Should -Not -BeLike '*half*'
            Get-TestApiRequest $server | Should -BeNullOrEmpty
        }

        It 'lets parameters override the environment' {
            $key = ConvertTo-SecureString $server.ApiKey -AsPlainText -Force
            $env:OPENAI_API_KEY = 'sk-wrong-from-env'
            $env:OPENAI_BASE_URL = 'http://127.0.0.1:1/v1'
            try {
                Edit-Image (Join-Path $samples 'lighthouse.png') -Prompt 'x' -ApiKey $key -BaseUri $server.BaseUri -Organization org-param -Project proj-param | Should -HaveCount 1
            }
            finally { $env:OPENAI_API_KEY = $server.ApiKey; $env:OPENAI_BASE_URL = $server.BaseUri }
            (Get-TestApiRequest $server -EditsOnly).headers.'OpenAI-Project' | Should -Be 'proj-param'
        }
    }

    Describe 'Edit-Image -WhatIf' {
        It 'sends nothing and writes nothing' {
            $out = Join-Path $TestDrive 'whatif'
            Get-ChildItem $samples -File | Edit-Image -Prompt 'x' -OutputDirectory $out -WhatIf | Should -BeNullOrEmpty
            Get-TestApiRequest $server | Should -BeNullOrEmpty
            Test-Path $out | Should -BeFalse
        }
    }

    Describe 'Edit-Image -OutputDirectory' {
        It 'saves every returned image under a name from the source and sets Path; the bytes are what the server returned' {
            $out = Join-Path $TestDrive 'saved'
            $result = Edit-Image (Join-Path $samples 'harbour.jpg') -Prompt 'x' -Count 2 -OutputFormat jpeg -OutputDirectory $out

            $result.Data.Path | ForEach-Object { Split-Path $_ -Leaf } | Should -Be @('harbour-edited-1.jpg', 'harbour-edited-2.jpg')
            $returned = (Get-TestApiRequest $server -EditsOnly).returnedImageSha256
            $result.Data.Path | ForEach-Object { Get-Sha256 $_ } | Should -Be $returned
            foreach ($image in $result.Data) {
                # A saved image lives in its file; GetB64Json() reads it back, checked against the API's bytes.
                $image.B64Json | Should -BeNullOrEmpty
                [Convert]::FromBase64String($image.GetB64Json()) | Should -Be ([IO.File]::ReadAllBytes($image.Path))
            }
            # Exactly the two images: no temporary file (.imageedit-*.tmp, hidden) left beside them.
            @(Get-SavedImage $out).Name | Sort-Object | Should -Be @('harbour-edited-1.jpg', 'harbour-edited-2.jpg')
        }

        It 'never overwrites an existing file' {
            $out = Join-Path $TestDrive 'noclobber'
            New-Item -ItemType Directory $out | Out-Null
            Set-Content (Join-Path $out 'lighthouse-edited.png') 'keep me'

            $first = Edit-Image (Join-Path $samples 'lighthouse.png') -Prompt 'x' -OutputDirectory $out
            $second = Edit-Image (Join-Path $samples 'lighthouse.png') -Prompt 'x' -OutputDirectory $out

            Get-Content (Join-Path $out 'lighthouse-edited.png') | Should -Be 'keep me'
            Split-Path $first.Data[0].Path -Leaf | Should -Be 'lighthouse-edited (2).png'
            Split-Path $second.Data[0].Path -Leaf | Should -Be 'lighthouse-edited (3).png'
        }

        It 'downloads a url result without the API key' {
            $out = Join-Path $TestDrive 'urls'
            $result = Edit-Image (Join-Path $samples 'lighthouse.png') -Prompt 'x' -Model dall-e-2 -Size 256x256 -OutputDirectory $out

            $result.Data[0].Url | Should -Not -BeNullOrEmpty
            Test-Path $result.Data[0].Path | Should -BeTrue
            $download = Get-TestApiRequest $server | Where-Object path -Like '/files/*'
            $download.headers.PSObject.Properties.Name | Should -Not -Contain 'Authorization'
        }
    }

    Describe 'Edit-Image errors' {
        It 'reports an API error per file as an ErrorRecord and goes on with the rest' {
            Set-TestApiScript $server @(@{ action = 'respond' }, @{ status = 400; body = '{"error":{"message":"Your request was rejected by the safety system.","type":"invalid_request_error","param":"prompt","code":"moderation_blocked"}}' })
            $files = Get-ChildItem $samples -File | Sort-Object Name

            $results = $files | Edit-Image -Prompt 'x' -ThrottleLimit 1 -ErrorVariable failures -ErrorAction SilentlyContinue

            $results | Should -HaveCount 2
            $failures | Should -HaveCount 1
            $failure = $failures[0]
            $failure.FullyQualifiedErrorId | Should -Be 'ApiBadRequest,ImageEdit.Commands.EditImageCommand'
            $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $failure.TargetObject | Should -Be $files[1].FullName
            $failure.Exception.Message | Should -BeLike 'Your request was rejected by the safety system.*'
            $failure.Exception.Code | Should -Be 'moderation_blocked'
            $failure.Exception.ErrorType | Should -Be 'invalid_request_error'
            $failure.ErrorDetails.RecommendedAction | Should -BeLike '*change the prompt or the image*-Moderation low*'
            $failure.Exception.RequestId | Should -BeLike 'req_test*'
            $failure.Exception.Message | Should -BeLike "*$($failure.Exception.RequestId)*"
        }

        It 'reports a rejected key as ApiUnauthorized without showing the key' {
            $bad = ConvertTo-SecureString 'sk-not-the-right-key-9876' -AsPlainText -Force
            Edit-Image (Join-Path $samples 'lighthouse.png') -Prompt 'x' -ApiKey $bad -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $failures[0].FullyQualifiedErrorId | Should -Be 'ApiUnauthorized,ImageEdit.Commands.EditImageCommand'
            $failures[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
            $failures[0].ErrorDetails.RecommendedAction | Should -BeLike '*-ApiKey*'
            ($failures[0] | Out-String) | Should -Not -BeLike '*sk-not-the-right-key-9876*'
        }

        It 'stops with MissingApiKey when no key is given anywhere' {
            $env:OPENAI_API_KEY = $null
            try { { Edit-Image (Join-Path $samples 'lighthouse.png') -Prompt 'x' -ErrorAction Stop } | Should -Throw -ErrorId 'MissingApiKey,ImageEdit.Commands.EditImageCommand' }
            finally { $env:OPENAI_API_KEY = $server.ApiKey }
            Get-TestApiRequest $server | Should -BeNullOrEmpty
        }

        It 'reports a missing file as PathNotFound and edits the others' {
            $missing = Join-Path $TestDrive 'nope.png'
            $results = $missing, (Join-Path $samples 'lighthouse.png') | Edit-Image -Prompt 'x' -ErrorVariable failures -ErrorAction SilentlyContinue
            $results | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -Be 'PathNotFound,ImageEdit.Commands.EditImageCommand'
            $failures[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $failures[0].TargetObject | Should -Be $missing
        }

        It 'refuses plain http to another host unless -AllowUnencryptedAuthentication' {
            { Edit-Image (Join-Path $samples 'lighthouse.png') -Prompt 'x' -BaseUri 'http://example.invalid/v1' -ErrorAction Stop } |
                Should -Throw -ErrorId 'UnencryptedAuthentication,ImageEdit.Commands.EditImageCommand'
        }
    }

    Describe 'Edit-Image output' {
        It 'declares its output type' {
            (Get-Command Edit-Image).OutputType.Type | Should -Be ([ImageEdit.Models.ImageEditResult])
        }

        It 'shows results compactly, never a screen of base64' {
            $result = Edit-Image (Join-Path $samples 'lighthouse.png') -Prompt 'x'
            $table = $result | Out-String
            $list = $result | Format-List | Out-String
            $result.Data[0].B64Json.Length | Should -BeGreaterThan 100
            $table | Should -Not -BeLike "*$($result.Data[0].B64Json.Substring(0, 40))*"
            $list | Should -Not -BeLike "*$($result.Data[0].B64Json.Substring(0, 40))*"
            $table | Should -BeLike '*lighthouse.png*'
            $list | Should -BeLike '*RequestId*'
        }
    }
}
