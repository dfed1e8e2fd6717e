# The package as a user installs it (issue 25): out/package/FaceNet.<version>.nupkg, built by build.ps1 -Task Package
# (and once by -Task Test before Pester runs), installed with Install-PSResource from a local file repository into an
# empty home, then imported by name in a new pwsh that sees only that home's module folder, and run on a photo.
BeforeDiscovery {
    # Install-PSResource -Scope CurrentUser writes under HOME on Linux and macOS; on Windows it is the Documents folder,
    # which no environment variable moves, so there the CI workflow (.github/workflows/package.yml) installs for real.
    $script:skipInstall = $IsWindows
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $ctx = Get-FaceNetTestContext
    $packageDir = if ($env:FACENET_PACKAGE) { Split-Path ([IO.Path]::GetFullPath($env:FACENET_PACKAGE)) -Parent } else { Join-Path $ctx.RepoRoot 'out/package' }
    $version = (Import-PowerShellDataFile (Join-Path $ctx.RepoRoot 'FaceNet.psd1')).ModuleVersion
    $nupkg = Join-Path $packageDir "FaceNet.$version.nupkg"
    if (-not (Test-Path $nupkg)) { throw "The package is not built at '$nupkg'. Run: dotnet pwsh ./build.ps1 -Task Package" }
    $photo = Join-Path $ctx.DemoDir 'sample1.jpg'

    # A child pwsh (the running one's own pwsh.dll, so no dotnet tool lookup under the changed HOME) with an empty home.
    function Invoke-Child([string] $Script, [string] $HomeDir) {
        $saved = @{ HOME = $env:HOME; XDG_DATA_HOME = $env:XDG_DATA_HOME; XDG_CONFIG_HOME = $env:XDG_CONFIG_HOME; XDG_CACHE_HOME = $env:XDG_CACHE_HOME; PSModulePath = $env:PSModulePath }
        try {
            $env:HOME = $HomeDir
            $env:XDG_DATA_HOME = $null; $env:XDG_CONFIG_HOME = $null; $env:XDG_CACHE_HOME = $null
            # Only the new home's module folder and pwsh's own: a FaceNet from -Task Install must not be found instead.
            $env:PSModulePath = Join-Path $HomeDir '.local/share/powershell/Modules'
            $out = & dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $Script 2>&1
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($out | Out-String) }
        }
        finally { foreach ($k in $saved.Keys) { Set-Item "Env:$k" $saved[$k] } }
    }
}

Describe 'The FaceNet package' {
    It 'has the native libraries of every platform it ships, by their file headers' {
        { & (Join-Path $ctx.RepoRoot 'tools/Test-PackageNatives.ps1') -ModulePath $nupkg 6>$null } | Should -Not -Throw
    }

    It 'is refused by an older PowerShell at the manifest, before any assembly loads (as 5.1 refuses 7.4)' {
        # The manifest alone, without the dll, asking for a PowerShell newer than any: the version check must come
        # first, or this would fail on the missing RootModule instead. Windows PowerShell 5.1 takes the same path.
        $dir = Join-Path $TestDrive 'FaceNet'
        New-Item -ItemType Directory $dir | Out-Null
        (Get-Content (Join-Path $ctx.RepoRoot 'FaceNet.psd1') -Raw) -replace "PowerShellVersion\s*=\s*'7.4'", "PowerShellVersion = '99.0'" | Set-Content (Join-Path $dir 'FaceNet.psd1')
        Copy-Item (Join-Path $ctx.RepoRoot 'src/FaceNet.PowerShell/FaceNet.format.ps1xml') $dir # the manifest's other files are checked too
        $err = $null
        try { Import-Module (Join-Path $dir 'FaceNet.psd1') -Force -ErrorAction Stop } catch { $err = $_ }
        "$($err.FullyQualifiedErrorId)" | Should -BeLike 'Modules_InsufficientPowerShellVersion*'
        "$err" | Should -Match "requires a minimum PowerShell version of '99.0'"
    }

    It 'holds the module once, no symbols, and natives only for the platforms it ships' {
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead($nupkg)
        try { $names = @($zip.Entries.FullName) } finally { $zip.Dispose() }
        $names | Should -Contain 'FaceNet.psd1'
        $names | Should -Contain 'FaceNet.PowerShell.dll'
        $names | Should -Contain 'models/models.json'
        @($names | Where-Object { $_ -match '\.pdb$|\.lib$|\.deps\.json$' }) | Should -BeNullOrEmpty
        @($names | Where-Object { $_ -like '*/FaceNet.Engine.dll' }) | Should -BeNullOrEmpty -Because 'managed assemblies sit once, at the root'
        $rids = @($names | Where-Object { $_ -like 'runtimes/*' } | ForEach-Object { $_.Split('/')[1] } | Sort-Object -Unique)
        $rids | Should -Be @('linux-arm64', 'linux-x64', 'osx', 'osx-arm64', 'win-x64')
    }

    It 'installs with Install-PSResource from a local repository and runs Get-Face after Import-Module FaceNet' -Skip:$skipInstall {
        $homeDir = Join-Path $TestDrive 'home'
        New-Item -ItemType Directory $homeDir | Out-Null
        # The README's install block, as written (its -Uri is the repository's out/package, this package's folder).
        $readme = Get-Content (Join-Path $ctx.RepoRoot 'README.md') -Raw
        $block = [regex]::Match($readme, '(?ms)^```pwsh\r?\n(.*?)^```').Groups[1].Value
        $block | Should -Match 'Install-PSResource FaceNet'
        $install = "`$ErrorActionPreference = 'Stop'; Set-Location '$($ctx.RepoRoot)'`n" + ($block -replace '(?m)^Import-Module FaceNet\s*$', '')
        $r = Invoke-Child $install $homeDir
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $installed = Join-Path $homeDir ".local/share/powershell/Modules/FaceNet/$version"
        Test-Path (Join-Path $installed 'FaceNet.psd1') | Should -BeTrue -Because $r.Output

        $run = @"
`$ErrorActionPreference = 'Stop'
Import-Module FaceNet
`$faces = @(Get-Face -LiteralPath '$photo')
'BASE=' + (Get-Module FaceNet).ModuleBase
'FACES=' + `$faces.Count
"@
        $r = Invoke-Child $run $homeDir
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match ([regex]::Escape("BASE=$installed"))
        $r.Output | Should -Match "FACES=$((Get-ExpectedFaceCount)['sample1.jpg'])\b"
    }
}
