#Requires -Modules Pester
# Issue 15's details a careful user notices: results that travel, binding a person tries first, messages that do not
# mislead, -WhatIf that says what would happen.

Describe 'Results that travel and first-hour details' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestApiServer.psm1') -Force
        $script:server = Enter-ImageEditTestSession
        $script:samples = Join-Path $PSScriptRoot '../../samples' | Resolve-Path | Select-Object -ExpandProperty Path
        $script:lighthouse = Join-Path $samples 'lighthouse.png'
        $script:out = Join-Path $TestDrive 'out'
        $script:saved = Edit-Image $lighthouse -Prompt 'x' -Count 2 -OutputDirectory $out
    }

    AfterAll {
        Exit-ImageEditTestSession $server
    }

    It 'converts to JSON without megabytes of base64, with readable values' {
        $json = $saved | ConvertTo-Json -Depth 4
        $json.Length | Should -BeLessThan 4000
        $json | Should -Match 'lighthouse-edited-1.png'
        $json | Should -Not -Match 'iVBORw0KGgo'
    }

    It 'exports to CSV with readable cells, not type names' {
        $saved | Export-Csv -Path (Join-Path $TestDrive 'r.csv')
        $row = Import-Csv (Join-Path $TestDrive 'r.csv')
        $row.Data | Should -BeLike '*lighthouse-edited-1.png; *lighthouse-edited-2.png'
        $row.Data | Should -Not -Match 'System\.Collections'
        $row.Usage | Should -BeLike '*tokens*'
    }

    It 'keeps every image''s properties through Export-Clixml and Start-Job' {
        $xml = Join-Path $TestDrive 'r.xml'
        $saved | Export-Clixml $xml
        $back = Import-Clixml $xml
        $back.Data[1].Path | Should -Be $saved.Data[1].Path
        $back.Data[1].Sha256 | Should -Be $saved.Data[1].Sha256
        $job = Start-Job -ArgumentList $env:IMAGEEDIT_TEST_MODULE, $lighthouse, $server.ApiKey, $server.BaseUri, (Join-Path $TestDrive 'job') -ScriptBlock {
            param($Module, $Image, $Key, $Base, $Out)
            Import-Module $Module
            Edit-Image $Image -Prompt 'x' -OutputDirectory $Out -ApiKey (ConvertTo-SecureString $Key -AsPlainText -Force) -BaseUri $Base
        }
        $fromJob = $job | Receive-Job -Wait -AutoRemoveJob
        $fromJob.Data[0].Path | Should -BeLike '*lighthouse-edited.png'
        $fromJob.Data[0].Sha256 | Should -Match '^[0-9a-f]{64}$'
        $fromJob.Usage.TotalTokens | Should -BeGreaterThan 0
    }

    It 'reaches the saved file as a FileInfo, and its checked bytes with GetB64Json()' {
        $saved.Data[0].GetFile() | Should -BeOfType ([System.IO.FileInfo])
        ($saved.Data | Get-Item).Count | Should -Be 2
        $saved.Data[0].B64Json | Should -BeNullOrEmpty
        $saved.Data[0].GetB64Json() | Should -Be ([Convert]::ToBase64String([IO.File]::ReadAllBytes($saved.Data[0].Path)))
    }

    It 'says to name -Prompt when the prompt took the path''s position beside piped files' {
        $caught = $null
        try { Get-ChildItem $samples -Filter *.png | Edit-Image 'make it snow' -ErrorAction Stop } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike 'PromptNotNamed,*'
        $caught.ErrorDetails.RecommendedAction | Should -BeLike "*-Prompt 'make it snow'*"
        Edit-Image $lighthouse 'still works positionally' | Should -HaveCount 1
    }

    It 'binds objects from Select-Object FullName as paths' {
        $results = Get-ChildItem $samples -Filter *.png | Select-Object FullName | Edit-Image -Prompt 'x'
        $results.SourcePath | Should -Be $lighthouse
    }

    It 'refuses a key given as plain text, showing how to pass it safely' {
        { Edit-Image $lighthouse -Prompt 'x' -ApiKey 'sk-plain-text-key' } | Should -Throw '*Read-Host -AsSecureString*'
    }

    It 'never shows the provider prefix in a path error' {
        $gone = Join-Path $TestDrive 'gone.png'
        Copy-Item $lighthouse $gone
        $item = Get-Item $gone
        Remove-Item $gone
        $item | Edit-Image -Prompt 'x' -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].Exception.Message | Should -Not -Match 'FileSystem::'
        $failures[0].TargetObject | Should -Be $gone
    }

    It 'says under -WhatIf the fields, the number of images and the names the results would get' {
        $pwsh = @([Environment]::ProcessPath)
        if ([IO.Path]::GetFileNameWithoutExtension($pwsh[0]) -eq 'dotnet') { $pwsh += Join-Path $PSHOME 'pwsh.dll' }
        $script = "Import-Module '$env:IMAGEEDIT_TEST_MODULE'; `$env:OPENAI_API_KEY = '$($server.ApiKey)'; `$env:OPENAI_BASE_URL = '$($server.BaseUri)'; " +
            "Edit-Image '$lighthouse' -Prompt 'x' -Quality high -Count 2 -OutputFormat webp -OutputDirectory '$out' -WhatIf"
        $text = (& $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $script | Out-String) -replace '\s+', ' '
        $text | Should -Match 'fields n=2, quality=high, output_format=webp'
        $text | Should -Match '2 image\(s\)'
        $text | Should -Match 'lighthouse-edited-1\.webp, lighthouse-edited-2\.webp'
    }

    It 'says a 401 came from another origin, where the key is not sent, after a redirect' {
        Reset-TestApiServer $server
        $other = "http://localhost:$(([uri]$server.Root).Port)/v1/images/edits"
        Set-TestApiScript $server @(@{ action = 'redirect'; status = 307; location = $other })
        Edit-Image $lighthouse -Prompt 'x' -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'ApiUnauthorized,*'
        $failures[0].ErrorDetails.RecommendedAction | Should -BeLike '*another origin*does not send the key*'
    }

    It 'offers only streaming models to Get-ImageEditStream' {
        $line = 'Get-ImageEditStream a.png -Prompt p -Model '
        $models = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        $models | Should -Contain 'gpt-image-2'
        $models | Should -Not -Contain 'dall-e-2'
    }
}
