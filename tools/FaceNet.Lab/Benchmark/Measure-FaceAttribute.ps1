#Requires -Version 7.4
<#
.SYNOPSIS
    What Get-FaceAttribute costs next to Get-FaceEmbedding on the same photos (issue 23: at most 30% more), and the
    face-api peer's attribute pipeline on the same photos, with the CPU named.
.DESCRIPTION
    dotnet pwsh tools/FaceNet.Lab/Benchmark/Measure-FaceAttribute.ps1 [-Count 300] [-Rounds 3] [-SkipPeer]
    Each round runs, in a new dotnet pwsh each, `Get-ChildItem | Get-FaceEmbedding` and `Get-ChildItem |
    Get-FaceAttribute` (all three attributes; then -Attribute Expression) over the first -Count LFW View 1 photos
    (../shared/data/lfw-view1, by path in ordinal order), models loaded before the clock starts; the order of the two
    alternates by round so drift hits both. Prints each run, the medians and the ratio. The peer (face-api 1.7.15 on
    tfjs wasm, one process: SSD, landmarks, expressions, age and gender) runs once on the same photos.
#>
[CmdletBinding()]
param(
    [string] $Root = (Resolve-Path (Join-Path $PSScriptRoot '../../..')).Path,
    [string] $Lfw,
    [int] $Count = 300,
    [int] $Rounds = 3,
    [switch] $SkipPeer
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$inv = [System.Globalization.CultureInfo]::InvariantCulture
$SharedDir = Join-Path (Split-Path $Root -Parent) 'shared'
if (-not $Lfw) { $Lfw = Join-Path $SharedDir 'data/lfw-view1' }
if (-not (Test-Path $Lfw)) { throw "LFW View 1 is not at '$Lfw' (../shared/data/lfw-view1); give -Lfw." }
$Bench = Join-Path $Root 'out/bench'
New-Item -ItemType Directory $Bench -Force | Out-Null
$module = Join-Path $Root 'out/FaceNet/FaceNet.psd1'
if (-not (Test-Path $module)) { throw "The module is not built ($module). Run ./build.ps1 first." }
$PwshDll = Join-Path $PSHOME 'pwsh.dll'
function Quote([string] $s) { "'" + $s.Replace("'", "''") + "'" }
function Median([double[]] $v) { $s = @($v | Sort-Object); if ($s.Count % 2) { $s[[int][math]::Floor($s.Count / 2)] } else { ($s[$s.Count / 2 - 1] + $s[$s.Count / 2]) / 2 } }

$cpu = (Get-Content /proc/cpuinfo | Where-Object { $_ -like 'model name*' } | Select-Object -First 1) -replace '^model name\s*:\s*', ''
$flags = ((Get-Content /proc/cpuinfo | Where-Object { $_ -like 'flags*' } | Select-Object -First 1) -replace '^flags\s*:\s*', '') -split ' '
$shown = @('avx2', 'avx512f', 'avx512_vnni', 'avx512_bf16', 'amx_tile', 'amx_int8') | Where-Object { $flags -contains $_ }
Write-Host "CPU: $cpu, $([Environment]::ProcessorCount) cores; flags: $($shown -join ', ')"

$list = Join-Path $Bench "attributes-lfw$Count.txt"
# The first photos by path in ordinal order, as the main benchmark takes them.
$paths = [string[]](Get-ChildItem $Lfw -Recurse -Filter *.jpg | ForEach-Object FullName)
[Array]::Sort($paths, [StringComparer]::Ordinal)
$paths | Select-Object -First $Count | Set-Content $list

function Invoke-Run([string] $Command) {
    $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module $(Quote $module)
`$items = @(Get-Content $(Quote $list) | Get-Item)
`$null = `$items[0] | $Command
`$sw = [Diagnostics.Stopwatch]::StartNew()
`$out = @(`$items | $Command)
`$sw.Stop()
'RESULT ' + (@{ images = `$items.Count; faces = `$out.Count; seconds = `$sw.Elapsed.TotalSeconds } | ConvertTo-Json -Compress)
"@
    $lines = & dotnet $PwshDll -NoProfile -NonInteractive -Command $script 2>&1
    $line = $lines | Where-Object { "$_" -like 'RESULT *' } | Select-Object -Last 1
    if (-not $line) { throw "Run of '$Command' failed:`n$($lines -join "`n")" }
    "$line".Substring(7) | ConvertFrom-Json
}

$commands = [ordered]@{ Embedding = 'Get-FaceEmbedding'; Attributes = 'Get-FaceAttribute'; Expression = 'Get-FaceAttribute -Attribute Expression' }
$times = @{}; foreach ($k in $commands.Keys) { $times[$k] = [System.Collections.Generic.List[double]]::new() }
for ($r = 1; $r -le $Rounds; $r++) {
    $order = if ($r % 2) { @($commands.Keys) } else { @($commands.Keys)[($commands.Count - 1)..0] }
    foreach ($k in $order) {
        $res = Invoke-Run $commands[$k]
        $times[$k].Add($res.seconds)
        Write-Host ("  round {0}: {1,-40} {2} photos, {3} faces in {4} s ({5} images/s)" -f $r, $commands[$k], $res.images, $res.faces,
            $res.seconds.ToString('0.00', $inv), ($res.images / $res.seconds).ToString('0.0', $inv))
    }
}
$m = @{}; foreach ($k in $commands.Keys) { $m[$k] = Median $times[$k].ToArray() }
Write-Host ''
Write-Host "Medians over $Rounds rounds, first $Count LFW View 1 photos, Get-ChildItem | <command>, CPU ${cpu}:"
foreach ($k in $commands.Keys) {
    Write-Host ("  {0,-40} {1} s, {2} images/s, {3} of Get-FaceEmbedding's time" -f $commands[$k], $m[$k].ToString('0.00', $inv), ($Count / $m[$k]).ToString('0.0', $inv), ($m[$k] / $m['Embedding']).ToString('P0', $inv))
}
$ratio = $m['Attributes'] / $m['Embedding']
Write-Host ("Get-FaceAttribute costs {0} of Get-FaceEmbedding (target: at most 130%): {1}" -f $ratio.ToString('P0', $inv), ($ratio -le 1.3 ? 'PASS' : 'FAIL'))

if (-not $SkipPeer) {
    $peerDir = & (Join-Path $Root 'tools/FaceNet.Lab/Attributes/Initialize-AttributePeer.ps1') -Root $Root
    $labels = Join-Path $Bench "attributes-lfw$Count.csv"
    @('path,expression,age,gender') + (Get-Content $list | ForEach-Object { "$_,,," }) | Set-Content $labels
    Push-Location $peerDir
    try { $lines = & node faceapi-attributes.mjs --labels $labels --out (Join-Path $Bench 'attributes-peer.jsonl') 2>&1 } finally { Pop-Location }
    $s = $lines | Where-Object { "$_" -like 'SUMMARY *' } | Select-Object -Last 1
    if (-not $s) { throw "The peer printed no SUMMARY line:`n$($lines -join "`n")" }
    $p = "$s".Substring(8) | ConvertFrom-Json
    Write-Host ("Peer, face-api {0} on tfjs {1} {2}, one process (SSD, landmarks, expressions, age and gender): {3} images/s; Get-FaceAttribute is {4}x that" -f `
        $p.faceapi, $p.tfjs, $p.backend, $p.images_per_s.ToString('0.00', $inv), (($Count / $m['Attributes']) / $p.images_per_s).ToString('0.0', $inv))
}
