<#
.SYNOPSIS
    The PostgreSQL gallery's figures: 8 writers enrolling at once with one killed, the write path's rows per second,
    and how long loading -Faces faces takes (Import-FaceGallery) and how much memory it needs, then Find-Face per probe.
.DESCRIPTION
    Starts a throwaway cluster (build/TestPostgres.psm1) unless -ConnectionString names a server (a superuser's: it
    creates databases). Prints the CPU first; every figure is from this machine.
      1. Load and fault: build/SharedGalleryLoad.psm1's scenario (the Pester test's), on 2,250 LFW View 1 photos when
         ../shared is there, else the demo photos repeated: time, photos and face rows per second, counts.
      2. Write path alone: -Writers threads each write -WritePhotos photos of 2 faces through PostgresGallery.Write
         (one transaction per photo), with real vectors of the demo photos: rows per second.
      3. Load: -Faces faces (real vectors of the demo photos, each with a little noise so no two are equal, 100,000
         labels) put in with COPY, then a fresh pwsh process times Import-FaceGallery -ConnectionString, reports the
         managed memory it holds and the process's peak working set, and times Find-Face per probe.
.EXAMPLE
    dotnet pwsh tools/FaceNet.Lab/Benchmark/Measure-SharedGallery.ps1 -Faces 1000000
