# Recognition: galleries (Export/Import-FaceGallery), 1:N identification (Find-Face) and clustering (Group-Face).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $ctx = Import-FaceNetUnderTest
    $knn = Join-Path $ctx.SharedDir 'data/face-samples/identities/knn_examples'
    $haveKnn = Test-Path (Join-Path $knn 'train')
    $work = Join-Path ([System.IO.Path]::GetTempPath()) ("facenet-recognition-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory $work | Out-Null
    $sample1 = Join-Path $ctx.DemoDir 'sample1.jpg'
    $sample2 = Join-Path $ctx.DemoDir 'sample2.jpg'
    $demo1 = @(Get-FaceEmbedding -LiteralPath $sample1)
}

AfterAll {
    if ($work -and (Test-Path $work)) { Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Get-FaceEmbedding -Label' {
    It 'sets a fixed label' {
        $e = @(Get-FaceEmbedding -LiteralPath $sample1 -Label 'team')
        $e.Count | Should -Be 3
        $e.Label | Sort-Object -Unique | Should -Be 'team'
    }

    It 'evaluates a script block per piped file' {
        $dir = Join-Path $work 'labels'
        foreach ($p in 'ann', 'bob') { New-Item -ItemType Directory (Join-Path $dir $p) -Force | Out-Null }
        Copy-Item $sample1 (Join-Path $dir 'ann/a.jpg'); Copy-Item $sample2 (Join-Path $dir 'bob/b.jpg')
        $e = @(Get-ChildItem $dir -Recurse -File | Get-FaceEmbedding -Label { $_.Directory.Name })
        @($e | Where-Object Label -eq 'ann').Path | Sort-Object -Unique | Should -Be (Join-Path $dir 'ann/a.jpg')
        @($e | Where-Object Label -eq 'bob').Path | Sort-Object -Unique | Should -Be (Join-Path $dir 'bob/b.jpg')
    }

    It 'keeps Label through Clixml and JSON round trips' {
        $e = @(Get-FaceEmbedding -LiteralPath $sample1 -Label 'team')
        $file = Join-Path $work 'e.clixml'
        $e | Export-Clixml -LiteralPath $file
        @(Import-Clixml -LiteralPath $file).Label | Sort-Object -Unique | Should -Be 'team'
        @($e | ConvertTo-Json -Depth 6 | ConvertFrom-Json).Label | Sort-Object -Unique | Should -Be 'team'
    }
}

Describe 'Export-FaceGallery / Import-FaceGallery' {
    It 'round-trips labels, paths, boxes and vectors' {
        $g = Join-Path $work 'rt.faces'
        $demo1 | ForEach-Object { $_.Label = "p$($_.Index)"; $_ } | Export-FaceGallery -Path $g
        $gal = Import-FaceGallery $g
        $gal.Count | Should -Be 3
        $gal.Model | Should -Be $demo1[0].Model
        $gal.Labels | Should -Be @('p0', 'p1', 'p2')
        foreach ($e in $demo1) {
            $back = $gal.Embeddings | Where-Object { $_.Index -eq $e.Index }
            $back.Label | Should -Be "p$($e.Index)"
            $back.Path | Should -Be $e.Path
            $back.Face.Width | Should -Be $e.Face.Width
            Get-MaxAbsDifference $back.Vector $e.Vector | Should -Be 0
        }
    }

    It 'refuses to overwrite without -Force, replaces with -Force, and honours -WhatIf' {
        $g = Join-Path $work 'force.faces'
        $demo1 | Export-FaceGallery -Path $g -Label 'x'
        { $demo1 | Export-FaceGallery -Path $g -Label 'y' } | Should -Throw -ErrorId 'GalleryExists,FaceNet.PowerShell.Commands.ExportFaceGalleryCommand'
        $demo1 | Select-Object -First 1 | Export-FaceGallery -Path $g -Label 'y' -Force
        (Import-FaceGallery $g).Labels | Should -Be 'y'
        (Import-FaceGallery $g).Count | Should -Be 1
        $demo1 | Export-FaceGallery -Path $g -Label 'z' -Force -WhatIf
        (Import-FaceGallery $g).Labels | Should -Be 'y'
    }

    It 'refuses embeddings of another model (GalleryModelMismatch)' {
        $g = Join-Path $work 'model.faces'
        $demo1 | Export-FaceGallery -Path $g -Label 'x'
        $other = if ($demo1[0].Model -eq 'MobileFaceNet') { 'Dlib' } else { 'MobileFaceNet' }
        { Get-FaceEmbedding -LiteralPath $sample2 -Model $other | Export-FaceGallery -Path $g -Append } |
            Should -Throw -ErrorId 'GalleryModelMismatch,FaceNet.PowerShell.Commands.ExportFaceGalleryCommand'
        (Import-FaceGallery $g).Count | Should -Be 3
    }

    It '-Append with files embeds only new or changed photos (counts)' {
        $dir = Join-Path $work 'inc'
        New-Item -ItemType Directory (Join-Path $dir 'a') -Force | Out-Null
        Copy-Item $sample1 (Join-Path $dir 'a/1.jpg'); Copy-Item $sample2 (Join-Path $dir 'a/2.jpg')
        $g = Join-Path $work 'inc.faces'
        $r1 = Get-ChildItem $dir -Recurse -File | Export-FaceGallery -Path $g -Append -Label { $_.Directory.Name } -PassThru
        $r1.Embedded | Should -Be 2
        $r1.Skipped | Should -Be 0
        $r1.Faces | Should -Be 6
        $r2 = Get-ChildItem $dir -Recurse -File | Export-FaceGallery -Path $g -Append -Label { $_.Directory.Name } -PassThru
        $r2.Embedded | Should -Be 0
        $r2.Skipped | Should -Be 2
        $r2.Faces | Should -Be 6
        Copy-Item (Join-Path $ctx.DemoDir 'sample3.jpg') (Join-Path $dir 'a/3.jpg')
        (Get-Item (Join-Path $dir 'a/1.jpg')).LastWriteTimeUtc = [datetime]::UtcNow.AddMinutes(-5)
        $r3 = Get-ChildItem $dir -Recurse -File | Export-FaceGallery -Path $g -Append -Label { $_.Directory.Name } -PassThru
        $r3.Embedded | Should -Be 2   # the new photo and the touched one
        $r3.Skipped | Should -Be 1
        $r3.Faces | Should -Be 9      # the touched photo's faces are replaced, not doubled
        (Import-FaceGallery $g).Labels | Should -Be 'a'
    }

    It '-Append with embeddings skips photos already enrolled and unchanged' {
        $g = Join-Path $work 'emb-append.faces'
        $r1 = $demo1 | Export-FaceGallery -Path $g -Append -Label 'team' -PassThru
        ($r1.FacesAdded, $r1.Skipped) | Should -Be @(3, 0)
        $r2 = $demo1 | Export-FaceGallery -Path $g -Append -Label 'team' -PassThru
        ($r2.FacesAdded, $r2.Skipped, $r2.Faces) | Should -Be @(0, 1, 3)
    }

    It 'writes a clear error for a file that is not a gallery' {
        $bad = Join-Path $work 'bad.faces'
        Set-Content $bad 'hello'
        Import-FaceGallery $bad -ErrorAction SilentlyContinue -ErrorVariable err | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NotAGallery*'
    }

    It 'writes NotAGallery for a gallery file whose tables are damaged, and still reads the good one beside it' {
        $good = Join-Path $work 'good.faces'; $broken = Join-Path $work 'broken.faces'
        $null = $demo1 | Export-FaceGallery -Path $good -Force
        $null = $demo1 | Export-FaceGallery -Path $broken -Force
        Add-Type -LiteralPath (Join-Path (Split-Path $ctx.ModulePath) 'Microsoft.Data.Sqlite.dll')
        $db = [Microsoft.Data.Sqlite.SqliteConnection]::new("Data Source=$broken;Pooling=False")
        try { $db.Open(); $cmd = $db.CreateCommand(); $cmd.CommandText = 'DROP TABLE faces'; $null = $cmd.ExecuteNonQuery() }
        finally { $db.Dispose() }
        $out = @(Import-FaceGallery -LiteralPath $broken, $good -ErrorAction SilentlyContinue -ErrorVariable err)
        $out.Path | Should -Be $good
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'NotAGallery,FaceNet.PowerShell.Commands.ImportFaceGalleryCommand'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $err[0].TargetObject | Should -Be $broken
        $err[0].Exception.Message | Should -BeLike "*'$broken' is damaged*"
    }
}

Describe 'Find-Face' {
    It 'finds the faces of a demo photo again in the same photo (no ../shared needed)' {
        $gallery = $demo1 | ForEach-Object { $_.Label = "person$($_.Index)"; $_ }
        $r = @(Find-Face $sample1 -Gallery $gallery)
        $r.Count | Should -Be 3
        foreach ($x in $r) {
            $x.Label | Should -Be "person$($x.Probe.Index)"
            $x.Similarity | Should -BeGreaterThan 90
            $x.Match.Index | Should -Be $x.Probe.Index
        }
    }

    It 'answers unknown (Label $null) for strangers and lists -Top candidates' {
        $gallery = $demo1 | ForEach-Object { $_.Label = "person$($_.Index)"; $_ }
        $r = @(Get-FaceEmbedding -LiteralPath $sample2 | Find-Face -Gallery $gallery -Top 2)
        $r.Count | Should -Be 3
        foreach ($x in $r) {
            $x.Label | Should -BeNullOrEmpty
            $x.IsKnown | Should -BeFalse
            $x.Candidates.Count | Should -Be 2
        }
        ($r | Format-Table | Out-String) | Should -Match 'unknown'
    }

    It '-Threshold 0 names everyone with the best candidate' {
        $gallery = $demo1 | ForEach-Object { $_.Label = "person$($_.Index)"; $_ }
        $r = @(Find-Face $sample2 -Gallery $gallery -Threshold 0)
        $r | ForEach-Object { $_.Label | Should -Be $_.Candidates[0].Label }
    }

    It 'identifies both people in obama_and_biden.jpg and kit_with_rose.jpg' {
        if (-not $haveKnn) { Set-ItResult -Skipped -Because "../shared/data/face-samples/identities/knn_examples is absent"; return }
        $g = Join-Path $work 'knn.faces'
        Get-ChildItem (Join-Path $knn 'train') -Recurse -File | Get-FaceEmbedding -Label { $_.Directory.Name } | Export-FaceGallery -Path $g
        $gallery = Import-FaceGallery $g
        $gallery.Labels | Should -Be @('alex_lacamoire', 'biden', 'kit_harington', 'obama', 'rose_leslie')
        $r = @(Get-ChildItem (Join-Path $knn 'test') -Include 'obama_and_biden.jpg', 'kit_with_rose.jpg' -Recurse | Find-Face -Gallery $gallery)
        $named = $r | Where-Object IsKnown | ForEach-Object { '{0}:{1}' -f (Split-Path $_.Path -Leaf), $_.Label } | Sort-Object
        $named | Should -Be @('kit_with_rose.jpg:kit_harington', 'kit_with_rose.jpg:rose_leslie', 'obama_and_biden.jpg:biden', 'obama_and_biden.jpg:obama')
    }

    It 'takes a gallery and probes read back from Clixml and JSON' {
        $file = Join-Path $work 'gallery.clixml'
        $demo1 | ForEach-Object { $_.Label = "person$($_.Index)"; $_ } | Export-Clixml -LiteralPath $file
        $fromXml = Import-Clixml -LiteralPath $file
        $fromJson = $demo1 | ConvertTo-Json -Depth 6 | ConvertFrom-Json
        $r = @($fromJson | Find-Face -Gallery $fromXml)
        $r.Count | Should -Be 3
        $r | ForEach-Object { $_.Label | Should -Be "person$($_.Probe.Index)" }
        @($fromXml | Group-Face).Count | Should -Be 3
    }

    It 'refuses a probe -Model other than the gallery''s' {
        { Find-Face $sample1 -Gallery $demo1 -Model 'NoSuchModel' } | Should -Throw -ErrorId 'GalleryModelMismatch,FaceNet.PowerShell.Commands.FindFaceCommand'
    }
}

Describe 'Group-Face' {
    It 'keeps faces of one photo apart and groups the same faces across copies' {
        $copy = Join-Path $work 'copy1.jpg'
        Copy-Item $sample1 $copy
        $e = @(Get-FaceEmbedding -LiteralPath $sample1, $copy)
        $groups = @($e | Group-Face)
        $groups.Count | Should -Be 3
        foreach ($g in $groups) {
            $g.Count | Should -Be 2
            @($g.Faces.Path | Sort-Object -Unique).Count | Should -Be 2
            $g.Faces.Index | Sort-Object -Unique | Should -HaveCount 1
            $g.Representative | Should -Not -BeNullOrEmpty
        }
    }

    It 'never merges two faces of one photo, even with -Cut -1' {
        $groups = @($demo1 | Group-Face -Cut -1)
        $groups.Count | Should -Be 3
        @($demo1 | Group-Face -Cut -1 -AllowSamePhoto).Count | Should -Be 1
    }

    It 'reports the most common Label and leaves out small groups with -MinClusterSize' {
        $copy = Join-Path $work 'copy2.jpg'
        Copy-Item $sample1 $copy
        $e = @(Get-FaceEmbedding -LiteralPath $sample1, $copy -Label 'team') + @(Get-FaceEmbedding -LiteralPath $sample2)
        $groups = @($e | Group-Face -MinClusterSize 2)
        $groups.Count | Should -Be 3
        $groups.Label | Sort-Object -Unique | Should -Be 'team'
        $groups.Id | Should -Be @(1, 2, 3)
    }
}

Describe 'A gallery whose faces another version of the model embedded' {
    It 'warns on Import-FaceGallery, Find-Face -Gallery and Export-FaceGallery -Append for a file from before 0.2.0, and not for a current one' {
        $file = Join-Path $work 'versions.faces'
        $null = Get-FaceEmbedding -LiteralPath $sample1 -Label team | Export-FaceGallery -Path $file
        $null = Import-FaceGallery -Path $file -WarningVariable w -WarningAction SilentlyContinue
        $w | Should -BeNullOrEmpty -Because 'the file records the version that embedded its faces, which is this one'
        # A gallery written by module 0.1.0 records no version: remove it, as such a file is.
        Add-Type -LiteralPath (Join-Path (Split-Path $ctx.ModulePath) 'Microsoft.Data.Sqlite.dll')
        $db = [Microsoft.Data.Sqlite.SqliteConnection]::new("Data Source=$file;Pooling=False")
        try { $db.Open(); $cmd = $db.CreateCommand(); $cmd.CommandText = "DELETE FROM meta WHERE key = 'modelVersion'"; $cmd.ExecuteNonQuery() | Should -Be 1 }
        finally { $db.Dispose() }
        $g = Import-FaceGallery -Path $file -WarningVariable w -WarningAction SilentlyContinue
        $g.Count | Should -Be 3 -Because 'it still loads'
        "$w" | Should -BeLike "*'$file' was written before module 0.2.0*model 'Clean'*Export-FaceGallery ... -Force*"
        $null = $demo1 | Find-Face -Gallery $file -WarningVariable w -WarningAction SilentlyContinue
        "$w" | Should -BeLike '*written before module 0.2.0*'
        $null = Get-FaceEmbedding -LiteralPath $sample2 -Label other | Export-FaceGallery -Path $file -Append -WarningVariable w -WarningAction SilentlyContinue
        "$w" | Should -BeLike "*written before module 0.2.0*Faces added now hold this version's vectors."
        (Import-FaceGallery -Path $file -WarningAction SilentlyContinue).Count | Should -BeGreaterThan 3
    }
}
