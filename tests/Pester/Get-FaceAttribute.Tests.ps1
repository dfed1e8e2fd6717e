# Get-FaceAttribute as a user runs it: expression, age and gender of the demo photos' faces, from files, from Get-Face
# and from embeddings, on face crops, with bad files, round trips and the table view.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $ctx = Import-FaceNetUnderTest
    $expected = Get-ExpectedFaceCount
    $manifest = Get-Content -LiteralPath (Join-Path $ctx.ModuleDir 'models/models.json') -Raw | ConvertFrom-Json
    $sample1 = Join-Path $ctx.DemoDir 'sample1.jpg'
    $names = 'Neutral', 'Happy', 'Sad', 'Angry', 'Fearful', 'Disgusted', 'Surprised'
    # Describe the six photos once for the whole file.
    $attr = @(Get-ChildItem $ctx.DemoDir -Filter *.jpg | Get-FaceAttribute)
    function Find-Attribute([object[]] $In, [string] $FileName, [int] $Index) { @($In | Where-Object { $_.Face.FileName -eq $FileName -and $_.Index -eq $Index })[0] }
}

Describe 'Get-ChildItem <demo> -Filter *.jpg | Get-FaceAttribute' {
    It 'describes every face of every photo, in input order' {
        $attr.Count | Should -Be 22
        foreach ($name in $expected.Keys) { @($attr | Where-Object { $_.Face.FileName -eq $name }).Count | Should -Be $expected[$name] -Because $name }
        $attr | ForEach-Object { $_ | Should -BeOfType ([FaceNet.PowerShell.FaceAttribute]) }
        $attr[0].Path | Should -Be $sample1
        @($attr.Path | Select-Object -Unique) | Should -Be @($expected.Keys | ForEach-Object { Join-Path $ctx.DemoDir $_ })
    }

    It 'gives one of the seven expressions, its probability, and probabilities that sum to 1' {
        foreach ($a in $attr) {
            $a.Expression | Should -BeIn $names
            $p = $a.Expressions
            $sum = ($names | ForEach-Object { [double]$p.$_ } | Measure-Object -Sum).Sum
            $sum | Should -BeGreaterThan 0.999
            $sum | Should -BeLessThan 1.001
            $a.ExpressionConfidence | Should -Be ($names | ForEach-Object { $p.$_ } | Measure-Object -Maximum).Maximum
            $p.($a.Expression) | Should -Be $a.ExpressionConfidence
        }
    }

    It 'gives an age in years and a gender with its probability' {
        foreach ($a in $attr) {
            $a.Age | Should -BeGreaterThan 10 -Because "$($a.Face) is an adult's face"
            $a.Age | Should -BeLessThan 70 -Because "$($a.Face) is an adult's face"
            $a.Gender | Should -BeIn 'Female', 'Male'
            $a.GenderConfidence | Should -BeGreaterOrEqual 0.5
            $a.GenderConfidence | Should -BeLessOrEqual 1
        }
    }

    It 'names the models from models.json that gave the values' {
        foreach ($a in $attr) { @($a.Models) | Should -Be @($manifest.defaultAttributeModels) }
    }

    It 'sees what a person sees on the demo photos: the broad smiles as Happy, nobody in sample2 smiling, every face a woman''s' {
        # The faces a person reads at a glance (the models agree, confidence 0.9 and over on this machine); the
        # shy smiles and half-closed eyes between are left out, since a few percent decide them.
        $smiles = 'sample1.jpg#0', 'sample1.jpg#2', 'sample3.jpg#1', 'sample3.jpg#2', 'sample4.jpg#2', 'sample4.jpg#3',
                  'sample5.jpg#0', 'sample5.jpg#1', 'sample5.jpg#2', 'sample5.jpg#4', 'sample6.jpg#0', 'sample6.jpg#1', 'sample6.jpg#3'
        foreach ($id in $smiles) {
            $file, $index = $id -split '#'
            (Find-Attribute $attr $file ([int]$index)).Expression | Should -Be 'Happy' -Because "$id smiles broadly"
        }
        @($attr | Where-Object { $_.Face.FileName -eq 'sample2.jpg' } | Where-Object Expression -eq 'Happy') | Should -BeNullOrEmpty -Because 'nobody in sample2 smiles'
        (Find-Attribute $attr 'sample2.jpg' 2).Expression | Should -Be 'Sad' -Because 'she looks down with her mouth turned down'
        @($attr | Where-Object Expression -eq 'Happy').Count | Should -BeGreaterOrEqual 16
        @($attr | Where-Object Gender -ne 'Female') | Should -BeNullOrEmpty -Because 'the 22 faces are all women'
    }
}

