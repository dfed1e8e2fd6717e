# The shared gallery's load and fault scenario, used by the Pester test (which asserts the counts) and by
# tools/FaceNet.Lab/Benchmark/Measure-SharedGallery.ps1 (which prints the figures):
# N writer processes enrol their own folder of photos into one PostgreSQL gallery at once; the photo lists overlap
# (New-SharedGalleryLoadSet says how), one writer is killed (Stop-Process -Force) once
# the gallery holds half of the distinct photos, and a re-run of the killed writer's folder with -Append completes.

Set-StrictMode -Version Latest

<#
.SYNOPSIS
    Builds the writers' folders under $Work from $Pool (photos in one folder per person; the folder name is the label).
    Writers 1..N-1 take overlapping runs of the pool, so every photo they hold is in two writers' lists under
    different names; writer 0 takes the first half-run (shared with writer 1) and then photos no other writer has,
    so killing it halfway leaves work only a re-run can finish. A pool smaller than that is repeated.
    Returns the folders, the photos submitted and the number of distinct photos (by content).
#>
function New-SharedGalleryLoadSet {
    param(
        [Parameter(Mandatory)] [string] $Work,
        [Parameter(Mandatory)] [System.IO.FileInfo[]] $Pool,
        [int] $Writers = 8,
        [int] $PerWriter = 500
    )
    $n = $Pool.Count
    $half = [math]::Floor($PerWriter / 2)
    $lists = @(
        , @(0..($PerWriter - 1) | ForEach-Object { if ($_ -lt $half) { $_ } else { ($Writers - 2) * $half + $PerWriter + ($_ - $half) } })
        foreach ($k in 1..($Writers - 1)) { , @(0..($PerWriter - 1) | ForEach-Object { ($k - 1) * $half + $_ }) }
    )
    $folders = for ($k = 0; $k -lt $Writers; $k++) {
        $dir = Join-Path $Work "writer$k"
        for ($j = 0; $j -lt $PerWriter; $j++) {
            $src = $Pool[$lists[$k][$j] % $n]
            $person = Join-Path $dir $src.Directory.Name
            if (-not (Test-Path -LiteralPath $person)) { New-Item -ItemType Directory $person -Force | Out-Null }
            Copy-Item -LiteralPath $src.FullName (Join-Path $person ('{0:D4}-{1}' -f $j, $src.Name))
        }
        $dir
    }
    $used = $lists | ForEach-Object { $_ } | ForEach-Object { $_ % $n } | Sort-Object -Unique
    $distinct = @($used | ForEach-Object { (Get-FileHash -LiteralPath $Pool[$_].FullName -Algorithm SHA256).Hash } | Sort-Object -Unique).Count
    [pscustomobject]@{ Folders = @($folders); Distinct = $distinct; Submitted = $Writers * $PerWriter }
}

function Invoke-GalleryScalar([string] $ConnectionString, [string] $Sql) {
    $c = [Npgsql.NpgsqlConnection]::new($ConnectionString + ';Pooling=false')
    $c.Open()
    try { $cmd = $c.CreateCommand(); $cmd.CommandText = $Sql; $cmd.ExecuteScalar() } finally { $c.Dispose() }
}

<#
.SYNOPSIS
    Runs the writers, kills writer 0 once the gallery holds half the distinct photos, then re-runs writer 0 with
    -Append. Returns timings and counts; the gallery is left for the caller to inspect.
