# Get-Help for every command the module exports: real text for everything, and every example actually runs.
#
# The examples run with the current location set to a folder that holds what a user of the help would have:
#   ./photos/team.jpg, party.jpg, holiday.jpg, wedding.jpg, office.jpg, reunion.jpg  (the demo group photos)
#   ./photos/odd [name].jpg                                                           (a name with brackets)
#   ./videos/meeting.mp4 (where ffmpeg is installed: 7 s, four people, a cut to three others, back to the four)
#   ./models/my-embedder.onnx + my-embedder.json                                     (a user's own embedder)
#   ./staff/<person>/*.jpg, ./staff.faces (adapted by Optimize-FaceGallery), ./badge.jpg, ./camera.jpg (two photos of
#   one of them), for examples that name staff: five Caltech people from ../shared (skipped without it)
# Write new examples against these files (relative paths), or add what they need to 'Initialize-ExampleFolder' below.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-FaceNetUnderTest | Out-Null
    $commandCases = foreach ($c in Get-Command -Module FaceNet -CommandType Cmdlet, Function | Sort-Object Name) { @{ Name = $c.Name } }
    $exampleCases = foreach ($c in Get-Command -Module FaceNet -CommandType Cmdlet, Function | Sort-Object Name) {
        $i = 0
        foreach ($ex in @((Get-Help $c.Name -Full).examples.example)) {
            if ($null -eq $ex) { continue }
            $i++
            @{ Name = $c.Name; Number = $i; Title = ($ex.title -replace '^[-\s]+|[-\s]+$', '' -replace '^Example\s+\d+\s*:\s*', ''); Code = [string]$ex.code
               Remarks = (@($ex.remarks) | ForEach-Object { $_.Text }) -join ' ' }
        }
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../build/HelpMetadata.psm1') -Force
    $ctx = Import-FaceNetUnderTest
    $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
}

Describe 'Get-Help <Name>' -ForEach $commandCases {
    BeforeAll {
        $help = Get-Help $Name -Full
        $command = Get-Command $Name
    }

    It 'has a written synopsis, not the generated syntax line' {
        $synopsis = "$($help.Synopsis)".Trim()
        $synopsis | Should -Not -BeNullOrEmpty
        # Without help, PowerShell makes the synopsis from the syntax: 'Get-Face [-Path] <string[]> ...'.
        $synopsis | Should -Not -Match "^$([regex]::Escape($Name))(\s|$)"
        $synopsis | Should -Not -Match 'CommonParameters'
        $synopsis.Length | Should -BeGreaterThan 20
    }

    It 'has a description' {
        $text = (@($help.description) | ForEach-Object { $_.Text }) -join "`n"
        $text.Trim().Length | Should -BeGreaterThan 50
    }

    It 'has at least 2 examples, each with code and an explanation' {
        $examples = @($help.examples.example)
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($ex in $examples) {
            "$($ex.code)".Trim() | Should -Not -BeNullOrEmpty
            (@($ex.remarks) | ForEach-Object { $_.Text }) -join '' | Should -Not -BeNullOrEmpty -Because "example '$($ex.title)' explains itself"
        }
    }

    It 'documents every parameter, and only parameters that exist' {
        $documented = @{}
        foreach ($p in @($help.parameters.parameter)) {
            if ($null -eq $p) { continue }
            $documented[$p.name] = (@($p.description) | ForEach-Object { $_.Text }) -join ''
        }
        $actual = @($command.Parameters.Keys | Where-Object { $_ -notin $common })
        $actual.Count | Should -BeGreaterThan 0
        foreach ($p in $actual) {
            $documented.ContainsKey($p) | Should -BeTrue -Because "-$p of $Name needs a description in the help"
            $documented[$p].Trim() | Should -Not -BeNullOrEmpty -Because "-$p of $Name needs a description in the help"
        }
        foreach ($p in $documented.Keys) { $p | Should -BeIn $actual -Because "the help of $Name documents -$p, which the command does not have" }
    }

    It 'shows in Get-Help -Parameter what the code decides: required, position, pipeline input, wildcards, aliases' {
        # What a user reads: no blank "Default value", "Accept pipeline input?" or "Aliases" line, and the facts true.
        $facts = Get-ParameterFacts $command
        foreach ($p in $facts.Keys) {
            $h = Get-Help $Name -Parameter $p
            $h.required | Should -Be $facts[$p].required -Because "-$p of $Name"
            $h.position | Should -Be $facts[$p].position -Because "-$p of $Name"
            $h.pipelineInput | Should -Be $facts[$p].pipelineInput -Because "-$p of $Name"
            $h.globbing | Should -Be $facts[$p].globbing -Because "-$p of $Name"
            $h.aliases | Should -Be $facts[$p].aliases -Because "-$p of $Name"
            $text = $h | Out-String -Width 200
            foreach ($line in 'Default value', 'Accept pipeline input\?', 'Aliases') {
                $text | Should -Match "(?m)^\s*$line\s+\S" -Because "Get-Help $Name -Parameter $p shows its $line"
            }
        }
    }

    It 'states each parameter''s real default value' {
        $instance = [Activator]::CreateInstance($command.ImplementingType)
        foreach ($p in @($help.parameters.parameter)) {
            $text = "$($p.defaultValue)".Trim()
            $text | Should -Not -BeNullOrEmpty -Because "-$($p.name) of $Name needs a default value in the help"
            $meta = $command.Parameters[$p.name]
            if ($meta.SwitchParameter) { $text | Should -Be 'False'; continue }
            $value = $instance.($p.name)
            # A default set in code must be the one the help states (NaN and empty mean "decided at run time").
            if ($p.name -eq 'ThrottleLimit') { $text | Should -Match 'processor cores'; continue }
            if ($value -is [string] -and $value) { $text | Should -Match ([regex]::Escape($value)) -Because "-$($p.name) of $Name defaults to '$value'" }
            elseif (($value -is [int] -or $value -is [double] -or $value -is [float]) -and -not [double]::IsNaN($value)) {
                $text | Should -Match "^$([regex]::Escape(([double]$value).ToString([cultureinfo]::InvariantCulture)))\b" -Because "-$($p.name) of $Name defaults to $value"
            }
            if ($p.name -eq 'Model') { $text | Should -Not -Be 'None' -Because "-Model of $Name has a default model" }
        }
    }

    It 'describes its input and output types' {
        $help.inputTypes | Should -Not -BeNullOrEmpty
        $help.returnValues | Should -Not -BeNullOrEmpty
        ("$(@($help.returnValues.returnValue)[0].type.name)").Trim() | Should -Not -BeNullOrEmpty
    }

    It 'shows its examples with Get-Help -Examples' {
        $text = Get-Help $Name -Examples | Out-String -Width 200
        $text | Should -Match 'Example 1'
        $text | Should -Match ([regex]::Escape(($help.examples.example | Select-Object -First 1).code.Split("`n")[0].Trim()))
    }
}

