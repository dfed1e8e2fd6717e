# The facts of each cmdlet's MAML help that the code decides: syntax, and each parameter's required, position,
# pipeline input, wildcards and aliases. Written into the help by './build.ps1 -Task Help' and checked against the
# built module by tests/Pester/Help.Tests.ps1, so Get-Help -Parameter never shows blanks or stale values.
# The prose (descriptions, default values in words, examples) stays hand-written in the XML.

$script:Common = [System.Management.Automation.PSCmdlet]::CommonParameters
$script:OptionalCommon = [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
$script:Maml = 'http://schemas.microsoft.com/maml/2004/10'
$script:Command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$script:Dev = 'http://schemas.microsoft.com/maml/dev/2004/10'

function Get-PipelineInput([System.Management.Automation.ParameterMetadata] $Parameter) {
    $how = @()
    if (@($Parameter.ParameterSets.Values | Where-Object ValueFromPipeline).Count) { $how += 'ByValue' }
    if (@($Parameter.ParameterSets.Values | Where-Object ValueFromPipelineByPropertyName).Count) { $how += 'ByPropertyName' }
    if ($how.Count) { "True ($($how -join ', '))" } else { 'False' }
}

function Get-ParameterFacts {
    <# The help facts of every documented parameter of a cmdlet: name -> ordered dictionary of MAML attributes. #>
    param([Parameter(Mandatory)] [System.Management.Automation.CommandInfo] $Command)
    $facts = [ordered]@{}
    foreach ($p in $Command.Parameters.Values | Where-Object { $_.Name -notin $script:Common -and $_.Name -notin $script:OptionalCommon }) {
        $sets = @($p.ParameterSets.Values)
        $positions = @($sets | ForEach-Object Position | Where-Object { $_ -ge 0 } | Sort-Object -Unique)
        $wild = [bool]@($p.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }).Count
        $facts[$p.Name] = [ordered]@{
            required       = if (@($sets | Where-Object { -not $_.IsMandatory }).Count -eq 0) { 'true' } else { 'false' }
            variableLength = if ($p.ParameterType.IsArray) { 'true' } else { 'false' }
            globbing       = if ($wild) { 'true' } else { 'false' }
            pipelineInput  = Get-PipelineInput $p
            position       = if ($positions.Count -eq 1) { "$($positions[0])" } else { 'named' }
            aliases        = if ($p.Aliases.Count) { $p.Aliases -join ', ' } else { 'none' }
        }
    }
    $facts
}

function Get-TypeName([type] $Type) {
    if ($Type -eq [System.Management.Automation.SwitchParameter]) { return $null }
    $Type.Name
}

