# Shared by the Pester tests: where the module, the demo photos and ../shared are, and small helpers.
Set-StrictMode -Version Latest

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path

function Get-FaceNetTestContext {
    <# Paths the tests need. $env:FACENET_MODULE (set by build.ps1 -Task Test) wins over out/FaceNet. #>
    $module = if ($env:FACENET_MODULE) { [System.IO.Path]::GetFullPath($env:FACENET_MODULE) } else { Join-Path $script:RepoRoot 'out/FaceNet/FaceNet.psd1' }
    $demo = Join-Path $script:RepoRoot 'tests/.data/face-api-1.7.15/demo'
    $shared = Join-Path (Split-Path $script:RepoRoot -Parent) 'shared'
    [pscustomobject]@{
        RepoRoot   = $script:RepoRoot
        ModulePath = $module
        ModuleDir  = Split-Path $module -Parent
        DemoDir    = $demo
        SharedDir  = $shared
        HaveShared = Test-Path (Join-Path $shared 'data')
    }
}

# Faces our detector finds in the face-api 1.7.15 demo photos (1920 px group photos, every face frontal and large).
$script:ExpectedFaces = [ordered]@{ 'sample1.jpg' = 3; 'sample2.jpg' = 3; 'sample3.jpg' = 3; 'sample4.jpg' = 4; 'sample5.jpg' = 5; 'sample6.jpg' = 4 }
function Get-ExpectedFaceCount { $script:ExpectedFaces }

# The names the help examples use for the demo photos (./photos/<name>).
$script:PhotoNames = [ordered]@{ 'sample1.jpg' = 'team.jpg'; 'sample2.jpg' = 'party.jpg'; 'sample3.jpg' = 'holiday.jpg'; 'sample4.jpg' = 'wedding.jpg'; 'sample5.jpg' = 'office.jpg'; 'sample6.jpg' = 'reunion.jpg' }
function Get-PhotoNameMap { $script:PhotoNames }

function Import-FaceNetUnderTest {
    <# Imports the built module into the caller's session; fails with a clear message if it or the photos are missing. #>
    $ctx = Get-FaceNetTestContext
    if (-not (Test-Path $ctx.ModulePath)) { throw "The module is not built at '$($ctx.ModulePath)'. Run: dotnet pwsh ./build.ps1" }
    foreach ($name in $script:ExpectedFaces.Keys) {
        if (-not (Test-Path (Join-Path $ctx.DemoDir $name))) { throw "Demo photo '$name' is missing from '$($ctx.DemoDir)'. Run: dotnet pwsh ./build.ps1 -Task TestData" }
    }
    Import-Module $ctx.ModulePath -Global -Force -ErrorAction Stop
    $ctx
}

function Get-DemoPhoto {
    $ctx = Get-FaceNetTestContext
    foreach ($name in $script:ExpectedFaces.Keys) { Get-Item -LiteralPath (Join-Path $ctx.DemoDir $name) }
}

function Get-CosineSimilarity([float[]] $A, [float[]] $B) {
    if ($A.Length -ne $B.Length) { throw "Vectors of different length: $($A.Length) and $($B.Length)." }
    [double] $dot = 0; [double] $na = 0; [double] $nb = 0
    for ($i = 0; $i -lt $A.Length; $i++) { $dot += $A[$i] * $B[$i]; $na += $A[$i] * $A[$i]; $nb += $B[$i] * $B[$i] }
    $dot / [math]::Sqrt($na * $nb)
}

function Get-L2Norm([float[]] $V) {
    [double] $s = 0
    foreach ($x in $V) { $s += $x * $x }
    [math]::Sqrt($s)
}

function Get-MaxAbsDifference([float[]] $A, [float[]] $B) {
    if ($A.Length -ne $B.Length) { return [double]::PositiveInfinity }
    [double] $m = 0
    for ($i = 0; $i -lt $A.Length; $i++) { $m = [math]::Max($m, [math]::Abs($A[$i] - $B[$i])) }
    $m
}

function New-GradientPng {
    <# A face-free picture: a smooth colour gradient, encoded with the SkiaSharp the module loads. #>
    param([Parameter(Mandatory)] [string] $Path, [int] $Size = 200)
    $bmp = [SkiaSharp.SKBitmap]::new($Size, $Size)
    try {
        for ($y = 0; $y -lt $Size; $y++) {
            for ($x = 0; $x -lt $Size; $x++) {
                $bmp.SetPixel($x, $y, [SkiaSharp.SKColor]::new([byte](255 * $x / $Size), [byte](255 * $y / $Size), [byte]128))
            }
        }
        Save-SkBitmap $bmp $Path ([SkiaSharp.SKEncodedImageFormat]::Png)
    }
    finally { $bmp.Dispose() }
}

