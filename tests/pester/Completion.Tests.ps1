#Requires -Modules Pester
# Tab completion and Write-Progress, as an interactive user meets them.

Describe 'Tab completion' {
    BeforeAll {
        Import-Module $env:IMAGEEDIT_TEST_MODULE -Force
        function Complete([string] $Line) { (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches.CompletionText }
    }

    It 'completes -Model from the rules table on <Command>' -ForEach @(@{ Command = 'Edit-Image'; Streams = $false }, @{ Command = 'Get-ImageEditStream'; Streams = $true }) {
        $models = Complete "$Command a.png -Prompt p -Model "
        foreach ($model in 'gpt-image-1.5', 'gpt-image-1', 'gpt-image-1-mini', 'gpt-image-2', 'gpt-image-2-2026-04-21', 'chatgpt-image-latest',
            'gpt-image-2.5-sunburst', 'gpt-image-2.5-sunburst-2026-09-08', 'gpt-image-2.5-flare', 'gpt-image-2.5-flare-2026-09-08', 'gpt-image-2.6-sunburst', 'gpt-image-2.6-flare') {
            $models | Should -Contain $model
        }
        # dall-e-2 cannot stream: Get-ImageEditStream does not offer it.
        if ($Streams) { $models | Should -Not -Contain 'dall-e-2' }
        else { Complete "$Command a.png -Prompt p -Model dall" | Should -Be @('dall-e-2') }
    }

    It 'completes -Size with the sizes the chosen -Model accepts' {
        Complete 'Edit-Image a.png -Prompt p -Model dall-e-2 -Size ' | Should -Be @('256x256', '512x512', '1024x1024')
        $gpt2 = Complete 'Edit-Image a.png -Prompt p -Model gpt-image-2 -Size '
        $gpt2 | Should -Contain '1536x864'
        $gpt2 | Should -Contain 'auto'
        $gpt2 | Should -Not -Contain '256x256'
        # No -Model: what any current model takes (gpt-image-2's custom sizes among them), not what retired models lacked.
        $default = Complete 'Edit-Image a.png -Prompt p -Size '
        $default | Select-Object -First 4 | Should -Be @('1024x1024', '1536x1024', '1024x1536', 'auto')
        $default | Should -Contain '1536x864'
        $default | Should -Not -Contain '256x256'
        Complete 'Edit-Image a.png -Prompt p -Model gpt-image-2 -Size 15' | Should -Be @('1536x1024', '1536x864')
    }

    It 'completes -ResponseFormat for dall-e-2 only, and no GPT-only field for dall-e-2' {
        Complete 'Edit-Image a.png -Prompt p -Model dall-e-2 -ResponseFormat ' | Should -Be @('url', 'b64_json')
        Complete 'Edit-Image a.png -Prompt p -ResponseFormat ' | Should -BeNullOrEmpty
        Complete 'Edit-Image a.png -Prompt p -Model dall-e-2 -Moderation ' | Should -BeNullOrEmpty
        Complete 'Edit-Image a.png -Prompt p -Moderation ' | Should -Be @('low', 'auto')
    }

    It 'completes only the JSON body''s sizes once a parameter makes the request JSON' {
        Complete 'Edit-Image -ImageUrl https://x/a.png -Prompt p -Model gpt-image-2 -Size ' | Should -Be @('auto', '1024x1024', '1536x1024', '1024x1536')
    }

    It 'completes -Quality with the values of the chosen -Model, and every known value for a model the table does not know' {
        Complete 'Edit-Image a.png -Prompt p -Model dall-e-2 -Quality ' | Should -Be @('standard')
        Complete 'Edit-Image a.png -Prompt p -Model gpt-image-2 -Quality ' | Should -Be @('low', 'medium', 'high', 'auto')
        Complete 'Edit-Image a.png -Prompt p -Model gpt-image-2.6-flare -Quality ' | Should -Be @('low', 'medium', 'high', 'auto', 'xhigh', 'max')
        Complete 'Edit-Image a.png -Prompt p -Model gpt-image-9 -Quality ' | Should -Be @('low', 'medium', 'high', 'auto', 'xhigh', 'max', 'standard')
    }

    It 'completes the closed sets of -<Parameter>' -ForEach @(
        # With no -Model, every value a current model takes (the API's default may be any of them).
        @{ Parameter = 'Quality'; Values = @('low', 'medium', 'high', 'auto', 'xhigh', 'max') }
        @{ Parameter = 'Background'; Values = @('transparent', 'opaque', 'auto') }
        @{ Parameter = 'OutputFormat'; Values = @('png', 'jpeg', 'webp', 'gif') }
        @{ Parameter = 'InputFidelity'; Values = @('high', 'low') }
        @{ Parameter = 'ApiType'; Values = @('OpenAI', 'Azure') }
    ) {
        Complete "Edit-Image a.png -Prompt p -$Parameter " | Sort-Object | Should -Be ($Values | Sort-Object)
    }
}

Describe 'Write-Progress' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestApiServer.psm1') -Force
        $script:server = Enter-ImageEditTestSession
        $samples = Join-Path $PSScriptRoot '../../samples' | Resolve-Path | Select-Object -ExpandProperty Path
        $script:big = Join-Path $TestDrive 'big.png'
        New-LargePng -Path $big -Bytes 9MB -HeaderFrom (Join-Path $samples 'lighthouse.png')
        $script:files = Get-ChildItem $samples -File | ForEach-Object FullName

        # Runs a command in its own runspace and returns the progress records it wrote.
        function Get-ProgressOf([string] $Command, [string] $Preference = 'Continue') {
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript({
                        param($Module, $Key, $Base, $Command, $Preference)
                        Import-Module $Module
                        $env:OPENAI_API_KEY = $Key
                        $env:OPENAI_BASE_URL = $Base
                        $ProgressPreference = $Preference
                        & ([scriptblock]::Create($Command))
                    }).AddArgument($env:IMAGEEDIT_TEST_MODULE).AddArgument($server.ApiKey).AddArgument($server.BaseUri).AddArgument($Command).AddArgument($Preference)
                $output = $ps.Invoke()
                if ($ps.Streams.Error.Count) { throw $ps.Streams.Error[0] }
                [pscustomobject]@{ Output = $output; Progress = @($ps.Streams.Progress) }
            }
            finally { $ps.Dispose() }
        }
    }

    AfterAll {
        Exit-ImageEditTestSession $server
    }

    It 'shows files done of total for a batch and completes it' {
        $run = Get-ProgressOf "'$($files -join "','")' | Edit-Image -Prompt x"
        $run.Output | Should -HaveCount 3
        $batch = $run.Progress | Where-Object Activity -EQ 'Editing images'
        $batch.StatusDescription | Should -Contain '3 of 3 done, 0 in flight'
        $batch[-1].RecordType | Should -Be 'Completed'
    }

    It 'shows the bytes sent of a large upload and completes it' {
        $run = Get-ProgressOf "Edit-Image '$big' -Prompt x"
        $run.Output | Should -HaveCount 1
        $upload = @($run.Progress | Where-Object Activity -EQ 'Uploading big.png')
        $upload.Count | Should -BeGreaterThan 1
        $upload[0].StatusDescription | Should -BeLike '*MB of 9.0 MB sent'
        # Completed once, when the last byte is sent, not left standing at 100% while the API works on the edit.
        @($upload | Where-Object RecordType -EQ 'Completed') | Should -HaveCount 1
        $upload[-1].RecordType | Should -Be 'Completed'
        $upload[-1].StatusDescription | Should -Be '9.0 MB sent'
        $upload[-1].PercentComplete | Should -Be 100
    }

    It 'writes nothing under $ProgressPreference = SilentlyContinue' {
        $run = Get-ProgressOf "'$($files -join "','")', '$big' | Edit-Image -Prompt x" -Preference SilentlyContinue
        $run.Output | Should -HaveCount 4
        $run.Progress | Should -BeNullOrEmpty
    }
}
