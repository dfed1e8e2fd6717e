<#
.SYNOPSIS
    What a new pwsh's first run of photos pays beyond the later ones: the same photos run -Runs times in one process,
    each run's images/s, CPU time, JIT time and GC pauses.
.DESCRIPTION
    Issue 26's efficiency compares the end-to-end pipeline with the models alone like for like (both warm); this script
    shows what the first run in a new process adds: .NET's tiered compiler recompiling the hot methods of PowerShell,
    the base library, ONNX Runtime's managed API and the module while the photos run. One photo is embedded before the
    first timed run, so the models are loaded (as in the benchmark). Run it as it is, in a new dotnet pwsh; it prints the
    CPU it ran on first.
.EXAMPLE
    dotnet pwsh tools/FaceNet.Lab/Benchmark/Measure-FirstRunCost.ps1 -Count 300 -Model Ensemble
#>
param(
    [int] $Count = 300,
    [int] $Runs = 3,
    [string] $Model = 'Ensemble',
    [string] $Root = (Resolve-Path (Join-Path $PSScriptRoot '../../..')).Path,
    [string] $Dataset
)
$ErrorActionPreference = 'Stop'
if (-not $Dataset) { $Dataset = Join-Path (Split-Path $Root -Parent) 'shared/data/lfw-view1' }
if (-not (Test-Path $Dataset)) { throw "LFW folder '$Dataset' not found (expected ../shared/data/lfw-view1; use -Dataset)." }
Import-Module (Join-Path $Root 'out/FaceNet/FaceNet.psd1')
$cpu = (lscpu | Select-String 'Model name').Line -replace '.*:\s*', ''
$flags = ((lscpu | Select-String '^Flags').Line -split '\s+' | Where-Object { $_ -match '^(avx2|avx512f|avx512_vnni|avx512_bf16|avx512_fp16|amx_tile)$' }) -join ' '
Write-Host "CPU: $cpu, $([Environment]::ProcessorCount) cores; $flags"

# The benchmark's photos: the first -Count LFW photos by path, in ordinal order.
[string[]] $all = [IO.Directory]::GetFiles($Dataset, '*.jpg', [IO.SearchOption]::AllDirectories)
[Array]::Sort($all, [StringComparer]::Ordinal)
$items = @($all | Select-Object -First $Count | Get-Item)
$null = $items[0] | Get-FaceEmbedding -Model $Model

function Get-Snapshot {
    [pscustomobject]@{
        Jit = [System.Runtime.JitInfo]::GetCompilationTime().TotalSeconds
        Cpu = [Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime.TotalSeconds
        Pause = [GC]::GetTotalPauseDuration().TotalSeconds
        Ticks = [Diagnostics.Stopwatch]::GetTimestamp()
    }
}
foreach ($run in 1..$Runs) {
    $a = Get-Snapshot
    $faces = @($items | Get-FaceEmbedding -Model $Model).Count
    $b = Get-Snapshot
    $seconds = ($b.Ticks - $a.Ticks) / [Diagnostics.Stopwatch]::Frequency
    '{0} run {1}: {2} photos, {3} faces, {4:0.0} images/s; CPU {5:0.00} s, JIT {6:0.00} s, GC pauses {7:0.000} s' -f `
        $Model, $run, $items.Count, $faces, ($items.Count / $seconds), ($b.Cpu - $a.Cpu), ($b.Jit - $a.Jit), ($b.Pause - $a.Pause)
}