function Save-SkBitmap($Bitmap, [string] $Path, $Format, [int] $Quality = 90) {
    $image = [SkiaSharp.SKImage]::FromBitmap($Bitmap)
    try {
        $data = $image.Encode($Format, $Quality)
        try { [System.IO.File]::WriteAllBytes($Path, $data.ToArray()) } finally { $data.Dispose() }
    }
    finally { $image.Dispose() }
}

function New-RescaledCrop {
    <#
    Crops a region of an image, scales it by $Scale and re-encodes it as JPEG at $Quality: a different file, with
    different pixels, of the same people.
    #>
    param([string] $Source, [string] $Path, [int] $X, [int] $Y, [int] $Width, [int] $Height, [double] $Scale = 1.5, [int] $Quality = 80)
    $src = [SkiaSharp.SKBitmap]::Decode($Source)
    if ($null -eq $src) { throw "SkiaSharp could not decode '$Source'." }
    try {
        $X = [math]::Max(0, $X); $Y = [math]::Max(0, $Y)
        $Width = [math]::Min($Width, $src.Width - $X); $Height = [math]::Min($Height, $src.Height - $Y)
        $w = [int]($Width * $Scale); $h = [int]($Height * $Scale)
        $dst = [SkiaSharp.SKBitmap]::new($w, $h)
        try {
            $canvas = [SkiaSharp.SKCanvas]::new($dst)
            try {
                $paint = [SkiaSharp.SKPaint]::new()
                try {
                    $canvas.DrawBitmap($src, [SkiaSharp.SKRect]::Create($X, $Y, $Width, $Height), [SkiaSharp.SKRect]::Create(0, 0, $w, $h), $paint)
                }
                finally { $paint.Dispose() }
            }
            finally { $canvas.Dispose() }
            Save-SkBitmap $dst $Path ([SkiaSharp.SKEncodedImageFormat]::Jpeg) $Quality
        }
        finally { $dst.Dispose() }
    }
    finally { $src.Dispose() }
}

function Get-ImageSize([string] $Path) {
    <# Width and height of the upright image, read by SkiaSharp's codec independently of the module. #>
    $codec = [SkiaSharp.SKCodec]::Create($Path)
    if ($null -eq $codec) { throw "SkiaSharp cannot read '$Path'." }
    try {
        $w = $codec.Info.Width; $h = $codec.Info.Height
        # EXIF orientations 5-8 (LeftTop, RightTop, RightBottom, LeftBottom) swap width and height.
        if ([int]$codec.EncodedOrigin -ge 5) { $w, $h = $h, $w }
        [pscustomobject]@{ Width = $w; Height = $h }
    }
    finally { $codec.Dispose() }
}

# A new database of the PostgreSQL test cluster (FACENET_TEST_PG, started by build.ps1 -Task Test): its connection
# string (superuser), or $null when no cluster runs. Galleries of different tests never meet.
function New-TestGalleryDatabase {
    if (-not $env:FACENET_TEST_PG -or $env:FACENET_TEST_PG -like 'unavailable:*') { return $null }
    Add-Type -LiteralPath (Join-Path (Get-FaceNetTestContext).ModuleDir 'Npgsql.dll')
    Import-Module (Join-Path $script:RepoRoot 'build/SharedGalleryLoad.psm1') -Global
    $name = 'g' + [guid]::NewGuid().ToString('N').Substring(0, 12)
    Invoke-GalleryScalar $env:FACENET_TEST_PG "CREATE DATABASE $name" | Out-Null
    $b = [Npgsql.NpgsqlConnectionStringBuilder]::new($env:FACENET_TEST_PG); $b.Database = $name
    $b.ConnectionString
}


# Video clips for the tests, made with ffmpeg from the demo photos (the recipe of tests/FaceNet.TestSupport/TestClips.cs):
# 640x360, 30 fps, 7 s: sample1 (four people) panning for 3 s, a cut to sample2 (three people) for 2 s, back to sample1.
function Test-FFmpeg { [bool]((Get-Command ffmpeg -ErrorAction Ignore) -and (Get-Command ffprobe -ErrorAction Ignore)) }

