#Requires -Modules Pester
# The model list and the model lifecycle, as users run them against the local server (set-up: JsonEdits.Setup.ps1).

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

    Context 'the model list and the model lifecycle' {
        It 'lists the image models the key can use with the shutdown date the API reports' {
            $env:IMAGEEDIT_TODAY = '2026-11-26'
            $models = Get-ImageEditModel
            $models.Id | Should -Contain 'gpt-image-2'
            $models.Id | Should -Not -Contain 'gpt-4o'
            $models.Id | Should -Not -Contain 'whisper-1'
            $old = $models | Where-Object Id -EQ 'gpt-image-1.5'
            $old.ShutdownDate | Should -Be ([datetime]'2026-12-01')
            $old.Status | Should -Be 'Retiring'
            $old.Replacement | Should -Be 'gpt-image-2.6-sunburst or gpt-image-2.6-flare'
            ($models | Where-Object Id -EQ 'gpt-image-2').Status | Should -Be 'Available'
            (Get-ImageEditModel -All).Id | Should -Contain 'gpt-4o'
            (Get-ImageEditModel 'gpt-image-2.6*').Id | Sort-Object | Should -Be @('gpt-image-2.6-flare', 'gpt-image-2.6-sunburst')
        }

        It 'warns <Expect> for a request to gpt-image-1.5 on <Today>, and still sends it' -ForEach @(
            @{ Today = '2026-08-01'; Expect = 'nothing' }
            @{ Today = '2026-10-01'; Expect = 'the date and the replacement' }
            @{ Today = '2026-12-02'; Expect = 'that OpenAI no longer serves it' }
        ) {
            $env:IMAGEEDIT_TODAY = $Today
            $null = Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-1.5 -WarningVariable warnings -WarningAction SilentlyContinue
            @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 1
            switch ($Expect) {
                'nothing' { $warnings | Should -BeNullOrEmpty }
                'the date and the replacement' { $warnings[0] | Should -BeLike '*shuts gpt-image-1.5 down on 2026-12-01 (61 days from now)*-Model gpt-image-2.6-sunburst or gpt-image-2.6-flare*' }
                default { $warnings[0] | Should -BeLike '*shut gpt-image-1.5 down on 2026-12-01 and no longer serves it*-Model gpt-image-2.6-sunburst or gpt-image-2.6-flare*' }
            }
        }

        It 'warns once per command, not once per file, and not at all on Azure' {
            $env:IMAGEEDIT_TODAY = '2026-12-02'
            $null = $lighthouse, $harbour, $lighthouse | Edit-Image -Prompt 'x' -Model gpt-image-1.5 -WarningVariable warnings -WarningAction SilentlyContinue
            $warnings | Should -HaveCount 1
            $null = Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-1.5 -ApiType Azure -BaseUri $server.Root -ApiKey (ConvertTo-SecureString $server.ApiKey -AsPlainText -Force) -WarningVariable azureWarnings
            $azureWarnings | Should -BeNullOrEmpty
        }

        It 'names the replacement when the API refuses a retiring model before its announced day' {
            $env:IMAGEEDIT_TODAY = '2026-11-27'
            Set-TestModels @(@{ id = 'gpt-image-1.5'; shutdown_date = '2026-12-01'; retired = $true })
            $null = Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-1.5 -ErrorVariable failures -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
            $failures[0].ErrorDetails.RecommendedAction | Should -BeLike '*retires gpt-image-1.5 on 2026-12-01*-Model gpt-image-2.6-sunburst or gpt-image-2.6-flare*'
        }

        It 'says when a plain model name matches nothing, as Get-Command does' {
            $models = Get-ImageEditModel 'no-such-model' -ErrorVariable failures -ErrorAction SilentlyContinue
            $models | Should -BeNullOrEmpty
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'ModelNotFound,*'
            Get-ImageEditModel 'no-such-*' -ErrorVariable quiet | Should -BeNullOrEmpty
            $quiet | Should -BeNullOrEmpty
        }

        It 'assumes nothing when no -Model is given: no model is sent and no warning given' {
            $env:IMAGEEDIT_TODAY = '2026-12-02'
            $null = Edit-Image $lighthouse -Prompt 'x' -WarningVariable warnings
            $warnings | Should -BeNullOrEmpty
            (Get-TestApiRequest $server -EditsOnly)[0].fields.name | Should -Not -Contain 'model'
        }

        It 'names the replacement when the API refuses a model the table knows is shut down' {
            $env:IMAGEEDIT_TODAY = '2026-12-02'
            Set-TestModels @(@{ id = 'gpt-image-1.5'; shutdown_date = '2026-12-01'; retired = $true }, @{ id = 'gpt-image-2'; shutdown_date = $null })
            $null = Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-1.5 -ErrorVariable failures -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'ApiNotFound,*'
            $failures[0].ErrorDetails.RecommendedAction | Should -BeLike '*shut gpt-image-1.5 down on 2026-12-01*-Model gpt-image-2.6-sunburst or gpt-image-2.6-flare*'
            $failures[0].TargetObject | Should -Be $lighthouse
        }

        It 'advises -Model and Get-ImageEditModel when no -Model was given and the API''s default model is retired' {
            Set-TestModels @(@{ id = 'gpt-image-1.5'; shutdown_date = '2026-12-01'; retired = $true }, @{ id = 'gpt-image-2'; shutdown_date = $null })
            $null = Edit-Image $lighthouse -Prompt 'x' -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'ApiNotFound,*'
            $advice = $failures[0].ErrorDetails.RecommendedAction
            $advice | Should -BeLike '*No -Model was given*gpt-image-1.5*-Model*Get-ImageEditModel*'
            $advice | Should -Not -BeLike '*-BaseUri*'
        }

        It 'sends a model the table does not know, and its new values, unchanged' {
            Set-TestModels @(@{ id = 'gpt-image-3'; shutdown_date = $null; values = @{ quality = @('ultra') } })
            $result = Edit-Image $lighthouse -Prompt 'x' -Model 'gpt-image-3' -Quality 'ultra' -ErrorVariable failures
            $failures | Should -BeNullOrEmpty
            $request = (Get-TestApiRequest $server -EditsOnly)[0]
            Get-Field $request 'model' | Should -Be 'gpt-image-3'
            Get-Field $request 'quality' | Should -Be 'ultra'
            $result.Model | Should -Be 'gpt-image-3'
        }
    }
}
