#Requires -Modules Pester
# Azure OpenAI: the deployment route, api-version, the api-key header or an Entra ID token, and the AZURE_* defaults.

Describe 'Azure OpenAI' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestApiServer.psm1') -Force
        $script:server = Enter-ImageEditTestSession
        $script:lighthouse = Join-Path $PSScriptRoot '../../samples/lighthouse.png' | Resolve-Path | Select-Object -ExpandProperty Path
        $script:key = ConvertTo-SecureString $server.ApiKey -AsPlainText -Force
        $script:azureNames = 'AZURE_OPENAI_ENDPOINT', 'AZURE_OPENAI_API_KEY', 'AZURE_OPENAI_DEPLOYMENT', 'OPENAI_API_VERSION'
        $script:savedAzure = @{}
        foreach ($name in $azureNames) { $savedAzure[$name] = [Environment]::GetEnvironmentVariable($name) }
    }

    AfterAll {
        foreach ($entry in $savedAzure.GetEnumerator()) { [Environment]::SetEnvironmentVariable($entry.Key, $entry.Value) }
        Exit-ImageEditTestSession $server
    }

    BeforeEach {
        Reset-TestApiServer $server
        foreach ($name in $azureNames) { [Environment]::SetEnvironmentVariable($name, $null) }
    }

    It 'posts to the deployment route with the default api-version and the key in api-key' {
        $result = Edit-Image $lighthouse -Prompt 'x' -ApiType Azure -BaseUri $server.Root -Deployment 'my-gpt-image' -ApiKey $key

        $result | Should -HaveCount 1
        $request = Get-TestApiRequest $server -EditsOnly
        $request.path | Should -Be '/openai/deployments/my-gpt-image/images/edits'
        $request.query | Should -Be '?api-version=2025-04-01-preview'
        $request.headers.'api-key' | Should -Be $server.ApiKey
        $request.headers.PSObject.Properties.Name | Should -Not -Contain 'Authorization'
    }

    It 'trims the line break of a key read from a file before writing it into api-key' {
        $env:AZURE_OPENAI_API_KEY = "$($server.ApiKey)`r`n"
        try { $result = Edit-Image $lighthouse -Prompt 'x' -ApiType Azure -BaseUri $server.Root -Deployment 'my-gpt-image' -ErrorVariable failures -ErrorAction SilentlyContinue }
        finally { $env:AZURE_OPENAI_API_KEY = $null }
        $failures | Should -BeNullOrEmpty
        $result | Should -HaveCount 1
        (Get-TestApiRequest $server -EditsOnly).headers.'api-key' | Should -BeExactly $server.ApiKey
    }

    It 'sends -ApiVersion, and a Microsoft Entra ID token as a bearer token' {
        Edit-Image $lighthouse -Prompt 'x' -ApiType Azure -BaseUri $server.Root -Deployment dep -ApiVersion '2025-06-01' -AccessToken $key | Should -HaveCount 1
        $request = Get-TestApiRequest $server -EditsOnly
        $request.query | Should -Be '?api-version=2025-06-01'
        $request.headers.Authorization | Should -Be "Bearer $($server.ApiKey)"
        $request.headers.PSObject.Properties.Name | Should -Not -Contain 'api-key'
    }

    It 'is chosen by AZURE_OPENAI_ENDPOINT when nothing points at OpenAI, with the key, version and deployment from the environment' {
        $env:OPENAI_API_KEY = $null
        $env:OPENAI_BASE_URL = $null
        $env:AZURE_OPENAI_ENDPOINT = $server.Root
        $env:AZURE_OPENAI_API_KEY = $server.ApiKey
        $env:OPENAI_API_VERSION = '2025-04-01-preview'
        try {
            Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-1 | Should -HaveCount 1
            $env:AZURE_OPENAI_DEPLOYMENT = 'from-env'
            Edit-Image $lighthouse -Prompt 'x' | Should -HaveCount 1
        }
        finally {
            $env:OPENAI_API_KEY = $server.ApiKey
            $env:OPENAI_BASE_URL = $server.BaseUri
        }
        $first, $second = Get-TestApiRequest $server -EditsOnly
        $first.path | Should -Be '/openai/deployments/gpt-image-1/images/edits'
        $first.headers.'api-key' | Should -Be $server.ApiKey
        $second.path | Should -Be '/openai/deployments/from-env/images/edits'
    }

    It 'stays with OpenAI when an OpenAI key or base URI is set, even with AZURE_OPENAI_ENDPOINT' {
        $env:AZURE_OPENAI_ENDPOINT = 'https://example.openai.azure.com'
        Edit-Image $lighthouse -Prompt 'x' | Should -HaveCount 1
        (Get-TestApiRequest $server -EditsOnly).path | Should -Be '/v1/images/edits'
    }

    It 'streams through the Azure route too' {
        $events = Get-ImageEditStream $lighthouse -Prompt 'x' -PartialImages 1 -ApiType Azure -BaseUri $server.Root -Deployment dep -ApiKey $key
        $events | Should -HaveCount 2
        (Get-TestApiRequest $server -EditsOnly).path | Should -Be '/openai/deployments/dep/images/edits'
    }

    It 'reports a missing deployment before sending anything' {
        Edit-Image $lighthouse -Prompt 'x' -ApiType Azure -BaseUri $server.Root -ApiKey $key -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -Be 'MissingDeployment,ImageEdit.Commands.EditImageCommand'
        Get-TestApiRequest $server | Should -BeNullOrEmpty
    }

    It 'reports a missing endpoint' {
        { Edit-Image $lighthouse -Prompt 'x' -ApiType Azure -Deployment dep -ApiKey $key -ErrorAction Stop } |
            Should -Throw -ErrorId 'MissingAzureEndpoint,ImageEdit.Commands.EditImageCommand'
    }

    It 'hides the api-key header in Debug output' {
        $DebugPreference = 'Continue'
        try {
            $debug = Edit-Image $lighthouse -Prompt 'x' -ApiType Azure -BaseUri $server.Root -Deployment dep -ApiKey $key 5>&1 |
                Where-Object { $_ -is [System.Management.Automation.DebugRecord] }
        }
        finally { $DebugPreference = 'SilentlyContinue' }
        ($debug.Message -join "`n") | Should -BeLike '*api-key: (hidden)*'
        ($debug.Message -join "`n") | Should -Not -BeLike "*$($server.ApiKey)*"
    }
}
