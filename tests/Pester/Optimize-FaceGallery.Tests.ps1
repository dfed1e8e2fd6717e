# Optimize-FaceGallery and the gallery spaces it makes: on a gallery file and a PostgreSQL gallery, with -Gallery on
# Compare-Face and Test-FaceMatch, Find-Face, the stale mark and the refusals. Twenty Caltech photos (five people,
# four each; Get-TestStaffFolder embeds them once per process) are optimised once for the file's Its (BeforeAll).
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $noShared = -not (Test-Path (Join-Path (Get-FaceNetTestContext).SharedDir 'data/caltech-faces'))
    if ($noShared) {
        Write-Host "Optimize-FaceGallery.Tests: skipped, because the Caltech faces are not at $((Get-FaceNetTestContext).SharedDir)/data/caltech-faces (the project's read-only photo sets, beside the repository)." -ForegroundColor Yellow
    }
    $noPostgres = -not $env:FACENET_TEST_PG
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $ctx = Import-FaceNetUnderTest
    $staff = Get-TestStaffFolder
    if ($staff) {
        $gallery = Join-Path $TestDrive 'staff.faces'
        Copy-Item -LiteralPath (Join-Path $staff 'staff.faces') -Destination $gallery
        $emb = @((Import-FaceGallery $gallery).Embeddings)     # with their photos' paths and labels
        $enrolled = @(Get-ChildItem -LiteralPath (Join-Path $staff 'staff') -Recurse -File | Sort-Object FullName)
        $later = Get-Item -LiteralPath (Join-Path $staff 'later/man_01.jpg')   # enrolled after the optimisation
        # Three people: too few. Given first, so its error must not stop the good gallery after it.
        $few = Join-Path $TestDrive 'few.faces'
        $emb | Where-Object Label -in 'man_01', 'man_02', 'man_03' | Export-FaceGallery -Path $few
        $result = @(Optimize-FaceGallery -Path $few, $gallery -ErrorVariable optimizeErrors -ErrorAction SilentlyContinue)
    }
}

AfterAll {
    # The last file to use the staff folder (Help.Tests runs before it): remove it now rather than at exit.
    if ($staff) { Remove-Item -LiteralPath $staff -Recurse -Force -ErrorAction Ignore }
}

