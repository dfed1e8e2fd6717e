# Test-FaceMatch: $true/$false for two photos or embeddings; prominent face, -AnyFace, thresholds, errors.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $ctx = Import-FaceNetUnderTest
    $sample1 = Join-Path $ctx.DemoDir 'sample1.jpg'
    $sample2 = Join-Path $ctx.DemoDir 'sample2.jpg'
    $identities = Join-Path $ctx.SharedDir 'data/face-samples/identities'
    $haveIdentities = Test-Path $identities

    function Get-FirstErrorId($ErrorList) { "$(@($ErrorList)[0].FullyQualifiedErrorId)".Split(',')[0] }

    # Single-face photos cut from sample1: each face with a margin, scaled and re-encoded (different pixels, same person),
    # and a mirrored copy of the same crop.
    $faces = @(Get-Face $sample1 | Sort-Object Index)
    $crops = foreach ($f in $faces) {
        $m = [int]($f.Width * 0.6)
        $path = Join-Path $TestDrive "face$($f.Index).jpg"
        New-RescaledCrop -Source $sample1 -Path $path -X ([int]$f.X - $m) -Y ([int]$f.Y - $m) -Width ([int]$f.Width + 2 * $m) -Height ([int]$f.Height + 2 * $m) -Scale 1.3 -Quality 85
        $path
    }
    # The largest face of sample1 is the one Test-FaceMatch compares by default.
    $largest = ($faces | Sort-Object { $_.Width * $_.Height } -Descending | Select-Object -First 1).Index
    $other = ($faces | Where-Object Index -ne $largest | Select-Object -First 1).Index
    $noFace = Join-Path $TestDrive 'noface.png'
    New-GradientPng $noFace
}

