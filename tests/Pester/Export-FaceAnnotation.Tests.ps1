#Requires -Version 7.4
# Export-FaceAnnotation: pictures are decoded again and checked pixel by pixel (box colours, label patches),
# sizes (side-by-side width = sum of the two scaled widths), and the file-safety rules (no overwrite without
# -Force, -WhatIf writes nothing, sources never change, no partial or temporary files).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Ctx = Import-FaceNetUnderTest
    $script:Photos = Join-Path $TestDrive 'photos'
    New-Item -ItemType Directory $Photos | Out-Null
    foreach ($n in 1, 2) { Copy-Item (Join-Path $Ctx.DemoDir "sample$n.jpg") $Photos }
    $script:Sample1 = Join-Path $Photos 'sample1.jpg'
    $script:Sample2 = Join-Path $Photos 'sample2.jpg'
    $script:Faces1 = @(Get-Face $Sample1)
    $script:Faces2 = @(Get-Face $Sample2)
    $script:FaceColor = [SkiaSharp.SKColor]::new(0, 191, 255)

    function script:New-SolidPng([string] $Path, [int] $Width, [int] $Height, [byte] $Grey) {
        $bmp = [SkiaSharp.SKBitmap]::new($Width, $Height)
        try { $bmp.Erase([SkiaSharp.SKColor]::new($Grey, $Grey, $Grey)); Save-SkBitmap $bmp $Path ([SkiaSharp.SKEncodedImageFormat]::Png) } finally { $bmp.Dispose() }
    }
    # For the comparisons: left 800x600 and right 400x300 are both drawn 300 px high, the left at half size,
    # so boxes land on whole pixels.
    $script:LeftPng = Join-Path $Photos 'left.png'
    $script:RightPng = Join-Path $Photos 'right.png'
    New-SolidPng $LeftPng 800 600 90
    New-SolidPng $RightPng 400 300 140

    function script:Get-Hashes { Get-ChildItem $Photos -File | Sort-Object Name | ForEach-Object { '{0} {1}' -f $_.Name, (Get-FileHash $_.FullName).Hash } }
    $script:OriginalHashes = Get-Hashes

    function script:Read-Picture([string] $Path) {
        $bmp = [SkiaSharp.SKBitmap]::Decode($Path)
        if ($null -eq $bmp) { throw "SkiaSharp cannot decode '$Path'." }
        $bmp
    }
    function script:Get-Rgb($Bitmap, [int] $X, [int] $Y) {
        $c = $Bitmap.GetPixel($X, $Y)
        '{0},{1},{2}' -f $c.Red, $c.Green, $c.Blue
    }
    # Share of pixels in a rectangle that have colour $Rgb (within $Tolerance) and that are dark (label ink).
    function script:Measure-Region($Bitmap, [int] $X, [int] $Y, [int] $Width, [int] $Height, [int[]] $Rgb, [int] $Tolerance = 8) {
        $match = 0; $dark = 0; $total = 0
        for ($j = $Y; $j -lt [math]::Min($Y + $Height, $Bitmap.Height); $j++) {
            for ($i = $X; $i -lt [math]::Min($X + $Width, $Bitmap.Width); $i++) {
                $c = $Bitmap.GetPixel($i, $j); $total++
                if ([math]::Abs($c.Red - $Rgb[0]) -le $Tolerance -and [math]::Abs($c.Green - $Rgb[1]) -le $Tolerance -and [math]::Abs($c.Blue - $Rgb[2]) -le $Tolerance) { $match++ }
                if ($c.Red -lt 90 -and $c.Green -lt 90 -and $c.Blue -lt 90) { $dark++ }
            }
        }
        [pscustomobject]@{ Match = $match / $total; Dark = $dark / $total }
    }
    function script:New-TestFace([string] $Path, [float] $X, [float] $Y, [float] $Width, [float] $Height, [int] $Index = 0, [int] $ImageWidth = 0, [int] $ImageHeight = 0) {
        $f = [FaceNet.PowerShell.Face]::new()
        $f.Path = $Path; $f.Index = $Index; $f.X = $X; $f.Y = $Y; $f.Width = $Width; $f.Height = $Height; $f.Confidence = 0.99
        $f.ImageWidth = $ImageWidth; $f.ImageHeight = $ImageHeight
        $f
    }
    function script:New-TestEmbedding($Face) {
        $e = [FaceNet.PowerShell.FaceEmbedding]::new()
        $e.Face = $Face; $e.Model = 'Test'; $e.Vector = [float[]]@(1, 0, 0)
        $e
    }
}

