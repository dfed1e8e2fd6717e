<#
.SYNOPSIS
    Scores Get-Face and Get-FaceTrack on clips with a ground truth made by eye (docs/video.md).
.DESCRIPTION
    Each clip folder holds clip.* and truth.csv (frame,time_s,person,x,y,w,h,notes: one row per face of 40 px and larger
    per frame sampled at 5 a second, a row with an empty person for a frame with none; notes starting 'hard' are
    don't-care). The truth's frames are those ffmpeg's fps filter picks (the frame nearest each 0.2 s tick), so Get-Face
    reads every frame and each truth frame is scored on the video frame nearest its time: with the default sampling
    (the first frame of each slot) the two differ by a frame, which at a cut is another shot. A truth face is found
    when a detection overlaps it (IoU >= 0.3) or either box's centre lies inside the other (the truth boxes are
    approximate, +-20%); detections of 40 px and larger matching no truth face are extra. Tracks (default sampling) are
    scored by their faces: each face is given the truth person it overlaps at that time, a track the person most of
    its faces are; printed per person with the share of faces that are someone else's.
.EXAMPLE
    dotnet pwsh tools/FaceNet.Lab/Video/Measure-VideoTruth.ps1 -Clip /data/video/*
#>
param([Parameter(Mandatory)] [string[]] $Clip, [string] $Module = (Join-Path $PSScriptRoot '../../../out/FaceNet/FaceNet.psd1'))
Import-Module $Module -Force
$cpu = (lscpu | Select-String 'Model name' | ForEach-Object { ($_ -split ':', 2)[1].Trim() })
"CPU: $cpu, $([Environment]::ProcessorCount) cores"
function Overlap($a, $b) {
    $ix = [math]::Max(0, [math]::Min($a.x + $a.w, $b.X + $b.Width) - [math]::Max($a.x, $b.X))
    $iy = [math]::Max(0, [math]::Min($a.y + $a.h, $b.Y + $b.Height) - [math]::Max($a.y, $b.Y))
    $inter = $ix * $iy; $union = $a.w * $a.h + $b.Width * $b.Height - $inter
    $iou = if ($union -gt 0) { $inter / $union } else { 0 }
    $cx = $a.x + $a.w / 2; $cy = $a.y + $a.h / 2
    $dx = $b.X + $b.Width / 2; $dy = $b.Y + $b.Height / 2
    $iou -ge 0.3 -or ($cx -ge $b.X -and $cx -le $b.X + $b.Width -and $cy -ge $b.Y -and $cy -le $b.Y + $b.Height) -or
        ($dx -ge $a.x -and $dx -le $a.x + $a.w -and $dy -ge $a.y -and $dy -le $a.y + $a.h)
}
foreach ($dir in Get-Item $Clip) {
    $video = Get-ChildItem $dir -Filter 'clip.*' | Select-Object -First 1
    $truth = Import-Csv (Join-Path $dir 'truth.csv')
    $lastTime = ($truth | ForEach-Object { [double]$_.time_s } | Measure-Object -Maximum).Maximum
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $faces = @(Get-Face -LiteralPath $video.FullName -Duration ($lastTime + 0.1) -MinFaceSize 30 -EveryFrame)
    $fps = [double](& ffprobe -v error -select_streams v:0 -show_entries stream=avg_frame_rate -of csv=p=0 $video.FullName | Select-Object -First 1 | ForEach-Object { $a, $b = $_ -split '/'; [double]$a / [double]$b })
    $seconds = $clock.Elapsed.TotalSeconds
    $found = 0; $total = 0; $extra = 0; $detected = 0
    foreach ($frame in $truth | Group-Object frame) {
        $t = [TimeSpan]::FromSeconds([double]$frame.Group[0].time_s)
        $nearest = [math]::Round($t.TotalSeconds * $fps)
        $inFrame = @($faces | Where-Object { $_.Frame -eq $nearest })
        $people = @($frame.Group | Where-Object person)
        $used = @{}
        foreach ($p in $people) {
            $box = @{ x = [double]$p.x; y = [double]$p.y; w = [double]$p.w; h = [double]$p.h }
            $hit = $inFrame | Where-Object { -not $used[$_] -and (Overlap $box $_) } | Select-Object -First 1
            $hard = "$($p.notes)" -like 'hard*'
            if ($hit) { $used[$hit] = $true; if (-not $hard) { $found++ } }
            if (-not $hard) { $total++ }
        }
        foreach ($d in $inFrame) { if ([math]::Max($d.Width, $d.Height) -ge 40) { $detected++; if (-not $used[$d]) { $extra++ } } }
    }
    $tracks = @(Get-FaceTrack -LiteralPath $video.FullName -Duration ($lastTime + 0.1))
    # Each track's person: the truth person most of its faces overlap (at the truth frame within 0.1 s of the face).
    $perPerson = @{}; $wrong = 0; $assigned = 0
    $byFrame = $truth | Where-Object person | Group-Object frame -AsHashTable -AsString
    foreach ($tr in $tracks) {
        $votes = @{}
        foreach ($f in $tr.Faces) {
            $k = [string][math]::Round($f.Time.TotalSeconds / 0.2)
            $who = $byFrame[$k] | Where-Object { Overlap @{ x = [double]$_.x; y = [double]$_.y; w = [double]$_.w; h = [double]$_.h } $f } | Select-Object -First 1 -ExpandProperty person
            if ($who) { $votes[$who] = 1 + [int]$votes[$who] }
        }
        $top = $votes.GetEnumerator() | Sort-Object Value -Descending | Select-Object -First 1
        $who = if ($top) { $top.Name } else { '(none)' }
        if ($top) { $assigned += ($votes.Values | Measure-Object -Sum).Sum; $wrong += ($votes.Values | Measure-Object -Sum).Sum - $top.Value }
        $perPerson[$who] = 1 + [int]$perPerson[$who]
    }
    '{0}: {1}, {2} frames, {3:0.0} s video in {4:0.0} s; faces >= 40 px found {5}/{6} = {7:P1}; extra {8} of {9} detections = {10:P1}' -f $dir.Name, "$($video.Name)",
        ($truth | Group-Object frame).Count, $lastTime, $seconds, $found, $total, ($found / [math]::Max(1, $total)), $extra, $detected, ($extra / [math]::Max(1, $detected))
    '  tracks per person: ' + (($perPerson.GetEnumerator() | Sort-Object Name | ForEach-Object { "$($_.Name) $($_.Value)" }) -join ', ') +
        (" ({0} tracks; {1} of {2} faces in a track of another person)" -f $tracks.Count, $wrong, $assigned)
}
