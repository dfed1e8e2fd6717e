# Get-Face as a user runs it: on the demo photos, through the pipeline, with odd file names and bad files.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $expected = Get-ExpectedFaceCount
    $photoCases = foreach ($name in $expected.Keys) { @{ Name = $name; Count = $expected[$name] } }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $ctx = Import-FaceNetUnderTest
    $photos = @(Get-DemoPhoto)
    $expected = Get-ExpectedFaceCount
    # Detect once for the whole file.
    $faces = @(Get-ChildItem $ctx.DemoDir -Filter *.jpg | Get-Face)
    $sample1 = Join-Path $ctx.DemoDir 'sample1.jpg'
}

Describe 'Get-ChildItem <demo> -Filter *.jpg | Get-Face' {
    It 'finds <Count> faces in <Name>' -ForEach $photoCases {
        @($faces | Where-Object FileName -eq $Name).Count | Should -Be $Count
    }

    It 'finds 22 faces in the six photos, in every photo' {
        $faces.Count | Should -Be 22
        ($faces | Select-Object -ExpandProperty Path -Unique).Count | Should -Be 6
    }

    It 'writes Face objects whose Path is the full path of the photo' {
        $faces | ForEach-Object { $_ | Should -BeOfType ([FaceNet.PowerShell.Face]) }
        $faces.Path | Sort-Object -Unique | Should -Be ($photos.FullName | Sort-Object)
        $faces | ForEach-Object { $_.FileName | Should -Be (Split-Path $_.Path -Leaf) }
    }

    It 'reports ImageWidth and ImageHeight of the photo' {
        foreach ($group in $faces | Group-Object Path) {
            $size = Get-ImageSize $group.Name
            $group.Group.ImageWidth | Sort-Object -Unique | Should -Be $size.Width
            $group.Group.ImageHeight | Sort-Object -Unique | Should -Be $size.Height
        }
        $faces[0].ImageWidth | Should -Be 1920
    }

    It 'puts every box inside its image, with a plausible face size' {
        foreach ($f in $faces) {
            $f.X | Should -BeGreaterOrEqual 0
            $f.Y | Should -BeGreaterOrEqual 0
            ($f.X + $f.Width) | Should -BeLessOrEqual $f.ImageWidth
            ($f.Y + $f.Height) | Should -BeLessOrEqual $f.ImageHeight
            # The demo faces are 150-320 px; a box of a few pixels or half the photo would be a bug.
            $f.Width | Should -BeGreaterThan 100 -Because "$f"
            $f.Width | Should -BeLessThan 400 -Because "$f"
            ($f.Height / $f.Width) | Should -BeGreaterThan 0.7 -Because "$f is a face box"
            ($f.Height / $f.Width) | Should -BeLessThan 2.0 -Because "$f is a face box"
        }
    }

    It 'numbers the faces of each photo 0..n-1, most confident first, all above the default threshold' {
        foreach ($group in $faces | Group-Object Path) {
            $g = @($group.Group)
            $g.Index | Should -Be (0..($g.Count - 1))
            $conf = @($g.Confidence)
            $conf | Should -Be @($conf | Sort-Object -Descending)
            $conf | ForEach-Object { $_ | Should -BeGreaterOrEqual 0.7; $_ | Should -BeLessOrEqual 1.0 }
        }
    }

    It 'does not report the same face twice (boxes of one photo barely overlap)' {
        foreach ($group in $faces | Group-Object Path) {
            $g = @($group.Group)
            for ($i = 0; $i -lt $g.Count; $i++) {
                for ($j = $i + 1; $j -lt $g.Count; $j++) {
                    $a = $g[$i]; $b = $g[$j]
                    $iw = [math]::Max(0, [math]::Min($a.X + $a.Width, $b.X + $b.Width) - [math]::Max($a.X, $b.X))
                    $ih = [math]::Max(0, [math]::Min($a.Y + $a.Height, $b.Y + $b.Height) - [math]::Max($a.Y, $b.Y))
                    $iou = $iw * $ih / ($a.Width * $a.Height + $b.Width * $b.Height - $iw * $ih)
                    $iou | Should -BeLessThan 0.2 -Because "$a and $b"
                }
            }
        }
    }

    It 'gives 5 named landmarks inside the box, eyes above the nose above the mouth' {
        foreach ($f in $faces) {
            foreach ($p in $f.LeftEye, $f.RightEye, $f.Nose, $f.MouthLeft, $f.MouthRight) {
                $p | Should -Not -BeNullOrEmpty
                $p.X | Should -BeGreaterOrEqual $f.X -Because "$f"
                $p.X | Should -BeLessOrEqual ($f.X + $f.Width) -Because "$f"
                $p.Y | Should -BeGreaterOrEqual $f.Y -Because "$f"
                $p.Y | Should -BeLessOrEqual ($f.Y + $f.Height) -Because "$f"
            }
            # Faces may be tilted (sample1.jpg#2 lies at about 45 degrees), so check the order along the face's own
            # axis: from the middle of the eyes to the middle of the mouth, the nose lies in between.
            $ex = ($f.LeftEye.X + $f.RightEye.X) / 2; $ey = ($f.LeftEye.Y + $f.RightEye.Y) / 2
            $ax = ($f.MouthLeft.X + $f.MouthRight.X) / 2 - $ex; $ay = ($f.MouthLeft.Y + $f.MouthRight.Y) / 2 - $ey
            $t = (($f.Nose.X - $ex) * $ax + ($f.Nose.Y - $ey) * $ay) / ($ax * $ax + $ay * $ay)
            $t | Should -BeGreaterThan 0.2 -Because "the nose of $f is below its eyes"
            $t | Should -BeLessThan 0.9 -Because "the nose of $f is above its mouth"
            # Eyes and mouth corners are apart, the mouth below the eyes (image y grows downwards; no face is upside down).
            [math]::Sqrt($ax * $ax + $ay * $ay) | Should -BeGreaterThan ($f.Height / 6)
            $ay | Should -BeGreaterThan 0
            $f.LeftEye.X | Should -BeLessThan $f.RightEye.X
        }
    }

    It 'gives 68 landmark points around the face' {
        foreach ($f in $faces) {
            $f.Landmarks68.Count | Should -Be 68
            # The jaw line may leave the box a little; allow a quarter of the box around it.
            $mx = $f.Width / 4; $my = $f.Height / 4
            $outside = @($f.Landmarks68 | Where-Object {
                    $_.X -lt $f.X - $mx -or $_.X -gt $f.X + $f.Width + $mx -or $_.Y -lt $f.Y - $my -or $_.Y -gt $f.Y + $f.Height + $my })
            $outside.Count | Should -Be 0 -Because "$f has points far outside its box: $($outside -join ' ')"
            # iBUG order: point 30 is the nose tip, 36-41 the left eye, 48 and 54 the mouth corners.
            $f.Landmarks68[30].Y | Should -BeGreaterThan $f.Landmarks68[36].Y
            $f.Landmarks68[48].X | Should -BeLessThan $f.Landmarks68[54].X
        }
    }
}