AfterAll {
    # The photos that were drawn on are byte for byte what they were.
    Get-Hashes | Should -Be $OriginalHashes
}

Describe 'Export-FaceAnnotation with faces' {
    BeforeAll {
        $script:Out = Join-Path $TestDrive 'faces'
        New-Item -ItemType Directory $Out | Out-Null
        $script:Picture = Join-Path $Out 'sample1.annotated.png'
        $script:Written = $Faces1 | Export-FaceAnnotation -Path $Picture -Landmarks -PassThru
    }

    It 'writes one PNG of the upright photo''s size and returns it as FileInfo with -PassThru' {
        $Written | Should -HaveCount 1
        $Written | Should -BeOfType ([System.IO.FileInfo])
        $Written.FullName | Should -Be $Picture
        $codec = [SkiaSharp.SKCodec]::Create($Picture)
        try {
            "$($codec.EncodedFormat)" | Should -Be 'Png'
            $codec.Info.Width | Should -Be $Faces1[0].ImageWidth
            $codec.Info.Height | Should -Be $Faces1[0].ImageHeight
        }
        finally { $codec.Dispose() }
    }

    It 'draws a box around every face, with a label patch under it' {
        $bmp = Read-Picture $Picture
        try {
            foreach ($f in $Faces1) {
                $cx = [int][math]::Round($f.X + $f.Width / 2); $cy = [int][math]::Round($f.Y + $f.Height / 2)
                Get-Rgb $bmp $cx ([int][math]::Round($f.Y)) | Should -Be '0,191,255' -Because "the top edge of face $($f.Index)"
                Get-Rgb $bmp ([int][math]::Round($f.X)) $cy | Should -Be '0,191,255' -Because "the left edge of face $($f.Index)"
                Get-Rgb $bmp ([int][math]::Round($f.X + $f.Width)) $cy | Should -Be '0,191,255' -Because "the right edge of face $($f.Index)"
                $label = Measure-Region $bmp ([int]$f.X) ([int]($f.Y + $f.Height + 4)) 90 30 @(0, 191, 255)
                $label.Match | Should -BeGreaterThan 0.3 -Because 'the label patch is in the box colour'
                $label.Dark | Should -BeGreaterThan 0.03 -Because 'the label text is dark'
            }
        }
        finally { $bmp.Dispose() }
    }

    It 'leaves no temporary file beside the picture' {
        Get-ChildItem $Out -Force | Select-Object -ExpandProperty Name | Should -Be 'sample1.annotated.png'
    }

    It 'takes embeddings as well as faces' {
        $path = Join-Path $Out 'from-embeddings.png'
        $Faces1 | ForEach-Object { New-TestEmbedding $_ } | Export-FaceAnnotation -Path $path
        $bmp = Read-Picture $path
        try {
            $f = $Faces1[0]
            Get-Rgb $bmp ([int][math]::Round($f.X + $f.Width / 2)) ([int][math]::Round($f.Y)) | Should -Be '0,191,255'
        }
        finally { $bmp.Dispose() }
    }

    It 'writes the format of the extension: <Ext>' -ForEach @(
        @{ Ext = '.jpg'; Format = 'Jpeg' }, @{ Ext = '.jpeg'; Format = 'Jpeg' }, @{ Ext = '.webp'; Format = 'Webp' }, @{ Ext = '.PNG'; Format = 'Png' }
    ) {
        $path = Join-Path $Out "format$Ext"
        $Faces1 | Export-FaceAnnotation -Path $path
        $codec = [SkiaSharp.SKCodec]::Create($path)
        try { "$($codec.EncodedFormat)" | Should -Be $Format } finally { $codec.Dispose() }
    }

    It 'collects the faces of each photo into one picture per photo with -Destination' {
        $dest = Join-Path $TestDrive 'dest'
        New-Item -ItemType Directory $dest | Out-Null
        $files = @(Get-ChildItem $Photos -Filter *.jpg | Get-Face | Export-FaceAnnotation -Destination $dest -PassThru)
        $files.Name | Sort-Object | Should -Be @('sample1.annotated.png', 'sample2.annotated.png')
        (Get-ChildItem $dest -Force).Count | Should -Be 2
        $files = @($Faces1 | Export-FaceAnnotation -Destination $dest -Format webp -PassThru)
        $files.Name | Should -Be 'sample1.annotated.webp'
    }

    It 'works relative to the current location' {
        Push-Location $TestDrive
        try {
            New-Item -ItemType Directory 'rel' | Out-Null
            Get-Face ./photos/sample2.jpg | Export-FaceAnnotation ./rel/two.png
            Test-Path (Join-Path $TestDrive 'rel/two.png') | Should -BeTrue
        }
        finally { Pop-Location }
    }
}