#>
param(
    [int] $Faces = 1000000,
    [int] $Writers = 8,
    [int] $WritePhotos = 2000,
    [int] $Probes = 200,
    [string] $ConnectionString,
    [switch] $SkipLoadTest,
    [switch] $SkipWriteTest,
    [string] $Root = (Resolve-Path (Join-Path $PSScriptRoot '../../..')).Path
)
$ErrorActionPreference = 'Stop'
$module = Join-Path $Root 'out/FaceNet/FaceNet.psd1'
Import-Module $module
Add-Type -LiteralPath (Join-Path $Root 'out/FaceNet/Npgsql.dll')
Import-Module (Join-Path $Root 'build/TestPostgres.psm1') -Force
Import-Module (Join-Path $Root 'build/SharedGalleryLoad.psm1') -Force
$cpu = (lscpu | Select-String 'Model name').Line -replace '.*:\s*', ''
$flags = ((lscpu | Select-String '^Flags').Line -split '\s+' | Where-Object { $_ -match '^(avx2|avx512f|avx512_vnni|avx512_bf16|amx_tile|amx_bf16)$' }) -join ' '
Write-Host "CPU: $cpu, $([Environment]::ProcessorCount) cores ($flags)"
$cluster = $null
if (-not $ConnectionString) { $cluster = Start-TestPostgres; $ConnectionString = $cluster.ConnectionString }
$server = Invoke-GalleryScalar $ConnectionString 'SHOW server_version'
Write-Host "PostgreSQL $server"
function New-Database([string] $Prefix) {
    $name = $Prefix + [guid]::NewGuid().ToString('N').Substring(0, 8)
    Invoke-GalleryScalar $ConnectionString "CREATE DATABASE $name" | Out-Null
    $b = [Npgsql.NpgsqlConnectionStringBuilder]::new($ConnectionString); $b.Database = $name
    $b.ConnectionString
}
$work = Join-Path ([IO.Path]::GetTempPath()) ('facenet-shared-bench-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory $work | Out-Null
try {
    $demo = Join-Path $Root 'tests/.data/face-api-1.7.15/demo'
    $real = @(Get-ChildItem $demo -Filter *.jpg | Get-FaceEmbedding)
    $dim = $real[0].Vector.Count

    # 1. Load and fault
    if (-not $SkipLoadTest) {
        $lfw = Join-Path (Split-Path $Root -Parent) 'shared/data/lfw-view1'
        $pool = if (Test-Path $lfw) { @(Get-ChildItem $lfw -Recurse -Filter *.jpg | Sort-Object FullName | Select-Object -First 2250) } else { @(Get-ChildItem $demo -Filter *.jpg) }
        $set = New-SharedGalleryLoadSet -Work (Join-Path $work 'load') -Pool $pool -Writers $Writers -PerWriter 500
        $r = Invoke-SharedGalleryLoad -ModulePath $module -ConnectionString (New-Database 'load') -LoadSet $set -Work (Join-Path $work 'load')
        Write-Host ("Load and fault: {0} writers, {1} photos submitted ({2} distinct, from {3}); all writers done in {4:0.0} s; writer 0 killed at {5:0.0} s (gallery then held {6} photos)" -f
            $r.Writers, $r.Submitted, $r.Distinct, $(if (Test-Path $lfw) { 'LFW View 1' } else { 'the demo photos' }), $r.LoadSeconds, $r.KilledAtSeconds, $r.PhotosAtKill)
        Write-Host ("  after the kill: {0} photos, {1} faces; {2:0.0} photos/s and {3:0.0} face rows/s end to end (detection and embedding included)" -f
            $r.AfterKill.Photos, $r.AfterKill.Faces, ($r.AfterKill.Photos / $r.LoadSeconds), ($r.AfterKill.Faces / $r.LoadSeconds))
        Write-Host ("  re-run of writer 0 with -Append: {0:0.0} s, embedded {1}, skipped {2}, added {3} faces" -f $r.RerunSeconds, $r.RerunResult.Embedded, $r.RerunResult.Skipped, $r.RerunResult.FacesAdded)
        Write-Host ("  final: {0} photos (distinct {1}), {2} faces (recorded {3}), photos with only some faces {4}, exit codes {5}" -f
            $r.Photos, $r.DistinctHashes, $r.Faces, $r.FacesRecorded, $r.PartialPhotos, ($r.ExitCodes -join ','))
    }

    $vectors = @($real | ForEach-Object { , [float[]]$_.Vector })
    # 2. The write path alone: one transaction per photo, -Writers threads at once.
    if (-not $SkipWriteTest) {
        $cs = New-Database 'write'
        $target = [FaceNet.Engine.Storage.Postgres.PostgresGalleryTarget]::Parse($cs)
        $init = [FaceNet.Engine.Storage.Postgres.PostgresGallery]::Open($target, $true); $init.EnsureModel($real[0].Model, $dim); $init.Dispose()
        $sw = [Diagnostics.Stopwatch]::StartNew()
        1..$Writers | ForEach-Object -ThrottleLimit $Writers -Parallel {
            $t = $using:target; $n = $using:WritePhotos; $vs = $using:vectors; $model = ($using:real)[0].Model; $w = $_
            $g = [FaceNet.Engine.Storage.Postgres.PostgresGallery]::Open($t, $true)
            try {
                for ($i = 0; $i -lt $n; $i++) {
                    $path = "/bench/w$w/p$i.jpg"
                    $faces = [FaceNet.Engine.Storage.GalleryEntry[]]@(foreach ($k in 0, 1) {
                        [FaceNet.Engine.Storage.GalleryEntry]@{ Label = "p$($i % 500)"; Path = $path; FaceIndex = $k; Model = $model; Vector = $vs[($i + $k) % $vs.Count]
                            ImageWidth = 640; ImageHeight = 480; Confidence = [float]0.9 }
                    })
                    $src = [FaceNet.Engine.Storage.GallerySource]::new($path, 1000, [datetime]::UtcNow, "p$($i % 500)", 2)
                    $src.ContentSha256 = [System.Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($path))
                    $null = $g.Write([FaceNet.Engine.Storage.GalleryPhotoWrite[]]@([FaceNet.Engine.Storage.GalleryPhotoWrite]::new($src, $faces)))
                }
            }
            finally { $g.Dispose() }
        }
        $seconds = $sw.Elapsed.TotalSeconds
        $photos = [long](Invoke-GalleryScalar $cs 'SELECT count(*) FROM facenet_photos'); $rows = [long](Invoke-GalleryScalar $cs 'SELECT count(*) FROM facenet_faces')
        Write-Host ("Write path: {0} threads x {1} photos of 2 faces, one transaction each: {2:0.0} s, {3:0} photos/s, {4:0} face rows/s ({5} photos, {6} faces)" -f
            $Writers, $WritePhotos, $seconds, ($photos / $seconds), ($rows / $seconds), $photos, $rows)
    }

    # 3. Loading -Faces faces.
    $cs = New-Database 'million'
    $target = [FaceNet.Engine.Storage.Postgres.PostgresGalleryTarget]::Parse($cs)
    $init = [FaceNet.Engine.Storage.Postgres.PostgresGallery]::Open($target, $true); $init.EnsureModel($real[0].Model, $dim); $init.Dispose()
    $sw = [Diagnostics.Stopwatch]::StartNew()
    Invoke-GalleryScalar $cs ("INSERT INTO facenet_photos (content_sha256, path, host, size, faces, model, label) " +
        "SELECT sha256(i::text::bytea), '/bench/photos/' || i || '.jpg', 'bench', 100000, 1, '$($real[0].Model)', 'person' || (i % 100000) " +
        "FROM generate_series(1, $Faces) i") | Out-Null
    $firstId = [long](Invoke-GalleryScalar $cs 'SELECT min(id) FROM facenet_photos')
    # The rows go in with one binary COPY, written by a few lines of C# (a PowerShell loop over 384M floats takes hours).
    Add-Type -ReferencedAssemblies (Join-Path $Root 'out/FaceNet/Npgsql.dll'), System.Collections, System.Data.Common, System.Runtime, System.ComponentModel.Primitives, System.Transactions.Local -IgnoreWarnings -CompilerOptions '/nowarn:CS1701' -TypeDefinition @'
using Npgsql; using NpgsqlTypes;
public static class GalleryFill
{
    public static void Faces(string cs, long firstId, int count, float[][] vectors, string model, int labels)
    {
        using var db = new NpgsqlConnection(cs); db.Open();
        using var copy = db.BeginBinaryImport("COPY facenet_faces (photo_id, position, face_index, label, x, y, width, height, confidence, image_width, image_height, model, vector) FROM STDIN (FORMAT BINARY)");
        var rng = new System.Random(1); int dim = vectors[0].Length; var v = new float[dim];
        for (int i = 0; i < count; i++)
        {
            var src = vectors[i % vectors.Length]; double norm = 0;
            for (int d = 0; d < dim; d++) { v[d] = src[d] + (float)((rng.NextDouble() - 0.5) * 0.02); norm += v[d] * v[d]; }
            float scale = (float)(1 / System.Math.Sqrt(norm));
            for (int d = 0; d < dim; d++) v[d] *= scale;
            copy.StartRow();
            copy.Write(firstId + i, NpgsqlDbType.Bigint); copy.Write(0, NpgsqlDbType.Integer); copy.Write(0, NpgsqlDbType.Integer);
            copy.Write("person" + ((i + 1) % labels), NpgsqlDbType.Text);
            foreach (var f in new float[] { 10, 20, 100, 120, 0.99f }) copy.Write(f, NpgsqlDbType.Real);
            copy.Write(640, NpgsqlDbType.Integer); copy.Write(480, NpgsqlDbType.Integer);
            copy.Write(model, NpgsqlDbType.Text); copy.Write(v, NpgsqlDbType.Array | NpgsqlDbType.Real);
        }
        copy.Complete();
    }
}
'@
    [GalleryFill]::Faces($cs, $firstId, $Faces, [float[][]]$vectors, $real[0].Model, 100000)
    Invoke-GalleryScalar $cs 'VACUUM ANALYZE facenet_faces' | Out-Null
    $size = Invoke-GalleryScalar $cs "SELECT pg_size_pretty(pg_database_size(current_database()))"
    Write-Host ("Filled {0:N0} faces with COPY in {1:0} s; database size {2}" -f $Faces, $sw.Elapsed.TotalSeconds, $size)

    $probeFile = Join-Path $work 'probes.clixml'
    $real | Select-Object -First ([math]::Min($real.Count, $Probes)) | Export-Clixml $probeFile
    $child = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$module'
`$p = [Diagnostics.Process]::GetCurrentProcess()
[GC]::Collect(); `$before = [GC]::GetTotalMemory(`$true); `$wsBefore = `$p.WorkingSet64
`$sw = [Diagnostics.Stopwatch]::StartNew()
`$g = Import-FaceGallery -ConnectionString '$cs'
`$load = `$sw.Elapsed.TotalSeconds
[GC]::Collect(); `$after = [GC]::GetTotalMemory(`$true)
`$p.Refresh(); `$peakImport = `$p.PeakWorkingSet64; `$wsImport = `$p.WorkingSet64
`$probes = @(Import-Clixml '$probeFile')
`$sw.Restart(); `$null = Find-Face -InputObject `$probes[0] -Gallery `$g; `$first = `$sw.Elapsed.TotalSeconds
`$n = 0; `$sw.Restart()
while (`$n -lt $Probes) { foreach (`$q in `$probes) { if (`$n -lt $Probes) { `$null = Find-Face -InputObject `$q -Gallery `$g -Top 3; `$n++ } } }
`$per = `$sw.Elapsed.TotalMilliseconds / `$n
`$sw.Restart(); `$null = @(`$probes * [math]::Ceiling($Probes / `$probes.Count) | Select-Object -First $Probes) | Find-Face -Gallery `$g -Top 3; `$batch = `$sw.Elapsed.TotalMilliseconds / $Probes
`$p.Refresh()
"{0}|{1}|{2}|{3}|{4}|{5}|{6}|{7}|{8}|{9}" -f `$g.Count, `$load, ((`$after - `$before) / 1MB), (`$p.PeakWorkingSet64 / 1MB), (`$wsBefore / 1MB), `$first, `$per, `$batch, (`$peakImport / 1MB), (`$wsImport / 1MB)
"@
    $line = (& dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $child | Select-Object -Last 1)
    $f = $line -split '\|'
    Write-Host ("Import-FaceGallery -ConnectionString: {0:N0} faces in {1:0.0} s; managed memory held {2:N0} MB ({3:0} bytes per face); working set {4:N0} MB after the import, peak {5:N0} MB (the process started at {6:N0} MB)" -f
        [int]$f[0], [double]$f[1], [double]$f[2], ([double]$f[2] * 1MB / [int]$f[0]), [double]$f[9], [double]$f[8], [double]$f[4])
    Write-Host ("  peak working set after Find-Face built its index: {0:N0} MB" -f [double]$f[3])
    Write-Host ("Find-Face on it: first call {0:0.00} s (builds the index), then {1:0.0} ms per call with one probe, {2:0.0} ms per probe with {3} probes piped into one call" -f
        [double]$f[5], [double]$f[6], [double]$f[7], $Probes)
}
finally {
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
    if ($cluster) { Stop-TestPostgres $cluster }
}
