#Requires -Modules Pester
# The views in ImageEdit.format.ps1xml, compared with the text they must produce for fixed sample objects.

BeforeDiscovery {
    $script:views = @(
        @{ Name = 'result table'; Render = { $result | Format-Table }; Expected = @'
Source                   Images Size      Format Tokens     Cost RequestId        Saved
------                   ------ ----      ------ ------     ---- ---------        -----
cat.png                       2 1024x1024 png      1106          req_abc123       cat-edited.png
'@ }
        @{ Name = 'result list'; Render = { $result | Format-List }; Expected = @'
SourcePath   : /photos/cat.png
Model        : gpt-image-1.5
Created      : 11/25/2026 12:00:00 +00:00
Size         : 1024x1024
Quality      : high
Background   : opaque
OutputFormat : png
Usage        : 1106 tokens (50 in, 1056 out)
Cost         : (no known price)
Attempts     : 1
Data         : /out/cat-edited.png
               (base64 image, 131 characters)
RequestId    : req_abc123
'@ }
        @{ Name = 'data table'; Render = { $result.Data | Format-Table }; Expected = @'
Index Image                      Path
----- -----                      ----
    0 saved                      /out/cat-edited.png
    1 base64, 131 chars
'@ }
        @{ Name = 'data list'; Render = { $result.Data | Format-List }; Expected = @'
Index         : 0
Path          : /out/cat-edited.png
Url           :
RevisedPrompt :
B64Json       : (in the saved file; GetB64Json() reads it back)

Index         : 1
Path          :
Url           :
RevisedPrompt : a cat in a hat
B64Json       : (131 base64 characters)
'@ }
        @{ Name = 'events table'; Render = { $partial, $completed | Format-Table }; Expected = @'
Source                   Event      Size      Format        Image RequestId        Saved
------                   -----      ----      ------        ----- ---------        -----
cat.png                  partial 1  1024x1024 png       131 chars req_def456
cat.png                  completed  1024x1024 png           saved req_def456       cat-edited.png
'@ }
        @{ Name = 'events list'; Render = { $partial, $completed | Format-List }; Expected = @'
Type              : image_edit.partial_image
PartialImageIndex : 1
SourcePath        : /photos/cat.png
CreatedAt         : 11/25/2026 12:00:00 +00:00
Size              : 1024x1024
Quality           : high
Background        : opaque
OutputFormat      : png
B64Json           : (131 base64 characters)
Usage             :
Path              :
RequestId         : req_def456

Type              : image_edit.completed
PartialImageIndex :
SourcePath        : /photos/cat.png
CreatedAt         : 11/25/2026 12:00:01 +00:00
Size              : 1024x1024
Quality           : high
Background        : opaque
OutputFormat      : png
B64Json           : (in the saved file; GetB64Json() reads it back)
Usage             : 1106 tokens (50 in, 1056 out)
Path              : /out/cat-edited.png
RequestId         : req_def456
'@ }
    )
}

Describe 'Views' {
    BeforeAll {
        Import-Module $env:IMAGEEDIT_TEST_MODULE -Force
        $script:savedCulture = [cultureinfo]::CurrentCulture
        $script:savedRendering = $PSStyle.OutputRendering
        [cultureinfo]::CurrentCulture = [cultureinfo]::InvariantCulture
        $PSStyle.OutputRendering = 'PlainText'

        # The output types have internal constructors (only the cmdlets make them); the samples are built the same way.
        function New-Internal([type] $Type, [object[]] $Arguments) { $Type.GetConstructors([Reflection.BindingFlags]'NonPublic,Instance')[0].Invoke($Arguments) }
        $details = New-Internal ([ImageEdit.Models.ImageTokenDetails]) @(10, 40)
        $usage = New-Internal ([ImageEdit.Models.ImageUsage]) @(50, 1056, 1106, $details, $null)
        $script:b64 = 'iVBORw0KGgo' + ('A' * 120)
        $savedImageType = [ImageEdit.Models.ImageEditData].Assembly.GetType('ImageEdit.Output.SavedImage')
        function New-SavedImage([string] $Path) { $savedImageType.GetMethod('Saved').Invoke($null, @($Path, [byte[]]::new(32), [long]1234)) }
        $saved = New-Internal ([ImageEdit.Models.ImageEditData]) @(0, $null, $null, $null, (New-SavedImage '/out/cat-edited.png'))
        $inline = New-Internal ([ImageEdit.Models.ImageEditData]) @(1, $b64, $null, 'a cat in a hat', $null)
        $script:result = New-Internal ([ImageEdit.Models.ImageEditResult]) @([DateTimeOffset]'2026-11-25T12:00:00Z', 'opaque', [ImageEdit.Models.ImageEditData[]]@($saved, $inline), 'png', 'high', '1024x1024', $usage, '/photos/cat.png', 'gpt-image-1.5', 'req_abc123', $false)
        $script:partial = New-Internal ([ImageEdit.Models.ImageEditPartialImageEvent]) @($b64, [DateTimeOffset]'2026-11-25T12:00:00Z', '1024x1024', 'high', 'opaque', 'png', 1, '/photos/cat.png', 'req_def456', $null)
        $script:completed = New-Internal ([ImageEdit.Models.ImageEditCompletedEvent]) @($null, [DateTimeOffset]'2026-11-25T12:00:01Z', '1024x1024', 'high', 'opaque', 'png', $usage, '/photos/cat.png', 'req_def456', (New-SavedImage '/out/cat-edited.png'))

        function ConvertTo-Lines([string] $Text) { (($Text -split "\r?\n") | ForEach-Object TrimEnd) -join "`n" -replace '^\n+|\n+$', '' }
    }

    AfterAll {
        [cultureinfo]::CurrentCulture = $savedCulture
        $PSStyle.OutputRendering = $savedRendering
    }

    It 'renders the <Name> view' -ForEach $views {
        $text = & $Render | Out-String -Width 110
        ConvertTo-Lines $text | Should -BeExactly (ConvertTo-Lines $Expected)
        $text | Should -Not -BeLike "*$($b64.Substring(0, 20))*"
    }
}
