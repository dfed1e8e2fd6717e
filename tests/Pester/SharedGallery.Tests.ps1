# Shared galleries: Export-FaceGallery / Import-FaceGallery / Find-Face against a real PostgreSQL server, the
# throwaway cluster that build.ps1 -Task Test starts (FACENET_TEST_PG holds its superuser connection string).
BeforeDiscovery {
    $pgState = $env:FACENET_TEST_PG
    $noPostgres = -not $pgState
    if ($noPostgres) {
        Write-Host 'SharedGallery.Tests: skipped, because no PostgreSQL test cluster runs (FACENET_TEST_PG is not set). ./build.ps1 -Task Test starts one where PostgreSQL''s server programs (initdb, pg_ctl) are installed: apt-get install postgresql.' -ForegroundColor Yellow
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $ctx = Import-FaceNetUnderTest
    if ($env:FACENET_TEST_PG -like 'unavailable:*') {
        throw "PostgreSQL is installed but the test cluster did not start: $($env:FACENET_TEST_PG)"
    }
    $admin = $env:FACENET_TEST_PG
    if ($admin) {
        Add-Type -LiteralPath (Join-Path (Split-Path $ctx.ModulePath) 'Npgsql.dll')
        Import-Module (Join-Path $PSScriptRoot '../../build/SharedGalleryLoad.psm1') -Force -Global
        $b = [Npgsql.NpgsqlConnectionStringBuilder]::new($admin)
        $script:adminPassword = $b.Password

        function New-GalleryDatabase { New-TestGalleryDatabase }
        function Invoke-Sql([string] $ConnectionString, [string] $Sql) { Invoke-GalleryScalar $ConnectionString $Sql }
        # Every text a user could see from a command: output, errors (with inner exceptions), warnings, verbose, progress.
        function Get-AllText([scriptblock] $Command) {
            $ps = [powershell]::Create()
            $null = $ps.AddScript("Import-Module '$($ctx.ModulePath)'").AddStatement().AddScript($Command.ToString())
            $ps.Streams.ClearStreams()
            $out = try { $ps.Invoke() } catch { $_ }
            $texts = @($out | ForEach-Object { $_ | Out-String })
            $shown = @($ps.Streams.Error | ForEach-Object { $_ | Out-String })
            foreach ($e in $ps.Streams.Error) {
                $texts += "$($e.TargetObject)"; $texts += "$($e.ErrorDetails)"
                $x = $e.Exception; while ($x) { $texts += $x.ToString(); $x = $x.InnerException }
            }
            $texts += @($ps.Streams.Warning | ForEach-Object Message) + @($ps.Streams.Verbose | ForEach-Object Message) +
                @($ps.Streams.Progress | ForEach-Object { "$($_.Activity) $($_.StatusDescription) $($_.CurrentOperation)" })
            # Shown: what the host prints for each error (checked for stack traces); Text: everything, for passwords.
            [pscustomobject]@{ Text = (($texts + $shown) -join "`n"); Shown = ($shown -join "`n"); Errors = @($ps.Streams.Error); Output = @($out) }
        }
    }
    $photos = @(Get-ChildItem -LiteralPath $ctx.DemoDir -Filter *.jpg | Sort-Object Name)
    $totalFaces = ((Get-ExpectedFaceCount).Values | Measure-Object -Sum).Sum
    $work = Join-Path ([System.IO.Path]::GetTempPath()) ("facenet-shared-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory $work | Out-Null
}

AfterAll {
    if ($work -and (Test-Path $work)) { Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'A PostgreSQL gallery' -Skip:$noPostgres {
    It 'stores what a gallery file stores, and Import-FaceGallery reads it back' {
        $cs = New-GalleryDatabase
        $u = $photos | Export-FaceGallery -ConnectionString $cs -Label demo -PassThru
        $u.Embedded | Should -Be $photos.Count
        $u.Faces | Should -Be $totalFaces
        $u.Path | Should -Match '^postgresql://facenet_admin@127\.0\.0\.1:\d+/g[0-9a-f]{12}$'
        $g = Import-FaceGallery -ConnectionString $cs
        $g.Count | Should -Be $totalFaces
        $g.Photos | Should -Be $photos.Count
        $g.Model | Should -Be $u.Model
        $g.Labels | Should -Be @('demo')
        $g.Embeddings[0].Vector.Count | Should -Be $g.Dimension
        # the facts of each face: path, box, landmarks, content hash, model and its version, when enrolled
        $file = @(Get-FaceEmbedding -LiteralPath $photos[0].FullName)
        $first = $g.Embeddings | Where-Object { $_.Path -eq $photos[0].FullName -and $_.Index -eq 0 }
        $first.Face.X | Should -Be $file[0].Face.X
        $first.Face.LeftEye.X | Should -Be $file[0].Face.LeftEye.X
        [float[]]$first.Vector | Should -Be ([float[]]$file[0].Vector)
        Invoke-Sql $cs "SELECT encode(content_sha256, 'hex') FROM facenet_photos WHERE path = '$($photos[0].FullName)'" |
            Should -Be (Get-FileHash -LiteralPath $photos[0].FullName -Algorithm SHA256).Hash.ToLowerInvariant()
        Invoke-Sql $cs "SELECT count(*) FROM facenet_photos WHERE model_version ~ '^[0-9a-f]{16}$' AND enrolled > now() - interval '1 hour' AND host <> ''" |
            Should -Be $photos.Count
        Invoke-Sql $cs "SELECT value FROM facenet_meta WHERE key = 'schemaVersion'" | Should -Be '2'
    }

    It 'warns when photos were embedded by another version of the model, and not when all are this one' {
        $cs = New-GalleryDatabase
        $null = $photos | Select-Object -First 2 | Export-FaceGallery -ConnectionString $cs -Label demo
        $null = Import-FaceGallery -ConnectionString $cs -WarningVariable w -WarningAction SilentlyContinue
        $w | Should -BeNullOrEmpty
        Invoke-Sql $cs "UPDATE facenet_photos SET model_version = '7ca7b35cdb6866e7' WHERE path = '$($photos[0].FullName)'" | Out-Null
        $null = Import-FaceGallery -ConnectionString $cs -WarningVariable w -WarningAction SilentlyContinue
        "$w" | Should -BeLike "*another version of model 'Clean' (fingerprint 7ca7b35cdb6866e7; this module's is *Export-FaceGallery ... -Force*"
        $null = $photos[1] | Export-FaceGallery -ConnectionString $cs -Append -WarningVariable w -WarningAction SilentlyContinue
        "$w" | Should -BeLike "*fingerprint 7ca7b35cdb6866e7*Faces added now hold this version's vectors."
    }

    It 'gives Find-Face the same results as a gallery file of the same enrolment' {
        $knn = Join-Path $ctx.SharedDir 'data/face-samples/identities/knn_examples'
        if (Test-Path (Join-Path $knn 'train')) {
            $enrol = @(Get-ChildItem (Join-Path $knn 'train') -Recurse -File); $probes = @(Get-ChildItem (Join-Path $knn 'test') -Recurse -File)
            $label = { $_.Directory.Name }
        }
        else {
            # Without ../shared: the demo photos, each its own "person", probed with themselves.
            $enrol = $photos; $probes = $photos; $label = { $_.BaseName }
        }
        $cs = New-GalleryDatabase
        $file = Join-Path $work 'same.faces'
        $enrol | Export-FaceGallery -LiteralPath $file -Label $label
        $enrol | Export-FaceGallery -ConnectionString $cs -Label $label
        $fromFile = @($probes | Find-Face -Gallery $file -Top 5)
        $fromDb = @($probes | Find-Face -Gallery (Import-FaceGallery -ConnectionString $cs) -Top 5)
        $fromDb.Count | Should -Be $fromFile.Count
        $fromFile.Count | Should -BeGreaterThan 0
        function Show($r) { $r | ForEach-Object { "$($_.Probe.Path)#$($_.Probe.Index) $($_.Label) $($_.Cosine) $($_.Match.Path)#$($_.Match.Index) | " + (($_.Candidates | ForEach-Object { "$($_.Label):$($_.Cosine):$($_.GalleryFaces)" }) -join ' ') } }
        Show $fromDb | Should -Be (Show $fromFile)
        @($fromDb | Where-Object Label).Count | Should -BeGreaterThan 0
    }

    It 'knows a photo by its content: a copy under another name is skipped, a changed file replaces its earlier version' {
        $cs = New-GalleryDatabase
        $photos | Export-FaceGallery -ConnectionString $cs | Out-Null
        $copies = Join-Path $work 'copies'; New-Item -ItemType Directory $copies -Force | Out-Null
        $photos | ForEach-Object { Copy-Item $_.FullName (Join-Path $copies "copy-of-$($_.Name)") }
        $u = Get-ChildItem $copies | Export-FaceGallery -ConnectionString $cs -Append -PassThru
        $u.Skipped | Should -Be $photos.Count
        $u.Embedded | Should -Be 0
        $u.Faces | Should -Be $totalFaces
        # The same path with other content: the new content replaces the old in one transaction.
        $cs2 = New-GalleryDatabase
        $photos[0..3] | Export-FaceGallery -ConnectionString $cs2 | Out-Null
        $mine = Join-Path $work 'mine.jpg'; Copy-Item $photos[4].FullName $mine
        (Export-FaceGallery -ConnectionString $cs2 -Append -InputObject $mine -PassThru).Embedded | Should -Be 1
        Copy-Item $photos[5].FullName $mine -Force
        $u = Export-FaceGallery -ConnectionString $cs2 -Append -InputObject $mine -PassThru
        $u.Embedded | Should -Be 1
        Invoke-Sql $cs2 'SELECT count(*) FROM facenet_photos' | Should -Be 5 -Because 'the earlier content of mine.jpg left the gallery'
        Invoke-Sql $cs2 "SELECT encode(content_sha256, 'hex') FROM facenet_photos WHERE path = '$mine'" |
            Should -Be (Get-FileHash -LiteralPath $photos[5].FullName -Algorithm SHA256).Hash.ToLowerInvariant()
        $u.Faces | Should -Be ($totalFaces - (Get-ExpectedFaceCount)[$photos[4].Name])
    }

    It 'refuses a second model (GalleryModelMismatch), and an existing gallery without -Append or -Force (GalleryExists)' {
        $cs = New-GalleryDatabase
        Export-FaceGallery -ConnectionString $cs -InputObject $photos[0].FullName | Out-Null
        { Export-FaceGallery -ConnectionString $cs -InputObject $photos[1].FullName -ErrorAction Stop } |
            Should -Throw -ErrorId 'GalleryExists,FaceNet.PowerShell.Commands.ExportFaceGalleryCommand'
        { Export-FaceGallery -ConnectionString $cs -Append -Model MobileFaceNet -InputObject $photos[1].FullName -ErrorAction Stop } |
            Should -Throw -ErrorId 'GalleryModelMismatch,FaceNet.PowerShell.Commands.ExportFaceGalleryCommand'
        { Get-FaceEmbedding -LiteralPath $photos[1].FullName -Model MobileFaceNet | Export-FaceGallery -ConnectionString $cs -Append -ErrorAction Stop } |
            Should -Throw -ErrorId 'GalleryModelMismatch,FaceNet.PowerShell.Commands.ExportFaceGalleryCommand'
        $u = Export-FaceGallery -ConnectionString $cs -Force -Model MobileFaceNet -InputObject $photos[1].FullName -PassThru
        $u.Model | Should -Be 'MobileFaceNet'
        (Import-FaceGallery -ConnectionString $cs).Photos | Should -Be 1
    }

    It '-WhatIf creates no tables' {
        $cs = New-GalleryDatabase
        Export-FaceGallery -ConnectionString $cs -InputObject $photos[0].FullName -WhatIf
        Invoke-Sql $cs "SELECT to_regclass('facenet_meta') IS NULL" | Should -BeTrue
    }

    It 'takes -Credential instead of a password in the string' {
        $cs = New-GalleryDatabase
        $x = [Npgsql.NpgsqlConnectionStringBuilder]::new($cs); $x.Password = $null; $x.Username = 'nobody-in-particular'
        $cred = [pscredential]::new('facenet_admin', (ConvertTo-SecureString $adminPassword -AsPlainText -Force))
        $u = Export-FaceGallery -ConnectionString $x.ConnectionString -Credential $cred -InputObject $photos[0].FullName -PassThru
        $u.Path | Should -Match '^postgresql://facenet_admin@'
        (Import-FaceGallery -ConnectionString $x.ConnectionString -Credential $cred).Count | Should -Be $u.Faces
    }
}

Describe 'A PostgreSQL gallery that cannot be used' -Skip:$noPostgres {
    BeforeAll {
        $good = New-GalleryDatabase
        $photos[0] | Export-FaceGallery -ConnectionString $good | Out-Null
        $secret = 'Wr0ng-Secret-' + [guid]::NewGuid().ToString('N').Substring(0, 6)
        $x = [Npgsql.NpgsqlConnectionStringBuilder]::new($good)
        # A user who may log in but has no rights on the gallery's tables or schema.
        $reader = 'reader' + [guid]::NewGuid().ToString('N').Substring(0, 6)
        $readerSecret = 'R3ader-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        Invoke-Sql $admin "CREATE ROLE $reader LOGIN PASSWORD '$readerSecret'" | Out-Null
        $x.Username = $reader; $x.Password = $readerSecret
        $readerCs = $x.ConnectionString
    }

    It 'an unreachable server is GalleryConnectionFailed (ConnectionError), naming host and port, without the password' {
        $port = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0); $port.Start(); $free = $port.LocalEndpoint.Port; $port.Stop()
        $r = Get-AllText ([scriptblock]::Create("Import-FaceGallery -ConnectionString 'Host=127.0.0.1;Port=$free;Database=x;Username=u;Password=$secret;Timeout=5' -Verbose"))
        $r.Errors.Count | Should -Be 1
        $r.Errors[0].FullyQualifiedErrorId | Should -Be 'GalleryConnectionFailed,FaceNet.PowerShell.Commands.ImportFaceGalleryCommand'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        $r.Errors[0].Exception.Message | Should -Match "127\.0\.0\.1:$free"
        $r.Errors[0].TargetObject | Should -Be "postgresql://u@127.0.0.1:$free/x"
        $r.Text | Should -Not -Match $secret
        $r.Shown | Should -Not -Match '\s+at \S+\(' -Because 'the user sees a message, not a stack trace'
    }

    It 'a wrong password is GalleryAuthenticationFailed, and never shown: not in errors, verbose or progress' {
        $x = [Npgsql.NpgsqlConnectionStringBuilder]::new($good); $x.Password = $secret
        $r = Get-AllText ([scriptblock]::Create("Get-ChildItem '$($ctx.DemoDir)' -Filter *.jpg | Export-FaceGallery -ConnectionString '$($x.ConnectionString)' -Append -Verbose"))
        $r.Errors.Count | Should -Be 1
        $r.Errors[0].FullyQualifiedErrorId | Should -Be 'GalleryAuthenticationFailed,FaceNet.PowerShell.Commands.ExportFaceGalleryCommand'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        $r.Errors[0].Exception.Message | Should -Match 'refused the login of user .facenet_admin.'
        $r.Text | Should -Not -Match $secret
        $r.Shown | Should -Not -Match '\s+at \S+\('
        # and a successful run's verbose and progress do not show the right one either
        $ok = Get-AllText ([scriptblock]::Create("Get-ChildItem '$($ctx.DemoDir)' -Filter *.jpg | Export-FaceGallery -ConnectionString '$good' -Append -Verbose -PassThru"))
        $ok.Errors.Count | Should -Be 0
        $ok.Text | Should -Match 'postgresql://facenet_admin@'
        $ok.Text | Should -Not -Match ([regex]::Escape($adminPassword))
    }

    It 'a user without rights is GalleryAccessDenied (PermissionDenied), reading or creating' {
        $r = Get-AllText ([scriptblock]::Create("Import-FaceGallery -ConnectionString '$readerCs'"))
        $r.Errors[0].FullyQualifiedErrorId | Should -Be 'GalleryAccessDenied,FaceNet.PowerShell.Commands.ImportFaceGalleryCommand'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $r.Errors[0].Exception.Message | Should -Match "User '$reader' may not"
        $r.Text | Should -Not -Match $readerSecret
        # A new database this user may connect to but not create tables in (PostgreSQL 15: public is not writable by others).
        $empty = New-GalleryDatabase
        $x = [Npgsql.NpgsqlConnectionStringBuilder]::new($empty); $x.Username = $reader; $x.Password = $readerSecret
        $w = Get-AllText ([scriptblock]::Create("Export-FaceGallery -ConnectionString '$($x.ConnectionString)' -InputObject '$($photos[0].FullName)'"))
        $w.Errors[0].FullyQualifiedErrorId | Should -Be 'GalleryAccessDenied,FaceNet.PowerShell.Commands.ExportFaceGalleryCommand'
        $w.Text | Should -Not -Match $readerSecret
    }

    It 'a database without a gallery is NotAGallery for Import-FaceGallery; a missing database is GalleryConnectionFailed' {
        $empty = New-GalleryDatabase
        { Import-FaceGallery -ConnectionString $empty -ErrorAction Stop } | Should -Throw -ErrorId 'NotAGallery,FaceNet.PowerShell.Commands.ImportFaceGalleryCommand'
        $x = [Npgsql.NpgsqlConnectionStringBuilder]::new($good); $x.Database = 'no_such_database'
        { Import-FaceGallery -ConnectionString $x.ConnectionString -ErrorAction Stop } | Should -Throw -ErrorId 'GalleryConnectionFailed,FaceNet.PowerShell.Commands.ImportFaceGalleryCommand'
    }

    It 'a gallery from a newer FaceNet is GallerySchemaTooNew, for reading and writing, and is left as it was' {
        $newer = New-GalleryDatabase
        $photos[0] | Export-FaceGallery -ConnectionString $newer | Out-Null
        Invoke-Sql $newer "UPDATE facenet_meta SET value = '99' WHERE key = 'schemaVersion'" | Out-Null
        $r = Get-AllText ([scriptblock]::Create("Import-FaceGallery -ConnectionString '$newer'"))
        $r.Errors[0].FullyQualifiedErrorId | Should -Be 'GallerySchemaTooNew,FaceNet.PowerShell.Commands.ImportFaceGalleryCommand'
        $r.Errors[0].Exception.Message | Should -Match 'newer FaceNet \(schema 99; this module reads up to 2\)'
        { $photos[1] | Export-FaceGallery -ConnectionString $newer -Append -ErrorAction Stop } |
            Should -Throw -ErrorId 'GallerySchemaTooNew,FaceNet.PowerShell.Commands.ExportFaceGalleryCommand'
        Invoke-Sql $newer 'SELECT count(*) FROM facenet_photos' | Should -Be 1
    }

    It 'a connection string that is not one is InvalidConnectionString, without echoing its values' {
        $r = Get-AllText ([scriptblock]::Create("Import-FaceGallery -ConnectionString 'Hots=db1;Password=$secret'"))
        $r.Errors[0].FullyQualifiedErrorId | Should -Be 'InvalidConnectionString,FaceNet.PowerShell.Commands.ImportFaceGalleryCommand'
        $r.Errors[0].Exception.Message | Should -Match 'Hots'
        $r.Text | Should -Not -Match $secret
    }
}

# A load scenario: a task of its own (./build.ps1 -Task LoadTest), not part of -Task Test.
Describe 'A PostgreSQL gallery under load: 8 writers at once, one killed' -Tag 'Load' -Skip:$noPostgres {
    It 'loses no photo and duplicates none; a re-run with -Append completes the gallery' {
        $lfw = Join-Path $ctx.SharedDir 'data/lfw-view1'
        $pool = if (Test-Path $lfw) {
            @(Get-ChildItem $lfw -Recurse -Filter *.jpg | Sort-Object FullName | Select-Object -First 2250)
        } else {
            Write-Host "../shared is absent: the load test repeats the $($photos.Count) demo photos under different names."
            $photos
        }
        $loadWork = Join-Path $work 'load'
        $set = New-SharedGalleryLoadSet -Work $loadWork -Pool $pool -Writers 8 -PerWriter 500
        $cs = New-GalleryDatabase
        $r = Invoke-SharedGalleryLoad -ModulePath $ctx.ModulePath -ConnectionString $cs -LoadSet $set -Work $loadWork
        Write-Host (("Load: {0} writers, {1} photos submitted, {2} distinct; {3:0.0} s; writer 0 killed at {4:0.0} s with {5} photos stored; " +
            "after the kill {6} photos, {7} faces; re-run {8:0.0} s; final {9} photos, {10} faces") -f $r.Writers, $r.Submitted, $r.Distinct,
            $r.LoadSeconds, $r.KilledAtSeconds, $r.PhotosAtKill, $r.AfterKill.Photos, $r.AfterKill.Faces, $r.RerunSeconds, $r.Photos, $r.Faces)
        $r.KilledWhileRunning | Should -BeTrue -Because 'writer 0 must be killed while it is writing'
        $r.ExitCodes[1..7] | Should -Be @(0, 0, 0, 0, 0, 0, 0) -Because ($r.Errors -join "`n")
        $r.ExitCodes[0] | Should -Not -Be 0
        $r.RerunExitCode | Should -Be 0 -Because ($r.Errors -join "`n")
        $r.DistinctHashes | Should -Be $r.Photos -Because 'no photo is stored twice'
        $r.PartialPhotos | Should -Be 0 -Because 'every photo has all its faces or is absent'
        $r.Faces | Should -Be $r.FacesRecorded
        $r.LabelMismatches | Should -Be 0
        $r.Photos | Should -Be $r.Distinct -Because 'the re-run brings the gallery to exactly the distinct photos'
        $r.Faces | Should -BeGreaterThan 0
    }
}