Describe 'Example <Number> of <Name>: <Title>' -ForEach $exampleCases {
    BeforeAll {
        $root = Join-Path $TestDrive 'user'
        if (-not (Test-Path $root)) {
            New-Item -ItemType Directory (Join-Path $root 'photos'), (Join-Path $root 'models') | Out-Null
            $map = Get-PhotoNameMap
            # (not \$name: PowerShell variables ignore case, and \$Name is the command under test)
            foreach ($demoName in $map.Keys) { Copy-Item -LiteralPath (Join-Path $ctx.DemoDir $demoName) -Destination (Join-Path $root "photos/$($map[$demoName])") }
            Copy-Item -LiteralPath (Join-Path $ctx.DemoDir 'sample1.jpg') -Destination (Join-Path $root 'photos/odd [name].jpg')
            # ./videos/meeting.mp4: the test clip (four people, a cut to three others, back to the four), where ffmpeg is installed.
            if (Test-FFmpeg) { New-Item -ItemType Directory (Join-Path $root 'videos') | Out-Null; $null = New-TestClip (Join-Path $root 'videos/meeting.mp4') }
            # A user's own embedder: the shipped default one under another name, with its descriptor.
            $manifest = Get-Content -LiteralPath (Join-Path $ctx.ModuleDir 'models/models.json') -Raw | ConvertFrom-Json
            $entry = @($manifest.models | Where-Object { $_.kind -eq 'Embedder' -and $_.PSObject.Properties['file'] -and $_.file })[0]
            Copy-Item -LiteralPath (Join-Path $ctx.ModuleDir "models/$($entry.file)") -Destination (Join-Path $root 'models/my-embedder.onnx')
            $entry.name = 'MyEmbedder'; $entry.file = 'my-embedder.onnx'
            $entry | ConvertTo-Json -Depth 10 | Set-Content -LiteralPath (Join-Path $root 'models/my-embedder.json')
        }
    }
    BeforeEach { Push-Location -LiteralPath $root }
    AfterEach { Pop-Location }

    It 'runs without error and writes output' {
        # Shared-gallery examples name their database by $env:FACENET_GALLERY, as a user's script would: here a new
        # database of the test cluster (build.ps1 -Task Test starts one where PostgreSQL is installed).
        if ($Code -match 'videos/' -and -not (Test-FFmpeg)) {
            Set-ItResult -Skipped -Because 'it reads a video, and ffmpeg is not installed (Debian: apt-get install ffmpeg)'
            return
        }
        if ($Code -match 'staff') {
            $staff = Get-TestStaffFolder -Adapted
            if (-not $staff) {
                Set-ItResult -Skipped -Because 'it needs labelled photos of five people: the Caltech faces of ../shared/data are not beside the repository'
                return
            }
            Copy-Item -LiteralPath (Join-Path $staff 'staff') -Destination $root -Recurse -Force
            Copy-Item -LiteralPath (Join-Path $staff 'adapted.faces') -Destination (Join-Path $root 'staff.faces') -Force
            Copy-Item -LiteralPath (Get-ChildItem -LiteralPath (Join-Path $staff 'staff/man_01') -File | Sort-Object Name)[0].FullName -Destination (Join-Path $root 'badge.jpg')
            Copy-Item -LiteralPath (Join-Path $staff 'later/man_01.jpg') -Destination (Join-Path $root 'camera.jpg')
        }
        if ($Code -match 'FACENET_GALLERY') {
            $env:FACENET_GALLERY = New-TestGalleryDatabase
            if (-not $env:FACENET_GALLERY) {
                Set-ItResult -Skipped -Because 'it needs a PostgreSQL server: no test cluster (FACENET_TEST_PG) is running'
                return
            }
        }
        # Strip a 'PS C:\>' style prompt if an example carries one.
        $text = ($Code -split "`r?`n" | ForEach-Object { $_ -replace '^\s*PS(\s+[^>]*)?>\s?', '' }) -join "`n"
        $text.Trim() | Should -Not -BeNullOrEmpty
        $block = [scriptblock]::Create($text)
        $thrown = $null
        $all = @()
        # Warnings are captured (not leaked into the test run's output) and asserted: an example may warn only about
        # a photo's several faces, and then its explanation says so.
        try { $all = @(& { $ErrorActionPreference = 'Continue'; $WarningPreference = 'Continue'; & $block } 2>&1 3>&1) } catch { $thrown = $_ }
        $thrown | Should -BeNullOrEmpty -Because "the example must not throw: $thrown"
        $errors = @($all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $errors.Count | Should -Be 0 -Because "the example wrote: $($errors -join '; ')"
        $warnings = @($all | Where-Object { $_ -is [System.Management.Automation.WarningRecord] })
        foreach ($w in $warnings) {
            $w.Message | Should -Match "^'[^']+' has \d+ faces; comparing the most prominent one" -Because 'only the several-faces warning is expected from an example'
            $Remarks | Should -Match 'warn|faces' -Because "example $Number of $Name warns ('$($w.Message)'), and its explanation should say why"
        }
        $output = @($all | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] -and $_ -isnot [System.Management.Automation.WarningRecord] })
        $output.Count | Should -BeGreaterThan 0
        # What the user sees must render too (format views, calculated properties).
        ($output | Out-String -Width 120).Trim() | Should -Not -BeNullOrEmpty
    }
}