Describe 'Export-FaceAnnotation file safety' {
    BeforeEach {
        $script:Dir = Join-Path $TestDrive ([guid]::NewGuid())
        New-Item -ItemType Directory $Dir | Out-Null
    }

    It '-WhatIf writes nothing' {
        $Faces1 | Export-FaceAnnotation -Path (Join-Path $Dir 'x.png') -WhatIf
        $Faces1 + $Faces2 | Export-FaceAnnotation -Destination $Dir -WhatIf
        Get-ChildItem $Dir -Force | Should -BeNullOrEmpty
    }

    It 'leaves an existing file alone without -Force (FileExists), replaces it with -Force' {
        $path = Join-Path $Dir 'x.png'
        Set-Content $path 'keep me'
        $Faces1 | Export-FaceAnnotation -Path $path -ErrorVariable err -ErrorAction SilentlyContinue
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'FileExists,*'
        Get-Content $path | Should -Be 'keep me'
        $Faces1 | Export-FaceAnnotation -Path $path -Force
        (Get-ImageSize $path).Width | Should -Be $Faces1[0].ImageWidth
        (Get-ChildItem $Dir -Force).Count | Should -Be 1
    }

    It 'with -Destination, skips only the photo whose picture exists' {
        Set-Content (Join-Path $Dir 'sample1.annotated.png') 'keep me'
        $files = @($Faces1 + $Faces2 | Export-FaceAnnotation -Destination $Dir -PassThru -ErrorVariable err -ErrorAction SilentlyContinue)
        $err[0].FullyQualifiedErrorId | Should -BeLike 'FileExists,*'
        $files.Name | Should -Be 'sample2.annotated.png'
        Get-Content (Join-Path $Dir 'sample1.annotated.png') | Should -Be 'keep me'
    }

    It 'refuses a missing destination folder (DestinationNotFound)' {
        { $Faces1 | Export-FaceAnnotation -Path (Join-Path $Dir 'no/such/x.png') -ErrorAction Stop } |
            Should -Throw -ErrorId 'DestinationNotFound,FaceNet.PowerShell.Commands.ExportFaceAnnotationCommand'
        { $Faces1 | Export-FaceAnnotation -Destination (Join-Path $Dir 'missing') -ErrorAction Stop } |
            Should -Throw -ErrorId 'DestinationNotFound,FaceNet.PowerShell.Commands.ExportFaceAnnotationCommand'
        Get-ChildItem $Dir -Force | Should -BeNullOrEmpty
    }

    It 'refuses an extension it cannot write (UnsupportedOutputFormat)' {
        { $Faces1 | Export-FaceAnnotation -Path (Join-Path $Dir 'x.gif') -ErrorAction Stop } |
            Should -Throw -ErrorId 'UnsupportedOutputFormat,FaceNet.PowerShell.Commands.ExportFaceAnnotationCommand'
    }

    It 'refuses faces of several photos for one -Path (MoreThanOneImage)' {
        { $Faces1 + $Faces2 | Export-FaceAnnotation -Path (Join-Path $Dir 'x.png') -ErrorAction Stop } |
            Should -Throw -ErrorId 'MoreThanOneImage,FaceNet.PowerShell.Commands.ExportFaceAnnotationCommand'
        Get-ChildItem $Dir -Force | Should -BeNullOrEmpty
    }

    It 'never overwrites the photo itself, even with -Force (DestinationIsSource)' {
        $copy = Join-Path $Dir 'photo.png'
        Copy-Item $Sample1 $copy
        $before = (Get-FileHash $copy).Hash
        $face = New-TestFace $copy 10 10 50 50
        $face | Export-FaceAnnotation -Path $copy -Force -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'DestinationIsSource,*'
        (Get-FileHash $copy).Hash | Should -Be $before
    }

    It 'reports other input objects (UnsupportedInputObject) and draws the rest' {
        $path = Join-Path $Dir 'x.png'
        @('not a face') + $Faces1 | Export-FaceAnnotation -Path $path -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'UnsupportedInputObject,*'
        Test-Path $path | Should -BeTrue
    }

    It 'reports a photo that is gone (FileNotFound) and writes nothing for it' {
        $face = New-TestFace (Join-Path $Dir 'gone.jpg') 10 10 50 50
        $face | Export-FaceAnnotation -Destination $Dir -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'FileNotFound,*'
        Get-ChildItem $Dir -Force | Should -BeNullOrEmpty
    }
}