Describe 'Test-FaceMatch' {
    It 'returns a single [bool]' {
        $r = @(Test-FaceMatch $crops[0] $crops[0])
        $r.Count | Should -Be 1
        $r[0] | Should -BeOfType ([bool])
        $r[0] | Should -BeTrue
    }

    It 'is $true for a face and a rescaled re-encoded copy of it, $false for two different people' {
        Test-FaceMatch $crops[$largest] $sample1 -WarningAction SilentlyContinue | Should -BeTrue
        Test-FaceMatch $crops[0] $crops[1] | Should -BeFalse
        Test-FaceMatch $crops[1] $crops[2] | Should -BeFalse
    }

    It 'compares the most prominent face by default and warns with the face count' {
        $r = Test-FaceMatch $crops[$other] $sample1 -WarningVariable wv -WarningAction SilentlyContinue
        $r | Should -BeFalse -Because 'the largest face of sample1 is someone else'
        @($wv).Count | Should -Be 1
        "$(@($wv)[0])" | Should -Match "'sample1\.jpg' has $($faces.Count) faces"
    }

    It '-AnyFace is $true if any pair matches, without a warning' {
        Test-FaceMatch $crops[$other] $sample1 -AnyFace -WarningVariable wv -WarningAction SilentlyContinue | Should -BeTrue
        @($wv).Count | Should -Be 0
        Test-FaceMatch $crops[$other] $sample2 -AnyFace | Should -BeFalse
    }

    It 'takes embeddings, faces, Clixml and JSON round trips' {
        $emb = Get-FaceEmbedding $crops[0]
        $file = Join-Path $TestDrive 'emb.clixml'
        $emb | Export-Clixml $file
        $fromXml = Import-Clixml $file
        $fromJson = $emb | ConvertTo-Json -Depth 5 | ConvertFrom-Json
        Test-FaceMatch $emb $crops[0] | Should -BeTrue
        Test-FaceMatch $fromXml $fromJson | Should -BeTrue
        Test-FaceMatch $fromXml (Get-Face $crops[1]) | Should -BeFalse
        Get-Item $crops[0] | Test-FaceMatch -ReferenceObject $fromJson | Should -BeTrue
    }

    It 'gives one result per difference photo from the pipeline' {
        $r = @($crops | Test-FaceMatch -ReferenceObject $crops[1])
        $r.Count | Should -Be $crops.Count
        for ($i = 0; $i -lt $crops.Count; $i++) { $r[$i] | Should -Be ($i -eq 1) }
    }

    It '-Threshold 0 accepts and -Threshold 100 rejects different people' {
        Test-FaceMatch $crops[0] $crops[1] -Threshold 0 | Should -BeTrue
        Test-FaceMatch $crops[0] $crops[1] -Threshold 100 | Should -BeFalse
        $c = Compare-Face $crops[0] $crops[1]
        Test-FaceMatch $crops[0] $crops[1] -Threshold ($c.Similarity - 0.5) | Should -BeTrue
        Test-FaceMatch $crops[0] $crops[1] -Threshold ($c.Similarity + 0.5) | Should -BeFalse
    }

    It '-FalseMatchRate picks a threshold from the manifest table' {
        Test-FaceMatch $crops[0] $crops[0] -FalseMatchRate 0.001 | Should -BeTrue
        Test-FaceMatch $crops[0] $crops[1] -FalseMatchRate 0.001 | Should -BeFalse
        Test-FaceMatch $crops[0] $crops[1] -FalseMatchRate 1 | Should -BeTrue
        $loose = (Compare-Face $crops[0] $crops[1] -FalseMatchRate 0.01).Threshold
        $strict = (Compare-Face $crops[0] $crops[1] -FalseMatchRate 0.00001).Threshold
        $strict | Should -BeGreaterThan $loose
    }

    It 'refuses a false match rate below what the calibration supports' {
        $err = $null
        try { Test-FaceMatch $crops[0] $crops[1] -FalseMatchRate 1e-7 } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId.Split(',')[0] | Should -Be 'FalseMatchRateTooLow'
        $err.Exception.Message | Should -Match 'below what the calibration data supports'
        # The smallest row's false matches are counted on the set that is worst at it, and the message says which.
        $manifest = Get-Content -LiteralPath (Join-Path $ctx.ModuleDir 'models/models.json') -Raw | ConvertFrom-Json
        $model = $manifest.models | Where-Object name -eq $manifest.defaultEmbedder
        $worst = @($model.falseMatchRates.rows)[-1].domains | Sort-Object measuredRate -Descending | Select-Object -First 1
        $err.Exception.Message | Should -Match "$($worst.falseMatches.ToString('N0', [cultureinfo]::InvariantCulture)) false matches in [\d,]+ different-person pairs of $([regex]::Escape($worst.domain)), the worst of the 3 sets measured"
    }

    It 'finds the face in badge-style crops where it fills the picture, and matches them with the photo' {
        # Each face of sample1 cut to its own box (no margin) and scaled to 92 px wide: an ID-badge crop.
        $tight = foreach ($f in $faces | Where-Object Height -ge 60) {
            $path = Join-Path $TestDrive "tight$($f.Index).jpg"
            New-RescaledCrop -Source $sample1 -Path $path -X ([int]$f.X) -Y ([int]$f.Y) -Width ([int]$f.Width) -Height ([int]$f.Height) -Scale (92 / $f.Width) -Quality 90
            [pscustomobject]@{ Path = $path; Index = $f.Index }
        }
        @($tight).Count | Should -BeGreaterOrEqual 3
        foreach ($t in $tight) {
            $found = @(Get-Face $t.Path)
            $found.Count | Should -Be 1 -Because "the face fills $(Split-Path $t.Path -Leaf)"
            Test-FaceMatch $t.Path $crops[$t.Index] | Should -BeTrue -Because "$(Split-Path $t.Path -Leaf) and face$($t.Index).jpg are one person"
        }
        Test-FaceMatch $tight[0].Path $tight[1].Path | Should -BeFalse
    }

    It 'writes FaceNotFound (target: the path) and no Boolean for a photo without a face' {
        # Nothing was compared, so there is no answer: "different person" is never confused with "no face".
        $r = @(Test-FaceMatch $noFace $crops[0] -ErrorVariable ev -ErrorAction SilentlyContinue)
        $r.Count | Should -Be 0
        Get-FirstErrorId $ev | Should -Be 'FaceNotFound'
        @($ev)[0].TargetObject | Should -Be $noFace
        $r = @(Test-FaceMatch $crops[0] $noFace -ErrorVariable ev -ErrorAction SilentlyContinue)
        $r.Count | Should -Be 0
        Get-FirstErrorId $ev | Should -Be 'FaceNotFound'
    }

    It 'turns FaceNotFound into an exception with -ErrorAction Stop' {
        $err = $null
        try { Test-FaceMatch $crops[0] $noFace -ErrorAction Stop } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId.Split(',')[0] | Should -Be 'FaceNotFound'
    }

    It 'refuses embeddings of different models with ModelMismatch' {
        $err = $null
        try { Test-FaceMatch (Get-FaceEmbedding $crops[0] -Model MobileFaceNet) (Get-FaceEmbedding $crops[0]) } catch { $err = $_ }
        $err.FullyQualifiedErrorId.Split(',')[0] | Should -Be 'ModelMismatch'
    }

    It 'matches Obama with Obama and not with Biden (labelled photos in ../shared)' {
        if (-not $haveIdentities) { Set-ItResult -Skipped -Because "../shared/data/face-samples/identities is absent"; return }
        $t = Join-Path $identities 'knn_examples/train'
        Test-FaceMatch "$t/obama/obama.jpg" "$t/obama/obama2.jpg" -WarningAction SilentlyContinue | Should -BeTrue
        Test-FaceMatch "$t/biden/biden.jpg" "$t/biden/biden2.jpg" -WarningAction SilentlyContinue | Should -BeTrue
        Test-FaceMatch "$t/obama/obama.jpg" "$t/biden/biden.jpg" -WarningAction SilentlyContinue | Should -BeFalse
    }

    It 'finds Obama in obama_and_biden.jpg only with -AnyFace when he is not the largest face, and warns about the count' {
        if (-not $haveIdentities) { Set-ItResult -Skipped -Because "../shared/data/face-samples/identities is absent"; return }
        $both = Join-Path $identities 'knn_examples/test/obama_and_biden.jpg'
        $t = Join-Path $identities 'knn_examples/train'
        $n = @(Get-Face $both).Count
        $n | Should -BeGreaterThan 1
        $null = Test-FaceMatch "$t/biden/biden.jpg" $both -WarningVariable wv -WarningAction SilentlyContinue
        (@($wv) -join "`n") | Should -Match "'obama_and_biden\.jpg' has $n faces"
        Test-FaceMatch "$t/obama/obama.jpg" $both -AnyFace -WarningAction SilentlyContinue | Should -BeTrue
        Test-FaceMatch "$t/biden/biden.jpg" $both -AnyFace -WarningAction SilentlyContinue | Should -BeTrue
    }
}