function New-TestClip([Parameter(Mandatory)] [string] $Path) {
    # Encoded once per machine into a cache folder (as tests/FaceNet.TestSupport/TestClips.cs does) and copied: the help
    # tests build a fresh example folder for every example, and encoding there cost minutes.
    $cache = Join-Path ([IO.Path]::GetTempPath()) 'facenet-test-clips-v1'
    $cached = Join-Path $cache 'pester-meeting.mp4'
    if (-not (Test-Path -LiteralPath $cached)) {
        New-Item -ItemType Directory $cache -Force | Out-Null
        $demo = (Get-FaceNetTestContext).DemoDir
        $s1 = Join-Path $demo 'sample1.jpg'; $s2 = Join-Path $demo 'sample2.jpg'
        $fit = 'scale=640:360:force_original_aspect_ratio=decrease,pad=640:360:(ow-iw)/2:(oh-ih)/2,setsar=1'
        $graph = "[0]$fit,scale=680:382,crop=640:360:x='20+15*sin(t)':y=11,setsar=1[a];[1]$fit[b];[2]$fit[c];[a][b][c]concat=n=3:v=1,format=yuv420p"
        $tmp = "$cached.$PID.tmp.mp4"
        & ffmpeg -nostdin -hide_banner -loglevel error -y -loop 1 -t 3 -i $s1 -loop 1 -t 2 -i $s2 -loop 1 -t 2 -i $s1 `
            -filter_complex $graph -r 30 -c:v libx264 -g 30 -movflags +faststart $tmp
        if ($LASTEXITCODE -ne 0) { throw "ffmpeg could not make the test clip $cached" }
        Move-Item -LiteralPath $tmp -Destination $cached -Force
    }
    Copy-Item -LiteralPath $cached -Destination $Path
    Get-Item -LiteralPath $Path
}

# Crafter.cs (crafted image files) compiled once per process, by whichever test file needs it first.
function Import-Crafter {
    if ('FaceNetRobustness.Crafter' -as [type]) { return }
    $source = Get-Content -LiteralPath (Join-Path $PSScriptRoot 'Crafter.cs') -Raw
    $refs = @([SkiaSharp.SKBitmap].Assembly.Location, 'System.IO.Compression', 'System.Runtime', 'System.Collections', 'System.Memory')
    Add-Type -TypeDefinition $source -ReferencedAssemblies $refs -IgnoreWarnings -CompilerOptions '-nowarn:CS1701'
}


# Five Caltech people (../shared/data/caltech-faces), four photos each under staff/<person>/ and one more each under
# later/, embedded once per test process into a labelled gallery file staff.faces (and with -Adapted, adapted.faces):
# Optimize-FaceGallery.Tests and the help examples copy them (embedding is most of their cost). Returns the folder, or
# $null without ../shared.
# Optimize-FaceGallery.Tests, which runs after Help.Tests, removes it.
function Get-TestStaffFolder([switch] $Adapted) {
    $caltech = Join-Path (Get-FaceNetTestContext).SharedDir 'data/caltech-faces'
    if (-not (Test-Path $caltech)) { return $null }
    $folder = Join-Path ([System.IO.Path]::GetTempPath()) "facenet-staff-$PID"
    if (-not (Test-Path (Join-Path $folder 'staff.faces'))) {
        Remove-Item -LiteralPath $folder -Recurse -Force -ErrorAction Ignore
        foreach ($person in 'man_01', 'man_02', 'man_03', 'woman_01', 'woman_03') {
            $files = @(Get-ChildItem -LiteralPath (Join-Path $caltech $person) -File | Sort-Object Name | Select-Object -First 5)
            $dir = New-Item -ItemType Directory (Join-Path $folder "staff/$person") -Force
            $files[0..3] | Copy-Item -Destination $dir.FullName
            New-Item -ItemType Directory (Join-Path $folder 'later') -Force | Out-Null
            Copy-Item -LiteralPath $files[4].FullName -Destination (Join-Path $folder "later/$person.jpg")
        }
        Get-ChildItem -LiteralPath (Join-Path $folder 'staff') -Recurse -File | Sort-Object FullName |
            Export-FaceGallery -Path (Join-Path $folder 'staff.faces') -Label { $_.Directory.Name }
    }
    # -Adapted: also adapted.faces, the same gallery after Optimize-FaceGallery (once per process).
    $adaptedFile = Join-Path $folder 'adapted.faces'
    if ($Adapted -and -not (Test-Path $adaptedFile)) {
        Copy-Item -LiteralPath (Join-Path $folder 'staff.faces') -Destination $adaptedFile
        Optimize-FaceGallery -LiteralPath $adaptedFile | Out-Null
    }
    $folder
}

Export-ModuleMember -Function *
