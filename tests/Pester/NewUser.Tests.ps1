# What a new user meets (issue 15): progress on long runs, paths that match nothing, -Path/-LiteralPath on every
# cmdlet that reads photos, gallery paths, -Top, messages in words, damaged files, folders in the pipeline,
# PGM/PPM/TIFF, format views. Each test asserts what the user sees: output, ErrorIds, warnings, progress records.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $ctx = Import-FaceNetUnderTest
    $demo = $ctx.DemoDir
    $sample1 = Join-Path $demo 'sample1.jpg'
    $sample2 = Join-Path $demo 'sample2.jpg'
    $sample3 = Join-Path $demo 'sample3.jpg'
    function Get-FirstErrorId($ErrorList) { "$(@($ErrorList)[0].FullyQualifiedErrorId)".Split(',')[0] }

    # Runs a script in a fresh runspace of this process with the module imported; returns its streams.
    function Invoke-InRunspace([string] $Script, [hashtable] $Variables = @{}) {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$($ctx.ModulePath)'; `$ProgressPreference = 'Continue'").Invoke()
            $ps.Commands.Clear()
            foreach ($k in $Variables.Keys) { $ps.Runspace.SessionStateProxy.SetVariable($k, $Variables[$k]) }
            $output = $ps.AddScript($Script).Invoke()
            [pscustomobject]@{
                Output   = @($output)
                Progress = @($ps.Streams.Progress)
                Errors   = @($ps.Streams.Error)
                Warnings = @($ps.Streams.Warning)
                Verbose  = @($ps.Streams.Verbose)
            }
        }
        finally { $ps.Dispose() }
    }

    # 24 photos: the six demo photos under four names each (a folder a user would point a cmdlet at).
    $many = Join-Path $TestDrive 'many'
    New-Item -ItemType Directory $many | Out-Null
    foreach ($i in 1..4) { foreach ($n in 1..6) { Copy-Item -LiteralPath (Join-Path $demo "sample$n.jpg") -Destination (Join-Path $many "copy$i-sample$n.jpg") } }
}

Describe 'Progress on long runs (defect 1)' {
    It 'Get-Face -Path over 24 photos writes progress records with a count, a rate and a percentage, then completes' {
        # One worker: long enough (a second or more) for several records on the fastest machine.
        $r = Invoke-InRunspace "Get-Face -Path '$many/*.jpg' -ThrottleLimit 1"
        $r.Errors | Should -BeNullOrEmpty
        $running = @($r.Progress | Where-Object RecordType -eq 'Processing')
        $running.Count | Should -BeGreaterOrEqual 2 -Because 'the bar appears after half a second and moves every quarter second'
        $running[0].StatusDescription | Should -Match '^\d+ of 24 images, [\d.]+ images/s$'
        $running[-1].PercentComplete | Should -BeGreaterThan $running[0].PercentComplete
        $r.Progress[-1].RecordType | Should -Be 'Completed'
    }

    It 'Get-FaceEmbedding on piped files (length unknown) counts the photos done' {
        $r = Invoke-InRunspace "Get-ChildItem '$many' -Filter *.jpg | Get-FaceEmbedding"
        $running = @($r.Progress | Where-Object RecordType -eq 'Processing')
        $running.Count | Should -BeGreaterOrEqual 2
        $running[-1].StatusDescription | Should -Match '^\d+ images, [\d.]+ images/s$'
    }

    It 'Compare-Face, Export-FaceGallery, Find-Face and Export-FaceAnnotation show progress over many photos' {
        # 12 photos each (about a second of work): enough for the first record at half a second and more after it.
        $gallery = Join-Path $TestDrive 'progress.faces'
        $pictures = New-Item -ItemType Directory (Join-Path $TestDrive 'pictures') -Force
        foreach ($script in @(
                "Get-Face -Path '$many/copy[12]-*.jpg' | Export-FaceAnnotation -Destination '$pictures'",
                "Compare-Face '$sample1' -Path '$many/copy[12]-*.jpg'",
                "Get-ChildItem '$many/copy[12]-*.jpg' | Export-FaceGallery -Path '$gallery' -Label x -Force",
                "Find-Face -Path '$many/copy[12]-*.jpg' -Gallery '$gallery'")) {
            $r = Invoke-InRunspace $script
            $r.Errors | Should -BeNullOrEmpty -Because $script
            @($r.Progress | Where-Object RecordType -eq 'Processing').Count | Should -BeGreaterOrEqual 2 -Because "$script reads many photos"
            $r.Progress[-1].RecordType | Should -Be 'Completed'
        }
    }

    It 'Group-Face shows what it is doing on a large input' {
        $e = @(Get-FaceEmbedding -Path "$demo/*.jpg")
        # Real embeddings, repeated under other photo names, to reach a large input.
        $big = foreach ($i in 1..([math]::Ceiling(600 / $e.Count))) {
            foreach ($x in $e) { [pscustomobject]@{ Model = $x.Model; Vector = $x.Vector; Path = "copy$i-$($x.Path)" } }
        }
        $r = Invoke-InRunspace '$big | Group-Face' @{ big = @($big) }
        $r.Errors | Should -BeNullOrEmpty
        ($r.Progress | Where-Object RecordType -eq 'Processing')[0].StatusDescription | Should -Match '^Clustering [\d,]+ faces'
        $r.Progress[-1].RecordType | Should -Be 'Completed'
    }
}

