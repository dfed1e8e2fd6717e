# A throwaway PostgreSQL cluster for the tests and benchmarks: initdb into a temporary folder, pg_ctl on a free
# localhost port, password (SCRAM) authentication over TCP, stopped and removed by Stop-TestPostgres.
# PostgreSQL refuses to run as root, so as root the cluster runs as the 'postgres' account (or 'nobody') via runuser.

Set-StrictMode -Version Latest

function Find-PostgresBin {
    $candidates = @()
    if ($env:FACENET_PG_BIN) { $candidates += $env:FACENET_PG_BIN }
    $pgConfig = Get-Command pg_config -ErrorAction SilentlyContinue
    if ($pgConfig) { $candidates += (& $pgConfig.Source --bindir 2>$null) }
    $candidates += @(Get-ChildItem '/usr/lib/postgresql/*/bin' -Directory -ErrorAction SilentlyContinue |
        Sort-Object { [int]($_.Parent.Name -replace '\D', '') } -Descending | ForEach-Object FullName)
    $initdb = Get-Command initdb -ErrorAction SilentlyContinue
    if ($initdb) { $candidates += (Split-Path $initdb.Source) }
    foreach ($dir in $candidates) {
        if ($dir -and (Test-Path (Join-Path $dir 'initdb')) -and (Test-Path (Join-Path $dir 'pg_ctl'))) { return $dir }
    }
    $null
}

function Get-FreeTcpPort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

<#
.SYNOPSIS
    Starts a throwaway cluster; returns an object with ConnectionString (superuser 'facenet_admin', with password),
    Host, Port, Password, Folder, Bin, or $null with a warning when no PostgreSQL binaries exist.
#>
function Start-TestPostgres {
    [CmdletBinding()]
    param()
    $bin = Find-PostgresBin
    if (-not $bin) {
        Write-Warning 'No PostgreSQL binaries (initdb, pg_ctl) were found: the PostgreSQL gallery tests will be skipped. Install them with: apt-get install postgresql'
        return $null
    }
    $isRoot = $IsLinux -and ((& id -u) -eq '0')
    $runAs = $null
    if ($isRoot) {
        foreach ($user in 'postgres', 'nobody') {
            & id -u $user *> $null
            if ($LASTEXITCODE -eq 0) { $runAs = $user; break }
        }
        if (-not $runAs) { Write-Warning 'Running as root and neither a postgres nor a nobody account exists: PostgreSQL cannot start.'; return $null }
    }
    $folder = Join-Path ([System.IO.Path]::GetTempPath()) ('facenet-pg-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory $folder | Out-Null
    $data = Join-Path $folder 'data'
    $password = 'pg-' + [guid]::NewGuid().ToString('N')
    $pwfile = Join-Path $folder 'pwfile'
    Set-Content -LiteralPath $pwfile -Value $password -NoNewline
    $port = Get-FreeTcpPort
    $log = Join-Path $folder 'postgres.log'
    if ($runAs) { & chown -R $runAs $folder; & chmod 700 $folder }

    function Invoke-AsOwner([string] $Tool, [string[]] $Arguments) {
        $exe = Join-Path $bin $Tool
        $output = if ($runAs) { & runuser -u $runAs -- $exe @Arguments 2>&1 } else { & $exe @Arguments 2>&1 }
        if ($LASTEXITCODE -ne 0) { throw "$Tool failed ($LASTEXITCODE): $($output -join [Environment]::NewLine)" }
    }

    try {
        Invoke-AsOwner 'initdb' @('-D', $data, '-U', 'facenet_admin', "--pwfile=$pwfile", '--auth-host=scram-sha-256',
            '--auth-local=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync')
        & rm -f $pwfile
        # fsync off: a test cluster is thrown away; a killed client (not server) is what the fault test exercises.
        $options = "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='$folder' -c fsync=off -c max_connections=100"
        Invoke-AsOwner 'pg_ctl' @('-D', $data, '-l', $log, '-o', $options, '-w', '-t', '60', 'start')
    }
    catch {
        # The server's own log says why it did not start (port, permissions, shared memory): keep its end in the error.
        $tail = if (Test-Path -LiteralPath $log) { (Get-Content -LiteralPath $log -Tail 15) -join [Environment]::NewLine } else { '' }
        Remove-Item -LiteralPath $folder -Recurse -Force -ErrorAction SilentlyContinue
        throw "$_$(if ($tail) { [Environment]::NewLine + 'postgres.log: ' + $tail })"
    }
    [pscustomobject]@{
        Host = '127.0.0.1'
        Port = $port
        Username = 'facenet_admin'
        Password = $password
        ConnectionString = "Host=127.0.0.1;Port=$port;Username=facenet_admin;Password=$password;Database=postgres"
        Folder = $folder
        Data = $data
        Bin = $bin
        RunAs = $runAs
    }
}

<# .SYNOPSIS Stops a cluster from Start-TestPostgres (fast shutdown) and removes its folder. #>
function Stop-TestPostgres {
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Cluster)
    if (-not $Cluster) { return }
    $exe = Join-Path $Cluster.Bin 'pg_ctl'
    $arguments = @('-D', $Cluster.Data, '-m', 'fast', '-w', '-t', '30', 'stop')
    if ($Cluster.RunAs) { & runuser -u $Cluster.RunAs -- $exe @arguments *> $null } else { & $exe @arguments *> $null }
    if ($LASTEXITCODE -ne 0) {
        $arguments[3] = 'immediate'
        if ($Cluster.RunAs) { & runuser -u $Cluster.RunAs -- $exe @arguments *> $null } else { & $exe @arguments *> $null }
    }
    Remove-Item -LiteralPath $Cluster.Folder -Recurse -Force -ErrorAction SilentlyContinue
}

Export-ModuleMember -Function Start-TestPostgres, Stop-TestPostgres
