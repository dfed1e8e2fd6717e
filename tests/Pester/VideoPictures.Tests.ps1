#Requires -Version 7.4
# Pictures and reports of videos: Export-FaceAnnotation draws a video's frames (faces, tracks, a frame chosen with
# -Time or -Frame) and Export-FaceReport cuts thumbnails from frames and shows when each person is in view.
# The clip (New-TestClip) is made with ffmpeg from two demo photos: sample1 panning for 0-3 s, sample2 for 3-5 s,
# sample1 again for 5-7 s, 640x360 at 30 frames a second, so every track's times are known.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Ctx = Import-FaceNetUnderTest
    $script:HaveFFmpeg = [bool](Get-Command ffmpeg -ErrorAction Ignore)
    $script:NoFFmpeg = 'ffmpeg is not installed (apt-get install ffmpeg); the video tests need it to make their clip'
    function script:Get-FirstErrorId($ErrorList) { "$(@($ErrorList)[0].FullyQualifiedErrorId)".Split(',')[0] }
    $script:Dash = [char]0x2013
    if ($HaveFFmpeg) {
        $script:Clip = (New-TestClip (Join-Path $TestDrive 'cut.mp4')).FullName
        $script:Tracks = @(Get-FaceTrack $Clip)
    }
}

Describe 'Export-FaceAnnotation of video frames' {
    BeforeEach {
        $script:Out = Join-Path $TestDrive ('pictures-' + [guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory $Out | Out-Null
    }

    It 'draws each track on the frame of its best face: one 640x360 picture per frame, named with its time' {
        if (-not $HaveFFmpeg) { Set-ItResult -Skipped -Because $NoFFmpeg; return }
        $files = @($Tracks | Export-FaceAnnotation -Destination $Out -PassThru)
        $times = @($Tracks.BestFace.Time | Sort-Object -Unique)
        $files.Count | Should -Be $times.Count
        $expected = $times | ForEach-Object { 'cut_{0}m{1:00.000}s.annotated.png' -f [int][math]::Floor($_.TotalMinutes), ($_.TotalSeconds % 60) }
        ($files.Name | Sort-Object) -join ',' | Should -Be (($expected | Sort-Object) -join ',')
        foreach ($f in $files) { $size = Get-ImageSize $f.FullName; "$($size.Width)x$($size.Height)" | Should -Be '640x360' }
    }

    It 'finds the faces of a video file in the frame -Time chooses, as Get-Face finds them there' {
        if (-not $HaveFFmpeg) { Set-ItResult -Skipped -Because $NoFFmpeg; return }
        $at = [timespan]::FromSeconds(3.4)
        $expected = @(Get-Face $Clip -Start $at -Duration ([timespan]::FromSeconds(0.1)) | Where-Object Time -eq $at)
        $expected.Count | Should -BeGreaterThan 0
        $verbose = Export-FaceAnnotation -InputObject $Clip -Time $at -Destination $Out -PassThru -Verbose 4>&1
        $file = @($verbose | Where-Object { $_ -is [IO.FileInfo] })
        $file.Name | Should -Be 'cut_0m03.400s.annotated.png'
        $size = Get-ImageSize $file[0].FullName; "$($size.Width)x$($size.Height)" | Should -Be '640x360'
        ($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n" | Should -Match "Found $($expected.Count) face\(s\)"
    }

    It 'chooses the frame by number with -Frame, and draws a video FileInfo to -Path' {
        if (-not $HaveFFmpeg) { Set-ItResult -Skipped -Because $NoFFmpeg; return }
        (Get-Item $Clip | Export-FaceAnnotation -Frame 10 -Destination $Out -PassThru).Name | Should -Be 'cut_0m00.333s.annotated.png'
        $one = Join-Path $Out 'frame.jpg'
        Get-Item $Clip | Export-FaceAnnotation -Frame 100 -Path $one
        $size = Get-ImageSize $one; "$($size.Width)x$($size.Height)" | Should -Be '640x360'
    }

    It 'draws only the piped faces of the frame -Time names, and says so when none is of it' {
        if (-not $HaveFFmpeg) { Set-ItResult -Skipped -Because $NoFFmpeg; return }
        $faces = @(Get-Face $Clip -FramesPerSecond 1)
        $files = @($faces | Export-FaceAnnotation -Time '00:00:04' -Destination $Out -PassThru)
        $files.Name | Should -Be 'cut_0m04.000s.annotated.png'
        $faces | Export-FaceAnnotation -Time '00:00:04.5' -Destination $Out -ErrorVariable err -ErrorAction SilentlyContinue
        Get-FirstErrorId $err | Should -Be 'FaceNotFound'
    }

    It 'refuses -Time with -Frame' {
        if (-not $HaveFFmpeg) { Set-ItResult -Skipped -Because $NoFFmpeg; return }
        { Export-FaceAnnotation -InputObject $Clip -Time '00:00:01' -Frame 3 -Destination $Out -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidFramePosition,FaceNet.PowerShell.Commands.ExportFaceAnnotationCommand'
        @(Get-ChildItem $Out).Count | Should -Be 0
    }
}

Describe 'Export-FaceReport of video tracks' {
    BeforeAll {
        if ($HaveFFmpeg) {
            $script:Report = Join-Path $TestDrive 'video.html'
            $Tracks | Export-FaceReport -Path $Report
            $script:Html = Get-Content -LiteralPath $Report -Raw
            function script:Get-Timelines([string] $Html) {
                [regex]::Matches($Html, '<div class="timeline" data-video="([^"]+)" data-length="([\d.]+)">[\s\S]*?<ul class="tl-times">(.*?)</ul>') | ForEach-Object {
                    [pscustomobject]@{
                        Video = $_.Groups[1].Value; Length = [double]$_.Groups[2].Value
                        Times = ([regex]::Matches($_.Groups[3].Value, '<a [^>]*>([^<]*)</a>') | ForEach-Object { [System.Net.WebUtility]::HtmlDecode($_.Groups[1].Value) }) -join ', '
                    }
                }
            }
        }
    }

    It 'gives each person a timeline over the whole video with the times they are in view' {
        if (-not $HaveFFmpeg) { Set-ItResult -Skipped -Because $NoFFmpeg; return }
        $timelines = @(Get-Timelines $Html)
        $timelines.Count | Should -BeGreaterThan 1
        foreach ($t in $timelines) { $t.Video | Should -Be 'cut.mp4'; $t.Length | Should -BeGreaterOrEqual 6.9 }
        # The people of sample1 are in view twice (before and after the cut to sample2), those of sample2 once.
        @($timelines | Where-Object Times -eq "0:00${Dash}0:02, 0:05${Dash}0:06").Count | Should -BeGreaterOrEqual 2
        @($timelines | Where-Object Times -eq "0:03${Dash}0:04").Count | Should -BeGreaterOrEqual 2
        $Html | Should -Match 'class="tl-seg" style="left:0\.00%;width:4\d\.\d\d%" data-start="0\.000" data-end="2\.\d{3}"'
        $Html | Should -Match 'href="cut\.mp4#t=3"'
        $Html | Should -Not -Match '<script|https?://'
    }

    It 'cuts one thumbnail per track from its frame' {
        if (-not $HaveFFmpeg) { Set-ItResult -Skipped -Because $NoFFmpeg; return }
        $thumbs = @(Get-ChildItem (Join-Path $TestDrive 'video_files') -Filter *.jpg)
        $thumbs.Count | Should -Be $Tracks.Count
        foreach ($t in $thumbs) { $size = Get-ImageSize $t.FullName; "$($size.Width)x$($size.Height)" | Should -Be '112x112' }
        $Html | Should -Match "<h2>Unknown 1 <span class=`"count`">1 face in 1 video</span></h2>"
    }

    It 'tracks a video file piped in itself, as Get-FaceTrack does' {
        if (-not $HaveFFmpeg) { Set-ItResult -Skipped -Because $NoFFmpeg; return }
        $report = Join-Path $TestDrive 'file.html'
        Get-Item $Clip | Export-FaceReport -Path $report
        $html = Get-Content -LiteralPath $report -Raw
        (@(Get-Timelines $html).Times | Sort-Object) -join ' | ' | Should -Be ((@(Get-Timelines $Html).Times | Sort-Object) -join ' | ')
        @(Get-ChildItem (Join-Path $TestDrive 'file_files') -Filter *.jpg).Count | Should -Be $Tracks.Count
    }

    It 'shows, per name Find-Face gives a track, the times that person is in view' {
        if (-not $HaveFFmpeg) { Set-ItResult -Skipped -Because $NoFFmpeg; return }
        $n = 0
        $gallery = @(Get-FaceEmbedding (Join-Path $Ctx.DemoDir 'sample2.jpg') | ForEach-Object { $_.Label = 'Person ' + ++$n; $_ })
        $ids = @($Tracks | Find-Face -Gallery $gallery -WarningAction SilentlyContinue)
        $named = @($ids | Where-Object Label)
        $named.Count | Should -BeGreaterThan 0
        $report = Join-Path $TestDrive 'found.html'
        $ids | Export-FaceReport -Path $report
        $html = Get-Content -LiteralPath $report -Raw
        foreach ($label in $named.Label | Sort-Object -Unique) {
            $section = [regex]::Match($html, "<h2>$([regex]::Escape($label)) <span[\s\S]*?</section>").Value
            $section | Should -Not -BeNullOrEmpty
            @(Get-Timelines $section).Times | Should -Be "0:03${Dash}0:04"
        }
    }
}
