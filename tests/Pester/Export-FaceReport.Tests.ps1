# Export-FaceReport: a photo library by person as one HTML page and a thumbnails folder, checked as text and, where
# Chromium is installed, in a real headless browser.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $ctx = Import-FaceNetUnderTest
    $demo = $ctx.DemoDir
    $identities = Join-Path $ctx.SharedDir 'data/face-samples/identities/knn_examples'
    $lfw = Join-Path $ctx.SharedDir 'data/lfw-view1'
    $chromium = @('/usr/bin/chromium', '/usr/bin/chromium-browser') | Where-Object { Test-Path $_ } | Select-Object -First 1
    function Get-FirstErrorId($ErrorList) { "$(@($ErrorList)[0].FullyQualifiedErrorId)".Split(',')[0] }
    function Get-Sections([string] $Html) {
        [regex]::Matches($Html, '<h2>(.*?) <span class="count">(\d+) faces? in (\d+) photos?</span></h2>') |
            ForEach-Object { [pscustomobject]@{ Title = [System.Net.WebUtility]::HtmlDecode($_.Groups[1].Value); Faces = [int]$_.Groups[2].Value; Photos = [int]$_.Groups[3].Value } }
    }
    # Headless Chromium as the project's machines run it (no network, a fresh profile).
    function Invoke-Chromium([string[]] $Arguments) {
        $userData = Join-Path $TestDrive ("chromium-" + [guid]::NewGuid().ToString('N'))
        $common = '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
            '--disable-component-update', '--disable-sync', "--user-data-dir=$userData"
        & $chromium @common @Arguments 2>&1
    }
}

Describe 'Export-FaceReport on labelled photos (../shared identities)' {
    BeforeAll {
        $haveIdentities = Test-Path $identities
        if ($haveIdentities) {
            $out = New-Item -ItemType Directory (Join-Path $TestDrive 'ids') -Force
            $train = Get-ChildItem (Join-Path $identities 'train') -Recurse -File
            $embeddings = @($train | Get-FaceEmbedding -Label { $_.Directory.Name } -WarningAction SilentlyContinue)
            $report = Join-Path $out 'people.html'
            $file = $embeddings | Export-FaceReport -Path $report -PassThru
            $html = Get-Content -LiteralPath $report -Raw
        }
    }

    It 'writes one section per person with the number of faces and photos, largest first' {
        if (-not $haveIdentities) { Set-ItResult -Skipped -Because '../shared/data/face-samples/identities is absent'; return }
        $file.FullName | Should -Be $report
        $sections = @(Get-Sections $html)
        $expected = $embeddings | Group-Object Label | Sort-Object Count -Descending
        $sections.Count | Should -Be @($expected).Count
        foreach ($e in $expected) {
            $s = $sections | Where-Object Title -eq $e.Name
            $s.Faces | Should -Be $e.Count -Because "$($e.Name) has $($e.Count) faces"
            $s.Photos | Should -Be @($e.Group.Path | Sort-Object -Unique).Count
        }
        ($sections.Faces -join ',') | Should -Be (($sections.Faces | Sort-Object -Descending) -join ',')
    }

    It 'has one thumbnail file per face, linked relatively, loaded lazily' {
        if (-not $haveIdentities) { Set-ItResult -Skipped -Because '../shared/data/face-samples/identities is absent'; return }
        $thumbs = @(Get-ChildItem (Join-Path $out 'people_files') -Filter *.jpg)
        $thumbs.Count | Should -Be $embeddings.Count
        ([regex]::Matches($html, '<img loading="lazy" width="112" height="112" src="people_files/\d{5}\.jpg"')).Count | Should -Be $embeddings.Count
        foreach ($t in $thumbs) { $size = Get-ImageSize $t.FullName; "$($size.Width)x$($size.Height)" | Should -Be '112x112' }
        $html | Should -Not -Match '<script|https?://'
    }
}

