#Requires -Version 7.4
<#
.SYNOPSIS
    Fuzzes the image-reading cmdlets: mutated JPEG, PNG and WebP files through Get-Face | Get-FaceEmbedding in one
    pipeline, in a child process; prints files, outputs, errors by ErrorId, crashes, hangs and peak memory.
.DESCRIPTION
    Seeds are the six demo photos, scaled to -SeedWidth pixels and encoded as JPEG, PNG and WebP with the SkiaSharp the
    module loads. A deterministic System.Random(-Seed) mutates them into -Count files under a temporary folder:
    bit flips, byte overwrites, truncation, splices of two seeds, inserted/duplicated runs, and header field edits
    (JPEG SOF dimensions and segment lengths, PNG IHDR fields with a valid or broken CRC, RIFF/VP8/VP8L sizes),
    one to three at a time.

    A child pwsh then runs ONE pipeline over all the files:
        <files> | <timer> | Get-Face -ThrottleLimit 1 | Get-FaceEmbedding
    With one worker the cmdlets work inline, so the time between two files leaving <timer> is the time the first
    took through both cmdlets. The child prints a summary line; the parent counts a crash when the child's exit
    code is not 0 or the summary is missing, and kills the child (a hang) when one file has been in the pipeline
    for -KillSeconds.

    Pass: crashes 0, terminating errors 0, hangs 0 (no file over -HangSeconds). Exit code 1 otherwise.
.EXAMPLE
    dotnet pwsh ./tools/fuzz/Invoke-FaceFuzz.ps1                      # 2,000 files, seed 6
.EXAMPLE
    dotnet pwsh ./tools/fuzz/Invoke-FaceFuzz.ps1 -Count 200 -Seed 1 -Keep
