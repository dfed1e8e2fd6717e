# Videos as a user gives them: Get-Face and Get-FaceTrack on a clip the tests make from the demo photos (four people,
# a cut to three others, back to the four), identification of tracks, round trips, and bad input.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $ctx = Import-FaceNetUnderTest
    $script:noFFmpeg = -not (Test-FFmpeg)
    if (-not $noFFmpeg) {
        $clip = (New-TestClip (Join-Path $TestDrive 'meeting.mp4')).FullName
        $faces = @(Get-Face $clip)
        $tracks = @(Get-FaceTrack $clip)
    }
    $skipMessage = 'ffmpeg is not installed (Debian: apt-get install ffmpeg; build.ps1 -Task Test installs it as root)'
}

Describe 'Get-Face on a video' {
    BeforeEach { if ($noFFmpeg) { Set-ItResult -Skipped -Because $skipMessage } }

    It 'reads five frames a second and gives each face its Time and Frame' {
        $frames = @($faces | Group-Object Frame)
        $frames.Count | Should -Be 35
        ($frames.Name | ForEach-Object { [int]$_ } | Sort-Object)[0..3] | Should -Be @(0, 6, 12, 18)
        $at = $faces | Where-Object Frame -eq 18 | Select-Object -First 1
        $at.Time | Should -Be ([TimeSpan]::FromSeconds(0.6))
        $at.ImageWidth, $at.ImageHeight | Should -Be @(640, 360)
        $at.ToString() | Should -BeLike 'meeting.mp4@0:00.600#0 *'
    }

    It 'finds the three large faces of each photo in every frame' {
        $faces | Group-Object Frame | ForEach-Object { $_.Count | Should -Be 3 -Because "frame $($_.Name)" }
    }

    It 'reads from -Start for -Duration, given in seconds or as m:ss' {
        $part = @(Get-Face $clip -Start 3 -Duration 0.5 -EveryFrame)
        ($part.Frame | Sort-Object -Unique) | Should -Be (90..104)
        @(Get-Face $clip -Start '0:05' -Duration 1)[0].Time | Should -Be ([TimeSpan]::FromSeconds(5))
    }

    It 'hands faces to Get-FaceEmbedding, which decodes their frame' {
        $some = @($faces | Where-Object Frame -eq 36)
        $emb = @($some | Get-FaceEmbedding)
        $emb.Count | Should -Be 3
        $direct = @(Get-FaceEmbedding $clip -Start 1.2 -Duration 0.1)
        Get-CosineSimilarity $emb[0].Vector $direct[0].Vector | Should -BeGreaterThan 0.9999
        $emb[0].Face.Time | Should -Be ([TimeSpan]::FromSeconds(1.2))
    }

    It 'keeps Time and Frame through Export-Clixml and ConvertTo-Json, and Find-Face decodes the frame of faces read back' {
        $gallery = @(Get-FaceEmbedding (Join-Path $ctx.DemoDir 'sample2.jpg') -Label two)
        $some = @($faces | Where-Object Frame -eq 120)   # 4.0 s: sample2
        $some | Export-Clixml (Join-Path $TestDrive 'f.xml') -Depth 4  # the landmarks are 3 levels below the face
        $xml = @(Import-Clixml (Join-Path $TestDrive 'f.xml'))
        $xml[0].Time | Should -Be ([TimeSpan]::FromSeconds(4))
        $json = @($some | ConvertTo-Json -Depth 4 | ConvertFrom-Json)
        $json[0].Frame | Should -Be 120
        foreach ($back in $xml, $json) {
            $ids = @($back | Find-Face -Gallery $gallery)
            $ids.Count | Should -Be 3
            $ids.Label | Should -Be @('two', 'two', 'two')
            $ids[0].Probe.Face.Time | Should -Be ([TimeSpan]::FromSeconds(4))
        }
    }
}

