#Requires -Version 7.4
<#
.SYNOPSIS
    Video speed and memory (the video input issue): a 1920x1080 clip at the default sampling and a 640x360 30 fps clip
    with -EveryFrame, each as a multiple of real time, with the CPU named; with -Memory, RSS over a 10-minute video.
.DESCRIPTION
    dotnet pwsh ./build.ps1 -Task VideoBenchmark [-Memory]
    dotnet pwsh tools/FaceNet.Lab/Benchmark/Measure-FaceVideo.ps1 [-Clip hd.mp4,small.mp4] [-Memory] [-MemoryOnly]
    Unless -Clip names two clips (the 1920x1080 one first), makes them under out/bench/video/ with ffmpeg from the
    face-api demo photos sample1-6.jpg (H.264, 30 fps, about 30 s): each photo cropped to fill the frame and panned
    slowly for 4 s, hard cuts between photos, then 6 s of a 4x3 mosaic of the photos (faces of about 40-60 px at
    1920x1080) panning. Each measurement runs in a new dotnet pwsh: Import-Module and a warm-up call on the first
    second of the clip happen before the clock starts (the cold start is printed separately). Targets: 1080p at the
    default sampling (5 frames a second) and 640x360 with -EveryFrame at least as fast as they play (1.0x), faces of
    40 px and larger found at 1080p.
    -Memory: loops the 640x360 clip to 10 minutes (ffmpeg -stream_loop, -c copy) and runs Get-Face and Get-FaceTrack
    on it at the default sampling, sampling the child's VmRSS (and its ffmpeg's) every second; prints the peak and
    RSS at 10, 25, 50, 75 and 100% of the wall time.