Describe 'Optimize-FaceGallery on a gallery file' -Skip:$noShared {
    It 'learns from the labelled faces and reports the held-out figures, thresholds and time' {
        $result.Count | Should -Be 1
        $r = $result[0]
        $r.PSObject.TypeNames[0] | Should -Be 'FaceNet.PowerShell.FaceGalleryAdaptation'
        $r.Gallery | Should -Be $gallery
        $r.Model | Should -Be 'Clean'
        $r.People | Should -Be 5
        $r.Faces | Should -Be 20
        $r.HeldOutFaces | Should -Be 5                      # one of each person's four
        $r.SamePairs | Should -Be 15                        # each held-out face with its person's three others
        $r.DifferentPairs | Should -Be 70                   # with the 16 other people's faces, held-out pairs once
        $r.AcceptanceAfter | Should -BeGreaterOrEqual ($r.AcceptanceBefore - 0.01)
        $r.FalseMatchesAfter | Should -BeLessOrEqual $r.FalseMatchesBefore
        $r.PlainThreshold | Should -BeGreaterThan 0.83
        $r.Threshold | Should -BeGreaterThan 0.5
        $r.Threshold | Should -Not -Be $r.PlainThreshold
        $r.IdentificationThreshold | Should -BeGreaterThan $r.Threshold
        $r.Seconds | Should -BeLessThan 10
        $r.Stale | Should -BeFalse
        ($r | Out-String -Width 160) | Should -Match 'staff\.faces'
        $stored = (Import-FaceGallery $gallery).Adaptation
        $stored.Faces | Should -Be 20
        $stored.Threshold | Should -Be $r.Threshold
        $stored.Stale | Should -BeFalse
    }

    It 'writes TooFewLabelledFaces for a gallery of three people, and still optimises the next one' {
        $optimizeErrors.Count | Should -Be 1
        $optimizeErrors[0].FullyQualifiedErrorId | Should -Be 'TooFewLabelledFaces,FaceNet.PowerShell.Commands.OptimizeFaceGalleryCommand'
        $optimizeErrors[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $optimizeErrors[0].TargetObject | Should -Be $few
        $optimizeErrors[0].Exception.Message | Should -Match 'at least 4 people with 4 or more faces each'
        (Import-FaceGallery $few).Adaptation | Should -BeNullOrEmpty
    }

    It 'does nothing with -WhatIf' {
        Optimize-FaceGallery -LiteralPath $few -WhatIf | Should -BeNullOrEmpty
        (Import-FaceGallery $few).Adaptation | Should -BeNullOrEmpty
    }

    It 'compares in the gallery''s space only with -Gallery, and says which space it used' {
        $adapted = Compare-Face $emb[0] $emb[1], $emb[4] -Gallery $gallery
        $plain = Compare-Face $emb[0] $emb[1], $emb[4]
        $plainAgain = Compare-Face $emb[0] $emb[1], $emb[4] -Gallery $gallery -NoAdaptation
        $adapted[0].Space | Should -Match '^adapted \(5 people, \d{4}-\d{2}-\d{2}\) of staff\.faces$'
        $plain[0].Space | Should -Be 'plain'
        $plainAgain[0].Space | Should -Be 'plain'
        ($plainAgain.Cosine -join ",") | Should -Be ($plain.Cosine -join ",")
        $adapted[1].Cosine | Should -Not -Be $plain[1].Cosine
        $adapted[0].IsMatch | Should -BeTrue               # man_01 with man_01
        $adapted[1].IsMatch | Should -BeFalse              # man_01 with man_02
        $back = $adapted[0] | ConvertTo-Json -Depth 4 | ConvertFrom-Json
        $back.Space | Should -Be $adapted[0].Space
        Test-FaceMatch $enrolled[0].FullName $enrolled[1].FullName -Gallery $gallery | Should -BeTrue
        Test-FaceMatch $emb[0] $emb[4] -Gallery (Import-FaceGallery $gallery) | Should -BeFalse
    }

    It 'Find-Face searches a gallery in its adapted space, and -NoAdaptation in the plain one' {
        $g = Import-FaceGallery $gallery
        $found = $emb[1] | Find-Face -Gallery $g
        $found.Label | Should -Be 'man_01'
        $found.Space | Should -Match '^adapted'
        ($emb[1] | Find-Face -Gallery $g -NoAdaptation).Space | Should -Be 'plain'
        ($emb[1] | Find-Face -Gallery $gallery).Space | Should -Match '^adapted'
    }

    It 'refuses to compare in the space of a gallery adapted for another model' {
        { Compare-Face $enrolled[0].FullName $enrolled[1].FullName -Model Dlib -Gallery $gallery -ErrorAction Stop } |
            Should -Throw -ErrorId 'GalleryModelMismatch,FaceNet.PowerShell.Commands.CompareFaceCommand'
        $dlib = Join-Path $TestDrive 'dlib.faces'
        Get-FaceEmbedding -LiteralPath $enrolled[0].FullName -Model Dlib -Label man_01 | Export-FaceGallery -Path $dlib
        Optimize-FaceGallery $dlib -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -Be 'AdaptationNotSupported,FaceNet.PowerShell.Commands.OptimizeFaceGalleryCommand'
    }

    It 'marks the adaptation stale when Export-FaceGallery -Append adds faces, with a warning, and still uses it' {
        $copy = Join-Path $TestDrive 'stale.faces'
        Copy-Item -LiteralPath $gallery -Destination $copy
        $emb[0] | Export-FaceGallery -Path $copy -Append -WarningVariable w1 -WarningAction SilentlyContinue   # unchanged: nothing added
        $w1 | Should -BeNullOrEmpty
        (Import-FaceGallery $copy).Adaptation.Stale | Should -BeFalse
        $later | Export-FaceGallery -Path $copy -Append -Label man_01 -WarningVariable w2 -WarningAction SilentlyContinue
        "$w2" | Should -Match 'adapted to its 5 people .* stale'
        (Import-FaceGallery $copy).Adaptation.Stale | Should -BeTrue
        $c = Compare-Face $emb[0] $emb[1] -Gallery $copy -WarningVariable w3 -WarningAction SilentlyContinue
        $c.Space | Should -Match ', stale\) of stale\.faces$'
        "$w3" | Should -Match 'is stale'
    }
}

Describe 'Optimize-FaceGallery on a PostgreSQL gallery' -Skip:($noShared -or $noPostgres) {
    It 'stores the adaptation in the shared gallery, compares in its space, and marks it stale on -Append' {
        $cs = New-TestGalleryDatabase
        $emb | Export-FaceGallery -ConnectionString $cs
        $r = Optimize-FaceGallery -ConnectionString $cs
        $r.Gallery | Should -Match '^postgresql://'
        $r.Faces | Should -Be 20
        $r.Threshold | Should -Be $result[0].Threshold       # the same faces: the same adaptation
        $g = Import-FaceGallery -ConnectionString $cs
        $g.Adaptation.Stale | Should -BeFalse
        (Compare-Face $emb[0] $emb[1] -Gallery $g).Space | Should -Match '^adapted \(5 people'
        Invoke-GalleryScalar $cs "SELECT value FROM facenet_meta WHERE key = 'adaptationStale'" | Should -Be 'false'
        $later | Export-FaceGallery -ConnectionString $cs -Append -Label man_01 -WarningVariable w -WarningAction SilentlyContinue
        "$w" | Should -Match 'stale'
        Invoke-GalleryScalar $cs "SELECT value FROM facenet_meta WHERE key = 'adaptationStale'" | Should -Be 'true'
        (Import-FaceGallery -ConnectionString $cs).Adaptation.Stale | Should -BeTrue
    }
}