#>
[CmdletBinding()]
param(
    [int] $Count = 2000,
    [int] $Seed = 6,
    [string] $ModulePath,
    [string] $WorkDir,
    [int] $SeedWidth = 400,
    [double] $HangSeconds = 5,
    # $FaceNetMaxImagePixels in the child. The seeds are 0.1 MP; header edits make pictures of up to 65535 x 65535
    # that are not malformed, just big, and a genuine 13-40 MP picture takes 10-20 s (MTCNN) on a small machine:
    # that is speed, not robustness, so by default the fuzz refuses anything over 2 MP as ImageTooLarge.
    # Pass 100e6 (the module's default) to fuzz with the shipped limit.
    [double] $MaxImagePixels = 2e6,
    [int] $KillSeconds = 120,
    [switch] $Keep,
    # internal: the child's half
    [string] $ChildList
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$repo = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
if (-not $ModulePath) { $ModulePath = if ($env:FACENET_MODULE) { $env:FACENET_MODULE } else { Join-Path $repo 'out/FaceNet/FaceNet.psd1' } }
$ModulePath = [System.IO.Path]::GetFullPath($ModulePath)

function Get-PeakMemoryMB {
    # VmHWM: the peak resident set of this process (Linux); the peak working set elsewhere.
    if (Test-Path /proc/self/status) {
        $line = Select-String -LiteralPath /proc/self/status -Pattern '^VmHWM:\s+(\d+)\s+kB' | Select-Object -First 1
        if ($line) { return [math]::Round([double]$line.Matches[0].Groups[1].Value / 1024, 1) }
    }
    [math]::Round([System.Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64 / 1MB, 1)
}

# ---------------------------------------------------------------- child: one pipeline over all the files
if ($ChildList) {
    Import-Module $ModulePath
    $FaceNetMaxImagePixels = $MaxImagePixels
    $files = [System.IO.File]::ReadAllLines($ChildList)
    $progress = [System.IO.StreamWriter]::new("$ChildList.progress")
    $progress.AutoFlush = $true
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $starts = [double[]]::new($files.Length + 1)
    $state = @{ Index = 0; Outputs = 0; Terminating = $null }
    $errs = [System.Collections.Generic.List[object]]::new()
    try {
        $files |
            ForEach-Object {
                $starts[$state.Index] = $clock.Elapsed.TotalSeconds
                $progress.WriteLine($state.Index)
                $state.Index++
                $_
            } |
            Get-Face -ThrottleLimit 1 -ErrorAction SilentlyContinue -ErrorVariable +getFaceErrors |
            Get-FaceEmbedding -ErrorAction SilentlyContinue -ErrorVariable +embedErrors |
            ForEach-Object { $state.Outputs++ }
    }
    catch { $state.Terminating = "$($_.FullyQualifiedErrorId): $($_.Exception.Message)" }
    $starts[$state.Index] = $clock.Elapsed.TotalSeconds
    $progress.Dispose()
    $durations = for ($i = 0; $i -lt $state.Index; $i++) { $starts[$i + 1] - $starts[$i] }
    $slowest = 0; $slowestFile = ''; $hangs = @()
    for ($i = 0; $i -lt $state.Index; $i++) {
        if ($durations[$i] -gt $slowest) { $slowest = $durations[$i]; $slowestFile = $files[$i] }
        if ($durations[$i] -gt $HangSeconds) { $hangs += "$($files[$i]) ($([math]::Round($durations[$i], 1)) s)" }
    }
    $byId = [ordered]@{}
    foreach ($pair in @(@('Get-Face', @($getFaceErrors)), @('Get-FaceEmbedding', @($embedErrors)))) {
        foreach ($e in $pair[1]) {
            if ($null -eq $e) { continue }
            $id = if ($e -is [System.Management.Automation.ErrorRecord]) { $e.FullyQualifiedErrorId.Split(',')[0] } else { $e.GetType().Name }
            $key = "$($pair[0]): $id"
            $byId[$key] = 1 + ($byId[$key] ?? 0)
        }
    }
    $summary = [ordered]@{
        Files       = $files.Length
        Processed   = $state.Index
        Outputs     = $state.Outputs
        Errors      = $byId
        Terminating = $state.Terminating
        Hangs       = $hangs
        SlowestSec  = [math]::Round($slowest, 2)
        SlowestFile = $slowestFile
        MeanMs      = if ($state.Index) { [math]::Round(1000 * $clock.Elapsed.TotalSeconds / $state.Index, 1) } else { 0 }
        TotalSec    = [math]::Round($clock.Elapsed.TotalSeconds, 1)
        PeakMB      = Get-PeakMemoryMB
    }
    'FUZZ-SUMMARY ' + ($summary | ConvertTo-Json -Compress -Depth 4)
    exit 0
}

# ---------------------------------------------------------------- parent: make the files, run the child
if (-not (Test-Path $ModulePath)) { throw "The module is not built at '$ModulePath'. Run: dotnet pwsh ./build.ps1" }
$demo = Join-Path $repo 'tests/.data/face-api-1.7.15/demo'
if (-not (Test-Path (Join-Path $demo 'sample1.jpg'))) { throw "The demo photos are missing from '$demo'. Run: dotnet pwsh ./build.ps1 -Task TestData" }
# SkiaSharp comes with the module; the parent only encodes the seeds with it and never runs a cmdlet.
Import-Module $ModulePath
if (-not $WorkDir) { $WorkDir = Join-Path ([System.IO.Path]::GetTempPath()) "facenet-fuzz-$Seed-$PID" }
New-Item -ItemType Directory $WorkDir -Force | Out-Null

$seeds = [System.Collections.Generic.List[object]]::new()
foreach ($n in 1..6) {
    $src = [SkiaSharp.SKBitmap]::Decode((Join-Path $demo "sample$n.jpg"))
    $h = [int]($src.Height * $SeedWidth / $src.Width)
    $small = $src.Resize([SkiaSharp.SKImageInfo]::new($SeedWidth, $h), [SkiaSharp.SKSamplingOptions]::new([SkiaSharp.SKCubicResampler]::Mitchell))
    $src.Dispose()
    $img = [SkiaSharp.SKImage]::FromBitmap($small)
    foreach ($f in @(@('Jpeg', 'jpg', 85), @('Png', 'png', 100), @('Webp', 'webp', 80))) {
        $data = $img.Encode([SkiaSharp.SKEncodedImageFormat]::($f[0]), $f[2])
        $seeds.Add([pscustomobject]@{ Format = $f[1]; Bytes = $data.ToArray() })
        $data.Dispose()
    }
    $img.Dispose(); $small.Dispose()
}

$rng = [System.Random]::new($Seed)
$crcTable = [long[]]::new(256)
for ($n = 0; $n -lt 256; $n++) { [long]$c = $n; for ($k = 0; $k -lt 8; $k++) { $c = if ($c -band 1) { 0xEDB88320L -bxor ($c -shr 1) } else { $c -shr 1 } }; $crcTable[$n] = $c }
function Get-Crc([byte[]] $b, [int] $off, [int] $len) {
    [long]$c = 0xFFFFFFFFL
    for ($i = $off; $i -lt $off + $len; $i++) { $c = $crcTable[($c -bxor $b[$i]) -band 0xFF] -bxor ($c -shr 8) }
    $c -bxor 0xFFFFFFFFL
}
function Set-BE16([byte[]] $b, [int] $o, [int] $v) { if ($o + 1 -lt $b.Length) { $b[$o] = [byte](($v -shr 8) -band 255); $b[$o + 1] = [byte]($v -band 255) } }
function Set-BE32([byte[]] $b, [int] $o, [long] $v) { if ($o + 3 -lt $b.Length) { for ($i = 0; $i -lt 4; $i++) { $b[$o + $i] = [byte](($v -shr (24 - 8 * $i)) -band 255) } } }
function Set-LE([byte[]] $b, [int] $o, [long] $v, [int] $n) { if ($o + $n - 1 -lt $b.Length) { for ($i = 0; $i -lt $n; $i++) { $b[$o + $i] = [byte](($v -shr (8 * $i)) -band 255) } } }
function Get-EvilNumber([int] $bits) {
    $max = [long][math]::Pow(2, $bits) - 1
    switch ($rng.Next(6)) { 0 { 0 } 1 { 1 } 2 { $max } 3 { [long]($max / 2) } 4 { $rng.Next(1, 70000) } default { [long]($rng.NextDouble() * $max) } }
}

function Edit-Header([byte[]] $b, [string] $format) {
    switch ($format) {
        'jpg' {
            # walk the segments; edit the SOF dimensions/components or some segment's length
            $segments = @(); $i = 2
            while ($i + 4 -lt $b.Length -and $b[$i] -eq 0xFF -and $b[$i + 1] -ne 0xDA) { $segments += $i; $i += 2 + ($b[$i + 2] * 256 + $b[$i + 3]) }
            $sof = @($segments | Where-Object { $b[$_ + 1] -in 0xC0, 0xC1, 0xC2 })
            if ($sof -and $rng.Next(2) -eq 0) {
                $o = $sof[0]
                switch ($rng.Next(4)) {
                    0 { Set-BE16 $b ($o + 5) (Get-EvilNumber 16) }
                    1 { Set-BE16 $b ($o + 7) (Get-EvilNumber 16) }
                    2 { Set-BE16 $b ($o + 5) (Get-EvilNumber 16); Set-BE16 $b ($o + 7) (Get-EvilNumber 16) }
                    default { $b[$o + 9] = [byte]$rng.Next(256) }   # component count
                }
            }
            elseif ($segments) { Set-BE16 $b ($segments[$rng.Next($segments.Count)] + 2) (Get-EvilNumber 16) }
        }
        'png' {
            # IHDR at 16: width, height, depth, colour type...; CRC at 29, recomputed 3 times out of 4
            switch ($rng.Next(5)) {
                0 { Set-BE32 $b 16 (Get-EvilNumber 31) }
                1 { Set-BE32 $b 20 (Get-EvilNumber 31) }
                2 { Set-BE32 $b 16 (Get-EvilNumber 16); Set-BE32 $b 20 (Get-EvilNumber 16) }
                3 { $b[24] = [byte](1, 2, 4, 8, 16, 3, 7, 0)[$rng.Next(8)] }
                default { $b[25] = [byte](0, 2, 3, 4, 6, 1, 5, 7)[$rng.Next(8)] }
            }
            if ($rng.Next(4) -ne 0 -and $b.Length -ge 33) { Set-BE32 $b 29 (Get-Crc $b 12 17) }
        }
        'webp' {
            # RIFF size at 4; then VP8 (lossy: dims at 26/28, 14 bits), VP8L (dims in 28 bits at 21) or VP8X (canvas at 24/27)
            $chunk = [Text.Encoding]::ASCII.GetString($b, 12, 4)
            switch ($rng.Next(3)) {
                0 { Set-LE $b 4 (Get-EvilNumber 32) 4 }
                1 { Set-LE $b 16 (Get-EvilNumber 32) 4 }
                default {
                    if ($chunk -eq 'VP8 ') { Set-LE $b 26 (Get-EvilNumber 16) 2; Set-LE $b 28 (Get-EvilNumber 16) 2 }
                    elseif ($chunk -eq 'VP8L') { Set-LE $b 21 (Get-EvilNumber 28) 4 }
                    else { Set-LE $b 24 (Get-EvilNumber 24) 3; Set-LE $b 27 (Get-EvilNumber 24) 3 }
                }
            }
        }
    }
}

function New-Mutant([object] $seed) {
    $b = [byte[]]$seed.Bytes.Clone()
    $kinds = @()
    for ($m = 0; $m -lt $rng.Next(1, 4); $m++) {
        $kind = @('flip', 'flip', 'bytes', 'truncate', 'splice', 'insert', 'header', 'header')[$rng.Next(8)]
        $kinds += $kind
        switch ($kind) {
            'flip' {
                # most flips near the start, where the headers are
                $n = $rng.Next(1, 17)
                for ($i = 0; $i -lt $n; $i++) {
                    $limit = if ($rng.Next(2) -eq 0) { [math]::Min($b.Length, 1024) } else { $b.Length }
                    $pos = $rng.Next($limit); $b[$pos] = $b[$pos] -bxor [byte](1 -shl $rng.Next(8))
                }
            }
            'bytes' {
                $n = $rng.Next(1, 9)
                for ($i = 0; $i -lt $n; $i++) { $b[$rng.Next($b.Length)] = [byte](0, 255, 0x7F, 0x80, $rng.Next(256))[$rng.Next(5)] }
            }
            'truncate' { $b = $b[0..([math]::Max(0, [int]($b.Length * $rng.NextDouble()) - 1))] }
            'splice' {
                $other = $seeds[$rng.Next($seeds.Count)].Bytes
                $cut = $rng.Next(1, $b.Length); $from = $rng.Next(0, $other.Length)
                $b = [byte[]]($b[0..($cut - 1)] + $other[$from..($other.Length - 1)])
            }
            'insert' {
                $pos = $rng.Next($b.Length); $len = $rng.Next(1, 4096)
                $run = if ($rng.Next(2) -eq 0) { $start = $rng.Next($b.Length); $b[$start..([math]::Min($b.Length - 1, $start + $len))] } else { $r = [byte[]]::new($len); $rng.NextBytes($r); $r }
                $b = [byte[]]($b[0..$pos] + $run + $(if ($pos + 1 -lt $b.Length) { $b[($pos + 1)..($b.Length - 1)] } else { @() }))
            }
            'header' { Edit-Header $b $seed.Format }
        }
        if ($b.Length -eq 0) { break }
    }
    [pscustomobject]@{ Bytes = [byte[]]$b; Kinds = $kinds -join '+' }
}

Write-Host "Making $Count mutated files from $($seeds.Count) seeds (seed $Seed) in $WorkDir"
$list = [System.Collections.Generic.List[string]]::new()
$log = [System.Collections.Generic.List[string]]::new()
for ($i = 0; $i -lt $Count; $i++) {
    $s = $seeds[$rng.Next($seeds.Count)]
    $m = New-Mutant $s
    $path = Join-Path $WorkDir ('fuzz{0:00000}.{1}' -f $i, $s.Format)
    [System.IO.File]::WriteAllBytes($path, $m.Bytes)
    $list.Add($path); $log.Add("$path`t$($m.Bytes.Length)`t$($m.Kinds)")
}
$listFile = Join-Path $WorkDir 'files.txt'
[System.IO.File]::WriteAllLines($listFile, $list)
[System.IO.File]::WriteAllLines((Join-Path $WorkDir 'mutations.tsv'), $log)

# The child: the same pwsh as this one (dotnet pwsh runs pwsh.dll under dotnet).
$exe = [Environment]::ProcessPath
$arguments = [System.Collections.Generic.List[string]]::new()
if ((Split-Path $exe -Leaf) -notlike 'pwsh*') { $arguments.Add([System.Reflection.Assembly]::GetEntryAssembly().Location) }
foreach ($a in '-NoProfile', '-NonInteractive', '-File', $PSCommandPath, '-ChildList', $listFile, '-ModulePath', $ModulePath, '-HangSeconds', "$HangSeconds", '-MaxImagePixels', "$MaxImagePixels") { $arguments.Add($a) }
$psi = [System.Diagnostics.ProcessStartInfo]::new($exe, $arguments)
$psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true; $psi.UseShellExecute = $false
Write-Host "Running Get-Face -ThrottleLimit 1 | Get-FaceEmbedding over them in a child process ($ModulePath)"
$child = [System.Diagnostics.Process]::Start($psi)
$stdout = $child.StandardOutput.ReadToEndAsync()
$stderr = $child.StandardError.ReadToEndAsync()
$progressFile = "$listFile.progress"
$killed = $null; $lastIndex = -1; $since = [DateTime]::UtcNow
while (-not $child.WaitForExit(1000)) {
    $current = if (Test-Path $progressFile) { (Get-Content -LiteralPath $progressFile -Tail 1 -ErrorAction SilentlyContinue) } else { $null }
    if ($current -ne $lastIndex) { $lastIndex = $current; $since = [DateTime]::UtcNow }
    elseif (([DateTime]::UtcNow - $since).TotalSeconds -gt $KillSeconds) {
        $killed = if ($null -ne $current) { $list[[int]$current] } else { '(before the first file)' }
        $child.Kill($true); $child.WaitForExit(); break
    }
}
$out = $stdout.Result; $err = $stderr.Result
$summaryLine = ($out -split "`r?`n" | Where-Object { $_ -like 'FUZZ-SUMMARY *' } | Select-Object -Last 1)
$crashed = ($child.ExitCode -ne 0 -and -not $killed) -or (-not $summaryLine -and -not $killed)
$s = if ($summaryLine) { $summaryLine.Substring(13) | ConvertFrom-Json -AsHashtable } else { $null }

$hangs = @(if ($s) { $s.Hangs }) + @(if ($killed) { "$killed (killed after $KillSeconds s)" })
Write-Host ''
Write-Host "Files processed : $(if ($s) { $s.Processed } else { '?' }) of $Count  (seed $Seed, seeds: 6 demo photos x JPEG/PNG/WebP at $SeedWidth px, `$FaceNetMaxImagePixels = $MaxImagePixels)"
Write-Host "Outputs         : $(if ($s) { $s.Outputs } else { '?' }) face embeddings"
Write-Host 'Errors by ErrorId:'
if ($s) { foreach ($k in $s.Errors.Keys | Sort-Object) { Write-Host ('  {0,-45} {1,6}' -f $k, $s.Errors[$k]) } }
Write-Host "Terminating     : $(if ($s -and $s.Terminating) { $s.Terminating } else { 0 })"
Write-Host "Crashes         : $([int]$crashed)$(if ($crashed) { " (exit code $($child.ExitCode); stderr: $($err.Trim() -split "`n" | Select-Object -Last 5))" })"
Write-Host "Hangs (> $HangSeconds s): $($hangs.Count)$(if ($hangs) { ': ' + ($hangs -join ', ') })"
if ($s) {
    Write-Host "Slowest file    : $($s.SlowestSec) s ($($s.SlowestFile))"
    Write-Host "Time            : $($s.TotalSec) s in the pipeline, $($s.MeanMs) ms per file"
    Write-Host "Peak memory     : $($s.PeakMB) MB (VmHWM of the child)"
}
# FaceProcessingFailed is an exception inside the engine on a picture that decoded: a bug, not a bad file.
$engineFaults = if ($s) { @($s.Errors.Keys | Where-Object { $_ -like '*FaceProcessingFailed*' } | ForEach-Object { $s.Errors[$_] } | Measure-Object -Sum).Sum } else { 0 }
Write-Host "Engine faults   : $([int]$engineFaults) (FaceProcessingFailed)"
$failed = $crashed -or $hangs.Count -gt 0 -or ($s -and $s.Terminating) -or $engineFaults -gt 0
if (-not $Keep -and -not $failed) { Remove-Item -LiteralPath $WorkDir -Recurse -Force }
else { Write-Host "Files kept in $WorkDir (mutations.tsv lists each file's mutations)" }
Write-Host $(if ($failed) { 'FUZZ FAILED' } else { 'FUZZ PASSED' })
exit $(if ($failed) { 1 } else { 0 })
