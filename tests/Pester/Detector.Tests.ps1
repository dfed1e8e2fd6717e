# -Detector and -MinFaceSize on Get-Face and Get-FaceEmbedding, on the face-api demo photos.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $ctx = Import-FaceNetUnderTest
    $photos = @(Get-ChildItem $ctx.DemoDir -Filter *.jpg | Sort-Object Name)
    $sample1 = Join-Path $ctx.DemoDir 'sample1.jpg'
    function Get-IoU($a, $b) {
        $ix = [Math]::Max(0, [Math]::Min($a.X + $a.Width, $b.X + $b.Width) - [Math]::Max($a.X, $b.X))
        $iy = [Math]::Max(0, [Math]::Min($a.Y + $a.Height, $b.Y + $b.Height) - [Math]::Max($a.Y, $b.Y))
        $inter = $ix * $iy
        $inter / ($a.Width * $a.Height + $b.Width * $b.Height - $inter)
    }
}

Describe 'Get-Face -Detector' {
    It 'offers UltraFace, YuNet and Mtcnn' {
        (Get-Command Get-Face).Parameters['Detector'].Attributes.ValidValues | Should -Be @('UltraFace', 'YuNet', 'Mtcnn')
        (Get-Command Get-FaceEmbedding).Parameters['Detector'].Attributes.ValidValues | Should -Be @('UltraFace', 'YuNet', 'Mtcnn')
    }

    It 'the default reads these 1920 px photos with YuNet: the faces of -Detector YuNet, at the same places' {
        foreach ($photo in $photos) {
            $default = @(Get-Face -LiteralPath $photo.FullName)
            $yunet = @(Get-Face -LiteralPath $photo.FullName -Detector YuNet)
            $default.Count | Should -Be $yunet.Count -Because $photo.Name
            for ($i = 0; $i -lt $default.Count; $i++) { Get-IoU $default[$i] $yunet[$i] | Should -BeGreaterThan 0.99 }
        }
    }

    It 'YuNet finds every face UltraFace finds on the demo photos' {
        $ultraTotal = 0; $matched = 0
        foreach ($photo in $photos) {
            $ultra = @(Get-Face -LiteralPath $photo.FullName -Detector UltraFace)
            $yunet = @(Get-Face -LiteralPath $photo.FullName -Detector YuNet)
            foreach ($u in $ultra) {
                $ultraTotal++
                if ((($yunet | ForEach-Object { Get-IoU $u $_ } | Measure-Object -Maximum).Maximum) -ge 0.3) { $matched++ }
            }
        }
        $ultraTotal | Should -Be 22
        $matched | Should -Be 22
    }

    It 'Mtcnn finds the demo faces, with boxes overlapping UltraFace''s' {
        $ultraTotal = 0; $matched = 0
        foreach ($photo in $photos) {
            $ultra = @(Get-Face -LiteralPath $photo.FullName -Detector UltraFace)
            $mtcnn = @(Get-Face -LiteralPath $photo.FullName -Detector Mtcnn)
            $mtcnn.Count | Should -BeGreaterThan 0 -Because $photo.Name
            foreach ($u in $ultra) {
                $ultraTotal++
                $best = ($mtcnn | ForEach-Object { Get-IoU $u $_ } | Measure-Object -Maximum).Maximum
                if ($best -ge 0.3) { $matched++ }
            }
        }
        # Measured: 21 of UltraFace's 22 faces (MTCNN's O-Net rejects one face in sample2).
        $ultraTotal | Should -Be 22
        $matched | Should -BeGreaterOrEqual 21
    }

    It 'rejects an unknown detector' {
        { Get-Face -Path $sample1 -Detector Nope -ErrorAction Stop } | Should -Throw
    }
}

Describe '-MinFaceSize' {
    It 'Get-Face -MinFaceSize 1000 finds nothing on a demo photo (<Detector>)' -ForEach @(@{ Detector = 'UltraFace' }, @{ Detector = 'YuNet' }, @{ Detector = 'Mtcnn' }) {
        @(Get-Face -Path $sample1 -Detector $Detector).Count | Should -BeGreaterThan 0
        @(Get-Face -Path $sample1 -Detector $Detector -MinFaceSize 1000).Count | Should -Be 0
    }

    It 'Get-Face -MinFaceSize keeps the faces at least that large (every demo face is over 200 px)' {
        $all = @(Get-Face -Path $sample1)
        $big = @(Get-Face -Path $sample1 -MinFaceSize 150)
        $big.Count | Should -Be $all.Count
        $big | ForEach-Object { [Math]::Max($_.Width, $_.Height) | Should -BeGreaterOrEqual 150 }
    }

    It 'Get-FaceEmbedding -Detector Mtcnn embeds the demo faces, and -MinFaceSize 1000 none' {
        @(Get-FaceEmbedding -Path $sample1 -Detector Mtcnn).Count | Should -BeGreaterThan 0
        @(Get-FaceEmbedding -Path $sample1 -Detector Mtcnn -MinFaceSize 1000).Count | Should -Be 0
    }
}
