# Reading the help Markdown in docs/help, shared by New-ModuleHelp.ps1 (Get-Help) and Update-ParameterTable.ps1 (the
# README's parameter table), so both read the same text the same way. Dot-source it.

# Splits a Markdown file into '## SECTION' -> (text, or '### Heading' -> text); fenced code stays whole.
function Read-HelpMarkdown([string] $Path) {
    $sections = [ordered]@{}
    $section = $null
    $heading = $null
    $inCode = $false
    foreach ($line in Get-Content -LiteralPath $Path) {
        if ($line -match '^```') { $inCode = -not $inCode }
        if (-not $inCode -and $line -match '^## (.+)$') { $section = $Matches[1].Trim(); $sections[$section] = [ordered]@{ '' = [Collections.Generic.List[string]]::new() }; $heading = ''; continue }
        if (-not $inCode -and $line -match '^### (.+)$' -and $section) { $heading = $Matches[1].Trim(); $sections[$section][$heading] = [Collections.Generic.List[string]]::new(); continue }
        if ($section) { $sections[$section][$heading].Add($line) }
    }
    $sections
}

# Paragraphs of prose (blank-line separated, lines joined), leaving out fenced code. Help is plain text, so `code`
# loses its backticks unless -Markdown keeps them (for the README).
function Get-Paragraphs([string[]] $Lines, [switch] $Markdown) {
    $paragraphs = [Collections.Generic.List[string]]::new()
    $current = [Collections.Generic.List[string]]::new()
    $inCode = $false
    $add = { $text = $current -join ' '; if (-not $Markdown) { $text = $text -replace '`([^`]+)`', '$1' }; $paragraphs.Add($text); $current.Clear() }
    foreach ($line in $Lines) {
        if ($line -match '^```') { $inCode = -not $inCode; continue }
        if ($inCode) { continue }
        if ($line.Trim() -eq '') { if ($current.Count) { & $add }; continue }
        $current.Add($line.Trim())
    }
    if ($current.Count) { & $add }
    , $paragraphs
}