#>
[CmdletBinding()]
param(
    [string] $Root = (Resolve-Path (Join-Path $PSScriptRoot '../../..')).Path,
    # Two clips: the 1920x1080 one, then the 640x360 one. Default: made here from the demo photos.
    [string[]] $Clip,
    [switch] $Memory,
    # Only the memory runs.
    [switch] $MemoryOnly,
    [int] $MemoryMinutes = 10
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$inv = [System.Globalization.CultureInfo]::InvariantCulture
$Bench = Join-Path $Root 'out/bench'
$VideoDir = Join-Path $Bench 'video'
New-Item -ItemType Directory $VideoDir -Force | Out-Null
$module = Join-Path $Root 'out/FaceNet/FaceNet.psd1'
if (-not (Test-Path $module)) { throw "The module is not built ($module). Run ./build.ps1 first." }
# A private copy: other build.ps1 runs may rebuild out/FaceNet while this runs.
$snap = Join-Path $Bench 'FaceNet-video'
if (Test-Path $snap) { Remove-Item $snap -Recurse -Force }
Copy-Item (Split-Path $module) $snap -Recurse
$module = Join-Path $snap 'FaceNet.psd1'
$PwshDll = Join-Path $PSHOME 'pwsh.dll'
$DemoDir = Join-Path $Root 'tests/.data/face-api-1.7.15/demo'
foreach ($tool in 'ffmpeg', 'ffprobe') { if (-not (Get-Command $tool -ErrorAction SilentlyContinue)) { throw "$tool is not installed (apt-get install ffmpeg)." } }
function Quote([string] $s) { "'" + $s.Replace("'", "''") + "'" }
function F($x, [string] $fmt = '0.00') { ([double]$x).ToString($fmt, $inv) }
function Invoke-Native([string] $File, [string[]] $Arguments) {
    $lines = & $File @Arguments 2>&1
    if ($LASTEXITCODE -ne 0) { throw "'$File $($Arguments -join ' ')' failed ($LASTEXITCODE):`n$(($lines | Select-Object -Last 20) -join "`n")" }
}
function Get-VideoInfo([string] $Path) {
    $j = & ffprobe -v error -select_streams v:0 -show_entries 'stream=width,height,r_frame_rate,codec_name:format=duration' -of json $Path | ConvertFrom-Json
    $s = $j.streams[0]; $r = $s.r_frame_rate -split '/'
    [pscustomobject]@{ Width = [int]$s.width; Height = [int]$s.height; Fps = [double]$r[0] / [double]$r[1]; Codec = $s.codec_name
        Seconds = [double]::Parse($j.format.duration, $inv) }
}

$cpu = (Get-Content /proc/cpuinfo | Where-Object { $_ -like 'model name*' } | Select-Object -First 1) -replace '^model name\s*:\s*', ''
$flags = ((Get-Content /proc/cpuinfo | Where-Object { $_ -like 'flags*' } | Select-Object -First 1) -replace '^flags\s*:\s*', '') -split ' '
$shown = @('avx2', 'fma', 'avx512f', 'avx512_vnni', 'avx512_bf16', 'amx_tile', 'amx_int8') | Where-Object { $flags -contains $_ }
$ffv = ((& ffmpeg -version | Select-Object -First 1) -split ' ')[2]
Write-Host "CPU: $cpu, $([Environment]::ProcessorCount) cores; flags: $($shown -join ', '); ffmpeg $ffv"

# ---- Clips --------------------------------------------------------------------------------------------
# One segment: a photo (or the mosaic) scaled 10% larger than the frame, cropped to fill it and panned across the
# extra 10% over the segment, 30 fps.
function New-Segment([string] $Source, [int] $W, [int] $H, [double] $Seconds, [string] $Dest, [int] $Dir) {
    $sw = [int]([math]::Ceiling($W * 1.1 / 2) * 2); $sh = [int]([math]::Ceiling($H * 1.1 / 2) * 2)
    $x = if ($Dir % 2) { "(in_w-out_w)*t/$Seconds" } else { "(in_w-out_w)*(1-t/$Seconds)" }
    $y = if ($Dir % 3) { "(in_h-out_h)*t/$Seconds" } else { "(in_h-out_h)*(1-t/$Seconds)" }
    $vf = "scale=${sw}:${sh}:force_original_aspect_ratio=increase,crop=${W}:${H}:x='$x':y='$y',format=yuv420p"
    Invoke-Native ffmpeg @('-y', '-v', 'error', '-loop', '1', '-framerate', '30', '-t', "$Seconds", '-i', $Source, '-vf', $vf,
        '-r', '30', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p', $Dest)
}
function New-Clip([int] $W, [int] $H, [string] $Dest) {
    if (Test-Path $Dest) { return }
    Write-Host "Making $Dest ($W x $H, 30 fps, H.264) from the demo photos"
    $tmp = Join-Path $VideoDir "seg-${W}x$H"
    New-Item -ItemType Directory $tmp -Force | Out-Null
    $mosaic = Join-Path $VideoDir 'mosaic.png'
    if (-not (Test-Path $mosaic)) {
        # 4x3 tiles of 480x360 (1920x1080), each a demo photo cropped: its faces are a quarter of their size in a
        # frame-filling segment, about 40-60 px at 1920x1080.
        $inputs = @(); foreach ($i in 0..11) { $inputs += @('-i', (Join-Path $DemoDir "sample$($i % 6 + 1).jpg")) }
        $chains = (0..11 | ForEach-Object { "[${_}:v]scale=480:360:force_original_aspect_ratio=increase,crop=480:360[t$_]" }) -join ';'
        $layout = (0..11 | ForEach-Object { "$(($_ % 4) * 480)_$([math]::Floor($_ / 4) * 360)" }) -join '|'
        $fc = "$chains;$((0..11 | ForEach-Object { "[t$_]" }) -join '')xstack=inputs=12:layout=$layout"
        Invoke-Native ffmpeg (@('-y', '-v', 'error') + $inputs + @('-filter_complex', $fc, '-frames:v', '1', $mosaic))
    }
    $list = [System.Collections.Generic.List[string]]::new()
    foreach ($i in 1..6) {
        $seg = Join-Path $tmp "s$i.mp4"
        New-Segment (Join-Path $DemoDir "sample$i.jpg") $W $H 4 $seg $i
        $list.Add("file '$seg'")
    }
    $seg = Join-Path $tmp 's7.mp4'
    New-Segment $mosaic $W $H 6 $seg 7
    $list.Add("file '$seg'")
    $concat = Join-Path $tmp 'list.txt'
    Set-Content $concat $list
    Invoke-Native ffmpeg @('-y', '-v', 'error', '-f', 'concat', '-safe', '0', '-i', $concat, '-c', 'copy', '-movflags', '+faststart', $Dest)
    Remove-Item $tmp -Recurse -Force
}
if ($Clip) {
    if ($Clip.Count -ne 2) { throw '-Clip takes two paths: the 1920x1080 clip, then the 640x360 one.' }
    $hd = (Resolve-Path $Clip[0]).Path; $small = (Resolve-Path $Clip[1]).Path
} else {
    if (-not (Test-Path (Join-Path $DemoDir 'sample1.jpg'))) { throw "Demo photos missing in $DemoDir; run ./build.ps1 -Task TestData." }
    $hd = Join-Path $VideoDir 'demo-1920x1080.mp4'; $small = Join-Path $VideoDir 'demo-640x360.mp4'
    New-Clip 1920 1080 $hd
    New-Clip 640 360 $small
}
$hdInfo = Get-VideoInfo $hd; $smallInfo = Get-VideoInfo $small
foreach ($c in @(@($hd, $hdInfo), @($small, $smallInfo))) {
    Write-Host ("Clip {0}: {1}x{2} {3}, {4} fps, {5} s" -f $c[0], $c[1].Width, $c[1].Height, $c[1].Codec, (F $c[1].Fps '0.##'), (F $c[1].Seconds '0.0'))
}

# ---- Speed --------------------------------------------------------------------------------------------
# One child: Import-Module and a warm-up call on the first second (models loaded, ffmpeg started once), then the
# timed call over the whole clip. Prints the cold start (process start to the end of the warm-up) separately.
function Invoke-VideoRun([string] $Command, [string] $Path, [string] $Sampling) {
    $script = @"
`$ErrorActionPreference = 'Stop'
`$cold = [Diagnostics.Stopwatch]::StartNew()
Import-Module $(Quote $module)
`$null = $Command -LiteralPath $(Quote $Path) $Sampling -Duration 1
`$cold.Stop()
`$sw = [Diagnostics.Stopwatch]::StartNew()
`$out = @($Command -LiteralPath $(Quote $Path) $Sampling)
`$sw.Stop()
if ('$Command' -eq 'Get-FaceTrack') {
    `$faces = (`$out | Measure-Object FaceCount -Sum).Sum; `$tracks = `$out.Count
    `$widths = @(`$out | ForEach-Object { `$_.BestFace } | Where-Object { `$_ } | ForEach-Object Width)
} else {
    `$faces = `$out.Count; `$tracks = 0; `$widths = @(`$out | ForEach-Object Width)
}
`$min = if (`$widths.Count) { (`$widths | Measure-Object -Minimum).Minimum } else { 0 }
`$frames = @(`$out | Where-Object { `$_.PSObject.Properties['Frame'] } | ForEach-Object Frame | Sort-Object -Unique).Count
'RESULT ' + (@{ seconds = `$sw.Elapsed.TotalSeconds; cold = `$cold.Elapsed.TotalSeconds; faces = [int]`$faces; tracks = `$tracks
    minWidth = [double]`$min; under60 = @(`$widths | Where-Object { `$_ -lt 60 }).Count; framesWithFaces = `$frames } | ConvertTo-Json -Compress)
"@
    $lines = & dotnet $PwshDll -NoProfile -NonInteractive -Command $script 2>&1
    $line = $lines | Where-Object { "$_" -like 'RESULT *' } | Select-Object -Last 1
    if (-not $line) { throw "Run of '$Command $Sampling' on $Path failed:`n$($lines -join "`n")" }
    "$line".Substring(7) | ConvertFrom-Json
}

$results = [System.Collections.Generic.List[object]]::new()
if (-not $MemoryOnly) {
    $runs = @(
        @{ Name = "Get-Face, default sampling (5/s), $($hdInfo.Width)x$($hdInfo.Height)"; Command = 'Get-Face'; Path = $hd; Info = $hdInfo; Sampling = '' },
        @{ Name = "Get-FaceTrack, default sampling (5/s), $($hdInfo.Width)x$($hdInfo.Height)"; Command = 'Get-FaceTrack'; Path = $hd; Info = $hdInfo; Sampling = '' },
        @{ Name = "Get-Face -EveryFrame, $($smallInfo.Width)x$($smallInfo.Height) $(F $smallInfo.Fps '0.##') fps"; Command = 'Get-Face'; Path = $small; Info = $smallInfo; Sampling = '-EveryFrame' },
        @{ Name = "Get-FaceTrack -EveryFrame, $($smallInfo.Width)x$($smallInfo.Height) $(F $smallInfo.Fps '0.##') fps"; Command = 'Get-FaceTrack'; Path = $small; Info = $smallInfo; Sampling = '-EveryFrame' }
    )
    Write-Host "`n== Speed: each run in a new dotnet pwsh, models loaded and a 1 s warm-up call before the clock starts"
    foreach ($r in $runs) {
        $res = Invoke-VideoRun $r.Command $r.Path $r.Sampling
        $speed = $r.Info.Seconds / $res.seconds
        $results.Add([pscustomobject]@{ Run = $r.Name; VideoS = $r.Info.Seconds; WallS = $res.seconds; Speed = $speed; Res = $res })
        $what = if ($r.Command -eq 'Get-FaceTrack') { "$($res.tracks) tracks of $($res.faces) faces, smallest best face $(F $res.minWidth '0') px" }
                else { "$($res.faces) faces in $($res.framesWithFaces) frames, smallest $(F $res.minWidth '0') px ($($res.under60) under 60 px)" }
        Write-Host ("  {0,-52} video {1} s, wall {2} s, {3}x real time: {4}; {5}; cold start {6} s" -f $r.Name, (F $r.Info.Seconds '0.0'),
            (F $res.seconds), (F $speed), ($speed -ge 1.0 ? 'PASS' : 'FAIL'), $what, (F $res.cold '0.0'))
    }
    $hdFace = $results[0].Res
    Write-Host ''
    Write-Host "Summary, CPU $cpu, $([Environment]::ProcessorCount) cores:"
    foreach ($r in $results) { Write-Host ("  {0,-52} {1}x real time (target 1.0x): {2}" -f $r.Run, (F $r.Speed), ($r.Speed -ge 1.0 ? 'PASS' : 'FAIL')) }
    Write-Host ("  Faces of 40-60 px found at {0}x{1}: {2} (smallest {3} px): {4}" -f $hdInfo.Width, $hdInfo.Height, $hdFace.under60, (F $hdFace.minWidth '0'),
        (($hdFace.under60 -gt 0 -and $hdFace.minWidth -le 60) ? 'PASS' : 'FAIL'))
}

# ---- Memory ---------------------------------------------------------------------------------------------
function Get-Rss([int] $ProcessId) {
    try { $m = Select-String -Path "/proc/$ProcessId/status" -Pattern '^VmRSS:\s+(\d+)' -ErrorAction Stop; [double]$m.Matches[0].Groups[1].Value / 1024 } catch { 0.0 }
}
function Get-ChildRss([int] $ParentId) {
    $sum = 0.0
    foreach ($d in [System.IO.Directory]::GetDirectories('/proc')) {
        $name = [System.IO.Path]::GetFileName($d)
        if ($name -notmatch '^\d+$') { continue }
        try { $stat = [System.IO.File]::ReadAllText("$d/stat") } catch { continue }
        $ppid = ($stat.Substring($stat.LastIndexOf(')') + 2) -split ' ')[1]
        if ($ppid -eq "$ParentId") { $sum += Get-Rss ([int]$name) }
    }
    $sum
}
if ($Memory -or $MemoryOnly) {
    $long = Join-Path $VideoDir "long-$($MemoryMinutes)min-$($smallInfo.Width)x$($smallInfo.Height).mp4"
    if (-not (Test-Path $long)) {
        $loops = [int][math]::Ceiling($MemoryMinutes * 60 / $smallInfo.Seconds) - 1
        Invoke-Native ffmpeg @('-y', '-v', 'error', '-stream_loop', "$loops", '-i', $small, '-t', "$($MemoryMinutes * 60)", '-c', 'copy', $long)
    }
    $longInfo = Get-VideoInfo $long
    Write-Host ("`n== Memory: {0} ({1}x{2}, {3} s), default sampling, output counted and discarded; VmRSS of the child dotnet pwsh and of its ffmpeg, every second" -f `
        $long, $longInfo.Width, $longInfo.Height, (F $longInfo.Seconds '0'))
    foreach ($command in 'Get-Face', 'Get-FaceTrack') {
        $count = if ($command -eq 'Get-FaceTrack') { 'ForEach-Object { $n += $_.FaceCount }' } else { 'ForEach-Object { $n++ }' }
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module $(Quote $module)
`$null = $command -LiteralPath $(Quote $long) -Duration 1
'READY'
`$n = 0
`$sw = [Diagnostics.Stopwatch]::StartNew()
$command -LiteralPath $(Quote $long) | $count
'RESULT ' + (@{ faces = `$n; seconds = `$sw.Elapsed.TotalSeconds } | ConvertTo-Json -Compress)
"@
        $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
        foreach ($a in @($PwshDll, '-NoProfile', '-NonInteractive', '-Command', $script)) { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true; $psi.UseShellExecute = $false
        $p = [System.Diagnostics.Process]::Start($psi)
        $stdout = [System.Collections.Concurrent.ConcurrentQueue[string]]::new()
        $errTask = $p.StandardError.ReadToEndAsync()
        $ready = $false
        $samples = [System.Collections.Generic.List[object]]::new()
        $clock = $null
        $readTask = $p.StandardOutput.ReadLineAsync()
        while ($true) {
            while ($readTask.IsCompleted) {
                $l = $readTask.Result
                if ($null -eq $l) { break }
                $stdout.Enqueue($l)
                if ($l -eq 'READY') { $ready = $true; $clock = [Diagnostics.Stopwatch]::StartNew() }
                $readTask = $p.StandardOutput.ReadLineAsync()
            }
            if ($p.HasExited) { break }
            if ($ready) { $samples.Add([pscustomobject]@{ T = $clock.Elapsed.TotalSeconds; Rss = Get-Rss $p.Id; Ff = Get-ChildRss $p.Id }) }
            Start-Sleep -Milliseconds 1000
        }
        $p.WaitForExit()
        while (-not $readTask.IsCompleted) { Start-Sleep -Milliseconds 50 }
        while ($null -ne $readTask.Result) { $stdout.Enqueue($readTask.Result); $readTask = $p.StandardOutput.ReadLineAsync(); $null = $readTask.Wait(5000) }
        $line = @($stdout.ToArray()) | Where-Object { $_ -like 'RESULT *' } | Select-Object -Last 1
        if (-not $line -or $samples.Count -lt 2) { throw "Memory run of $command failed:`n$(@($stdout.ToArray()) -join "`n")`n$($errTask.Result)" }
        $res = $line.Substring(7) | ConvertFrom-Json
        $end = $samples[-1].T
        $at = foreach ($pct in 10, 25, 50, 75, 100) {
            $s = $samples | Where-Object { $_.T -le $end * $pct / 100 + 0.001 } | Select-Object -Last 1
            if (-not $s) { $s = $samples[0] }
            "{0}%: {1} MB" -f $pct, (F $s.Rss '0')
        }
        $peak = ($samples | Measure-Object Rss -Maximum).Maximum
        $ffPeak = ($samples | Measure-Object Ff -Maximum).Maximum
        $s10 = ($samples | Where-Object { $_.T -le $end * 0.1 + 0.001 } | Select-Object -Last 1)
        if (-not $s10) { $s10 = $samples[0] }
        $growth = 100 * ($samples[-1].Rss / $s10.Rss - 1)
        # Flat: the second half (after the heaps have reached their working size) grows by at most 10%.
        $s50 = ($samples | Where-Object { $_.T -le $end * 0.5 + 0.001 } | Select-Object -Last 1)
        $late = 100 * ($peak / $s50.Rss - 1)
        Write-Host ("  {0}: {1} faces, {2} s wall ({3}x real time), {4} samples; RSS {5}; peak {6} MB; ffmpeg peak {7} MB; 10% to 100%: {8:+0.0;-0.0}%, 50% to peak: {9:+0.0;-0.0}% ({10})" -f `
            $command, $res.faces, (F $res.seconds '0'), (F ($longInfo.Seconds / $res.seconds)), $samples.Count, ($at -join ', '), (F $peak '0'), (F $ffPeak '0'), $growth, $late,
            ($late -le 10 ? 'flat' : 'NOT flat'))
        Set-Content (Join-Path $Bench "video-memory-$command.csv") (@('seconds,rss_mb,ffmpeg_rss_mb') + ($samples | ForEach-Object { '{0},{1},{2}' -f (F $_.T '0.0'), (F $_.Rss '0.0'), (F $_.Ff '0.0') }))
    }
}
