#Requires -Modules Pester
# Parameter text has one source: docs/help (parameters.md for the shared parameters, <cmdlet>.md for a cmdlet's own).
# Get-Help is made from it by the build, the README's parameter table by tools/Update-ParameterTable.ps1, and the cmdlet
# classes carry no /// summary of their own for a parameter (a third copy would drift, as -InputFidelity's did).

BeforeDiscovery {
    Import-Module $env:IMAGEEDIT_TEST_MODULE -Force
    $script:cmdlets = @(Get-Command -Module ImageEdit -CommandType Cmdlet | ForEach-Object Name)
}

BeforeAll {
    $script:root = Resolve-Path (Join-Path $PSScriptRoot '../..')
    . (Join-Path $root 'tools/HelpMarkdown.ps1')
    Import-Module $env:IMAGEEDIT_TEST_MODULE -Force
    $script:common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
    $script:shared = (Read-HelpMarkdown (Join-Path $root 'docs/help/parameters.md'))['PARAMETERS']
    # A cmdlet's own descriptions (its docs/help/<cmdlet>.md), then the shared ones: the order New-ModuleHelp.ps1 takes them in.
    function script:Get-Described([string] $Cmdlet) {
        $doc = Read-HelpMarkdown (Join-Path $root "docs/help/$Cmdlet.md")
        $own = if ($doc.Contains('PARAMETERS')) { $doc['PARAMETERS'] } else { [ordered]@{} }
        $own, $shared
    }
}

Describe 'Parameter text' {
    It 'makes the README parameter table: the table is the one docs/help/parameters.md makes' {
        { & (Join-Path $root 'tools/Update-ParameterTable.ps1') -ModulePath $env:IMAGEEDIT_TEST_MODULE -Readme (Join-Path $root 'README.md') -Check } | Should -Not -Throw
    }

    It 'describes every parameter of <_>, and Get-Help shows that text' -ForEach $cmdlets {
        $own, $sharedText = Get-Described $_
        $helpText = @{}
        foreach ($described in (Get-Help $_ -Full).parameters.parameter) { $helpText[$described.name] = @($described.description.Text | ForEach-Object Trim) }
        foreach ($parameter in (Get-Command $_).Parameters.Keys | Where-Object { $_ -notin $common -or $_ -in 'WhatIf', 'Confirm' }) {
            $text = if ($own.Contains("-$parameter")) { $own["-$parameter"] } elseif ($sharedText.Contains("-$parameter")) { $sharedText["-$parameter"] } else { $null }
            $paragraphs = @(if ($text) { (Get-Paragraphs $text).ToArray() })
            $paragraphs | Should -Not -BeNullOrEmpty -Because "-$parameter of $_ needs a description in docs/help/$_.md or docs/help/parameters.md"
            $helpText[$parameter] | Should -Be $paragraphs -Because "Get-Help $_ -Parameter $parameter is made from docs/help"
        }
    }

    It 'describes no parameter that does not exist' {
        $cmdlets = Get-Command -Module ImageEdit -CommandType Cmdlet
        $stale = @(foreach ($cmdlet in $cmdlets) {
                $own, $null = Get-Described $cmdlet.Name
                $own.Keys | Where-Object { $_ -like '-*' -and -not $cmdlet.Parameters.ContainsKey($_.Substring(1)) } | ForEach-Object { "docs/help/$($cmdlet.Name).md: $_" }
            }) + @($shared.Keys | Where-Object { $_ -like '-*' } | Where-Object { $name = $_.Substring(1); -not ($cmdlets | Where-Object { $_.Parameters.ContainsKey($name) }) } |
                ForEach-Object { "docs/help/parameters.md: $_" })
        $stale | Should -BeNullOrEmpty -Because 'text for a parameter no cmdlet has is left over'
    }

    It 'is not copied into /// summaries on the cmdlet parameters in src/ImageEdit' {
        # A property's doc comment and attributes are the lines just above it; [Parameter] among them makes it a cmdlet parameter.
        $copies = foreach ($file in Get-ChildItem (Join-Path $root 'src/ImageEdit') -Recurse -Filter '*.cs') {
            $lines = @(Get-Content -LiteralPath $file.FullName)
            for ($i = 0; $i -lt $lines.Count; $i++) {
                if ($lines[$i] -notmatch '^\s*\[Parameter[\](]') { continue }
                $j = $i - 1
                while ($j -ge 0 -and $lines[$j] -match '^\s*(///|\[)') { $j-- }
                $k = $i + 1
                while ($k -lt $lines.Count -and $lines[$k] -match '^\s*\[') { $k++ }
                if ($j + 1 -le $i - 1 -and @($lines[($j + 1)..($i - 1)] | Where-Object { $_ -match '^\s*///.*<summary>' }).Count) {
                    '{0}:{1}: {2}' -f [IO.Path]::GetRelativePath($root, $file.FullName), ($k + 1), $lines[$k].Trim()
                }
            }
        }
        @($copies | Select-Object -Unique) | Should -BeNullOrEmpty -Because 'a parameter is described in docs/help/parameters.md or docs/help/<cmdlet>.md, which Get-Help and the README are made from; a <remarks> may say how the code works'
    }
}