Describe 'Faces that were found already' {
    It 'Get-Face | Get-FaceAttribute gives the same values without detecting again' {
        $viaFaces = @(Get-Face -LiteralPath $sample1 | Get-FaceAttribute)
        $viaFaces.Count | Should -Be 3
        for ($i = 0; $i -lt 3; $i++) {
            $a = Find-Attribute $attr 'sample1.jpg' $i
            $viaFaces[$i].Expression | Should -Be $a.Expression
            [math]::Abs($viaFaces[$i].Age - $a.Age) | Should -BeLessThan 0.05
            $viaFaces[$i].Gender | Should -Be $a.Gender
        }
    }

    It 'takes embeddings: their Face binds to -InputObject' {
        $viaEmb = @(Get-FaceEmbedding -LiteralPath $sample1 -Model MobileFaceNet | Get-FaceAttribute -Attribute Expression)
        $viaEmb.Count | Should -Be 3
        $viaEmb[0].Face.Path | Should -Be $sample1
        $viaEmb[0].Expression | Should -Be (Find-Attribute $attr 'sample1.jpg' 0).Expression
    }

    It 'a face whose photo is gone gives FileNotFound with the path as TargetObject, and the next face still comes' {
        $faces = @(Get-Face -LiteralPath $sample1)
        $gone = Join-Path $TestDrive 'gone.jpg'
        Copy-Item $sample1 $gone
        $lost = @(Get-Face -LiteralPath $gone)[0]
        Remove-Item $gone
        $err = $null
        $r = @($lost, $faces[0] | Get-FaceAttribute -ErrorVariable err -ErrorAction SilentlyContinue)
        $r.Count | Should -Be 1
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'FileNotFound,FaceNet.PowerShell.Commands.GetFaceAttributeCommand'
        $err[0].TargetObject | Should -Be $gone
    }
}

Describe '-Attribute' {
    It '-Attribute Expression runs only the expression models; age and gender stay empty' {
        $r = @(Get-FaceAttribute -LiteralPath $sample1 -Attribute Expression)
        $r.Count | Should -Be 3
        $exprModels = @($manifest.models | Where-Object { $_.kind -eq 'Attributes' -and $_.name -in $manifest.defaultAttributeModels -and @($_.outputs.attribute) -contains 'Expression' }).name
        foreach ($a in $r) {
            $a.Expression | Should -BeIn $names
            $a.Age | Should -BeNullOrEmpty
            $a.Gender | Should -BeNullOrEmpty
            @($a.Models) | Should -Be @($exprModels)
        }
    }

    It '-Attribute Age, Gender leaves the expression empty' {
        $r = @(Get-FaceAttribute -LiteralPath $sample1 -Attribute Age, Gender)
        $r[0].Expression | Should -BeNullOrEmpty
        $r[0].Expressions | Should -BeNullOrEmpty
        $r[0].Age | Should -Be (Find-Attribute $attr 'sample1.jpg' 0).Age
    }

    It 'rejects an attribute it does not know' {
        { Get-FaceAttribute -LiteralPath $sample1 -Attribute Mood } | Should -Throw -ErrorId 'ParameterArgumentValidationError,FaceNet.PowerShell.Commands.GetFaceAttributeCommand'
    }
}

Describe 'Face crops' {
    BeforeAll {
        # A Size x Size grey PNG of the square about a face's box: a FER-style face crop.
        function New-GreyFaceCrop([string] $Source, $Face, [int] $Size, [string] $Path) {
            $src = [SkiaSharp.SKBitmap]::Decode($Source)
            $dst = [SkiaSharp.SKBitmap]::new($Size, $Size)
            $canvas = [SkiaSharp.SKCanvas]::new($dst)
            $paint = [SkiaSharp.SKPaint]::new()
            try {
                $side = [math]::Max($Face.Width, $Face.Height)
                $cx = $Face.X + $Face.Width / 2; $cy = $Face.Y + $Face.Height / 2
                $paint.ColorFilter = [SkiaSharp.SKColorFilter]::CreateColorMatrix([float[]]@(
                    0.299, 0.587, 0.114, 0, 0,  0.299, 0.587, 0.114, 0, 0,  0.299, 0.587, 0.114, 0, 0,  0, 0, 0, 1, 0))
                $canvas.DrawBitmap($src, [SkiaSharp.SKRect]::Create($cx - $side / 2, $cy - $side / 2, $side, $side), [SkiaSharp.SKRect]::Create(0, 0, $Size, $Size), $paint)
                $canvas.Flush()
                Save-SkBitmap $dst $Path ([SkiaSharp.SKEncodedImageFormat]::Png)
            }
            finally { $paint.Dispose(); $canvas.Dispose(); $dst.Dispose(); $src.Dispose() }
        }
    }

    It 'a 48x48 grey crop of each clear face of sample1 gives that face''s expression and gender' {
        # The two broad smiles; the third face's expression is too close to call for a test.
        $faces = @(Get-Face -LiteralPath $sample1 | Where-Object Index -in 0, 2)
        $agree = 0
        foreach ($f in $faces) {
            $crop = Join-Path $TestDrive "crop$($f.Index).png"
            New-GreyFaceCrop -Source $sample1 -Face $f -Size 48 -Path $crop
            $r = @(Get-FaceAttribute -LiteralPath $crop)
            $r.Count | Should -Be 1 -Because "the crop of $f holds one face"
            $full = Find-Attribute $attr 'sample1.jpg' $f.Index
            $r[0].Expression | Should -Be $full.Expression -Because "$f smiles in the photo and in its crop"
            if ($r[0].Gender -eq $full.Gender) { $agree++ }
        }
        $agree | Should -BeGreaterOrEqual 1
    }
}

