@{
    RootModule           = 'ImageEdit.dll'
    # Stamped by build.ps1 from <Version> in Directory.Build.props, the one place the version lives.
    ModuleVersion        = '0.0.0'
    GUID                 = '6b8f3f0e-5d7a-4c1e-9a57-2f3c8e9d1a42'
    Author               = 'The ImageEdit developers'
    CompanyName          = 'ImageEdit'
    Copyright            = '(c) The ImageEdit developers. MIT licence.'
    Description          = 'Edit images with the OpenAI image-edit API (and Azure OpenAI) from PowerShell: pipeline-friendly, safe with files and keys, and checked before sending.'
    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.6'
    CmdletsToExport      = @('Edit-Image', 'Get-ImageEditStream', 'Add-ImageEditFile', 'Remove-ImageEditFile', 'Get-ImageEditModel', 'Start-ImageEditBatch', 'Get-ImageEditBatch', 'Wait-ImageEditBatch', 'Receive-ImageEditBatch', 'Stop-ImageEditBatch', 'Export-ImageEditReport')
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    FormatsToProcess     = @('ImageEdit.format.ps1xml')
    TypesToProcess       = @('ImageEdit.types.ps1xml')
    PrivateData          = @{
        PSData = @{
            Tags         = @('OpenAI', 'Image', 'ImageEdit', 'gpt-image', 'DALL-E', 'AzureOpenAI', 'AI', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
            LicenseUri   = 'https://github.com/imageedit/ImageEdit/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/imageedit/ImageEdit'
            ReleaseNotes = '(stamped by build.ps1 from the newest section of CHANGELOG.md)'
        }
    }
}