Describe 'Export-FaceReport of a Group-Face of LFW View 1 photos of 20 people' {
    It 'shows one section per person with that person''s photo count' {
        if (-not (Test-Path $lfw)) { Set-ItResult -Skipped -Because '../shared/data/lfw-view1 is absent'; return }
        # The first 20 people (by folder name) with 3 or more photos.
        $people = @(Get-ChildItem $lfw -Directory | Sort-Object Name | Where-Object { @(Get-ChildItem $_ -Filter *.jpg).Count -ge 3 } | Select-Object -First 20)
        $photos = $people | ForEach-Object { Get-ChildItem $_ -Filter *.jpg }
        # LFW photos are centred on the named person: keep the face at the centre of each.
        $faces = foreach ($p in $photos) {
            $all = @(Get-FaceEmbedding -LiteralPath $p.FullName)
            $all | Sort-Object { [math]::Abs($_.Face.X + $_.Face.Width / 2 - 125) + [math]::Abs($_.Face.Y + $_.Face.Height / 2 - 125) } | Select-Object -First 1
        }
        $report = Join-Path $TestDrive 'lfw20.html'
        $faces | Group-Face | Export-FaceReport -Path $report
        $sections = @(Get-Sections (Get-Content -LiteralPath $report -Raw))
        $sections.Count | Should -Be 20
        ($sections.Faces | Sort-Object) -join ',' | Should -Be (($people | ForEach-Object { @(Get-ChildItem $_ -Filter *.jpg).Count } | Sort-Object) -join ',')
    }
}