Describe 'Bad input' {
    It 'goes on after bad files among good ones: all good faces, one error per bad file, the path as TargetObject' {
        $text = Join-Path $TestDrive 'notes.jpg'
        Set-Content -LiteralPath $text -Value 'not a picture'
        $missing = Join-Path $TestDrive 'missing.jpg'
        $err = $null; $thrown = $null; $r = @()
        try { $r = @($text, $sample1, $missing, (Join-Path $ctx.DemoDir 'sample2.jpg') | Get-FaceAttribute -ErrorVariable err -ErrorAction SilentlyContinue) } catch { $thrown = $_ }
        $thrown | Should -BeNullOrEmpty
        $r.Count | Should -Be 6
        $err.Count | Should -Be 2
        @($err | ForEach-Object { $_.FullyQualifiedErrorId.Split(',')[0] } | Sort-Object) | Should -Be @('FileNotFound', 'NotAnImage')
        @($err.TargetObject | Sort-Object) | Should -Be @(@($missing, $text) | Sort-Object)
    }
}

Describe 'Round trips and the view' {
    It 'Export-Clixml / Import-Clixml keeps Expression, Expressions, Age, Gender and the face' {
        $file = Join-Path $TestDrive 'attr.xml'
        $attr[0..2] | Export-Clixml -LiteralPath $file
        $back = @(Import-Clixml -LiteralPath $file)
        $back[0].PSTypeNames[0] | Should -Be 'Deserialized.FaceNet.PowerShell.FaceAttribute'
        $back[0].Expression | Should -Be $attr[0].Expression
        $back[0].Expressions.Happy | Should -Be $attr[0].Expressions.Happy
        $back[0].Age | Should -Be $attr[0].Age
        $back[0].Gender | Should -Be $attr[0].Gender
        $back[0].Face.Path | Should -Be $sample1
    }

    It 'ConvertTo-Json / ConvertFrom-Json keeps the values as names and numbers' {
        $json = $attr[0] | ConvertTo-Json -Depth 4
        $json | Should -Match '"Expression": "(Neutral|Happy|Sad|Angry|Fearful|Disgusted|Surprised)"'
        $back = $json | ConvertFrom-Json
        $back.Expression | Should -Be $attr[0].Expression
        $back.Expressions.Happy | Should -Be $attr[0].Expressions.Happy
        $back.Age | Should -Be $attr[0].Age
        $back.Gender | Should -Be $attr[0].Gender
    }

    It 'reads as a table: file, index, box, expression, age, gender' {
        $text = $attr[0..2] | Format-Table | Out-String -Width 200
        $text | Should -Match 'File\s+Index\s+Box\s+Expression\s+Conf\.\s+Age\s+Gender'
        $text | Should -Match ('sample1\.jpg\s+0\s+\d+,\d+ \d+x\d+\s+' + $attr[0].Expression)
    }
}

Describe 'Export-FaceAnnotation with attributes' {
    It 'labels each face with its expression, age and gender' {
        $out = Join-Path $TestDrive 'labelled.png'
        $verbose = @(Get-FaceAttribute -LiteralPath $sample1 | Export-FaceAnnotation -Path $out -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        Test-Path $out | Should -BeTrue
        $a = Find-Attribute $attr 'sample1.jpg' 0
        ($verbose.Message -join "`n") | Should -Match ([regex]::Escape("#0 $($a.Expression) ") + '\d+%, \d+ y, ' + $a.Gender)
    }
}

Describe 'Export-FaceReport with attributes' {
    It 'attributes alone: one section per expression, each face captioned with its attributes' {
        $page = Join-Path $TestDrive 'expressions.html'
        $attr | Export-FaceReport -Path $page
        $html = Get-Content -LiteralPath $page -Raw
        foreach ($e in @($attr.Expression | Sort-Object -Unique)) {
            $count = @($attr | Where-Object Expression -eq $e).Count
            $html | Should -Match ('<h2>' + $e + ' <span class="count">' + $count + ' face') -Because "$count faces show $e"
        }
        ([regex]::Matches($html, '<span class="attr">')).Count | Should -Be 22
    }

    It 'attributes beside embeddings: the faces grouped by person carry their attributes' {
        $page = Join-Path $TestDrive 'people.html'
        $a = Find-Attribute $attr 'sample1.jpg' 0
        @(Get-FaceEmbedding -LiteralPath $sample1) + @($attr | Where-Object { $_.Face.FileName -eq 'sample1.jpg' }) | Export-FaceReport -Path $page
        $html = Get-Content -LiteralPath $page -Raw
        ([regex]::Matches($html, '<span class="attr">')).Count | Should -Be 3
        $html | Should -Match ('<span class="attr">' + $a.Expression + ' \d+%, \d+ y, ' + $a.Gender + '</span>')
    }
}