Describe 'Paths: wildcards, -LiteralPath, odd names, relative paths' {
    BeforeAll {
        $bracket = Join-Path $TestDrive 'odd [name].jpg'
        Copy-Item -LiteralPath $sample1 -Destination $bracket
        New-Item -ItemType Directory (Join-Path $TestDrive 'my photos') | Out-Null
        $unicode = Join-Path $TestDrive 'my photos/Zoë und Jürgen 写真.jpg'
        Copy-Item -LiteralPath $sample1 -Destination $unicode
        $sample1Faces = @($faces | Where-Object FileName -eq 'sample1.jpg')
    }

    It 'Get-Face -Path <dir>/sample*.jpg expands the wildcard to all six photos' {
        $r = @(Get-Face -Path (Join-Path $ctx.DemoDir 'sample*.jpg'))
        $r.Count | Should -Be 22
        ($r | Select-Object -ExpandProperty FileName -Unique) | Should -Be @($expected.Keys)
    }

    It 'finds the same boxes whether the file comes by -Path or from Get-ChildItem' {
        $r = @(Get-Face -Path $sample1)
        $r.Count | Should -Be $sample1Faces.Count
        for ($i = 0; $i -lt $r.Count; $i++) {
            $r[$i].X | Should -Be $sample1Faces[$i].X
            $r[$i].Width | Should -Be $sample1Faces[$i].Width
        }
    }

    It 'takes path strings from the pipeline' {
        @((Join-Path $ctx.DemoDir 'sample1.jpg'), (Join-Path $ctx.DemoDir 'sample5.jpg') | Get-Face).Count | Should -Be 8
    }

    It 'resolves a relative path against the current location and reports the full path' {
        Push-Location $ctx.DemoDir
        try { $r = @(Get-Face ./sample1.jpg) } finally { Pop-Location }
        $r.Count | Should -Be 3
        $r[0].Path | Should -Be $sample1
    }

    It '-LiteralPath reads a file named with brackets' {
        $r = @(Get-Face -LiteralPath $bracket)
        $r.Count | Should -Be 3
        $r[0].Path | Should -Be $bracket
        $r[0].FileName | Should -Be 'odd [name].jpg'
    }

    It '-Path reads a bracketed name as that file when, as a pattern, it matches nothing, and says so' {
        $r = @(Get-Face -Path $bracket -Verbose 4>&1)
        @($r | Where-Object { $_ -is [FaceNet.PowerShell.Face] }).Count | Should -Be 3
        ($r | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n" | Should -Match 'matches no file as a wildcard pattern; reading the file of that exact name'
    }

    It '-Path treats brackets as a wildcard when the pattern matches another file' {
        $dir = New-Item -ItemType Directory (Join-Path $TestDrive 'pattern') -Force
        Copy-Item -LiteralPath $sample1 -Destination (Join-Path $dir 'a1.jpg')
        Copy-Item -LiteralPath (Join-Path $ctx.DemoDir 'sample4.jpg') -Destination (Join-Path $dir 'a[1].jpg')
        $r = @(Get-Face -Path (Join-Path $dir 'a[1].jpg'))
        @($r.Path | Select-Object -Unique) | Should -Be (Join-Path $dir 'a1.jpg')
        @(Get-Face -LiteralPath (Join-Path $dir 'a[1].jpg')).Count | Should -Be 4
    }

    It 'Get-ChildItem | Get-Face binds a bracketed name through PSPath' {
        $r = @(Get-ChildItem -LiteralPath $TestDrive -Filter '*.jpg' | Get-Face)
        $r.Count | Should -Be 3
        $r[0].Path | Should -Be $bracket
    }

    It 'reads a file whose folder and name have spaces and non-ASCII letters (<How>)' -ForEach @(
        @{ How = '-Path' }, @{ How = '-LiteralPath' }, @{ How = 'Get-ChildItem |' }
    ) {
        $r = switch ($How) {
            '-Path' { @(Get-Face -Path $unicode) }
            '-LiteralPath' { @(Get-Face -LiteralPath $unicode) }
            default { @(Get-ChildItem -LiteralPath (Split-Path $unicode) | Get-Face) }
        }
        $r.Count | Should -Be 3
        $r[0].Path | Should -Be $unicode
        $r[0].FileName | Should -Be 'Zoë und Jürgen 写真.jpg'
    }
}

Describe 'An image without a face' {
    BeforeAll {
        $gradient = Join-Path $TestDrive 'gradient.png'
        New-GradientPng -Path $gradient
    }

    It 'writes nothing to the output and no error, only a verbose message naming the file' {
        $err = $null
        $all = @(Get-Face -Path $gradient -Verbose -ErrorVariable err 4>&1)
        $err.Count | Should -Be 0
        @($all | Where-Object { $_ -is [FaceNet.PowerShell.Face] }).Count | Should -Be 0
        $verbose = @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        $verbose.Count | Should -BeGreaterOrEqual 1
        ($verbose.Message -join "`n") | Should -BeLike "*gradient.png*"
        $all.Count | Should -Be $verbose.Count
    }

    It 'is silent without -Verbose' {
        $r = @(Get-Face -Path $gradient)
        $r.Count | Should -Be 0
    }
}

Describe 'Bad input: non-terminating errors with stable ErrorIds' {
    BeforeAll {
        $bad = Join-Path $TestDrive 'bad'
        New-Item -ItemType Directory $bad | Out-Null
        $missing = Join-Path $bad 'missing.jpg'
        $empty = Join-Path $bad 'empty.jpg'
        New-Item -ItemType File $empty | Out-Null
        $text = Join-Path $bad 'notes.jpg'
        Set-Content -LiteralPath $text -Value 'This is a text file, not a JPEG.'
        $folder = Join-Path $bad 'folder.jpg'
        New-Item -ItemType Directory $folder | Out-Null
    }

    It '<Case> gives ErrorId <Id> (<Category>) with the path as TargetObject' -ForEach @(
        @{ Case = 'a missing file (-Path)'; File = 'missing'; Literal = $false; Id = 'FileNotFound'; Category = 'ObjectNotFound' }
        @{ Case = 'a missing file (-LiteralPath)'; File = 'missing'; Literal = $true; Id = 'FileNotFound'; Category = 'ObjectNotFound' }
        @{ Case = 'a zero-byte file'; File = 'empty'; Literal = $false; Id = 'EmptyFile'; Category = 'InvalidData' }
        @{ Case = 'a text file named .jpg'; File = 'text'; Literal = $false; Id = 'NotAnImage'; Category = 'InvalidData' }
        @{ Case = 'a directory via -LiteralPath'; File = 'folder'; Literal = $true; Id = 'NotAnImage'; Category = 'InvalidData' }
    ) {
        $path = Get-Variable -Name $File -ValueOnly
        $err = $null
        $r = if ($Literal) { @(Get-Face -LiteralPath $path -ErrorVariable err -ErrorAction SilentlyContinue) }
        else { @(Get-Face -Path $path -ErrorVariable err -ErrorAction SilentlyContinue) }
        $r.Count | Should -Be 0
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike "$Id,*"
        $err[0].FullyQualifiedErrorId | Should -Be "$Id,FaceNet.PowerShell.Commands.GetFaceCommand"
        $err[0].CategoryInfo.Category | Should -Be $Category
        $err[0].TargetObject | Should -Be $path
        $err[0].Exception.Message | Should -Not -BeNullOrEmpty
    }

    It 'goes on after bad files in a mixed pipeline: the good photos give faces, the 3 bad ones give 3 errors' {
        $inputs = $missing, $sample1, $empty, $text, (Join-Path $ctx.DemoDir 'sample4.jpg')
        $err = $null
        $r = @($inputs | Get-Face -ErrorVariable err -ErrorAction SilentlyContinue)
        $r.Count | Should -Be 7
        ($r | Select-Object -ExpandProperty FileName -Unique) | Should -Be @('sample1.jpg', 'sample4.jpg')
        $err.Count | Should -Be 3
        # Errors may come in another order than the inputs (paths are resolved before images are read).
        @($err | ForEach-Object { $_.FullyQualifiedErrorId.Split(',')[0] } | Sort-Object) | Should -Be @('EmptyFile', 'FileNotFound', 'NotAnImage')
        @($err.TargetObject | Sort-Object) | Should -Be @(@($missing, $empty, $text) | Sort-Object)
    }

    It 'does not stop the pipeline even with -ErrorAction Continue (no terminating error)' {
        $inputs = $missing, $sample1, $empty, $text, (Join-Path $ctx.DemoDir 'sample4.jpg')
        $thrown = $null; $r = @()
        try { $r = @($inputs | Get-Face -ErrorAction Continue 2>$null) } catch { $thrown = $_ }
        $thrown | Should -BeNullOrEmpty
        $r.Count | Should -Be 7
    }

    It 'reports each unreadable file found by Get-ChildItem and still reads the good ones' {
        Copy-Item -LiteralPath $sample1 -Destination (Join-Path $bad 'good.jpg')
        $err = $null
        $r = @(Get-ChildItem -LiteralPath $bad -File -Filter *.jpg | Get-Face -ErrorVariable err -ErrorAction SilentlyContinue)
        $r.Count | Should -Be 3
        $err.Count | Should -Be 2
        @($err.TargetObject | Sort-Object) | Should -Be @(@($empty, $text) | Sort-Object)
    }
}

Describe '-MinConfidence' {
    It 'rejects <Value> with a parameter validation error' -ForEach @(@{ Value = 1.5 }, @{ Value = -0.1 }) {
        $thrown = $null
        try { Get-Face -Path $sample1 -MinConfidence $Value } catch { $thrown = $_ }
        $thrown | Should -Not -BeNullOrEmpty
        # The type is not public in PowerShell 7, so compare its name.
        $thrown.Exception.GetType().FullName | Should -Be 'System.Management.Automation.ParameterBindingValidationException'
        $thrown.Exception.ParameterName | Should -Be 'MinConfidence'
        $thrown.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError,*'
    }

    It 'keeps only faces at or above the threshold' {
        # YuNet, the default, scores sample2.jpg's three faces about 0.90, 0.87 and 0.86 (a profile and a tilted face
        # are the lower two). Nothing else may come back either: the framed retry for face crops must not overrule
        # a strict threshold on a group photo.
        $all = @($faces | Where-Object FileName -eq 'sample2.jpg')
        $strict = @(Get-Face -Path (Join-Path $ctx.DemoDir 'sample2.jpg') -MinConfidence 0.89)
        $strict.Count | Should -Be @($all | Where-Object Confidence -ge 0.89).Count
        $strict.Count | Should -BeGreaterThan 0
        $strict.Count | Should -BeLessThan $all.Count
        $strict | ForEach-Object { $_.Confidence | Should -BeGreaterOrEqual 0.89 }
        @(Get-Face -Path (Join-Path $ctx.DemoDir 'sample2.jpg') -MinConfidence 0.99).Count | Should -Be 0
    }
}

Describe 'Face objects survive serialisation' {
    It 'Export-Clixml / Import-Clixml keeps the box, landmarks and path' {
        $file = Join-Path $TestDrive 'faces.xml'
        $faces | Export-Clixml -LiteralPath $file
        $back = @(Import-Clixml -LiteralPath $file)
        $back.Count | Should -Be $faces.Count
        $back[0].PSTypeNames[0] | Should -Be 'Deserialized.FaceNet.PowerShell.Face'
        for ($i = 0; $i -lt $faces.Count; $i++) {
            $back[$i].Path | Should -Be $faces[$i].Path
            $back[$i].X | Should -Be $faces[$i].X
            $back[$i].Confidence | Should -Be $faces[$i].Confidence
            $back[$i].LeftEye.X | Should -Be $faces[$i].LeftEye.X
            @($back[$i].Landmarks68).Count | Should -Be 68
        }
    }

    It 'ConvertTo-Json -Depth 5 | ConvertFrom-Json keeps the box, landmarks and path' {
        $back = @($faces | ConvertTo-Json -Depth 5 | ConvertFrom-Json)
        $back.Count | Should -Be $faces.Count
        $back[3].Path | Should -Be $faces[3].Path
        # JSON writes the single-precision numbers in their shortest form and reads them back as double.
        $back[3].Width | Should -BeGreaterThan ($faces[3].Width - 1e-3)
        $back[3].Width | Should -BeLessThan ($faces[3].Width + 1e-3)
        [math]::Abs($back[3].Nose.Y - $faces[3].Nose.Y) | Should -BeLessThan 1e-3
        @($back[3].Landmarks68).Count | Should -Be 68
        [math]::Abs($back[3].Landmarks68[67].X - $faces[3].Landmarks68[67].X) | Should -BeLessThan 1e-3
        $back[3].ImageWidth | Should -Be 1920
    }
}

Describe 'The default table view' {
    It 'shows File and Confidence columns and fits in 120 characters' {
        $text = $faces | Format-Table | Out-String -Width 400
        $lines = $text -split "`r?`n" | Where-Object { $_.Trim() }
        $lines[0] | Should -Match '\bFile\b'
        $lines[0] | Should -Match '\bConfidence\b'
        $lines | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 120 -Because "'$_'" }
        $text | Should -Match 'sample5\.jpg'
        # one row per face plus header and separator
        $lines.Count | Should -Be ($faces.Count + 2)
    }

    It 'shows the same table for faces read back from Clixml' {
        $file = Join-Path $TestDrive 'faces-view.xml'
        $faces | Select-Object -First 3 | Export-Clixml -LiteralPath $file
        $text = Import-Clixml -LiteralPath $file | Format-Table | Out-String -Width 400
        $text | Should -Match '\bConfidence\b'
        $text | Should -Match 'sample1\.jpg'
    }
}