Describe 'Get-Help about_FaceNet' {
    BeforeAll {
        $about = (Get-Help about_FaceNet | Out-String -Width 200)
        $manifest = Get-Content -LiteralPath (Join-Path $ctx.ModuleDir 'models/models.json') -Raw | ConvertFrom-Json
        $default = $manifest.models | Where-Object name -eq $manifest.defaultEmbedder
        $lines = $about -split "`r?`n"
        function Format-Rate([double] $r) { if ($r -eq 0) { '0' } else { $r.ToString('0.0e-0', [cultureinfo]::InvariantCulture) } }
    }

    It 'is found, and names the default model and the three sets of photos' {
        $about | Should -Match 'about_FaceNet'
        $about | Should -Match "$($manifest.defaultEmbedder) \(the default\)"
        foreach ($d in $default.falseMatchRates.domains) { $about | Should -Match "\b$([regex]::Escape($d.name))\b" }
        @($default.falseMatchRates.domains).Count | Should -BeGreaterOrEqual 3
    }

    It 'states the false match rate per set of the default model''s -FalseMatchRate <Rate> threshold as the manifest measured it' -ForEach @(
        @{ Rate = 0.01 }, @{ Rate = 0.001 }, @{ Rate = 0.0001 }, @{ Rate = 0.00001 }) {
        $row = $default.falseMatchRates.rows | Where-Object { [math]::Abs($_.rate - $Rate) -lt $Rate * 1e-6 }
        $row | Should -Not -BeNullOrEmpty
        $line = $lines | Where-Object { $_ -match "-FalseMatchRate $([regex]::Escape($Rate.ToString('0.#####', [cultureinfo]::InvariantCulture)))\s" }
        $line | Should -Not -BeNullOrEmpty -Because "about_FaceNet should list -FalseMatchRate $Rate"
        $line | Should -Match ([regex]::Escape($row.threshold.ToString('0.0000', [cultureinfo]::InvariantCulture)))
        $cells = @($row.domains | ForEach-Object { Format-Rate $_.measuredRate })
        ($line -split '\s+' | Select-Object -Last $cells.Count) -join ' ' | Should -Be ($cells -join ' ')
    }

    It 'states the default model''s default threshold, which keeps false matches at or below 0.1% on every set' {
        $about | Should -Match ([regex]::Escape(([double]$default.defaultThreshold).ToString('0.0000', [cultureinfo]::InvariantCulture)))
        $row = $default.falseMatchRates.rows | Where-Object { [math]::Abs($_.rate - 0.001) -lt 1e-9 }
        [double]$default.defaultThreshold | Should -BeGreaterOrEqual ([double]$row.threshold)
        foreach ($d in $row.domains) { [double]$d.measuredRate | Should -BeLessOrEqual 0.001 -Because "$($d.domain) at the 0.001 threshold" }
    }
}