Describe 'Get-FaceTrack' {
    BeforeEach { if ($noFFmpeg) { Set-ItResult -Skipped -Because $skipMessage } }

    It 'gives one track per person: the four of sample1 joined across the cut, the three of sample2' {
        $tracks.Count | Should -Be 6
        $back = @($tracks | Where-Object { $_.Start -lt [TimeSpan]::FromSeconds(1) })
        $back.Count | Should -Be 3
        foreach ($t in $back) {
            $t.Segments.Count | Should -Be 2 -Because "track $($t.TrackId) leaves at the cut and comes back"
            $t.Segments[0].End | Should -BeLessThan ([TimeSpan]::FromSeconds(3))
            $t.Segments[1].Start | Should -BeGreaterOrEqual ([TimeSpan]::FromSeconds(5))
        }
        @($tracks | Where-Object { $_.Start -ge [TimeSpan]::FromSeconds(3) -and $_.End -lt [TimeSpan]::FromSeconds(5) }).Count | Should -Be 3
        $tracks | ForEach-Object { $_.Embedding.Face | Should -Be $_.BestFace; $_.BestFace.Time | Should -Not -BeNullOrEmpty }
    }

    It 'identifies tracks against labelled photos with Find-Face' {
        $gallery = @(Get-FaceEmbedding (Join-Path $ctx.DemoDir 'sample1.jpg') -Label one) + @(Get-FaceEmbedding (Join-Path $ctx.DemoDir 'sample2.jpg') -Label two)
        $ids = @($tracks | Find-Face -Gallery $gallery)
        $ids.Count | Should -Be 6
        foreach ($id in $ids) {
            $expected = if ($id.Track.Start -lt [TimeSpan]::FromSeconds(1)) { 'one' } else { 'two' }
            $id.Label | Should -Be $expected -Because "track $($id.Track.TrackId) ($($id.Start)-$($id.End))"
        }
        ($ids | Group-Object { '{0}#{1}' -f $_.Match.Face.Path, $_.Match.Face.Index } | Measure-Object).Count | Should -BeGreaterOrEqual 5 -Because 'each person matches their own face in the photos'
    }

    It 'survives Export-Clixml and still works with Find-Face and Group-Face' {
        $tracks | Export-Clixml (Join-Path $TestDrive 't.xml')
        $back = @(Import-Clixml (Join-Path $TestDrive 't.xml'))
        $back.Count | Should -Be 6
        $back[0].Segments[0].Start | Should -Be $tracks[0].Segments[0].Start
        @($back | Find-Face -Gallery ($tracks[0].Embedding | ForEach-Object { $_.Label = 'first'; $_ }))[0].Label | Should -Be 'first'
        @($back | Group-Face).Count | Should -Be 6
    }

    It 'shows a table with the times in view' {
        $text = $tracks | Format-Table | Out-String -Width 160
        $text | Should -Match 'In view'
        $text | Should -Match '0:00\.000-0:02\.\d{3}, 0:0[45]\.\d{3}-0:06\.\d{3}'
    }

    It 'refuses a photo with NotAVideo and goes on with the next file' {
        $out = @(Get-FaceTrack (Join-Path $ctx.DemoDir 'sample1.jpg'), $clip -ErrorVariable err -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 6
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NotAVideo,*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].TargetObject | Should -Be (Join-Path $ctx.DemoDir 'sample1.jpg')
    }
}

Describe 'Bad videos' {
    BeforeEach { if ($noFFmpeg) { Set-ItResult -Skipped -Because $skipMessage } }

    It 'gives the faces of a cut-short video with a warning' {
        $bytes = [IO.File]::ReadAllBytes($clip)
        $cut = Join-Path $TestDrive 'cut short.mp4'
        [IO.File]::WriteAllBytes($cut, $bytes[0..([int]($bytes.Length * 0.5))])
        $got = @(Get-Face -LiteralPath $cut -WarningVariable w -WarningAction SilentlyContinue)
        $got.Count | Should -BeGreaterThan 0
        $got.Count | Should -BeLessThan $faces.Count
        "$w" | Should -BeLike "*cut short.mp4' is damaged: ffmpeg reported*"
    }

    It 'writes NotAnImage for a text file named .mp4, and the good video still gives its faces' {
        $bad = Join-Path $TestDrive 'notes.mp4'
        Set-Content $bad 'not a video'
        $got = @(Get-Face $bad, $clip -Duration 0.5 -ErrorVariable err -ErrorAction SilentlyContinue)
        $got.Count | Should -Be 9
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NotAnImage,*'
        $err[0].TargetObject | Should -Be $bad
    }

    It 'writes FFmpegNotFound, naming the package, when ffmpeg is missing' {
        $saved = $env:FACENET_FFMPEG_PATH
        try {
            $env:FACENET_FFMPEG_PATH = Join-Path $TestDrive 'no-ffmpeg-here'
            $got = @(Get-Face $clip, (Join-Path $ctx.DemoDir 'sample1.jpg') -ErrorVariable err -ErrorAction SilentlyContinue)
        }
        finally { $env:FACENET_FFMPEG_PATH = $saved }
        $got.Count | Should -BeGreaterThan 0 -Because 'the photo after the video is still read'
        $err[0].FullyQualifiedErrorId | Should -BeLike 'FFmpegNotFound,*'
        $err[0].CategoryInfo.Category | Should -Be 'NotInstalled'
        "$($err[0])" | Should -BeLike '*apt-get install ffmpeg*'
    }
}