Describe 'Export-FaceAnnotation style scales with the picture' {
    It 'labels a <Size> px photo readably' -ForEach @(@{ Size = 250 }, @{ Size = 4000 }) {
        $src = Join-Path $TestDrive "scaled$Size.png"
        $bg = [SkiaSharp.SKBitmap]::new($Size, $Size)
        try { $bg.Erase([SkiaSharp.SKColor]::new(60, 90, 120)); Save-SkBitmap $bg $src ([SkiaSharp.SKEncodedImageFormat]::Png) } finally { $bg.Dispose() }
        $box = $Size / 4
        $face = New-TestFace $src $box $box $box $box
        $out = Join-Path $TestDrive "scaled$Size.annotated.png"
        $face | Export-FaceAnnotation -Path $out
        $bmp = Read-Picture $out
        try {
            $bmp.Width | Should -Be $Size
            # The box edge is at least 2 px thick, and thicker on the big picture.
            $thick = 0
            for ($y = [int]$box - 20; $y -le [int]$box + 20; $y++) { if ((Get-Rgb $bmp ([int]($box * 1.5)) $y) -eq '0,191,255') { $thick++ } }
            $thick | Should -BeGreaterOrEqual 2
            if ($Size -ge 4000) { $thick | Should -BeGreaterOrEqual 6 }
            # The label patch under the box is at least 12 px high (about 1/50 of a big picture's side).
            $patch = 0
            for ($y = [int](2 * $box); $y -lt [math]::Min($Size, [int](2 * $box) + 200); $y++) { if ((Get-Rgb $bmp ([int]$box + 1) $y) -eq '0,191,255') { $patch++ } }
            $patch | Should -BeGreaterOrEqual 12
            if ($Size -ge 4000) { $patch | Should -BeGreaterOrEqual 60 }
        }
        finally { $bmp.Dispose() }
    }
}