#>
function Invoke-SharedGalleryLoad {
    param(
        [Parameter(Mandatory)] [string] $ModulePath,
        [Parameter(Mandatory)] [string] $ConnectionString,
        [Parameter(Mandatory)] $LoadSet,
        [Parameter(Mandatory)] [string] $Work,
        [switch] $NoKill
    )
    $writer = Join-Path $Work 'writer.ps1'
    Set-Content -LiteralPath $writer -Value @'
param($Module, $Folder, $Result)
$ErrorActionPreference = 'Stop'
Import-Module $Module
# The connection string (with its password) comes through the environment, not the command line others can read.
$u = Get-ChildItem -LiteralPath $Folder -Recurse -File | Sort-Object Name |
    Export-FaceGallery -ConnectionString $env:FACENET_LOAD_GALLERY -Append -Label { $_.Directory.Name } -PassThru
$u | ConvertTo-Json | Set-Content -LiteralPath $Result
'@
    $pwshDll = Join-Path $PSHOME 'pwsh.dll'
    $env:FACENET_LOAD_GALLERY = $ConnectionString
    function Start-Writer([string] $Folder) {
        $result = "$Folder.result.json"
        Start-Process -FilePath 'dotnet' -PassThru -RedirectStandardError "$Folder.err.txt" -RedirectStandardOutput "$Folder.out.txt" -ArgumentList @(
            $pwshDll, '-NoProfile', '-NonInteractive', '-File', $writer, '-Module', $ModulePath, '-Folder', $Folder, '-Result', $result)
    }
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $procs = @($LoadSet.Folders | ForEach-Object { Start-Writer $_ })
    try {
        $killedAt = $null; $killedWhileRunning = $false; $photosAtKill = 0
        while (@($procs | Where-Object { -not $_.HasExited }).Count -gt 0) {
            Start-Sleep -Milliseconds 200
            if (-not $NoKill -and -not $killedAt) {
                $photos = if (Invoke-GalleryScalar $ConnectionString "SELECT to_regclass('facenet_photos') IS NULL") { 0 }
                    else { [long](Invoke-GalleryScalar $ConnectionString 'SELECT count(*) FROM facenet_photos') }
                if ($photos -ge [math]::Ceiling($LoadSet.Distinct / 2)) {
                    $killedWhileRunning = -not $procs[0].HasExited
                    Stop-Process -Id $procs[0].Id -Force -ErrorAction SilentlyContinue
                    $killedAt = $clock.Elapsed.TotalSeconds; $photosAtKill = $photos
                }
            }
        }
    }
    finally { $procs | Where-Object { -not $_.HasExited } | ForEach-Object { Stop-Process -Id $_.Id -Force -ErrorAction SilentlyContinue } }
    $clock.Stop()
    $loadSeconds = $clock.Elapsed.TotalSeconds
    foreach ($p in $procs) { $p.WaitForExit() }
    $exitCodes = @($procs | ForEach-Object { $_.ExitCode })
    $afterKill = [pscustomobject]@{
        Photos = [long](Invoke-GalleryScalar $ConnectionString 'SELECT count(*) FROM facenet_photos')
        Faces  = [long](Invoke-GalleryScalar $ConnectionString 'SELECT count(*) FROM facenet_faces')
    }
    $rerun = [System.Diagnostics.Stopwatch]::StartNew()
    $p0 = Start-Writer $LoadSet.Folders[0]
    $p0.WaitForExit()
    $rerun.Stop()
    $errors = @($LoadSet.Folders | ForEach-Object { "$_.err.txt" } | Where-Object { Test-Path $_ } | ForEach-Object { Get-Content -Raw $_ } | Where-Object { $_ })
    Remove-Item Env:FACENET_LOAD_GALLERY -ErrorAction SilentlyContinue
    [pscustomobject]@{
        Writers = $LoadSet.Folders.Count
        Submitted = $LoadSet.Submitted
        Distinct = $LoadSet.Distinct
        LoadSeconds = $loadSeconds
        KilledAtSeconds = $killedAt
        KilledWhileRunning = $killedWhileRunning
        PhotosAtKill = $photosAtKill
        ExitCodes = $exitCodes
        AfterKill = $afterKill
        RerunSeconds = $rerun.Elapsed.TotalSeconds
        RerunExitCode = $p0.ExitCode
        RerunResult = if (Test-Path "$($LoadSet.Folders[0]).result.json") { Get-Content -Raw "$($LoadSet.Folders[0]).result.json" | ConvertFrom-Json } else { $null }
        Photos = [long](Invoke-GalleryScalar $ConnectionString 'SELECT count(*) FROM facenet_photos')
        DistinctHashes = [long](Invoke-GalleryScalar $ConnectionString 'SELECT count(DISTINCT content_sha256) FROM facenet_photos')
        Faces = [long](Invoke-GalleryScalar $ConnectionString 'SELECT count(*) FROM facenet_faces')
        FacesRecorded = [long](Invoke-GalleryScalar $ConnectionString 'SELECT coalesce(sum(faces), 0) FROM facenet_photos')
        PartialPhotos = [long](Invoke-GalleryScalar $ConnectionString 'SELECT count(*) FROM facenet_photos p WHERE p.faces <> (SELECT count(*) FROM facenet_faces f WHERE f.photo_id = p.id)')
        LabelMismatches = [long](Invoke-GalleryScalar $ConnectionString 'SELECT count(*) FROM facenet_faces f JOIN facenet_photos p ON p.id = f.photo_id WHERE f.label IS DISTINCT FROM p.label')
        Errors = $errors
    }
}

Export-ModuleMember -Function New-SharedGalleryLoadSet, Invoke-SharedGalleryLoad, Invoke-GalleryScalar
