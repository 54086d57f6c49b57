#Requires -Modules Pester
# JSON edits (images by URL, data URL and file ID, moderation), as users run them against the local server.
# The set-up is JsonEdits.Setup.ps1, shared with FilesApi.Tests.ps1 and ModelLifecycle.Tests.ps1.

Describe 'JSON edits, files and models' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'JsonEdits.Setup.ps1')
    }

    AfterAll {
        $env:IMAGEEDIT_TODAY = $savedToday
        Exit-ImageEditTestSession $server
    }

    BeforeEach {
        Reset-TestApiServer $server
        $env:IMAGEEDIT_TODAY = '2026-06-01'
    }

    Context 'images by URL and by data URL' {
        It 'sends an edit by https URL as the JSON body and names the result after the URL' {
            $out = Join-Path $TestDrive 'by-url'
            $result = Edit-Image -ImageUrl 'https://images.example.com/photos/beach.png' -Prompt 'add a boat' -Model gpt-image-2 -Quality high -OutputDirectory $out
            $request = (Get-TestApiRequest $server -EditsOnly)[0]
            $request.bodyForm | Should -Be 'json'
            $request.contentType | Should -BeLike 'application/json*'
            $request.imageRefs[0].kind | Should -Be 'url'
            $request.imageRefs[0].url | Should -Be 'https://images.example.com/photos/beach.png'
            Get-Field $request 'quality' | Should -Be 'high'
            Get-Field $request 'model' | Should -Be 'gpt-image-2'
            $result.SourcePath | Should -Be 'https://images.example.com/photos/beach.png'
            Split-Path $result.Data[0].Path -Leaf | Should -Be 'beach-edited.png'
        }

        It 'sends a local file as a data URL when -Moderation needs the JSON body, the bytes unchanged' {
            $result = Edit-Image $lighthouse -Prompt 'x' -Moderation low
            $request = (Get-TestApiRequest $server -EditsOnly)[0]
            $request.bodyForm | Should -Be 'json'
            $request.imageRefs[0].kind | Should -Be 'data_url'
            $request.imageRefs[0].mediaType | Should -Be 'image/png'
            $request.imageRefs[0].sha256 | Should -Be (Get-Sha256 $lighthouse)
            Get-Field $request 'moderation' | Should -Be 'low'
            $request.contentLength | Should -BeGreaterThan 0
            $request.chunked | Should -BeFalse
            $result.SourcePath | Should -Be $lighthouse
        }

        It 'sends local reference images beside an -ImageUrl as data URLs, in order' {
            $null = Edit-Image -ImageUrl 'https://example.com/a.png' -ReferencePath $harbour -ReferenceUrl 'https://example.com/b.png' -Prompt 'combine'
            $refs = (Get-TestApiRequest $server -EditsOnly)[0].imageRefs | Where-Object role -EQ 'image'
            $refs.kind | Should -Be @('url', 'data_url', 'url')
            $refs[1].sha256 | Should -Be (Get-Sha256 $harbour)
            $refs[1].mediaType | Should -Be 'image/jpeg'
        }

        It 'streams a JSON edit too' {
            $events = Get-ImageEditStream -ImageUrl 'https://example.com/a.png' -Prompt 'x' -PartialImages 1
            $events | Should -HaveCount 2
            $request = (Get-TestApiRequest $server -EditsOnly)[0]
            $request.bodyForm | Should -Be 'json'
            Get-Field $request 'stream' | Should -Be 'true'
        }

        It 'sends the same JSON body to an Azure deployment' {
            $null = Edit-Image -ImageUrl 'https://example.com/a.png' -Prompt 'x' -ApiType Azure -BaseUri $server.Root -Deployment 'img' -ApiKey (ConvertTo-SecureString $server.ApiKey -AsPlainText -Force)
            $request = (Get-TestApiRequest $server -EditsOnly)[0]
            $request.path | Should -Be '/openai/deployments/img/images/edits'
            $request.bodyForm | Should -Be 'json'
        }

        It 'refuses locally what the JSON body cannot carry: <Name>' -ForEach @(
            @{ Name = 'dall-e-2'; Id = 'JsonNotSupportedByModel'; Run = { Edit-Image -ImageUrl 'https://example.com/a.png' -Prompt 'x' -Model dall-e-2 } }
            @{ Name = 'a custom size'; Id = 'SizeNotSupportedInJson'; Run = { Edit-Image -ImageUrl 'https://example.com/a.png' -Prompt 'x' -Model gpt-image-2 -Size 1536x864 } }
            @{ Name = '-ResponseFormat'; Id = 'ParameterNotSupportedInJson'; Run = { Edit-Image -ImageUrl 'https://example.com/a.png' -Prompt 'x' -ResponseFormat url } }
            @{ Name = 'an http URL'; Id = 'InvalidImageUrl'; Run = { Edit-Image -ImageUrl 'http://example.com/a.png' -Prompt 'x' } }
            @{ Name = 'two masks'; Id = 'AmbiguousMask'; Run = { Edit-Image -ImageUrl 'https://example.com/a.png' -Prompt 'x' -MaskUrl 'https://example.com/m.png' -MaskFileId 'file-1' } }
            @{ Name = 'two kinds of input'; Id = 'AmbiguousImageInput'; Run = { Edit-Image $lighthouse -ImageUrl 'https://example.com/a.png' -Prompt 'x' } }
            @{ Name = 'moderation with dall-e-2'; Id = 'JsonNotSupportedByModel'; Run = { Edit-Image (Join-Path $suite 'basn6a08.png') -Prompt 'x' -Model dall-e-2 -Moderation low } }
        ) {
            $failures = @(
                try { & $Run 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } }
                catch { $_ }
            )
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike "$Id,*"
            $failures[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
            Get-TestApiRequest $server -EditsOnly | Should -BeNullOrEmpty
        }

        It 'names a data URL input by its type, start and length, not by its millions of characters' {
            $dataUrl = 'data:image/png;base64,' + [Convert]::ToBase64String([IO.File]::ReadAllBytes($lighthouse))
            $result = Edit-Image -ImageUrl $dataUrl -Prompt 'x'
            $result.SourcePath | Should -BeLike 'data:image/png;base64,iVBORw0KGgo*characters)'
            $result.SourcePath.Length | Should -BeLessThan 80
            (Get-TestApiRequest $server -EditsOnly)[0].imageRefs[0].sha256 | Should -Be (Get-Sha256 $lighthouse)
        }

        It 'refuses a data URL whose type or bytes are not an image it can be (<Name>)' -ForEach @(
            @{ Name = 'text'; Url = 'data:text/plain;base64,aGVsbG8gd29ybGQ=' }
            @{ Name = 'JPEG bytes called PNG'; Url = 'data:image/png;base64,/9j/4AAQSkZJRgABAQAAAQABAAD' }
            @{ Name = 'not base64'; Url = 'data:image/png;base64,@@@@####$$$$%%%%' }
        ) {
            Edit-Image -ImageUrl $Url -Prompt 'x' -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'InvalidImageUrl,*'
            Get-TestApiRequest $server -EditsOnly | Should -BeNullOrEmpty
        }

        It 'sends a custom size for a model the table does not know, even in the JSON body' {
            Set-TestModels @(@{ id = 'gpt-image-3'; shutdown_date = $null; values = @{ size = @('2048x2048') } })
            $null = Edit-Image -ImageUrl 'https://example.com/a.png' -Prompt 'x' -Model gpt-image-3 -Size 2048x2048 -ErrorVariable failures
            $failures | Should -BeNullOrEmpty
            Get-Field (Get-TestApiRequest $server -EditsOnly)[0] 'size' | Should -Be '2048x2048'
        }

        It 'refuses a local file too large for a data URL, naming the input and advising an upload' {
            $big = Join-Path $TestDrive 'big.png'
            New-LargePng $big (16MB) -HeaderFrom (Join-Path $suite 'basn6a08.png')
            Edit-Image $big -Prompt 'x' -Moderation low -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'DataUrlTooLong,*'
            $failures[0].TargetObject | Should -Be $big
            $failures[0].ErrorDetails.RecommendedAction | Should -BeLike '*Add-ImageEditFile*'
            Get-TestApiRequest $server -EditsOnly | Should -BeNullOrEmpty
        }

        It 'says under -WhatIf that a request goes as JSON, and sends nothing' {
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript({ param($Module) Import-Module $Module; Edit-Image -ImageUrl 'https://example.com/a.png' -Prompt 'x' -WhatIf }).AddArgument($env:IMAGEEDIT_TEST_MODULE)
                $ps.Invoke() | Out-Null
                ($ps.Streams.Information | Out-String) + ($ps.Streams.Verbose | Out-String) | Out-Null
            }
            finally { $ps.Dispose() }
            Get-TestApiRequest $server | Should -BeNullOrEmpty
        }
    }
}