Describe 'Export-FaceAnnotation with comparisons (side by side)' {
    BeforeAll {
        function script:New-TestComparison($Reference, $Difference, [double] $Similarity) {
            $c = [FaceNet.PowerShell.FaceComparison]::new()
            $c.Reference = New-TestEmbedding $Reference; $c.Difference = New-TestEmbedding $Difference
            $c.Similarity = $Similarity; $c.Threshold = 50; $c.IsMatch = $Similarity -ge 50; $c.Model = 'Test'
            $c
        }
        $script:LeftFace = New-TestFace $LeftPng 200 100 200 200 -ImageWidth 800 -ImageHeight 600  # drawn at (100,50) 100x100
        $script:RightFace = New-TestFace $RightPng 100 60 120 120 -ImageWidth 400 -ImageHeight 300 # drawn at (500,60) 120x120
        $script:RightFace2 = New-TestFace $RightPng 260 40 100 100 -Index 1 -ImageWidth 400 -ImageHeight 300 # drawn at (660,40) 100x100
        $script:Cmp = Join-Path $TestDrive 'cmp'
        New-Item -ItemType Directory $Cmp | Out-Null
    }

    It 'puts both photos side by side at one height: width = sum of the scaled widths' {
        $path = Join-Path $Cmp 'size.png'
        New-TestComparison $LeftFace $RightFace 60 | Export-FaceAnnotation -Path $path
        $size = Get-ImageSize $path
        $size.Height | Should -Be 300
        $size.Width | Should -Be (400 + 400)
    }

    It 'uses the same height rule on real photos of different sizes' {
        $a = $Faces1[0]; $b = $Faces2[0]
        $path = Join-Path $Cmp 'photos.jpg'
        New-TestComparison $a $b 70 | Export-FaceAnnotation -Path $path
        $h = [math]::Min($a.ImageHeight, $b.ImageHeight)
        $w = [math]::Round($a.ImageWidth * $h / $a.ImageHeight, [MidpointRounding]::AwayFromZero) + [math]::Round($b.ImageWidth * $h / $b.ImageHeight, [MidpointRounding]::AwayFromZero)
        $size = Get-ImageSize $path
        $size.Height | Should -Be $h
        $size.Width | Should -Be $w
    }

    It 'boxes both faces in <Rgb> for Similarity <Similarity>, with the label patch under each box' -ForEach @(
        @{ Similarity = 0; Rgb = '255,0,0' }
        @{ Similarity = 25; Rgb = '255,128,0' }
        @{ Similarity = 50; Rgb = '255,255,0' }
        @{ Similarity = 75; Rgb = '128,255,0' }
        @{ Similarity = 100; Rgb = '0,255,0' }
    ) {
        $path = Join-Path $Cmp "sim$Similarity.png"
        New-TestComparison $LeftFace $RightFace $Similarity | Export-FaceAnnotation -Path $path
        $bmp = Read-Picture $path
        try {
            Get-Rgb $bmp 150 50 | Should -Be $Rgb -Because 'the top edge of the reference face (left)'
            Get-Rgb $bmp 100 100 | Should -Be $Rgb -Because 'the left edge of the reference face'
            Get-Rgb $bmp 560 60 | Should -Be $Rgb -Because 'the top edge of the compared face (right)'
            Get-Rgb $bmp 560 180 | Should -Be $Rgb -Because 'the bottom edge of the compared face'
            Get-Rgb $bmp 560 120 | Should -Be '140,140,140' -Because 'the inside of the box is the photo'
            $rgb = [int[]]($Rgb -split ',')
            foreach ($label in (Measure-Region $bmp 100 153 60 14 $rgb), (Measure-Region $bmp 500 183 60 14 $rgb)) {
                $label.Match | Should -BeGreaterThan 0.3 -Because 'the label patch under the box has the box colour'
                $label.Dark | Should -BeGreaterThan 0.03 -Because 'the label text is dark'
            }
        }
        finally { $bmp.Dispose() }
    }

    It 'gives each face its best match''s colour when there are several comparisons (-Top)' {
        $path = Join-Path $Cmp 'top.png'
        @(
            New-TestComparison $LeftFace $RightFace 25
            New-TestComparison $LeftFace $RightFace2 100
        ) | Export-FaceAnnotation -Path $path
        $bmp = Read-Picture $path
        try {
            Get-Rgb $bmp 560 60 | Should -Be '255,128,0' -Because 'the first compared face scored 25%'
            Get-Rgb $bmp 710 40 | Should -Be '0,255,0' -Because 'the second compared face scored 100%'
            Get-Rgb $bmp 150 50 | Should -Be '0,255,0' -Because 'the reference face shows its best match, 100%'
        }
        finally { $bmp.Dispose() }
        (Get-ImageSize $path).Width | Should -Be 800
    }

    It 'names -Destination pictures after both photos (left-vs-right.annotated.jpg)' {
        $dest = Join-Path $Cmp 'dest'
        New-Item -ItemType Directory $dest | Out-Null
        $files = @(New-TestComparison $LeftFace $RightFace 90 | Export-FaceAnnotation -Destination $dest -Format jpg -PassThru)
        $files.Name | Should -Be 'left-vs-right.annotated.jpg'
    }

    It '-WhatIf writes nothing and an existing picture survives without -Force' {
        $path = Join-Path $Cmp 'exists.png'
        New-TestComparison $LeftFace $RightFace 10 | Export-FaceAnnotation -Path (Join-Path $Cmp 'whatif.png') -WhatIf
        Test-Path (Join-Path $Cmp 'whatif.png') | Should -BeFalse
        Set-Content $path 'keep me'
        New-TestComparison $LeftFace $RightFace 10 | Export-FaceAnnotation -Path $path -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'FileExists,*'
        Get-Content $path | Should -Be 'keep me'
    }

    It 'reports a comparison without faces (UnsupportedInputObject)' {
        [FaceNet.PowerShell.FaceComparison]::new() | Export-FaceAnnotation -Path (Join-Path $Cmp 'none.png') -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'UnsupportedInputObject,*'
        Test-Path (Join-Path $Cmp 'none.png') | Should -BeFalse
    }

    It 'draws a real Compare-Face result' {
        $crop = Join-Path $TestDrive 'crop.jpg'
        $f = $Faces1[0]
        New-RescaledCrop -Source $Sample1 -Path $crop -X ($f.X - $f.Width) -Y ($f.Y - $f.Height) -Width ($f.Width * 3) -Height ($f.Height * 3) -Scale 0.8
        $path = Join-Path $Cmp 'real.png'
        $c = @(Compare-Face $Sample1 $crop)
        $c | Should -Not -BeNullOrEmpty
        $c | Export-FaceAnnotation -Path $path
        $h = [math]::Min($f.ImageHeight, (Get-ImageSize $crop).Height)
        (Get-ImageSize $path).Height | Should -Be $h
    }
}