function Update-HelpXml {
    <# Rewrites the syntax and the parameter attributes of every cmdlet in the help file from the loaded module. #>
    param([Parameter(Mandatory)] [string] $HelpPath, [Parameter(Mandatory)] [string] $ModuleName)
    $xml = [xml]::new()
    $xml.PreserveWhitespace = $true
    $xml.Load($HelpPath)
    $ns = [System.Xml.XmlNamespaceManager]::new($xml.NameTable)
    $ns.AddNamespace('maml', $script:Maml); $ns.AddNamespace('command', $script:Command); $ns.AddNamespace('dev', $script:Dev)
    foreach ($node in $xml.SelectNodes('//command:command', $ns)) {
        $name = $node.SelectSingleNode('command:details/command:name', $ns).InnerText.Trim()
        $cmd = Get-Command $name -Module $ModuleName -ErrorAction Stop
        $facts = Get-ParameterFacts $cmd

        # Syntax: one item per parameter set, the default set first, parameters in the order PowerShell lists them.
        $syntax = $node.SelectSingleNode('command:syntax', $ns)
        $indent = "`n    "
        $syntax.RemoveAll()
        $sets = @($cmd.ParameterSets | Sort-Object { -not $_.IsDefault })
        foreach ($set in $sets) {
            $item = $xml.CreateElement('command', 'syntaxItem', $script:Command)
            $item.AppendChild($xml.CreateTextNode("$indent    ")) | Out-Null
            $item.AppendChild($xml.CreateElement('maml', 'name', $script:Maml)).InnerText = $name
            $ordered = @($set.Parameters | Where-Object { $_.Name -notin $script:Common } |
                Sort-Object @{ Expression = { if ($_.Position -ge 0) { $_.Position } else { [int]::MaxValue } } }, @{ Expression = { -not $_.IsMandatory } })
            foreach ($p in $ordered) {
                $e = $xml.CreateElement('command', 'parameter', $script:Command)
                $e.SetAttribute('required', $(if ($p.IsMandatory) { 'true' } else { 'false' }))
                $e.SetAttribute('position', $(if ($p.Position -ge 0) { "$($p.Position)" } else { 'named' }))
                if ($facts.Contains($p.Name)) { $e.SetAttribute('pipelineInput', $facts[$p.Name].pipelineInput); $e.SetAttribute('globbing', $facts[$p.Name].globbing) }
                $e.AppendChild($xml.CreateElement('maml', 'name', $script:Maml)).InnerText = $p.Name
                # A ValidateSet shows as {A | B | C} in the syntax.
                $validSet = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] })
                if ($validSet.Count) {
                    $group = $xml.CreateElement('command', 'parameterValueGroup', $script:Command)
                    foreach ($v in $validSet[0].ValidValues) {
                        $pv = $xml.CreateElement('command', 'parameterValue', $script:Command)
                        $pv.SetAttribute('required', 'false')
                        $pv.InnerText = $v
                        $group.AppendChild($pv) | Out-Null
                    }
                    $e.AppendChild($group) | Out-Null
                }
                if ($typeName = Get-TypeName $p.ParameterType) {
                    $v = $xml.CreateElement('command', 'parameterValue', $script:Command)
                    $v.SetAttribute('required', 'true')
                    $v.InnerText = $typeName
                    $e.AppendChild($v) | Out-Null
                }
                $item.AppendChild($xml.CreateTextNode("$indent    ")) | Out-Null
                $item.AppendChild($e) | Out-Null
            }
            $item.AppendChild($xml.CreateTextNode("$indent  ")) | Out-Null
            $syntax.AppendChild($xml.CreateTextNode("$indent  ")) | Out-Null
            $syntax.AppendChild($item) | Out-Null
        }
        $syntax.AppendChild($xml.CreateTextNode($indent)) | Out-Null

        # Parameters: the attributes from the code; a missing type or default value gets a placeholder to write.
        foreach ($pnode in $node.SelectNodes('command:parameters/command:parameter', $ns)) {
            $pname = $pnode.SelectSingleNode('maml:name', $ns).InnerText.Trim()
            if (-not $facts.Contains($pname)) { continue }
            $pnode.RemoveAllAttributes()
            foreach ($k in $facts[$pname].Keys) { $pnode.SetAttribute($k, $facts[$pname][$k]) }
            $meta = $cmd.Parameters[$pname]
            if (-not $pnode.SelectSingleNode('dev:type', $ns)) {
                $t = $pnode.AppendChild($xml.CreateElement('dev', 'type', $script:Dev))
                $t.AppendChild($xml.CreateElement('maml', 'name', $script:Maml)).InnerText = $meta.ParameterType.FullName
            }
            if (-not $pnode.SelectSingleNode('dev:defaultValue', $ns)) {
                $d = $xml.CreateElement('dev', 'defaultValue', $script:Dev)
                $d.InnerText = if ($meta.SwitchParameter) { 'False' } else { 'None' }
                $pnode.AppendChild($d) | Out-Null
            }
        }
    }
    $settings = [System.Xml.XmlWriterSettings]@{ Encoding = [System.Text.UTF8Encoding]::new($false) }
    $writer = [System.Xml.XmlWriter]::Create($HelpPath, $settings)
    try { $xml.Save($writer) } finally { $writer.Dispose() }
}

Export-ModuleMember -Function Get-ParameterFacts, Update-HelpXml