Describe 'Test-FaceMatch answers only what it compared (defect 2)' {
    BeforeAll {
        $odd = Join-Path $TestDrive 'odd [name].jpg'
        Copy-Item -LiteralPath $sample1 -Destination $odd
        $noFace = Join-Path $TestDrive 'noface.png'
        New-GradientPng $noFace
        $text = Join-Path $TestDrive 'notes.jpg'
        Set-Content -LiteralPath $text -Value 'not a photo'
    }

    It 'reads a name with brackets as that file when the pattern matches nothing else' {
        $r = @(Test-FaceMatch $odd $sample1 -WarningAction SilentlyContinue -ErrorVariable ev)
        $ev | Should -BeNullOrEmpty
        $r | Should -Be @($true)
    }

    It 'writes FileNotFound and no Boolean for <Case>' -ForEach @(
        @{ Case = 'a wildcard that matches nothing'; Name = 'nothing*.jpg'; Message = "No files match '*nothing*.jpg'" }
        @{ Case = 'a missing file'; Name = 'nope.jpg'; Message = 'does not exist' }
        @{ Case = 'a folder that does not exist'; Name = 'nothere/*.jpg'; Message = 'the folder * does not exist' }
    ) {
        $missing = Join-Path $TestDrive $Name
        foreach ($args2 in @(@($missing, $sample2), @($sample2, $missing))) {
            $r = @(Test-FaceMatch @args2 -ErrorVariable ev -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
            $r.Count | Should -Be 0 -Because 'a script that tests "if (-not (Test-FaceMatch ...))" must not read a missing file as "different person"'
            Get-FirstErrorId $ev | Should -Be 'FileNotFound'
            @($ev)[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            @($ev)[0].Exception.Message | Should -BeLike "*$Message*"
        }
    }

    It 'writes <ErrorId> and no Boolean for <Case>' -ForEach @(
        @{ Case = 'a photo without a face'; File = 'noface.png'; ErrorId = 'FaceNotFound' }
        @{ Case = 'a file that is not an image'; File = 'notes.jpg'; ErrorId = 'NotAnImage' }
    ) {
        $bad = Join-Path $TestDrive $File
        $r = @(Test-FaceMatch $bad $sample2 -ErrorVariable ev -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
        $r.Count | Should -Be 0
        Get-FirstErrorId $ev | Should -Be $ErrorId
        @($ev)[0].TargetObject | Should -Be $bad
    }

    It 'still answers for the good inputs of the same pipeline' {
        $r = @($sample1, (Join-Path $TestDrive 'nope.jpg'), $sample2 | Test-FaceMatch $sample1 -ErrorVariable ev -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
        $r | Should -Be @($true, $false)
        @($ev).Count | Should -Be 1
    }

    It 'Compare-Face writes FileNotFound for a pattern that matches nothing' {
        $r = @(Compare-Face $sample1 (Join-Path $TestDrive 'nothing*.jpg') -ErrorVariable ev -ErrorAction SilentlyContinue)
        $r.Count | Should -Be 0
        Get-FirstErrorId $ev | Should -Be 'FileNotFound'
    }
}

Describe '-Path and -LiteralPath on every cmdlet that reads photos (defect 3)' {
    BeforeAll {
        $odd = Join-Path $TestDrive 'bracket [1].jpg'
        Copy-Item -LiteralPath $sample2 -Destination $odd
        $gallery = Join-Path $TestDrive 'paths.faces'
        Get-FaceEmbedding -Path $sample2 -Label two | Export-FaceGallery -Path $gallery -Force
    }

    It 'Compare-Face -Path takes wildcards and -LiteralPath takes brackets' {
        @(Compare-Face $sample1 -Path "$demo/sample[23].jpg").Count | Should -Be (3 * 3 + 3 * 3)
        $r = @(Compare-Face $sample1 -LiteralPath $odd)
        $r.Count | Should -Be 9
        $r[0].Difference.Path | Should -Be $odd
    }

    It 'Test-FaceMatch -Path and -LiteralPath give one answer per photo' {
        Test-FaceMatch $sample2 -LiteralPath $odd -WarningAction SilentlyContinue | Should -BeTrue
        @(Test-FaceMatch $sample2 -Path "$demo/sample[12].jpg" -WarningAction SilentlyContinue) | Should -Be @($false, $true)
    }

    It 'Find-Face -Path identifies the faces of the photos it names' {
        $r = @(Find-Face -Path $odd -Gallery $gallery)
        $r.Count | Should -Be 3
        $r.Label | Should -Be @('two', 'two', 'two')
    }

    It 'Get-ChildItem | <Command> binds files (by value or by PSPath)' -ForEach @(
        @{ Command = 'Compare-Face'; Script = { Get-Item -LiteralPath $odd | Compare-Face $sample2 -Top 1 } }
        @{ Command = 'Test-FaceMatch'; Script = { Get-Item -LiteralPath $odd | Test-FaceMatch $sample2 -WarningAction SilentlyContinue } }
        @{ Command = 'Find-Face'; Script = { Get-Item -LiteralPath $odd | Find-Face -Gallery $gallery } }
    ) {
        $r = @(& $Script)
        $r.Count | Should -BeGreaterThan 0
    }

    It 'Export-FaceGallery -LiteralPath writes a gallery whose name has brackets' {
        $target = Join-Path $TestDrive 'team [2024].faces'
        Get-FaceEmbedding -Path $sample1 -Label one | Export-FaceGallery -LiteralPath $target
        Test-Path -LiteralPath $target | Should -BeTrue
        (Import-FaceGallery -LiteralPath $target).Embeddings.Count | Should -Be 3
    }

    It 'refuses -Threshold with -FalseMatchRate, with ConflictingThresholds' {
        $err = { Test-FaceMatch $sample1 $sample2 -Threshold 50 -FalseMatchRate 0.001 } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'ConflictingThresholds,*'
    }
}

Describe 'Find-Face -Gallery with a path (defect 4)' {
    BeforeAll {
        $gallery = Join-Path $TestDrive 'people.faces'
        Get-FaceEmbedding -Path $sample1 -Label one | Export-FaceGallery -Path $gallery -Force
    }

    It 'reads a gallery file given as a path, as Import-FaceGallery would' {
        $fromPath = @(Find-Face $sample1 -Gallery $gallery)
        $fromObject = @(Find-Face $sample1 -Gallery (Import-FaceGallery $gallery))
        $fromPath.Count | Should -Be 3
        $fromPath.Label | Should -Be $fromObject.Label
        $fromPath.Similarity | Should -Be $fromObject.Similarity
    }

    It 'gives one error, <ErrorId>, for <Case>' -ForEach @(
        @{ Case = 'a missing gallery file'; Name = 'none.faces'; ErrorId = 'FileNotFound' }
        @{ Case = 'a file that is not a gallery'; Name = 'photo.faces'; ErrorId = 'NotAGallery' }
    ) {
        $path = Join-Path $TestDrive $Name
        if ($Name -eq 'photo.faces') { Copy-Item -LiteralPath $sample1 -Destination $path }
        $Error.Clear()
        try { Find-Face $sample1 -Gallery $path } catch { $null = $_ }
        $errors = @($Error)
        @($errors).Count | Should -Be 1 -Because "the user saw: $($errors -join ' | ')"
        "$($errors[0].FullyQualifiedErrorId)" | Should -BeLike "$ErrorId,*"
        "$($errors[0])" | Should -Not -Match 'holds no embeddings'
    }
}

Describe 'Compare-Face -Top (defect 5)' {
    It '-Top 1 gives one row for one reference face against a photo of 3 faces: its most similar face' {
        $reference = Get-Face $sample1 | Select-Object -First 1
        $all = @(Compare-Face $reference $sample2)
        $all.Count | Should -Be 3
        $top = @(Compare-Face $reference $sample2 -Top 1)
        $top.Count | Should -Be 1
        $top[0].Similarity | Should -Be ($all.Similarity | Measure-Object -Maximum).Maximum
    }
}

Describe 'Messages in words (rough edge 6)' {
    It 'names <Format> and never shows SkiaSharp codes' -ForEach @(
        @{ Format = 'TIFF'; Bytes = [byte[]](0x49, 0x49, 42, 0, 8, 0, 0, 0) + [byte[]]::new(64); ErrorId = 'UnsupportedImageFormat' }
        @{ Format = 'HEIC'; Bytes = [byte[]](0, 0, 0, 24) + [Text.Encoding]::ASCII.GetBytes('ftypheic') + [byte[]]::new(64); ErrorId = 'UnsupportedImageFormat' }
        @{ Format = 'PDF'; Bytes = [Text.Encoding]::ASCII.GetBytes('%PDF-1.7') + [byte[]]::new(64); ErrorId = 'NotAnImage' }
        @{ Format = 'ZIP'; Bytes = [byte[]](0x50, 0x4B, 3, 4) + [byte[]]::new(64); ErrorId = 'NotAnImage' }
        @{ Format = 'GZIP'; Bytes = [byte[]](0x1F, 0x8B, 8, 0) + [byte[]]::new(64); ErrorId = 'NotAnImage' }
        @{ Format = 'SVG'; Bytes = [Text.Encoding]::ASCII.GetBytes('<svg xmlns="http://www.w3.org/2000/svg"></svg>'); ErrorId = 'UnsupportedImageFormat' }
    ) {
        $path = Join-Path $TestDrive "file-$Format.jpg"
        [IO.File]::WriteAllBytes($path, $Bytes)
        $null = Get-Face -LiteralPath $path -ErrorVariable ev -ErrorAction SilentlyContinue
        Get-FirstErrorId $ev | Should -Be $ErrorId
        "$(@($ev)[0])" | Should -Match $Format
        "$(@($ev)[0])" | Should -Not -Match 'IncompleteInput|Unimplemented|\((Success|InvalidInput|ErrorInInput)\)'
    }

    It 'says a photo cut inside its header is cut short' {
        $path = Join-Path $TestDrive 'header.jpg'
        [IO.File]::WriteAllBytes($path, [IO.File]::ReadAllBytes($sample1)[0..39])
        $null = Get-Face -LiteralPath $path -ErrorVariable ev -ErrorAction SilentlyContinue
        "$(@($ev)[0])" | Should -Match 'cut short'
        "$(@($ev)[0])" | Should -Not -Match 'IncompleteInput'
    }

    It 'says that the folder of a wildcard path does not exist' {
        $null = Get-Face -Path (Join-Path $TestDrive 'nothere/*.jpg') -ErrorVariable ev -ErrorAction SilentlyContinue
        Get-FirstErrorId $ev | Should -Be 'FileNotFound'
        "$(@($ev)[0])" | Should -BeLike "*the folder '$(Join-Path $TestDrive 'nothere')' does not exist*"
    }
}

Describe 'Damaged files are reported (rough edge 7)' {
    BeforeAll {
        $cut = Join-Path $TestDrive 'cut.jpg'
        $bytes = [IO.File]::ReadAllBytes($sample3)
        [IO.File]::WriteAllBytes($cut, $bytes[0..([int]($bytes.Length * 0.4))])
        $badCrc = Join-Path $TestDrive 'bad-crc.png'
        $bitmap = [SkiaSharp.SKBitmap]::Decode($sample1)
        try { $png = $bitmap.Encode([SkiaSharp.SKEncodedImageFormat]::Png, 100).ToArray() } finally { $bitmap.Dispose() }
        $idat = [Text.Encoding]::ASCII.GetString($png).IndexOf('IDAT')
        $png[$idat + 100] = $png[$idat + 100] -bxor 0xFF
        [IO.File]::WriteAllBytes($badCrc, $png)
    }

    It 'warns that <Name> is damaged, names it, and still reports what it found' -ForEach @(
        @{ Name = 'cut.jpg'; Words = 'ends early' }
        @{ Name = 'bad-crc.png'; Words = 'damaged' }
    ) {
        $path = Join-Path $TestDrive $Name
        $faces = @(Get-Face -LiteralPath $path -WarningVariable wv -WarningAction SilentlyContinue -ErrorVariable ev)
        $ev | Should -BeNullOrEmpty
        @($wv).Count | Should -Be 1
        "$(@($wv)[0])" | Should -BeLike "'$path' is damaged: *$Words*"
        $faces | ForEach-Object { $_.Path | Should -Be $path }
    }

    It 'warns in the cmdlets that read photos themselves too (Test-FaceMatch)' {
        $null = Test-FaceMatch $sample3 $cut -AnyFace -WarningVariable wv -WarningAction SilentlyContinue -ErrorAction SilentlyContinue
        (@($wv) -join "`n") | Should -Match "cut\.jpg' is damaged"
    }
}

Describe 'Folders in the pipeline (rough edge 8)' {
    BeforeAll {
        $tree = Join-Path $TestDrive 'tree'
        New-Item -ItemType Directory (Join-Path $tree 'a/b') -Force | Out-Null
        Copy-Item -LiteralPath $sample1 -Destination (Join-Path $tree 'a/one.jpg')
        Copy-Item -LiteralPath $sample2 -Destination (Join-Path $tree 'a/b/two.jpg')
    }

    It 'Get-ChildItem -Recurse | <Command> skips the folders with a verbose message and no error' -ForEach @(
        @{ Command = 'Get-Face' }, @{ Command = 'Get-FaceEmbedding' }
    ) {
        $out = @(Get-ChildItem $tree -Recurse | & $Command -ErrorVariable ev -Verbose 4>&1)
        $ev | Should -BeNullOrEmpty
        @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'Skipped the folder*' }).Count | Should -Be 2
        @($out | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }).Count | Should -Be 6
    }

    It 'Compare-Face and Export-FaceGallery skip piped folders too' {
        @(Get-ChildItem $tree -Recurse | Compare-Face $sample1 -ErrorVariable ev).Count | Should -Be 18
        $ev | Should -BeNullOrEmpty
        Get-ChildItem $tree -Recurse | Export-FaceGallery -Path (Join-Path $TestDrive 'tree.faces') -Label x -ErrorVariable ev2
        $ev2 | Should -BeNullOrEmpty
    }

    It 'an explicit -LiteralPath to a folder is still an error' {
        $null = Get-Face -LiteralPath $tree -ErrorVariable ev -ErrorAction SilentlyContinue
        Get-FirstErrorId $ev | Should -Be 'NotAnImage'
        "$(@($ev)[0])" | Should -Match 'is a directory'
    }
}

Describe 'Face-dataset formats (rough edge 9)' {
    It 'finds the faces of a photo stored as binary PGM (ORL style) and as PPM' {
        # The files are written by Crafter.cs in native speed: a PowerShell loop over the 2.4 million pixels took 7 s.
        Import-Crafter
        $bitmap = [SkiaSharp.SKBitmap]::Decode($sample1)
        $pgm = Join-Path $TestDrive 'sample1.pgm'; $ppm = Join-Path $TestDrive 'sample1.ppm'
        try {
            [IO.File]::WriteAllBytes($pgm, [FaceNetRobustness.Crafter]::Netpbm($bitmap, $true))
            [IO.File]::WriteAllBytes($ppm, [FaceNetRobustness.Crafter]::Netpbm($bitmap, $false))
        }
        finally { $bitmap.Dispose() }
        @(Get-Face $pgm).Count | Should -Be 3
        $fromPpm = @(Get-FaceEmbedding $ppm)
        $fromJpg = @(Get-FaceEmbedding $sample1)
        $fromPpm.Count | Should -Be 3
        Get-CosineSimilarity $fromPpm[0].Vector $fromJpg[0].Vector | Should -BeGreaterThan 0.95
    }

    It 'refuses TIFF with UnsupportedImageFormat, saying how to convert it' {
        $tif = Join-Path $TestDrive 'scan.tif'
        [IO.File]::WriteAllBytes($tif, [byte[]](0x4D, 0x4D, 0, 42, 0, 0, 0, 8) + [byte[]]::new(100))
        $null = Get-Face $tif -ErrorVariable ev -ErrorAction SilentlyContinue
        Get-FirstErrorId $ev | Should -Be 'UnsupportedImageFormat'
        "$(@($ev)[0])" | Should -Match 'TIFF image.*Convert it to PNG or JPEG'
    }
}

Describe 'Format views (rough edge 11)' {
    It 'the embedding table has a Label column' {
        $text = Get-FaceEmbedding $sample1 -Label alice | Out-String -Width 150
        $text | Should -Match '\bLabel\b'
        @($text -split "`n" | Where-Object { $_ -match 'sample1\.jpg.*\balice\s*$' }).Count | Should -Be 3
    }

    It 'an all-against-all picture labels each face with its index and the index it matches best' {
        $out = Join-Path $TestDrive 'pairs.png'
        $verbose = @(Compare-Face $sample1 $sample2 | Export-FaceAnnotation -Path $out -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        $labels = @($verbose | Where-Object Message -match "face #\d+: #\d+ Similarity: \d+\.\d\d% to #\d+$")
        $labels.Count | Should -Be 6 -Because 'each of the 3 + 3 faces is labelled with its best partner'
        Test-Path $out | Should -BeTrue
    }

    It 'a single compared pair keeps the plain "Similarity: 87.12%" label' {
        $ref = Get-Face $sample1 | Select-Object -First 1
        $face = Get-Face $sample2 | Select-Object -First 1
        $verbose = @(Compare-Face $ref $face | Export-FaceAnnotation -Path (Join-Path $TestDrive 'one.png') -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        @($verbose | Where-Object Message -match 'face #\d+: Similarity: \d+\.\d\d%$').Count | Should -Be 2
    }
}
