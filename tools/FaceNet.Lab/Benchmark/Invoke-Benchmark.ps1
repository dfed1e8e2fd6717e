#Requires -Version 7.4
<#
.SYNOPSIS
    Speed benchmark (issues 5 and 13): the machine (CPU model, SIMD features, ONNX Runtime version), each model's
    per-pass time and graph optimisation level, end-to-end images/s in a child pwsh, per-stage medians, models-only
    throughput and pipeline efficiency, cold start, peak RSS, the face-api peer side by side, and (with -Memory) RSS
    over 5,000 photos. Prints PASS/FAIL per target and writes out/bench/summary.md.
.DESCRIPTION
    Run through the single entry point, which builds the module and fetches the demo photos first:
        dotnet pwsh ./build.ps1 -Task Benchmark [-SkipPeer] [-Memory]
    Workloads: (a) the first 300 LFW photos (250x250) by path in ordinal order; (b) the face-api demo
    photos sample1-6.jpg (1920 px) and 4000x3000 JPEG (q90) copies of them made here under out/bench/; (c) many
    faces at 12 MP: the lab's crowd canvases (4000x3000, 16 LFW faces each), with a stage table of where a photo's
    time goes. The peer comparison alternates rounds of ours and of the peer's two processes and prints the spread;
    pipeline efficiency replays YuNet's own passes on pre-made tensors, and compares like with like: models-only in a
    process that has run the passes before, end to end in a pwsh that has run the photos before (its first run, which
    also pays .NET's tiered JIT, is printed beside it).
#>
[CmdletBinding()]
param(
    [string] $Root = (Resolve-Path (Join-Path $PSScriptRoot '../../..')).Path,
    [string] $Lfw,
    [int] $LfwCount = 300,
    # Times the demo photos are repeated in workload (b)'s end-to-end runs.
    [int] $CameraRepeat = 3,
    [switch] $SkipPeer,
    [switch] $Memory,
    # Only the memory run; its result (out/bench/memory.json) goes into the next full run's summary.
    [switch] $MemoryOnly,
    # Rebuild the summary from out/bench/*.json of the last run without measuring again.
    [switch] $ReportOnly,
    [int] $MemoryPhotos = 5000,
    [int] $ColdStartRuns = 3,
    [int] $PairedRounds = 3,
    # Canvases of the many-face workload (c), and the rounds of the peer comparison (ours and the peer's two processes, alternating).
    [int] $CrowdCanvases = 12,
    [int] $PeerRounds = 3
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
class FaceNetBenchmarkFeatures { static [string] $List = 'avx2, fma, avx512f, avx512bw, avx512_vnni, avx512_bf16, avx512_fp16, amx_tile, amx_bf16, amx_int8' }
$inv = [System.Globalization.CultureInfo]::InvariantCulture
$Out = Join-Path $Root 'out'
$Bench = Join-Path $Out 'bench'
$ModuleManifest = Join-Path $Out 'FaceNet/FaceNet.psd1'
$SharedDir = Join-Path (Split-Path $Root -Parent) 'shared'
if (-not $Lfw) { $Lfw = Join-Path $SharedDir 'data/lfw-view1' }
$DemoDir = Join-Path $Root 'tests/.data/face-api-1.7.15/demo'
$PwshDll = Join-Path $PSHOME 'pwsh.dll'
$Tool = Join-Path $Root 'tools/FaceNet.Lab'
$ToolDll = Join-Path $Tool 'bin/Release/net10.0/FaceNet.Lab.dll'
New-Item -ItemType Directory $Bench -Force | Out-Null

function F($x, [string] $fmt = '0.0') { if ($null -eq $x -or [double]::IsNaN([double]$x)) { 'n/a' } else { ([double]$x).ToString($fmt, $inv) } }
function Get-Load { ((Get-Content /proc/loadavg -Raw) -split ' ')[0..2] -join ' ' }
function Get-LoadMax { [double]::Parse(((Get-Content /proc/loadavg -Raw) -split ' ')[0], $inv) }
$loads = [System.Collections.Generic.List[string]]::new()
function Note-Load([string] $what) { $l = Get-Load; $loads.Add("$what`: $l"); Write-Host "  (load average $l)" -ForegroundColor DarkGray }
function Quote([string] $s) { "'" + $s.Replace("'", "''") + "'" }
function Median([double[]] $v) { $s = @($v | Sort-Object); if ($s.Count % 2) { $s[[int][math]::Floor($s.Count / 2)] } else { ($s[$s.Count / 2 - 1] + $s[$s.Count / 2]) / 2 } }

if (-not (Test-Path $ModuleManifest)) { throw "The module is not built ($ModuleManifest). Run ./build.ps1 -Task Benchmark, which builds it first." }
# A private copy: other build.ps1 runs may rebuild out/FaceNet while this runs.
if (-not $ReportOnly) {
    $snap = Join-Path $Bench 'FaceNet'
    if (Test-Path $snap) { Remove-Item $snap -Recurse -Force }
    Copy-Item (Split-Path $ModuleManifest) $snap -Recurse
}
$ModuleManifest = Join-Path $Bench 'FaceNet/FaceNet.psd1'
$commit = (& git -C $Root rev-parse --short HEAD 2>$null); if (-not $commit) { $commit = '(not a git checkout)' }
if (-not (Test-Path $Lfw)) { throw "LFW folder '$Lfw' not found (expected ../shared/data/lfw-view1)." }
if (-not (Test-Path (Join-Path $DemoDir 'sample1.jpg'))) { throw "Demo photos missing in $DemoDir; run ./build.ps1 -Task TestData." }

Write-Host "== Building tools/FaceNet.Lab"
& dotnet build $Tool -c Release --nologo -v quiet | Out-Null
if ($LASTEXITCODE -ne 0) { throw 'Building tools/FaceNet.Lab failed.' }

# ---- Workload lists -------------------------------------------------------------------------------
[string[]] $allLfw = [System.IO.Directory]::GetFiles($Lfw, '*.jpg', [System.IO.SearchOption]::AllDirectories)
[Array]::Sort($allLfw, [StringComparer]::Ordinal)
$lfwList = Join-Path $Bench 'lfw.txt'
Set-Content $lfwList ($allLfw | Select-Object -First $LfwCount)
$demo = 1..6 | ForEach-Object { Join-Path $DemoDir "sample$_.jpg" }
$demoList = Join-Path $Bench 'demo1920.txt'
Set-Content $demoList $demo
$camDir = Join-Path $Bench 'camera12mp'
& dotnet $ToolDll benchmark upscale --out $camDir --width 4000 --height 3000 --quality 90 @demo | Out-Null
if ($LASTEXITCODE -ne 0) { throw 'Making the 12 MP copies failed.' }
$camList = Join-Path $Bench 'camera12mp.txt'
Set-Content $camList (1..6 | ForEach-Object { Join-Path $camDir "sample$_-4000x3000.jpg" })
# (c) Many faces at 12 MP (issue 26): the lab's crowd canvases, 4000x3000 with 16 LFW faces each (20-300 px), made
# deterministically (seed 1) from LFW; the same run prints YuNet's recall by face size on them, to show it unchanged.
$crowdDir = Join-Path $Bench 'crowd'
$crowdRecall = Join-Path $Bench 'crowd-recall.txt'
if (-not $ReportOnly -and -not $MemoryOnly) {
    Write-Host "`n== Many-face 12 MP canvases: FaceNet.Lab crowd --canvases $CrowdCanvases --per-canvas 16 (YuNet's recall on them below)"
    if (Test-Path $crowdDir) { Remove-Item $crowdDir -Recurse -Force }
    $lines = & dotnet $ToolDll crowd --faces $Lfw --canvases $CrowdCanvases --per-canvas 16 --detectors YuNet --save-canvases $crowdDir 2>$null
    if ($LASTEXITCODE -ne 0) { throw 'Making the crowd canvases failed.' }
    $lines | Set-Content $crowdRecall
    $lines | Select-Object -Skip 2 | Where-Object { $_ -and $_ -notlike 'MTCNN stages*' } | ForEach-Object { Write-Host "  $_" }
}
$crowdList = Join-Path $Bench 'crowd12mp.txt'
Set-Content $crowdList (1..$CrowdCanvases | ForEach-Object { Join-Path $crowdDir "canvas-4000x3000-$_.jpg" })
$workloads = [ordered]@{
    'lfw300'     = @{ List = $lfwList; Repeat = 1; Label = "(a) LFW $LfwCount x 250x250" }
    'demo1920'   = @{ List = $demoList; Repeat = 2 * $CameraRepeat; Label = "(b) face-api demo 1-6, 1920 px" }
    'camera12mp' = @{ List = $camList; Repeat = $CameraRepeat; Label = "(b) same at 4000x3000 (12 MP)" }
    'crowd12mp'  = @{ List = $crowdList; Repeat = 2; Label = "(c) crowd canvases 4000x3000, 16 faces each"; DefaultOnly = $true }
}

$defaultModel = (Get-Content (Join-Path $Root 'models/models.json') -Raw | ConvertFrom-Json).defaultEmbedder
$models = @($defaultModel, 'MobileFaceNet', 'Ensemble') | Select-Object -Unique
Write-Host "Default embedder (models.json): $defaultModel; models measured: $($models -join ', ')"
Note-Load 'start'

# ---- The machine and each model's pass ----------------------------------------------------------------
# A figure is only as good as the CPU it came from: denormal arithmetic, SIMD paths and ONNX Runtime's kernels differ
# between AMD and Intel (AVX-512, AMX). Per-pass times on real and random inputs, denormals flushed or kept.
$passesJson = Join-Path $Bench 'passes.json'
if (-not $ReportOnly) {
    Write-Host "`n== The machine, and one pass of each model"
    & dotnet $ToolDll benchmark passes --list $lfwList --camera (Join-Path $camDir 'sample2-4000x3000.jpg') --json $passesJson
    if ($LASTEXITCODE -ne 0) { throw 'Per-pass timing failed.' }
    Note-Load 'passes'
}
$passes = Get-Content $passesJson -Raw | ConvertFrom-Json

# ---- End to end in a child pwsh ------------------------------------------------------------------
function Get-EndToEndScript([string] $List, [int] $Repeat, [string] $Model, [switch] $Warm) {
    $modelArg = if ($Model) { "-Model $Model" } else { '' }
    # -Warm: the same photos again in the same process; the second run has nothing left to compile.
    $warmRun = if ($Warm) { "`$sw2 = [Diagnostics.Stopwatch]::StartNew(); `$null = @(`$items | Get-FaceEmbedding $modelArg); `$sw2.Stop(); `$warmSeconds = `$sw2.Elapsed.TotalSeconds" } else { "`$warmSeconds = `$null" }
    @"
`$ErrorActionPreference = 'Stop'
Import-Module $(Quote $ModuleManifest)
`$paths = Get-Content $(Quote $List)
`$items = @(foreach (`$r in 1..$Repeat) { `$paths | Get-Item })
`$null = `$items[0] | Get-FaceEmbedding $modelArg   # sessions loaded before timing, as the peer's wall_s leaves out model load
`$jit0 = [System.Runtime.JitInfo]::GetCompilationTime()
`$sw = [Diagnostics.Stopwatch]::StartNew()
`$out = @(`$items | Get-FaceEmbedding $modelArg)
`$sw.Stop()
`$jit = ([System.Runtime.JitInfo]::GetCompilationTime() - `$jit0).TotalSeconds
$warmRun
`$hwm = [double]((Select-String -Path /proc/self/status -Pattern '^VmHWM:\s+(\d+)').Matches[0].Groups[1].Value) / 1024
`$withFace = @(`$out | ForEach-Object Path | Sort-Object -Unique).Count
'RESULT ' + (@{ images = `$items.Count; faces = `$out.Count; seconds = `$sw.Elapsed.TotalSeconds; warm_seconds = `$warmSeconds; jit_seconds = `$jit; model = (@(`$out)[0].Model); no_face = `$paths.Count - `$withFace; peak_rss_mb = `$hwm } | ConvertTo-Json -Compress)
"@
}

function Invoke-EndToEnd([string] $List, [int] $Repeat, [string] $Model) {
    $script = Get-EndToEndScript $List $Repeat $Model
    $lines = & dotnet $PwshDll -NoProfile -NonInteractive -Command $script 2>&1
    $line = $lines | Where-Object { "$_" -like 'RESULT *' } | Select-Object -Last 1
    if (-not $line) { throw "End-to-end run failed:`n$($lines -join "`n")" }
    $r = "$line".Substring(7) | ConvertFrom-Json
    $r | Add-Member images_per_sec ($r.images / $r.seconds)
    $r | Add-Member faces_per_sec ($r.faces / $r.seconds)
    $r
}

# ---- Engine stages and models-only ------------------------------------------------------------------
$stages = @{}
if ($MemoryOnly) { $workloads = [ordered]@{}; $SkipPeer = [switch]$true; $Memory = [switch]$true }
$measure = -not $ReportOnly
if ($ReportOnly) { foreach ($w in $workloads.Keys) { $stages[$w] = Get-Content (Join-Path $Bench "stages-$w.json") -Raw | ConvertFrom-Json } }
foreach ($w in ($measure ? $workloads.Keys : @())) {
    Write-Host "`n== Stages and models-only: $($workloads[$w].Label)"
    $json = Join-Path $Bench "stages-$w.json"
    # Small workloads: repeat the models-only loop so it runs for a few seconds.
    $rep = if ($w -eq 'lfw300') { 1 } else { 2 }
    $arr = if ($w -eq 'lfw300') { '1x1,1x2,2x1' } else { '1x1,2x1' }
    # On LFW the efficiency target is measured in back-to-back pairs (models-only, then a new pwsh end to end; 3 rounds):
    # like for like, the pwsh's second run of the photos against models-only's replay in a process that ran them all.
    $paired = @()
    if ($w -eq 'lfw300') {
        $pairedScript = Join-Path $Bench 'e2e-lfw300-Ensemble.ps1'
        Set-Content $pairedScript (Get-EndToEndScript $workloads[$w].List 1 ($defaultModel -ne 'Ensemble' ? 'Ensemble' : '') -Warm)
        $paired = @('--paired-script', $pairedScript, '--pwsh', $PwshDll, '--paired-model', 'Ensemble', '--paired-rounds', $PairedRounds)
    }
    if ($w -eq 'crowd12mp') {
        # Where the time goes on a many-face photo: decode, each YuNet level and tile, landmarks, each embedder.
        $manyOut = & dotnet $ToolDll benchmark manyface --list $workloads[$w].List --json $json
        if ($LASTEXITCODE -ne 0) { throw "Stage timing failed for $w." }
        $manyOut | Set-Content (Join-Path $Bench 'manyface.txt')
        $manyOut | ForEach-Object { Write-Host "  $_" }
        $stages[$w] = Get-Content $json -Raw | ConvertFrom-Json
        Note-Load "stages $w"
        continue
    }
    if ($w -eq 'lfw300') { $paired += @('--replay-yunet', 'true') }
    & dotnet $ToolDll benchmark stages --list $workloads[$w].List --workload $w --models ($models -join ',') --arrangements $arr --repeat $rep --json $json @paired
    if ($LASTEXITCODE -ne 0) { throw "Stage timing failed for $w." }
    $stages[$w] = Get-Content $json -Raw | ConvertFrom-Json
    Note-Load "stages $w"
}

$e2e = [ordered]@{}
foreach ($w in ($measure ? $workloads.Keys : @())) {
    foreach ($m in ($workloads[$w]['DefaultOnly'] ? @($defaultModel) : $models)) {
        Write-Host "`n== End to end: $($workloads[$w].Label), $m  (Get-ChildItem | Get-FaceEmbedding$(if ($m -ne $defaultModel) { " -Model $m" }))"
        $r = Invoke-EndToEnd $workloads[$w].List $workloads[$w].Repeat ($m -ne $defaultModel ? $m : '')
        $e2e["$w/$m"] = $r
        Write-Host ("  {0} images, {1} faces in {2} s: {3} images/s, {4} faces/s; no face in {5} photos; model {6}; peak RSS {7} MB" -f `
                $r.images, $r.faces, (F $r.seconds '0.00'), (F $r.images_per_sec), (F $r.faces_per_sec), $r.no_face, $r.model, (F $r.peak_rss_mb '0'))
        Note-Load "e2e $w $m"
    }
}

# ---- Cold start ------------------------------------------------------------------------------------
if ($measure -and -not $MemoryOnly) { Write-Host "`n== Cold start: new dotnet pwsh, Import-Module, first embedding of one photo (default model), $ColdStartRuns runs" }
$photo = $allLfw[0]
$cold = @(); $bare = @()
foreach ($i in ($MemoryOnly -or $ReportOnly ? @() : 1..$ColdStartRuns)) {
    $sw = [Diagnostics.Stopwatch]::StartNew()
    & dotnet $PwshDll -NoProfile -NonInteractive -Command "Import-Module $(Quote $ModuleManifest); `$e = Get-FaceEmbedding -LiteralPath $(Quote $photo); if (-not `$e) { exit 3 }"
    $sw.Stop()
    if ($LASTEXITCODE -ne 0) { throw "Cold-start run failed ($LASTEXITCODE)." }
    $cold += $sw.Elapsed.TotalSeconds
    $sw = [Diagnostics.Stopwatch]::StartNew()
    & dotnet $PwshDll -NoProfile -NonInteractive -Command 'exit 0'
    $sw.Stop()
    $bare += $sw.Elapsed.TotalSeconds
}
$coldMedian = $cold.Count -eq 0 ? [double]::NaN : (Median $cold); $bareMedian = $bare.Count -eq 0 ? [double]::NaN : (Median $bare)
if ($cold.Count) {
    Write-Host "  runs: $(($cold | ForEach-Object { F $_ '0.00' }) -join ', ') s; median $(F $coldMedian '0.00') s (pwsh alone: median $(F $bareMedian '0.00') s)"
    Note-Load 'cold start'
}

# ---- Peer: @vladmandic/face-api on tfjs wasm -----------------------------------------------------------
$peer = $null
if (-not $SkipPeer -and $measure) {
    Write-Host "`n== Peer: @vladmandic/face-api 1.7.15 (tfjs wasm), first $LfwCount LFW photos"
    $peerDir = Join-Path $Out 'peer/faceapi-node'
    if (-not (Test-Path (Join-Path $peerDir 'bench.mjs'))) {
        New-Item -ItemType Directory (Split-Path $peerDir) -Force | Out-Null
        Copy-Item (Join-Path $SharedDir 'peers/faceapi-node') (Split-Path $peerDir) -Recurse
    }
    if (-not (Test-Path (Join-Path $peerDir 'node_modules/@vladmandic/face-api'))) {
        Push-Location $peerDir
        try { & npm ci --no-audit --no-fund | Out-Host; if ($LASTEXITCODE -ne 0) { throw 'npm ci failed for the peer.' } } finally { Pop-Location }
    }
    $res = Join-Path $peerDir 'results'
    New-Item -ItemType Directory $res -Force | Out-Null
    function Read-Summary([string[]] $lines) {
        $s = $lines | Where-Object { "$_" -like 'SUMMARY *' } | Select-Object -Last 1
        if (-not $s) { throw "The peer printed no SUMMARY line:`n$($lines -join "`n")" }
        "$s".Substring(8) | ConvertFrom-Json
    }
    Push-Location $peerDir
    try {
        $one = Read-Summary (& node bench.mjs --backend wasm --limit $LfwCount --progress 0 --out (Join-Path $res 'lfw-one.jsonl') $Lfw 2>$null)
        Write-Host ("  one process: {0} images/s, {1} faces, no face in {2} photos, peak RSS {3} MB" -f (F $one.images_per_sec '0.00'), $one.faces, $one.no_face_images, (F $one.peak_rss_mb '0'))
        Note-Load 'peer one process'
        function Invoke-PeerTwo {
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $procs = 1..2 | ForEach-Object {
                $psi = [Diagnostics.ProcessStartInfo]::new('node')
                foreach ($a in @('bench.mjs', '--backend', 'wasm', '--limit', "$LfwCount", '--progress', '0', '--shard', "$_/2", '--out', (Join-Path $res "lfw-shard$_.jsonl"), $Lfw)) { $psi.ArgumentList.Add($a) }
                $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true; $psi.WorkingDirectory = $peerDir
                $p = [Diagnostics.Process]::Start($psi)
                @{ Process = $p; Out = $p.StandardOutput.ReadToEndAsync(); Err = $p.StandardError.ReadToEndAsync() }
            }
            foreach ($p in $procs) { $p.Process.WaitForExit() }
            $sw.Stop()
            $shards = $procs | ForEach-Object { Read-Summary ($_.Out.Result -split "`n") }
            $twoImages = ($shards | Measure-Object images -Sum).Sum
            $twoLoop = ($shards | Measure-Object wall_s -Maximum).Maximum
            $two = [pscustomobject]@{
                images_per_sec = $twoImages / $twoLoop; process_images_per_sec = $twoImages / $sw.Elapsed.TotalSeconds
                faces = ($shards | Measure-Object faces -Sum).Sum; no_face_images = ($shards | Measure-Object no_face_images -Sum).Sum
            }
            $two
        }
        $two = Invoke-PeerTwo
        Write-Host ("  two processes (--shard 1/2, 2/2): {0} images/s (image loops; {1} images/s by process wall time)" -f (F $two.images_per_sec '0.00'), (F $two.process_images_per_sec '0.00'))
        Note-Load 'peer two processes'
        # The spread of both sides: more rounds of the peer's two processes and of ours (a new pwsh each), alternating,
        # so the 10x holds at the slow end of ours against the fast end of the peer's.
        $peerTwo = [System.Collections.Generic.List[double]]::new(); $peerTwo.Add($two.images_per_sec)
        $oursRounds = [System.Collections.Generic.List[double]]::new(); $oursRounds.Add($e2e["lfw300/$defaultModel"].images_per_sec)
        for ($r = 2; $r -le $PeerRounds; $r++) {
            $o = Invoke-EndToEnd $workloads['lfw300'].List 1 ''
            $oursRounds.Add($o.images_per_sec)
            $t = Invoke-PeerTwo
            $peerTwo.Add($t.images_per_sec)
            Write-Host ("  round {0}: FaceNet ({1}) {2} images/s, peer two processes {3} images/s" -f $r, $defaultModel, (F $o.images_per_sec), (F $t.images_per_sec '0.00'))
        }
        $spread = [pscustomobject]@{
            ours = @($oursRounds); peer = @($peerTwo)
            ours_min = ($oursRounds | Measure-Object -Minimum).Minimum; ours_max = ($oursRounds | Measure-Object -Maximum).Maximum
            peer_min = ($peerTwo | Measure-Object -Minimum).Minimum; peer_max = ($peerTwo | Measure-Object -Maximum).Maximum
        }
        Write-Host ("  spread over {0} rounds: FaceNet {1}-{2} images/s, peer {3}-{4} images/s; slowest of ours / fastest of the peer's: {5}x" -f `
                $PeerRounds, (F $spread.ours_min), (F $spread.ours_max), (F $spread.peer_min '0.00'), (F $spread.peer_max '0.00'), (F ($spread.ours_min / $spread.peer_max) '0.0'))
        Note-Load 'peer rounds'
        $demoPeer = Read-Summary (& node bench.mjs --backend wasm --repeat $CameraRepeat --progress 0 --out (Join-Path $res 'demo.jsonl') @demo 2>$null)
        Write-Host ("  demo 1-6 at 1920 px x{0}: {1} images/s, {2} faces/s" -f $CameraRepeat, (F $demoPeer.images_per_sec '0.00'), (F $demoPeer.faces_per_sec '0.00'))
        Note-Load 'peer demo'
        $peer = @{ One = $one; Two = $two; Demo = $demoPeer; Spread = $spread }
    }
    finally { Pop-Location }
}

# ---- Memory over 5,000 photos ----------------------------------------------------------------------
$results = Join-Path $Bench 'results.json'
if ($measure -and -not $MemoryOnly) {
    @{ e2e = $e2e; cold = $cold; bare = $bare; peer = $peer; loads = $loads } | ConvertTo-Json -Depth 8 | Set-Content $results
}
elseif ($ReportOnly) {
    $saved = Get-Content $results -Raw | ConvertFrom-Json -AsHashtable
    $e2e = $saved.e2e; $cold = @($saved.cold); $bare = @($saved.bare); $peer = $saved.peer; $loads.AddRange([string[]]$saved.loads)
    $coldMedian = Median $cold; $bareMedian = Median $bare
}
$mem = $null
if ($Memory -and $measure) {
    Write-Host "`n== Memory: $MemoryPhotos photos (the $($allLfw.Count) LFW View 1 photos, cycled), default model, output counted and discarded"
    $memList = Join-Path $Bench 'lfw-all.txt'
    Set-Content $memList $allLfw
    $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module $(Quote $ModuleManifest)
`$paths = Get-Content $(Quote $memList)
function Rss { [double]((Select-String -Path /proc/self/status -Pattern '^VmRSS:\s+(\d+)').Matches[0].Groups[1].Value) / 1024 }
`$samples = [ordered]@{}
`$n = 0
`$sw = [Diagnostics.Stopwatch]::StartNew()
& { for (`$i = 0; `$i -lt $MemoryPhotos; `$i++) { if (`$i -gt 0 -and `$i % $([Math]::Min(500, [Math]::Max(1, [int]($MemoryPhotos / 10)))) -eq 0) { `$samples["`$i"] = Rss }; `$paths[`$i % `$paths.Count] } } | Get-FaceEmbedding | ForEach-Object { `$n++ }
`$sw.Stop()
`$samples['$MemoryPhotos'] = Rss
`$hwm = [double]((Select-String -Path /proc/self/status -Pattern '^VmHWM:\s+(\d+)').Matches[0].Groups[1].Value) / 1024
'RESULT ' + (@{ faces = `$n; seconds = `$sw.Elapsed.TotalSeconds; samples = `$samples; peak_rss_mb = `$hwm } | ConvertTo-Json -Compress)
"@
    $lines = & dotnet $PwshDll -NoProfile -NonInteractive -Command $script 2>&1
    $line = $lines | Where-Object { "$_" -like 'RESULT *' } | Select-Object -Last 1
    if (-not $line) { throw "Memory run failed:`n$($lines -join "`n")" }
    $mem = "$line".Substring(7) | ConvertFrom-Json
    $ref = if ($mem.samples.PSObject.Properties.Name -contains '1000') { '1000' } else { @($mem.samples.PSObject.Properties.Name)[0] }
    $r1000 = [double]$mem.samples.$ref; $rEnd = [double]$mem.samples."$MemoryPhotos"
    $mem | Add-Member rss_1000 $r1000
    $mem | Add-Member rss_end $rEnd
    Write-Host ("  {0} faces in {1} s ({2} images/s); RSS after photo ${ref}: {3} MB, after photo {4}: {5} MB ({6:+0.0;-0.0}%); peak {7} MB" -f `
            $mem.faces, (F $mem.seconds '0'), (F ($MemoryPhotos / $mem.seconds)), (F $r1000 '0'), $MemoryPhotos, (F $rEnd '0'), (100 * ($rEnd / $r1000 - 1)), (F $mem.peak_rss_mb '0'))
    Write-Host "  RSS by photo (MB): $(($mem.samples.PSObject.Properties | ForEach-Object { "$($_.Name): $(F $_.Value '0')" }) -join ', ')"
    Note-Load 'memory'
    $mem | Add-Member measured (Get-Date -Format 'yyyy-MM-dd HH:mm')
    $mem | Add-Member load (Get-Load)
    $mem | ConvertTo-Json -Depth 5 | Set-Content (Join-Path $Bench 'memory.json')
}
elseif (Test-Path (Join-Path $Bench 'memory.json')) {
    $mem = Get-Content (Join-Path $Bench 'memory.json') -Raw | ConvertFrom-Json
    Write-Host "`n== Memory: from the separate -MemoryOnly run at $($mem.measured) (load $($mem.load))"
}
if ($MemoryOnly) { return }

# ---- Report ------------------------------------------------------------------------------------------
function Best-ModelsOnly($w, $m) {
    $stages[$w].models_only | Where-Object model -eq $m | Sort-Object images_per_sec -Descending | Select-Object -First 1
}
function Stage($w, $name) { ($stages[$w].stages | Where-Object stage -eq $name).median_ms }

$md = [System.Text.StringBuilder]::new()
$null = $md.AppendLine("Measured $(Get-Date -Format 'yyyy-MM-dd HH:mm') on $([Environment]::ProcessorCount) cores, ``build.ps1 -Task Benchmark`` at commit $commit. Default embedder: $defaultModel.")
$null = $md.AppendLine()
$null = $md.AppendLine("CPU: **$($passes.cpu)** ($($passes.vendor)); SIMD features present: $(@($passes.simd) -join ', ') (of $([FaceNetBenchmarkFeatures]::List)); ONNX Runtime $($passes.onnxruntime); denormals flushed on every pass: $(if ($passes.denormal_flush) { 'yes' } else { 'no (not supported on this platform)' }).")
$null = $md.AppendLine()
$null = $md.AppendLine('One pass of each model, median ms, one thread (real = inputs cut from LFW faces and a 12 MP photo as the module cuts them; random = uniform pixels; flushed = as the module runs):')
$null = $md.AppendLine()
$null = $md.AppendLine('| model | input | graph optimisation | real, flushed | real, denormals kept | random, flushed | random, kept | the other level, real |')
$null = $md.AppendLine('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |')
foreach ($p in $passes.passes) {
    $null = $md.AppendLine("| $($p.model) | $($p.input) | $($p.level) | $(F $p.real_ms '0.00') | $(F $p.real_no_flush_ms '0.00') | $(F $p.random_ms '0.00') | $(F $p.random_no_flush_ms '0.00') | $(F $p.other_level_real_ms '0.00') ($($p.other_level)) |")
}
$null = $md.AppendLine()
$null = $md.AppendLine('| workload | model | images/s | faces/s | models-only images/s (best arrangement) | pipeline efficiency | no-face photos | peak RSS MB |')
$null = $md.AppendLine('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |')
foreach ($w in $workloads.Keys) {
    foreach ($m in $models) {
        $r = $e2e["$w/$m"]
        if (-not $r) { continue }
        if ($w -eq 'crowd12mp') {
            $null = $md.AppendLine("| $($workloads[$w].Label) | $m | $(F $r.images_per_sec '0.00') | $(F $r.faces_per_sec) | n/a (stage table below) | n/a | $($r.no_face) / $(@(Get-Content $workloads[$w].List).Count) | $(F $r.peak_rss_mb '0') |")
            continue
        }
        $b = Best-ModelsOnly $w $m
        # Models-only replays the passes the pipeline ran: UltraFace's, or YuNet's own tiles when the stages run captured them.
        $large = @($stages[$w].detectors_used.PSObject.Properties.Name | Where-Object { $_ -ne 'UltraFace' -and $_ -ne $stages[$w].replayed_detector })
        $mt = $large.Count -gt 0
        $pe = $stages[$w].paired_efficiency
        $eff = $mt ? "n/a ($($large -join ', '))" : "$(F (100 * $r.images_per_sec / $b.images_per_sec) '0')%"
        if ($pe -and $pe.model -eq $m) { $eff += "; back-to-back pairs, median of $(@($pe.rounds).Count): $(F (100 * $pe.median_warm_ratio) '0.0')% like for like, $(F (100 * $pe.median_ratio) '0.0')% a new pwsh's first run" }
        $null = $md.AppendLine("| $($workloads[$w].Label) | $m | $(F $r.images_per_sec '0.0') | $(F $r.faces_per_sec) | $(F $b.images_per_sec) ($($b.workers)x$($b.threads))$($mt ? ' UltraFace passes only' : '') | $eff | $($r.no_face) / $(@(Get-Content $workloads[$w].List).Count) | $(F $r.peak_rss_mb '0') |")
    }
}
$null = $md.AppendLine()
$null = $md.AppendLine('Median ms per stage, one thread, IntraOpThreads=1 (embed = one model pass; align/embed per face):')
$null = $md.AppendLine()
$stageNames = @('decode', 'detect.prep', 'detect.run', 'detect', 'landmarks', 'align.MobileFaceNet', 'embed.MobileFaceNet', 'align.Dlib', 'embed.Dlib', 'align.FaceReid', 'embed.FaceReid')
$null = $md.AppendLine("| workload | $($stageNames -join ' | ') | decode for detection |")
$null = $md.AppendLine("| --- |$(' ---: |' * ($stageNames.Count + 1))")
$photoWorkloads = @($workloads.Keys | Where-Object { $_ -ne 'crowd12mp' })   # those the 'stages' command timed
foreach ($w in $photoWorkloads) {
    $null = $md.AppendLine("| $($workloads[$w].Label) | $(($stageNames | ForEach-Object { F (Stage $w $_) '0.0' }) -join ' | ') | $(F $stages[$w].decode_for_detection_median_ms '0.0') |")
}
$null = $md.AppendLine()
if ($stages['crowd12mp']) {
    $null = $md.AppendLine('Many-face 12 MP canvases, where the time goes (`FaceNet.Lab benchmark manyface`, one photo at a time on one thread, then the engine on one and two photo workers):')
    $null = $md.AppendLine()
    $null = $md.AppendLine('```')
    foreach ($l in (Get-Content (Join-Path $Bench 'manyface.txt'))) { $null = $md.AppendLine($l) }
    $null = $md.AppendLine('```')
    $null = $md.AppendLine()
    $null = $md.AppendLine("YuNet's recall on the crowd canvases (the crowd command; 4000x3000 and 1920x1280 canvases):")
    $null = $md.AppendLine()
    $null = $md.AppendLine('```')
    foreach ($l in (Get-Content $crowdRecall | Select-Object -Skip 2 | Where-Object { $_ -and $_ -notlike 'MTCNN stages*' })) { $null = $md.AppendLine($l) }
    $null = $md.AppendLine('```')
    $null = $md.AppendLine()
}
$null = $md.AppendLine("detect.prep/run = UltraFace's input (the sampler's resize to 320x240 and normalisation, one pass), ONNX run; align = the aligned face and its mirror sampled into the embedder's two input tensors; detect = the engine's default detector's whole Detect call ($(($photoWorkloads | ForEach-Object { "$_`: $(($stages[$_].detectors_used.PSObject.Properties | ForEach-Object { "$($_.Name) x$($_.Value)" }) -join ', ')" }) -join '; ')); decode = full decode; decode for detection = the module's decode at the resolution the default detector reads (JPEG DCT scaling), which the detect figure then reads. YuNet runs on one thread; the models-only figures replay YuNet's own passes for (a) (captured tiles and recheck crops) and UltraFace's pass for (b), whose efficiency is not given.")
$null = $md.AppendLine()
$null = $md.AppendLine("Landmark crop, median ms, for comparison: PixelSampler.Warp (the engine's direct pixel sampler) / a Skia draw without mipmaps from a per-crop SKImage copy of the photo / the same from one SKImage made once per photo: $(($photoWorkloads | ForEach-Object { "$_ $(F (Stage $_ 'diag.crop-engine-warp') '0.0') / $(F (Stage $_ 'diag.crop-no-mipmap') '0.0') / $(F (Stage $_ 'diag.crop-shared-image-no-mipmap') '0.00')" }) -join '; ').")
$null = $md.AppendLine()
$null = $md.AppendLine("Cold start (new ``dotnet pwsh``, Import-Module, first embedding, default model): median $(F $coldMedian '0.00') s of $ColdStartRuns ($(($cold | ForEach-Object { F $_ '0.00' }) -join ', ')); pwsh alone $(F $bareMedian '0.00') s.")
if ($peer) {
    $a = $e2e["lfw300/$defaultModel"]
    $null = $md.AppendLine()
    $null = $md.AppendLine("Peer @vladmandic/face-api 1.7.15 (tfjs wasm, SIMD, single-threaded) on the same $LfwCount LFW photos: one process $(F $peer.One.images_per_sec '0.00') images/s, two processes $(F $peer.Two.images_per_sec '0.00') images/s; demo 1-6 (1920 px) $(F $peer.Demo.images_per_sec '0.00') images/s.")
    $null = $md.AppendLine("FaceNet ($defaultModel) / peer: $(F ($a.images_per_sec / $peer.One.images_per_sec) '0.0')x one process, $(F ($a.images_per_sec / $peer.Two.images_per_sec) '0.0')x two processes. Photos with no face found: FaceNet $($a.no_face), peer $($peer.One.no_face_images) (of $LfwCount).")
    $null = $md.AppendLine("Demo photos 1-6 at 1920 px: FaceNet ($defaultModel) $(F $e2e["demo1920/$defaultModel"].images_per_sec '0.00') images/s, $(F ($e2e["demo1920/$defaultModel"].images_per_sec / $peer.Demo.images_per_sec) '0.0')x the peer's one process.")
}
if ($mem) {
    $null = $md.AppendLine()
    $null = $md.AppendLine("Memory over $MemoryPhotos photos (default model, run at $($mem.measured), load $($mem.load)): peak RSS $(F $mem.peak_rss_mb '0') MB; RSS after photo 1,000 $(F $mem.rss_1000 '0') MB, after photo $MemoryPhotos $(F $mem.rss_end '0') MB ($(F (100 * ($mem.rss_end / $mem.rss_1000 - 1)) '+0.0;-0.0')%).")
}

# Targets
$targets = [System.Collections.Generic.List[object]]::new()
function Target([string] $name, [string] $measured, $pass) {
    $verdict = if ($null -eq $pass) { 'NOT RUN' } elseif ($pass) { 'PASS' } else { 'FAIL' }
    $targets.Add([pscustomobject]@{ Target = $name; Measured = $measured; Result = $verdict })
}
$aDef = $e2e["lfw300/$defaultModel"]; $aMfn = $e2e['lfw300/MobileFaceNet']; $aEns = $e2e['lfw300/Ensemble']
Target "(a) default model ($defaultModel) >= 40 images/s end to end" "$(F $aDef.images_per_sec) images/s" ($aDef.images_per_sec -ge 40)
if ($defaultModel -ne 'Ensemble') { Target '(a) Ensemble >= 40 images/s end to end' "$(F $aEns.images_per_sec) images/s" ($aEns.images_per_sec -ge 40) }
$sp = if ($peer) { $peer.Spread } else { $null }
Target "(a) default model >= 10x the two-process peer at the slow end of ours against the fast end of the peer's (same run, same photos, $PeerRounds alternating rounds)" $(if ($sp) { "$(F ($sp.ours_min / $sp.peer_max) '0.0')x (ours $(F $sp.ours_min)-$(F $sp.ours_max), peer $(F $sp.peer_min '0.00')-$(F $sp.peer_max '0.00') images/s; medians $(F ((Median ([double[]]$sp.ours)) / (Median ([double[]]$sp.peer))) '0.0')x)" } else { 'peer skipped' }) $(if ($sp) { $sp.ours_min -ge 10 * $sp.peer_max } else { $null })
Target '(a) -Model MobileFaceNet >= 80 images/s' "$(F $aMfn.images_per_sec) images/s" ($aMfn.images_per_sec -ge 80)
$bEns = Best-ModelsOnly 'lfw300' 'Ensemble'
$pe = $stages['lfw300'].paired_efficiency
if ($pe) {
    # The ratio within each back-to-back round, median over rounds. Like for like: models-only replays the passes in a
    # process that has run them all, so the end-to-end side is the pwsh's second run of the same photos (nothing is
    # cached between runs: every photo is decoded, detected and embedded again). The first run in a new pwsh also pays
    # .NET's tiered JIT, a one-time cost of the process (about 1 s of CPU, in the way of the pipeline's threads on two
    # cores) that no module setting can change; it is printed beside, as is the cold start.
    $warmText = (@($pe.rounds) | ForEach-Object { "$(F $_.warm) / $(F $_.models_only)" }) -join ', '
    $coldText = (@($pe.rounds) | ForEach-Object { "$(F (100 * $_.ratio) '0.0')%" }) -join ', '
    Target '(a) pipeline efficiency, like for like: Ensemble end to end (the photos run again in that pwsh) >= 85% of models-only (the same ONNX passes replayed)' "$(F (100 * $pe.median_warm_ratio) '0.0')% median of $(@($pe.rounds).Count) back-to-back rounds ($warmText images/s); a new pwsh's first run of the photos: $(F (100 * $pe.median_ratio) '0.0')% ($coldText), with $((@($pe.rounds) | ForEach-Object { F $_.jit_seconds '0.00' }) -join '/') s of JIT in its timed photos" ($pe.median_warm_ratio -ge 0.85)
}
else {
    Target '(a) pipeline efficiency, without paired rounds: Ensemble end to end (a new pwsh''s first run, JIT included) >= 85% of models-only' "$(F (100 * $aEns.images_per_sec / $bEns.images_per_sec) '0')% ($(F $aEns.images_per_sec) / $(F $bEns.images_per_sec))" ($aEns.images_per_sec -ge 0.85 * $bEns.images_per_sec)
}
# Issue 5 asked for the decode for detection under 80 ms when MTCNN read a 5/8 decode and the embedders then decoded
# the full image as well. YuNet reads 20 px faces at full size, so a photo is decoded once, in full, for everything.
$d12 = $stages['camera12mp'].decode_for_detection_median_ms
$null = $md.AppendLine()
$null = $md.AppendLine("12 MP JPEG: decoded once per photo, at $(($stages['camera12mp'].decode_for_detection_sizes.PSObject.Properties.Name) -join ', '), in $(F $d12 '0') ms median; detection, landmarks and embeddings all read that decode (MTCNN read a 5/8 decode, about 50 ms, and the embedders then a full one).")
$cDef = $e2e["camera12mp/$defaultModel"]
Target "(b) 12 MP photos (3-5 faces) >= 2.5 images/s end to end ($defaultModel, two workers)" "$(F $cDef.images_per_sec '0.00') images/s" ($cDef.images_per_sec -ge 2.5)
Target '(b) 12 MP photos: peak RSS <= 1 GB with two workers' "$(F $cDef.peak_rss_mb '0') MB" ($cDef.peak_rss_mb -le 1024)
$kDef = $e2e["crowd12mp/$defaultModel"]
Target "(c) 12 MP photos with 16 faces >= 2.5 images/s end to end ($defaultModel, two workers)" "$(F $kDef.images_per_sec '0.00') images/s ($($kDef.faces) faces in $($kDef.images) photos)" ($kDef.images_per_sec -ge 2.5)
Target '(c) 12 MP photos with 16 faces: peak RSS <= 1 GB' "$(F $kDef.peak_rss_mb '0') MB" ($kDef.peak_rss_mb -le 1024)
Target 'cold start < 2 s' "$(F $coldMedian '0.00') s" ($coldMedian -lt 2)
if ($mem) {
    $trend = $mem.rss_end / $mem.rss_1000 - 1
    Target "peak RSS < 400 MB over $MemoryPhotos photos, no upward trend (within 10%)" "$(F $mem.peak_rss_mb '0') MB peak, $(F (100 * $trend) '+0.0;-0.0')% from photo 1,000 to $MemoryPhotos" (($mem.peak_rss_mb -lt 400) -and ($trend -le 0.10))
}
else { Target "peak RSS < 400 MB over $MemoryPhotos photos, no upward trend" 'run with -Memory' $null }

$null = $md.AppendLine()
$null = $md.AppendLine('| target | measured | result |')
$null = $md.AppendLine('| --- | --- | --- |')
foreach ($t in $targets) { $null = $md.AppendLine("| $($t.Target) | $($t.Measured) | $($t.Result) |") }
$null = $md.AppendLine()
$null = $md.AppendLine("Load average (1/5/15 min) during the run: $($loads -join '; ').")

Write-Host "`n== Targets"
foreach ($t in $targets) { Write-Host ("  {0,-8} {1}: {2}" -f $t.Result, $t.Target, $t.Measured) -ForegroundColor ($t.Result -eq 'PASS' ? 'Green' : ($t.Result -eq 'FAIL' ? 'Red' : 'Yellow')) }
$summary = Join-Path $Bench 'summary.md'
Set-Content $summary $md.ToString()
Write-Host "`n== Summary (also in $summary)`n"
Write-Host $md.ToString()
if ((Get-LoadMax) -gt 2.5) { Write-Warning "Load average $(Get-Load) on $([Environment]::ProcessorCount) cores: other work shared the CPU, so these figures are low." }
