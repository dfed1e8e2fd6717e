# The README is a promise: every ```powershell block in it runs, in a folder laid out as its examples assume,
# without an error, and shows what it says. Blocks are read from README.md itself, so an edited example is tested.
BeforeDiscovery {
    $readme = Join-Path $PSScriptRoot '../../README.md'
    $text = Get-Content -LiteralPath $readme -Raw
    $blockCases = @([regex]::Matches($text, '(?ms)^```powershell\r?\n(.*?)^```') | ForEach-Object -Begin { $n = 0 } -Process {
            $n++
            @{ Number = $n; Code = $_.Groups[1].Value; Line = ($text.Substring(0, $_.Index) -split "`n").Count }
        })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $ctx = Import-FaceNetUnderTest
    # The folder a README reader has: photos, a name with brackets, a badge crop and an HR photo of one person,
    # people sorted into folders, an inbox and a library.
    $root = Join-Path $TestDrive 'reader'
    foreach ($d in 'photos', 'people/team', 'people/party', 'inbox', 'library/2019', 'library/2020') { New-Item -ItemType Directory (Join-Path $root $d) -Force | Out-Null }
    foreach ($n in 1..6) { Copy-Item -LiteralPath (Join-Path $ctx.DemoDir "sample$n.jpg") -Destination (Join-Path $root 'photos') }
    Copy-Item -LiteralPath (Join-Path $ctx.DemoDir 'sample1.jpg') -Destination (Join-Path $root 'odd [name].jpg')
    Copy-Item -LiteralPath (Join-Path $ctx.DemoDir 'sample1.jpg') -Destination (Join-Path $root 'hr.jpg')
    # The badge: the largest face of hr.jpg cut to its box, as an ID badge holds it.
    $largest = Get-Face (Join-Path $root 'hr.jpg') | Sort-Object { $_.Width * $_.Height } -Descending | Select-Object -First 1
    New-RescaledCrop -Source (Join-Path $root 'hr.jpg') -Path (Join-Path $root 'badge.jpg') -X ([int]$largest.X) -Y ([int]$largest.Y) `
        -Width ([int]$largest.Width) -Height ([int]$largest.Height) -Scale (120 / $largest.Width) -Quality 90
    Copy-Item -LiteralPath (Join-Path $ctx.DemoDir 'sample1.jpg') -Destination (Join-Path $root 'people/team')
    Copy-Item -LiteralPath (Join-Path $ctx.DemoDir 'sample2.jpg') -Destination (Join-Path $root 'people/party')
    Copy-Item -LiteralPath (Join-Path $ctx.DemoDir 'sample3.jpg') -Destination (Join-Path $root 'inbox')
    Copy-Item -LiteralPath (Join-Path $ctx.DemoDir 'sample4.jpg'), (Join-Path $ctx.DemoDir 'sample5.jpg') -Destination (Join-Path $root 'library/2019')
    Copy-Item -LiteralPath (Join-Path $ctx.DemoDir 'sample6.jpg'), (Join-Path $ctx.DemoDir 'sample1.jpg') -Destination (Join-Path $root 'library/2020')
}

Describe 'README example block <Number> (README.md line <Line>)' -ForEach $blockCases {
    BeforeAll { Push-Location -LiteralPath $root }
    AfterAll { Pop-Location }

    It 'runs line by line without an error, and every line shows something or writes its file' {
        # The shared-gallery block names its database by $env:FACENET_GALLERY: here a new database of the test cluster.
        if ($Code -match 'FACENET_GALLERY') {
            $env:FACENET_GALLERY = New-TestGalleryDatabase
            if (-not $env:FACENET_GALLERY) {
                Set-ItResult -Skipped -Because 'it needs a PostgreSQL server: no test cluster (FACENET_TEST_PG) is running'
                return
            }
        }
        foreach ($line in $Code -split "`r?`n" | Where-Object { $_.Trim() -and -not $_.TrimStart().StartsWith('#') }) {
            $all = @(& { $ErrorActionPreference = 'Continue'; & ([scriptblock]::Create($line)) } 2>&1 3>&1)
            $errors = @($all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
            $errors.Count | Should -Be 0 -Because "'$line' wrote: $($errors -join '; ')"
            foreach ($w in $all | Where-Object { $_ -is [System.Management.Automation.WarningRecord] }) {
                $w.Message | Should -Match "has \d+ faces; comparing the most prominent one" -Because "'$line' may warn only that a photo has several faces"
            }
            $output = @($all | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] -and $_ -isnot [System.Management.Automation.WarningRecord] })
            if ($line -match 'Export-Face(Annotation|Gallery|Report)\s+-Path\s+(\S+)') {
                Test-Path -LiteralPath $Matches[2] | Should -BeTrue -Because "'$line' writes $($Matches[2])"
            }
            else {
                $output.Count | Should -BeGreaterThan 0 -Because "'$line' shows its result"
                ($output | Out-String -Width 120).Trim() | Should -Not -BeNullOrEmpty
            }
            if ($line -match "^if \(Test-FaceMatch badge\.jpg hr\.jpg\)") { $output | Should -Be 'same person' }
        }
    }
}