Describe 'Export-FaceReport of identifications (Find-Face)' {
    It 'shows each name given with its Similarity and the threshold, and the unknown faces greyed with their best candidate' {
        $gallery = @(Get-FaceEmbedding (Join-Path $demo 'sample1.jpg') -Label team)
        $found = @(Get-Item -LiteralPath (Join-Path $demo 'sample1.jpg'), (Join-Path $demo 'sample3.jpg') | Find-Face -Gallery $gallery)
        $report = Join-Path $TestDrive 'found.html'
        $found | Export-FaceReport -Path $report
        $html = Get-Content -LiteralPath $report -Raw
        $sections = @(Get-Sections $html)
        $known = @($found | Where-Object IsKnown).Count
        $unknown = @($found | Where-Object { -not $_.IsKnown }).Count
        $known | Should -BeGreaterThan 0
        $unknown | Should -BeGreaterThan 0
        ($sections | Where-Object Title -eq 'team').Faces | Should -Be $known
        ($sections | Where-Object Title -eq 'Not recognised').Faces | Should -Be $unknown
        ([regex]::Matches($html, '<figure class="face below">')).Count | Should -Be $unknown
        ([regex]::Matches($html, '<span class="best">best: team \d+\.\d%</span>')).Count | Should -Be $unknown
        ([regex]::Matches($html, "Similarity to team&#39;s best gallery face: \d+\.\d% \(threshold")).Count | Should -Be $found.Count
        $threshold = $found[0].Threshold.ToString('0.0', [cultureinfo]::InvariantCulture)
        ([regex]::Matches($html, "<span class=`"threshold`">threshold $([regex]::Escape($threshold))%</span>")).Count | Should -Be $found.Count
    }
}

Describe 'Export-FaceReport: escaping, links and bad input' {
    BeforeAll {
        $evil = Join-Path $TestDrive '<img src=x onerror=alert(1)>.jpg'
        Copy-Item -LiteralPath (Join-Path $demo 'sample2.jpg') -Destination $evil
        $odd = New-Item -ItemType Directory (Join-Path $TestDrive 'my photos #1 100% été') -Force
        Copy-Item -LiteralPath (Join-Path $demo 'sample3.jpg') -Destination (Join-Path $odd 'été 2024.jpg')
        $reports = New-Item -ItemType Directory (Join-Path $TestDrive 'reports') -Force
        Copy-Item -LiteralPath (Join-Path $demo 'sample4.jpg') -Destination (Join-Path $reports 'inside.jpg')
    }

    It 'shows a file name with markup and a label with a closing script tag as text' {
        $e = @(Get-FaceEmbedding -LiteralPath $evil -Label '</script><b onmouseover=alert(2)>x</b>')
        $report = Join-Path $TestDrive 'evil.html'
        $e | Export-FaceReport -Path $report -Title 'Team <script>alert(3)</script>'
        $html = Get-Content -LiteralPath $report -Raw
        $html | Should -Not -Match '<img src=x'
        $html | Should -Not -Match '<b onmouseover'
        $html | Should -Not -Match '<script'
        $html | Should -Match ([regex]::Escape('&lt;/script&gt;&lt;b onmouseover=alert(2)&gt;x&lt;/b&gt;'))
        $html | Should -Match ([regex]::Escape('alt="&lt;img src=x onerror=alert(1)&gt;.jpg"'))
    }

    It 'links a photo below the report''s folder relatively, and others as percent-encoded file:// URLs' {
        $e = @(Get-FaceEmbedding -LiteralPath (Join-Path $reports 'inside.jpg')) + @(Get-FaceEmbedding -LiteralPath (Join-Path $odd 'été 2024.jpg'))
        $report = Join-Path $reports 'links.html'
        $e | Export-FaceReport -Path $report
        $html = Get-Content -LiteralPath $report -Raw
        $html | Should -Match '<a href="inside\.jpg"'
        $expected = 'file://' + ((($odd.FullName + '/été 2024.jpg') -split '/' | ForEach-Object { [uri]::EscapeDataString($_) }) -join '/')
        $html | Should -Match ([regex]::Escape("<a href=`"$expected`""))
        $expected | Should -Match '%20' ; $expected | Should -Match '%23' ; $expected | Should -Match '%25' ; $expected | Should -Match '%C3%A9'
    }

    It 'shows a placeholder and warns for a photo that cannot be read any more, and still writes the report' {
        $gone = Join-Path $TestDrive 'gone.jpg'
        Copy-Item -LiteralPath (Join-Path $demo 'sample5.jpg') -Destination $gone
        $e = @(Get-FaceEmbedding -LiteralPath $gone) + @(Get-FaceEmbedding -LiteralPath (Join-Path $demo 'sample1.jpg'))
        Set-Content -LiteralPath $gone -Value 'no longer a photo'
        $report = Join-Path $TestDrive 'gone.html'
        $e | Export-FaceReport -Path $report -WarningVariable wv -WarningAction SilentlyContinue
        "$(@($wv)[0])" | Should -BeLike "'$gone' cannot be read any more*"
        $html = Get-Content -LiteralPath $report -Raw
        ([regex]::Matches($html, 'photo unreadable')).Count | Should -Be @($e | Where-Object Path -eq $gone).Count
        @(Get-ChildItem (Join-Path $TestDrive 'gone_files')).Count | Should -Be @($e | Where-Object Path -ne $gone).Count
    }

    It 'keeps an existing report without -Force (FileExists), writes nothing with -WhatIf, and leaves no temporary file' {
        $e = @(Get-FaceEmbedding (Join-Path $demo 'sample6.jpg'))
        $report = Join-Path $TestDrive 'keep.html'
        Set-Content -LiteralPath $report -Value 'mine'
        $err = { $e | Export-FaceReport -Path $report } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'FileExists,*'
        Get-Content -LiteralPath $report -Raw | Should -Be "mine`n"
        $e | Export-FaceReport -Path (Join-Path $TestDrive 'whatif.html') -WhatIf
        Test-Path (Join-Path $TestDrive 'whatif.html') | Should -BeFalse
        Test-Path (Join-Path $TestDrive 'whatif_files') | Should -BeFalse
        $e | Export-FaceReport -Path $report -Force
        Get-Content -LiteralPath $report -Raw | Should -Match '<!DOCTYPE html>'
        @(Get-ChildItem $TestDrive -Filter '*.tmp-*').Count | Should -Be 0
    }

    It 'refuses to cluster embeddings of two models, as Group-Face does (ModelMismatch)' {
        $mixed = @(Get-FaceEmbedding (Join-Path $demo 'sample6.jpg')) + @(Get-FaceEmbedding (Join-Path $demo 'sample5.jpg') -Model MobileFaceNet)
        $err = { $mixed | Export-FaceReport -Path (Join-Path $TestDrive 'mixed-models.html') } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'ModelMismatch,*'
        $err.Exception.Message | Should -Match 'MobileFaceNet'
        $err = { $mixed | Group-Face } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'ModelMismatch,*'
        Test-Path (Join-Path $TestDrive 'mixed-models.html') | Should -BeFalse
    }

    It 'writes UnsupportedInputObject for other objects and still reports the rest' {
        $e = @(Get-FaceEmbedding (Join-Path $demo 'sample6.jpg'))
        $report = Join-Path $TestDrive 'mixed.html'
        @($e) + @('not a face', (Get-Date)) | Export-FaceReport -Path $report -ErrorVariable ev -ErrorAction SilentlyContinue
        @($ev).Count | Should -Be 2
        Get-FirstErrorId $ev | Should -Be 'UnsupportedInputObject'
        Test-Path $report | Should -BeTrue
    }
}

Describe 'Export-FaceReport in a real browser (headless Chromium)' {
    BeforeAll {
        if ($chromium) {
            $dir = New-Item -ItemType Directory (Join-Path $TestDrive 'browser') -Force
            # The shared labelled photos where they are, else the demo photos.
            $photos = if (Test-Path $identities) { Get-ChildItem $identities -Recurse -File -Include *.jpg, *.jpeg, *.png } else { Get-ChildItem $demo -Filter *.jpg }
            $embeddings = @($photos | Get-FaceEmbedding -WarningAction SilentlyContinue)
            $report = Join-Path $dir 'demo.html'
            $embeddings | Group-Face | Export-FaceReport -Path $report -Title 'Photos by person'
            $expectedSections = @(Get-Sections (Get-Content -LiteralPath $report -Raw)).Count
            # A page beside the report loads it in a frame, makes every image load now (the report's are lazy), and writes
            # what the browser rendered into its own DOM for --dump-dom to print.
            $probe = Join-Path $dir 'probe.html'
            Set-Content -LiteralPath $probe -Value @'
<!DOCTYPE html><html><body><iframe id="r" src="demo.html" style="width:1200px;height:800px"></iframe><pre id="out">pending</pre>
<script>
document.getElementById('r').addEventListener('load', async () => {
  const d = document.getElementById('r').contentDocument;
  const imgs = [...d.querySelectorAll('img')];
  imgs.forEach(i => i.loading = 'eager');
  await Promise.all(imgs.map(i => i.complete ? 0 : new Promise(r => { i.onload = r; i.onerror = r; })));
  const loaded = imgs.filter(i => i.complete && i.naturalWidth > 0).length;
  document.getElementById('out').textContent = JSON.stringify({ sections: d.querySelectorAll('section').length, images: imgs.length, loaded, scripts: d.querySelectorAll('script').length });
});
</script></body></html>
'@
        }
    }

    It 'renders every section and loads every thumbnail (naturalWidth > 0), with no console error' {
        if (-not $chromium) { Set-ItResult -Skipped -Because 'Chromium is not installed (apt-get install chromium; .ci/run installs it where it can)'; return }
        $dom = (Invoke-Chromium @('--allow-file-access-from-files', '--virtual-time-budget=15000', '--enable-logging=stderr', '--dump-dom', "file://$probe")) -join "`n"
        $json = [regex]::Match($dom, '<pre id="out">(\{.*?\})</pre>').Groups[1].Value
        $json | Should -Not -BeNullOrEmpty -Because "the probe page reports what the browser rendered; Chromium printed: $($dom.Substring(0, [math]::Min(600, $dom.Length)))"
        $r = [System.Net.WebUtility]::HtmlDecode($json) | ConvertFrom-Json
        $r.sections | Should -Be $expectedSections
        $r.images | Should -Be $embeddings.Count
        $r.loaded | Should -Be $embeddings.Count
        $r.scripts | Should -Be 0
        $dom | Should -Not -Match 'Uncaught|CONSOLE\(\d+\)\].*[Ee]rror'
    }

    It 'takes a screenshot of the report' {
        if (-not $chromium) { Set-ItResult -Skipped -Because 'Chromium is not installed (apt-get install chromium; .ci/run installs it where it can)'; return }
        $png = Join-Path $dir 'demo.png'
        $null = Invoke-Chromium @('--window-size=1100,900', '--virtual-time-budget=5000', "--screenshot=$png", "file://$report")
        Test-Path $png | Should -BeTrue
        $size = Get-ImageSize $png
        "$($size.Width)x$($size.Height)" | Should -Be '1100x900'
    }
}
