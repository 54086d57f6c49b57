# Makes the README's parameter table from docs/help/parameters.md, the one source of the shared parameters' text (Get-Help
# is made from the same file by New-ModuleHelp.ps1). A row per parameter of Edit-Image and Get-ImageEditStream that
# parameters.md describes (in its order; hidden ones left out): the name, type, position and aliases from the built
# cmdlets, then the first paragraph of its description. The table is the text between the lines
# <!-- parameter-table: start --> and <!-- parameter-table: end --> of README.md.
#
#   dotnet pwsh tools/Update-ParameterTable.ps1            # rewrite the README's table (after ./build.ps1 -Task Build)
#   dotnet pwsh tools/Update-ParameterTable.ps1 -Check     # change nothing; fail naming the rows that differ
param(
    # The built module whose cmdlets give the types, positions and aliases.
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/ImageEdit'),
    [string] $Readme = (Join-Path $PSScriptRoot '../README.md'),
    [string] $Parameters = (Join-Path $PSScriptRoot '../docs/help/parameters.md'),
    [switch] $Check
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
. (Join-Path $PSScriptRoot 'HelpMarkdown.ps1')

$start = '<!-- parameter-table: start (made from docs/help/parameters.md by tools/Update-ParameterTable.ps1; edit there) -->'
$end = '<!-- parameter-table: end -->'

# How the table writes a type: <string[]>, <int>, <OpenAI|Azure>; nothing for a switch.
function Format-ParameterType([type] $Type) {
    if ($Type -eq [System.Management.Automation.SwitchParameter]) { return '' }
    $array = $Type.IsArray
    if ($array) { $Type = $Type.GetElementType() }
    if ($Type.IsGenericType -and $Type.GetGenericTypeDefinition() -eq [Nullable`1]) { $Type = $Type.GetGenericArguments()[0] }
    $name = if ($Type.IsEnum) { [Enum]::GetNames($Type) -join '|' }
    else { @{ String = 'string'; Int32 = 'int'; Decimal = 'decimal'; Double = 'double'; Boolean = 'bool'; Uri = 'uri' }[$Type.Name] ?? $Type.Name }
    ' <{0}{1}>' -f $name, $(if ($array) { '[]' } else { '' })
}

# The first cell: `-Name <type>`, then its position, "mandatory" and aliases, as the cmdlet declares them.
function Format-ParameterCell($Parameter) {
    $sets = @($Parameter.ParameterSets.Values)
    $notes = @()
    $positions = @($sets | Where-Object Position -GE 0 | ForEach-Object Position | Sort-Object -Unique)
    if ($positions.Count) { $notes += "position $($positions -join '/')" }
    if (@($sets | Where-Object { -not $_.IsMandatory }).Count -eq 0) { $notes += 'mandatory' }
    if ($Parameter.Aliases.Count) { $notes += $(if ($Parameter.Aliases.Count -gt 1) { 'aliases ' } else { 'alias ' }) + (($Parameter.Aliases | ForEach-Object { "``$_``" }) -join ', ') }
    $cell = '`-{0}{1}`' -f $Parameter.Name, (Format-ParameterType $Parameter.ParameterType)
    if ($notes) { $cell += ' (' + ($notes -join '; ') + ')' }
    $cell
}

function Get-ParameterTable {
    Import-Module $ModulePath -Force
    $commands = 'Edit-Image', 'Get-ImageEditStream' | ForEach-Object { Get-Command $_ -Module ImageEdit }
    $described = (Read-HelpMarkdown $Parameters)['PARAMETERS']
    '| Parameter | Meaning |'
    '| --- | --- |'
    foreach ($heading in $described.Keys | Where-Object { $_ -like '-*' }) {
        $name = $heading.Substring(1)
        $parameter = $commands | ForEach-Object { $_.Parameters[$name] } | Where-Object { $_ } | Select-Object -First 1
        if (-not $parameter) { continue }
        $hidden = @($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.DontShow }).Count -gt 0
        if ($hidden) { continue }
        $paragraphs = Get-Paragraphs $described[$heading] -Markdown
        if (-not $paragraphs) { throw "$heading has no description in $Parameters." }
        '| {0} | {1} |' -f ((Format-ParameterCell $parameter) -replace '\|', '\|'), ($paragraphs[0] -replace '\|', '\|')
    }
}

$table = @(Get-ParameterTable)
$lines = @(Get-Content -LiteralPath $Readme)
$first = [Array]::IndexOf($lines, $start)
$last = [Array]::IndexOf($lines, $end)
if ($first -lt 0 -or $last -lt $first) { throw "$Readme has no parameter table between the lines $start and $end." }
$current = @($lines[($first + 1)..($last - 1)])

if ($Check) {
    $stale = @(Compare-Object $table $current | Sort-Object { $_.InputObject }, @{ Expression = { $_.SideIndicator }; Descending = $true } |
            ForEach-Object { '{0} {1}' -f $(if ($_.SideIndicator -eq '<=') { 'parameters.md makes:' } else { 'README has:          ' }), $_.InputObject })
    if (-not $stale -and ($table -join "`n") -cne ($current -join "`n")) { $stale = @('the same rows in another order') }
    if ($stale) {
        throw "README.md's parameter table is not the one docs/help/parameters.md makes (edit parameters.md, then run tools/Update-ParameterTable.ps1):`n$($stale -join "`n")"
    }
    return
}
$updated = @($lines[0..$first]) + $table + @($lines[$last..($lines.Count - 1)])
Set-Content -LiteralPath $Readme -Value $updated
Write-Host "README.md's parameter table made from $Parameters ($($table.Count - 2) rows)."
