#Requires -Modules Pester
# The package build.ps1 makes, installed as users install it: Install-Module and Install-PSResource from a repository.

Describe 'Packaging' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestApiServer.psm1') -Force
        $script:server = Enter-ImageEditTestSession
        $script:package = $env:IMAGEEDIT_TEST_PACKAGE
        $script:lighthouse = Join-Path $PSScriptRoot '../../samples/lighthouse.png' | Resolve-Path | Select-Object -ExpandProperty Path
        $script:manifestPath = Join-Path $env:IMAGEEDIT_TEST_MODULE 'ImageEdit.psd1'

        # Runs a script in a fresh pwsh whose HOME is a new folder, so installs land there and nowhere else; returns its output.
        function Invoke-InFreshHome([string] $Name, [string] $Script) {
            $homeFolder = New-Item -ItemType Directory (Join-Path $TestDrive $Name)
            $run = Invoke-FreshPwsh $Script -Environment @{
                HOME = $homeFolder.FullName; XDG_DATA_HOME = $null; PSModulePath = ''
                OPENAI_API_KEY = $server.ApiKey; OPENAI_BASE_URL = $server.BaseUri
            }
            $run | Add-Member -NotePropertyName Home -NotePropertyValue $homeFolder.FullName -PassThru
        }

        $script:repository = New-Item -ItemType Directory (Join-Path $TestDrive 'repository')
        Copy-Item $package $repository
    }

    AfterAll {
        Exit-ImageEditTestSession $server
    }

    It 'is built as ImageEdit.<version>.nupkg with the manifest version' {
        $version = (Import-PowerShellDataFile $manifestPath).ModuleVersion
        Split-Path $package -Leaf | Should -Be "ImageEdit.$version.nupkg"
        $version | Should -Not -Be '0.0.0'
    }

    It 'passes Test-ModuleManifest and carries what a gallery needs' {
        $manifest = Test-ModuleManifest -Path $manifestPath
        $manifest.Version | Should -Not -BeNullOrEmpty
        $data = Import-PowerShellDataFile $manifestPath
        $data.CompatiblePSEditions | Should -Contain 'Core'
        $data.PowerShellVersion | Should -Not -BeNullOrEmpty
        $data.CmdletsToExport | Should -Be @('Edit-Image', 'Get-ImageEditStream', 'Add-ImageEditFile', 'Remove-ImageEditFile', 'Get-ImageEditModel', 'Start-ImageEditBatch', 'Get-ImageEditBatch', 'Wait-ImageEditBatch', 'Receive-ImageEditBatch', 'Stop-ImageEditBatch', 'Export-ImageEditReport')
        $data.FormatsToProcess | Should -Be @('ImageEdit.format.ps1xml')
        $data.PrivateData.PSData.Tags | Should -Contain 'OpenAI'
        $data.PrivateData.PSData.LicenseUri | Should -Not -BeNullOrEmpty
        $data.PrivateData.PSData.ProjectUri | Should -Not -BeNullOrEmpty
        $data.PrivateData.PSData.ReleaseNotes | Should -Not -BeNullOrEmpty
    }

    It 'uses the host''s own System.Text.Json and System.Net.ServerSentEvents, never the copies it ships' {
        $script = "Import-Module '$env:IMAGEEDIT_TEST_MODULE'; `$null = [ImageEdit.Models.ImageEditResult]; " +
            "[AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -in 'System.Text.Json', 'System.Net.ServerSentEvents' } | ForEach-Object Location"
        $pwsh = @([Environment]::ProcessPath)
        if ([IO.Path]::GetFileNameWithoutExtension($pwsh[0]) -eq 'dotnet') { $pwsh += Join-Path $PSHOME 'pwsh.dll' }
        $locations = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command "$script; [System.Text.Json.JsonSerializer].Assembly.Location; [System.Net.ServerSentEvents.SseParser].Assembly.Location"
        $locations | Should -Not -BeNullOrEmpty
        $locations | ForEach-Object { $_ | Should -Not -BeLike "$env:IMAGEEDIT_TEST_MODULE*" }
    }

    It 'ships its licence, takes its release notes from CHANGELOG.md and claims only the PowerShell it is tested on' {
        $data = Import-PowerShellDataFile $manifestPath
        $data.PowerShellVersion | Should -Be '7.6'
        $data.PrivateData.PSData.LicenseUri | Should -BeLike '*/LICENSE'
        Test-Path (Join-Path $env:IMAGEEDIT_TEST_MODULE 'LICENSE') | Should -BeTrue
        Get-Content -Raw (Join-Path $PSScriptRoot '../../LICENSE') | Should -Match 'MIT License'
        $version = (Import-PowerShellDataFile $manifestPath).ModuleVersion
        $changelog = Get-Content -Raw (Join-Path $PSScriptRoot '../../CHANGELOG.md')
        $changelog | Should -Match "(?m)^## $([regex]::Escape($version))"
        $data.PrivateData.PSData.ReleaseNotes | Should -BeLike '*JSON edits*'
        $changelog | Should -Match ([regex]::Escape(($data.PrivateData.PSData.ReleaseNotes -split "`n")[0]))
    }

    It 'takes its version from Directory.Build.props, the one place it lives' {
        $props = [xml](Get-Content -Raw (Join-Path $PSScriptRoot '../../Directory.Build.props'))
        (Import-PowerShellDataFile $manifestPath).ModuleVersion | Should -Be $props.Project.PropertyGroup.Version
        (Get-Module ImageEdit -ListAvailable -All | Where-Object ModuleBase -EQ $env:IMAGEEDIT_TEST_MODULE | Select-Object -First 1) | Out-Null
        [Reflection.AssemblyName]::GetAssemblyName((Join-Path $env:IMAGEEDIT_TEST_MODULE 'ImageEdit.dll')).Version.ToString(3) | Should -Be $props.Project.PropertyGroup.Version
    }

    It 'installs with <Installer>, imports by name and edits an image' -ForEach @(
        @{ Installer = 'Install-Module'; Register = "Register-PSRepository -Name Local -SourceLocation '{0}' -InstallationPolicy Trusted"; Install = 'Install-Module ImageEdit -Repository Local -Scope CurrentUser' }
        @{ Installer = 'Install-PSResource'; Register = "Register-PSResourceRepository -Name Local -Uri '{0}' -Trusted"; Install = 'Install-PSResource ImageEdit -Repository Local -Scope CurrentUser' }
    ) {
        $script = @"
`$ErrorActionPreference = 'Stop'
$($Register -f $repository)
$Install
Import-Module ImageEdit
`$module = Get-Module ImageEdit
`$result = Edit-Image '$lighthouse' -Prompt 'installed'
'{0}|{1}|{2}' -f `$module.ModuleBase, `$module.Version, `$result.Data.Count
"@
        $run = Invoke-InFreshHome ($Installer -replace '\W', '') $script
        $run.Errors | Should -BeNullOrEmpty
        $run.ExitCode | Should -Be 0
        $base, $version, $count = ($run.Output.Trim() -split "`n")[-1] -split '\|'
        $base | Should -BeLike "$($run.Home)*"
        $version | Should -Be (Import-PowerShellDataFile $manifestPath).ModuleVersion
        $count | Should -Be '1'
    }
}
