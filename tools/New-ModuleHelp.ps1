# Builds the module's help from the Markdown in docs/help (platyPS is not available, so this is a small generator):
# en-US/ImageEdit.dll-Help.xml (MAML) for the cmdlets and en-US/about_ImageEdit.help.txt. Parameter names, types,
# positions, pipeline input and aliases come from the built cmdlets themselves; descriptions, examples and the rest
# from the Markdown. A parameter without a description fails the build.
param(
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $HelpSource
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$mamlNs = 'http://schemas.microsoft.com/maml/2004/10'
$commandNs = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$devNs = 'http://schemas.microsoft.com/maml/dev/2004/10'
$commonParameters = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters

. (Join-Path $PSScriptRoot 'HelpMarkdown.ps1')

function Get-Code([string[]] $Lines) {
    $inCode = $false
    $code = foreach ($line in $Lines) {
        if ($line -match '^```') { $inCode = -not $inCode; continue }
        if ($inCode) { $line }
    }
    $code -join "`n"
}

function Write-Paragraphs($Writer, [string[]] $Paragraphs) {
    $Writer.WriteStartElement('maml', 'description', $mamlNs)
    foreach ($paragraph in $Paragraphs) { $Writer.WriteElementString('maml', 'para', $mamlNs, $paragraph) }
    $Writer.WriteEndElement()
}

function Get-PipelineInput($Parameter) {
    $kinds = @()
    if ($Parameter.ValueFromPipeline) { $kinds += 'ByValue' }
    if ($Parameter.ValueFromPipelineByPropertyName) { $kinds += 'ByPropertyName' }
    if ($kinds) { 'True ({0})' -f ($kinds -join ', ') } else { 'False' }
}

function Format-Bool([bool] $Value) { if ($Value) { 'true' } else { 'false' } }

# A parameter's default as help shows it: the value a new instance of the cmdlet holds (600 for -TimeoutSec), else None.
function Get-DefaultText($Command, [string] $Name) {
    $property = $Command.ImplementingType.GetProperty($Name)
    if (-not $property) { return 'None' }
    $value = $property.GetValue([Activator]::CreateInstance($Command.ImplementingType))
    if ($null -eq $value -or ($value -is [string] -and $value -eq '') -or ($value -is [array] -and $value.Count -eq 0) -or
        ($value -is [System.Management.Automation.SwitchParameter] -and -not $value.IsPresent)) { return 'None' }
    [string]$value
}

function Write-Parameter($Writer, $Parameter, $SetParameter, [string[]] $Description, [bool] $InSyntax, [string] $Default = 'None') {
    $type = $Parameter.ParameterType
    $isSwitch = $type -eq [System.Management.Automation.SwitchParameter]
    $position = if ($SetParameter.Position -ge 0) { [string]$SetParameter.Position } else { 'named' }
    $Writer.WriteStartElement('command', 'parameter', $commandNs)
    $wildcards = @($Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }).Count -gt 0
    $Writer.WriteAttributeString('required', (Format-Bool $SetParameter.IsMandatory))
    $Writer.WriteAttributeString('variableLength', (Format-Bool $type.IsArray))
    $Writer.WriteAttributeString('globbing', (Format-Bool $wildcards))
    $Writer.WriteAttributeString('pipelineInput', (Get-PipelineInput $SetParameter))
    $Writer.WriteAttributeString('position', $position)
    $Writer.WriteAttributeString('aliases', $(if ($Parameter.Aliases.Count) { $Parameter.Aliases -join ', ' } else { 'none' }))
    $Writer.WriteElementString('maml', 'name', $mamlNs, $Parameter.Name)
    Write-Paragraphs $Writer $Description
    $typeName = if ($type.IsGenericType -and $type.GetGenericTypeDefinition() -eq [Nullable`1]) { $type.GetGenericArguments()[0].Name } else { $type.Name }
    if (-not $isSwitch -or -not $InSyntax) {
        $Writer.WriteStartElement('command', 'parameterValue', $commandNs)
        $Writer.WriteAttributeString('required', (Format-Bool (-not $isSwitch)))
        $Writer.WriteAttributeString('variableLength', (Format-Bool $type.IsArray))
        $Writer.WriteString($typeName)
        $Writer.WriteEndElement()
    }
    $Writer.WriteStartElement('dev', 'type', $devNs)
    $Writer.WriteElementString('maml', 'name', $mamlNs, $type.FullName)
    $Writer.WriteEndElement()
    $Writer.WriteElementString('dev', 'defaultValue', $devNs, $Default)
    $Writer.WriteEndElement()
}

Import-Module $ModulePath -Force
$shared = (Read-HelpMarkdown (Join-Path $HelpSource 'parameters.md'))['PARAMETERS']
$culture = New-Item -ItemType Directory -Force (Join-Path $ModulePath 'en-US')
$settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false) }
$writer = [System.Xml.XmlWriter]::Create((Join-Path $culture 'ImageEdit.dll-Help.xml'), $settings)
try {
    $writer.WriteStartDocument()
    $writer.WriteStartElement('helpItems', 'http://msh')
    $writer.WriteAttributeString('schema', 'maml')
    foreach ($command in Get-Command -Module ImageEdit -CommandType Cmdlet | Sort-Object Name) {
        $source = Join-Path $HelpSource "$($command.Name).md"
        if (-not (Test-Path $source)) { throw "No help source for $($command.Name): expected $source." }
        $doc = Read-HelpMarkdown $source
        $own = if ($doc.Contains('PARAMETERS')) { $doc['PARAMETERS'] } else { @{} }
        $describe = {
            param($name)
            $text = if ($own.Contains("-$name")) { $own["-$name"] } elseif ($shared.Contains("-$name")) { $shared["-$name"] } else { $null }
            $paragraphs = if ($text) { Get-Paragraphs $text } else { @() }
            if (-not $paragraphs) { throw "The parameter -$name of $($command.Name) has no description in $source or parameters.md." }
            $paragraphs
        }

        $writer.WriteStartElement('command', 'command', $commandNs)
        $writer.WriteAttributeString('xmlns', 'maml', $null, $mamlNs)
        $writer.WriteAttributeString('xmlns', 'dev', $null, $devNs)
        $writer.WriteStartElement('command', 'details', $commandNs)
        $writer.WriteElementString('command', 'name', $commandNs, $command.Name)
        Write-Paragraphs $writer (Get-Paragraphs $doc['SYNOPSIS'][''])
        $writer.WriteElementString('command', 'verb', $commandNs, $command.Verb)
        $writer.WriteElementString('command', 'noun', $commandNs, $command.Noun)
        $writer.WriteEndElement()
        Write-Paragraphs $writer (Get-Paragraphs $doc['DESCRIPTION'][''])

        $writer.WriteStartElement('command', 'syntax', $commandNs)
        foreach ($set in $command.ParameterSets) {
            $writer.WriteStartElement('command', 'syntaxItem', $commandNs)
            $writer.WriteElementString('maml', 'name', $mamlNs, $command.Name)
            foreach ($setParameter in $set.Parameters | Where-Object Name -NotIn $commonParameters) {
                Write-Parameter $writer $command.Parameters[$setParameter.Name] $setParameter (& $describe $setParameter.Name) $true
            }
            $writer.WriteEndElement()
        }
        $writer.WriteEndElement()

        $writer.WriteStartElement('command', 'parameters', $commandNs)
        foreach ($parameter in $command.Parameters.Values | Where-Object Name -NotIn $commonParameters | Sort-Object Name) {
            $setParameter = $command.ParameterSets | ForEach-Object { $_.Parameters } | Where-Object Name -EQ $parameter.Name | Select-Object -First 1
            Write-Parameter $writer $parameter $setParameter (& $describe $parameter.Name) $false (Get-DefaultText $command $parameter.Name)
        }
        foreach ($whatIf in 'WhatIf', 'Confirm') {
            # -WhatIf and -Confirm are optional common parameters: listed and described for the cmdlets that take them.
            if ($command.Parameters.ContainsKey($whatIf)) {
                $setParameter = $command.ParameterSets | ForEach-Object { $_.Parameters } | Where-Object Name -EQ $whatIf | Select-Object -First 1
                Write-Parameter $writer $command.Parameters[$whatIf] $setParameter (& $describe $whatIf) $false 'False'
            }
        }
        $writer.WriteEndElement()

        foreach ($kind in @(@{ Section = 'INPUTS'; List = 'inputTypes'; Item = 'inputType' }, @{ Section = 'OUTPUTS'; List = 'returnValues'; Item = 'returnValue' })) {
            $writer.WriteStartElement('command', $kind.List, $commandNs)
            if ($doc.Contains($kind.Section)) {
                foreach ($entry in $doc[$kind.Section].GetEnumerator() | Where-Object Key -NE '') {
                    $writer.WriteStartElement('command', $kind.Item, $commandNs)
                    $writer.WriteStartElement('dev', 'type', $devNs)
                    $writer.WriteElementString('maml', 'name', $mamlNs, $entry.Key)
                    $writer.WriteEndElement()
                    Write-Paragraphs $writer (Get-Paragraphs $entry.Value)
                    $writer.WriteEndElement()
                }
            }
            $writer.WriteEndElement()
        }

        if ($doc.Contains('NOTES')) {
            $writer.WriteStartElement('maml', 'alertSet', $mamlNs)
            $writer.WriteStartElement('maml', 'alert', $mamlNs)
            foreach ($paragraph in Get-Paragraphs $doc['NOTES']['']) { $writer.WriteElementString('maml', 'para', $mamlNs, $paragraph) }
            $writer.WriteEndElement()
            $writer.WriteEndElement()
        }

        $writer.WriteStartElement('command', 'examples', $commandNs)
        foreach ($example in $doc['EXAMPLES'].GetEnumerator() | Where-Object Key -NE '') {
            $writer.WriteStartElement('command', 'example', $commandNs)
            $writer.WriteElementString('maml', 'title', $mamlNs, "-------------------------- $($example.Key) --------------------------")
            $writer.WriteElementString('dev', 'code', $devNs, (Get-Code $example.Value))
            $writer.WriteStartElement('dev', 'remarks', $devNs)
            foreach ($paragraph in Get-Paragraphs $example.Value) { $writer.WriteElementString('maml', 'para', $mamlNs, $paragraph) }
            $writer.WriteEndElement()
            $writer.WriteEndElement()
        }
        $writer.WriteEndElement()

        $writer.WriteStartElement('command', 'relatedLinks', $commandNs)
        # "- [text](uri)" is a link Get-Help -Online can open (the first one); "- text" names another help topic.
        foreach ($link in $doc['RELATED LINKS'][''] | Where-Object { $_ -match '^- (.+)$' }) {
            $text = $link -replace '^- ', ''
            $uri = ''
            if ($text -match '^\[(.+)\]\((.+)\)$') { $text = $Matches[1]; $uri = $Matches[2] }
            $writer.WriteStartElement('maml', 'navigationLink', $mamlNs)
            $writer.WriteElementString('maml', 'linkText', $mamlNs, $text)
            $writer.WriteElementString('maml', 'uri', $mamlNs, $uri)
            $writer.WriteEndElement()
        }
        $writer.WriteEndElement()
        $writer.WriteEndElement()
    }
    $writer.WriteEndElement()
    $writer.WriteEndDocument()
}
finally {
    $writer.Dispose()
}

# about_ImageEdit: the Markdown as the plain text about topics are, headings in capitals, prose wrapped at 80 columns.
# The line {{RULES_TABLE}} becomes the request fields and model rules, rendered by the module from the same descriptions
# its checks use; indented lines are kept as they are.
$rulesTable = [ImageEdit.Commands.EditImageCommand].Assembly.GetType('ImageEdit.Rules.RulesTable').GetMethod('Render').Invoke($null, @())
$aboutSource = (Get-Content -LiteralPath (Join-Path $HelpSource 'about_ImageEdit.md')) -replace '^\{\{RULES_TABLE\}\}$', $rulesTable
$about = foreach ($line in ($aboutSource -join "`n") -split "`n") {
    if ($line -match '^# (.+)$') { 'TOPIC'; "    $($Matches[1])"; '' }
    elseif ($line -match '^## (.+)$') { $Matches[1].ToUpperInvariant(); '' }
    else { $line }
}
$wrapped = foreach ($paragraph in (($about -join "`n") -split "`n`n")) {
    $paragraph = $paragraph.Trim("`n")
    if (-not $paragraph) { continue }
    if ($paragraph -match '^[A-Z ]+$' -or $paragraph -match '^TOPIC') { $paragraph; continue }
    if (@($paragraph -split "`n" | Where-Object { $_ -notmatch '^    ' }).Count -le 1 -and $paragraph -match "`n    ") { $paragraph; continue }
    $words = ($paragraph -replace "`n", ' ') -split ' ' | Where-Object { $_ }
    $line = '   '
    $lines = foreach ($word in $words) {
        if ($line.Length + $word.Length + 1 -gt 80) { $line; $line = '   ' }
        $line += " $word"
    }
    (@($lines) + $line) -join "`n"
}
Set-Content -Path (Join-Path $culture 'about_ImageEdit.help.txt') -Value ($wrapped -join "`n`n")
Write-Host "Help written to $culture"