Describe 'Photos from ../shared' {
    It 'finds the 2 faces of Obama and Biden in obama_and_biden.jpg' {
        $photo = Join-Path $ctx.SharedDir 'data/face-samples/identities/knn_examples/test/obama_and_biden.jpg'
        if (-not (Test-Path -LiteralPath $photo)) {
            Set-ItResult -Skipped -Because "../shared is absent ($photo not found); it is read-only material beside the checkout, not part of the repository"
            return
        }
        $r = @(Get-Face -LiteralPath $photo)
        # The two men fill the upper middle of the 2000x1428 photo, side by side, faces about 170 px wide.
        $men = @($r | Where-Object { $_.Width -ge 150 -and $_.Y -lt 500 } | Sort-Object X)
        $men.Count | Should -Be 2
        ($men[1].X - $men[0].X) | Should -BeGreaterThan 200
        # YuNet (the detector on photos this size) scores clear faces about 0.9-0.95; UltraFace and MTCNN 0.99 and over.
        $men | ForEach-Object { $_.Confidence | Should -BeGreaterThan 0.9; $_.Landmarks68.Count | Should -Be 68 }
        # A girl looking down is half visible in the bottom right corner (x ~1630, y ~1040); our detector finds her
        # too, others may not. Nothing else is a face.
        $r.Count | Should -BeIn 2, 3
        $r | Where-Object { $_ -notin $men } | ForEach-Object { $_.X | Should -BeGreaterThan 1500; $_.Y | Should -BeGreaterThan 900 }
    }
}

Describe 'Removing and importing the module again' {
    It 'Remove-Module FaceNet; Import-Module works in the same process and Get-Face still finds the faces' {
        Remove-Module FaceNet -ErrorAction Stop
        Get-Command Get-Face -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Import-Module $ctx.ModulePath -Global -Force -ErrorAction Stop
        $r = @(Get-Face -Path $sample1)
        $r.Count | Should -Be 3
        $e = @($r | Get-FaceEmbedding)
        $e.Count | Should -Be 3
        $e[0].Dimension | Should -BeGreaterThan 0
    }
}
