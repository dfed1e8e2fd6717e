<#
.SYNOPSIS
    Export-FaceReport at scale: the time and size of a report of -Faces faces, and how long Chromium takes to open it.
.DESCRIPTION
    Embeds LFW View 1 (../shared/data/lfw-view1) once, repeats its embeddings until there are -Faces faces (so about two
    faces per photo at 10,000, as a library of group photos has), clusters them with Group-Face, and times
    Export-FaceReport. Prints the CPU, the time, the page and thumbnail sizes, the size per 1,000 faces, and the time
    headless Chromium takes to load the page (first paint, lazy thumbnails).
.EXAMPLE
    dotnet pwsh tools/FaceNet.Lab/Benchmark/Measure-FaceReport.ps1 -Faces 10000
#>
param(
    [int] $Faces = 10000,
    [string] $Root = (Resolve-Path (Join-Path $PSScriptRoot '../../..')).Path,
    [string] $Dataset,
    [string] $Out = (Join-Path ([IO.Path]::GetTempPath()) 'facenet-report-scale')
)
$ErrorActionPreference = 'Stop'
if (-not $Dataset) { $Dataset = Join-Path (Split-Path $Root -Parent) 'shared/data/lfw-view1' }
Import-Module (Join-Path $Root 'out/FaceNet/FaceNet.psd1')
$cpu = (lscpu | Select-String 'Model name').Line -replace '.*:\s*', ''
Write-Host "CPU: $cpu, $([Environment]::ProcessorCount) cores"
$cache = Join-Path $Out 'lfw-embeddings.clixml'
New-Item -ItemType Directory $Out -Force | Out-Null
if (Test-Path $cache) { $embeddings = Import-Clixml $cache }
else {
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $embeddings = @(Get-ChildItem $Dataset -Recurse -Filter *.jpg | Get-FaceEmbedding)
    Write-Host ("Embedded {0} faces of {1} in {2:0} s (cached in {3})" -f $embeddings.Count, $Dataset, $sw.Elapsed.TotalSeconds, $cache)
    $embeddings | Export-Clixml $cache
}
$all = [Collections.Generic.List[object]]::new()
while ($all.Count -lt $Faces) { foreach ($e in $embeddings) { if ($all.Count -lt $Faces) { $all.Add($e) } } }
$sw = [Diagnostics.Stopwatch]::StartNew()
$groups = @($all | Group-Face -AllowSamePhoto)
$cluster = $sw.Elapsed.TotalSeconds
$report = Join-Path $Out 'people.html'
$sw.Restart()
$groups | Export-FaceReport -Path $report -Force
$write = $sw.Elapsed.TotalSeconds
$html = (Get-Item $report).Length
$thumbs = (Get-ChildItem (Join-Path $Out 'people_files') | Measure-Object Length -Sum)
Write-Host ("{0:N0} faces ({1:N0} photos) in {2:N0} groups: Group-Face {3:0.0} s, Export-FaceReport {4:0.0} s" -f $all.Count, @($embeddings.Path | Sort-Object -Unique).Count, $groups.Count, $cluster, $write)
Write-Host ("page {0:0.0} MB + {1:N0} thumbnails {2:0.0} MB = {3:0.0} MB; per 1,000 faces {4:0.00} MB" -f ($html / 1MB), $thumbs.Count, ($thumbs.Sum / 1MB), (($html + $thumbs.Sum) / 1MB), (($html + $thumbs.Sum) / 1MB / ($all.Count / 1000)))
$chromium = @('/usr/bin/chromium', '/usr/bin/chromium-browser') | Where-Object { Test-Path $_ } | Select-Object -First 1
if ($chromium) {
    $probe = Join-Path $Out 'load-time.html'
    Set-Content $probe '<!DOCTYPE html><html><body><iframe id="r" src="people.html" style="width:1200px;height:900px"></iframe><pre id="out"></pre><script>document.getElementById("r").addEventListener("load",()=>{const w=document.getElementById("r").contentWindow;const n=w.performance.getEntriesByType("navigation")[0];const p=w.performance.getEntriesByType("paint").find(e=>e.name==="first-contentful-paint");document.getElementById("out").textContent="first contentful paint "+(p?Math.round(p.startTime):"?")+" ms, DOMContentLoaded "+Math.round(n.domContentLoadedEventEnd)+" ms, load "+Math.round(n.loadEventEnd||performance.now())+" ms, "+w.document.querySelectorAll("img").length+" images";});</script></body></html>'
    $sw.Restart()
    $dom = & $chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking --disable-component-update --disable-sync `
        "--user-data-dir=$(Join-Path $Out 'chromium')" --allow-file-access-from-files --dump-dom "file://$probe" 2>$null
    $wall = $sw.Elapsed.TotalSeconds
    $line = [regex]::Match(($dom -join "`n"), '<pre id="out">([^<]*)</pre>').Groups[1].Value
    Write-Host ("Chromium (headless): page {0}; whole browser run {1:0.0} s" -f $line, $wall)
}
else { Write-Host 'Chromium is not installed: no load time (apt-get install chromium).' }
