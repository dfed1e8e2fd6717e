#Requires -Version 7.4
<#
.SYNOPSIS
    Measures how long Ctrl+C (PowerShell.Stop()) takes to end Get-FaceEmbedding over a folder of full-size photos.
.DESCRIPTION
    Copies the six demo photos -Copies times into a temp folder, starts Get-FaceEmbedding over them in a
    [powershell] instance (BeginInvoke), calls Stop() once -After embeddings have come out, and prints the time
    Stop() took (it returns when the pipeline has stopped), for -Repeat runs and -ThrottleLimit values.
.EXAMPLE
    dotnet pwsh ./tools/fuzz/Measure-StopLatency.ps1
#>
[CmdletBinding()]
param([string] $ModulePath, [int] $Copies = 10, [int] $After = 3, [int] $Repeat = 3, [int[]] $ThrottleLimit = @(1, [Environment]::ProcessorCount))

$ErrorActionPreference = 'Stop'
$repo = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
if (-not $ModulePath) { $ModulePath = if ($env:FACENET_MODULE) { $env:FACENET_MODULE } else { Join-Path $repo 'out/FaceNet/FaceNet.psd1' } }
$dir = Join-Path ([System.IO.Path]::GetTempPath()) "facenet-stop-$PID"
New-Item -ItemType Directory $dir -Force | Out-Null
$files = for ($i = 0; $i -lt 6 * $Copies; $i++) {
    $p = Join-Path $dir ('photo{0:000}.jpg' -f $i)
    Copy-Item -LiteralPath (Join-Path $repo "tests/.data/face-api-1.7.15/demo/sample$($i % 6 + 1).jpg") -Destination $p
    $p
}
try {
    foreach ($t in $ThrottleLimit) {
        for ($r = 1; $r -le $Repeat; $r++) {
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript("Import-Module '$ModulePath'; Get-FaceEmbedding -ThrottleLimit $t -LiteralPath '$($files -join "','")'")
                $out = [System.Management.Automation.PSDataCollection[psobject]]::new()
                $h = $ps.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]::new(), $out)
                while ($out.Count -lt $After -and -not $h.IsCompleted) { Start-Sleep -Milliseconds 10 }
                $sw = [System.Diagnostics.Stopwatch]::StartNew(); $ps.Stop(); $sw.Stop()
                [pscustomobject]@{ ThrottleLimit = $t; Run = $r; EmbeddingsBeforeStop = $out.Count; StopMs = $sw.ElapsedMilliseconds; State = $ps.InvocationStateInfo.State }
            }
            finally { $ps.Dispose() }
        }
    }
}
finally { Remove-Item -LiteralPath $dir -Recurse -Force }
