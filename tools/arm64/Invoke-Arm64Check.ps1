#Requires -Version 7.4
<#
.SYNOPSIS
    Runs the module's linux-arm64 native libraries for real on an x86-64 Linux machine: a self-contained linux-arm64
    host (FaceNet.Arm64Check) under qemu-user, with Debian's arm64 C and C++ runtime as its sysroot.
.DESCRIPTION
    build.ps1 -Task PackageArm64Check calls this after building the package. Needs, and installs with apt when
    missing (root only): qemu-user-static; the arm64 libc6, libstdc++6, libgcc-s1 and libssl3 (.NET's hashing, for the
    models' sha256) are downloaded with
    'apt-get download' (after 'dpkg --add-architecture arm64') and unpacked into out/arm64-sysroot, not installed.
    The host's own copies of the three native libraries are deleted, so ONNX Runtime, SkiaSharp and SQLite load from
    the module's runtimes/linux-arm64/native through the module's resolver.
#>
param(
    [Parameter(Mandatory)] [string] $Root,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $Photo
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
if (-not $IsLinux -or [Runtime.InteropServices.RuntimeInformation]::OSArchitecture -ne 'X64') { throw 'The arm64 check runs on x86-64 Linux (it emulates arm64 with qemu-user).' }

function Invoke-Checked([string] $File, [string[]] $Arguments) {
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "'$File $($Arguments -join ' ')' failed with exit code $LASTEXITCODE." }
}

$qemu = (Get-Command qemu-aarch64-static -ErrorAction SilentlyContinue)?.Source
$sysroot = Join-Path $Root 'out/arm64-sysroot'
if (-not $qemu -or -not (Test-Path (Join-Path $sysroot 'lib/ld-linux-aarch64.so.1')) -or -not (Get-ChildItem $sysroot -Recurse -Filter 'libssl.so.3' -ErrorAction SilentlyContinue)) {
    if ((id -u) -ne '0' -or -not (Get-Command apt-get -ErrorAction SilentlyContinue)) {
        throw 'Needs qemu-user-static and an arm64 sysroot: run as root on Debian/Ubuntu (apt), or install qemu-user-static and put libc6, libstdc++6 and libgcc-s1 for arm64 under out/arm64-sysroot.'
    }
    $env:DEBIAN_FRONTEND = 'noninteractive'
    if (-not ((dpkg --print-foreign-architectures) -contains 'arm64')) { Invoke-Checked dpkg @('--add-architecture', 'arm64') }
    Invoke-Checked apt-get @('update', '-qq')
    if (-not $qemu) { Invoke-Checked apt-get @('install', '-y', '-qq', '--no-install-recommends', 'qemu-user-static'); $qemu = (Get-Command qemu-aarch64-static).Source }
    $debs = Join-Path $Root 'out/arm64-debs'
    if (Test-Path $debs) { Remove-Item $debs -Recurse -Force }
    New-Item -ItemType Directory $debs, $sysroot -Force | Out-Null
    Push-Location $debs
    try { Invoke-Checked apt-get @('download', '-qq', '-o', 'APT::Sandbox::User=root', 'libc6:arm64', 'libstdc++6:arm64', 'libgcc-s1:arm64', 'libssl3:arm64') } finally { Pop-Location }
    foreach ($deb in Get-ChildItem $debs -Filter *.deb) { Invoke-Checked dpkg @('-x', $deb.FullName, $sysroot) }
    # Debian's arm64 loader lives in /usr/lib/aarch64-linux-gnu with a /lib link only in the installed system.
    $loader = Get-ChildItem $sysroot -Recurse -Filter 'ld-linux-aarch64.so.1' | Select-Object -First 1
    New-Item -ItemType Directory (Join-Path $sysroot 'lib') -Force | Out-Null
    if (-not (Test-Path (Join-Path $sysroot 'lib/ld-linux-aarch64.so.1'))) { Copy-Item $loader.FullName (Join-Path $sysroot 'lib/ld-linux-aarch64.so.1') }
}

$hostDir = Join-Path $Root 'out/arm64-host'
Invoke-Checked dotnet @('publish', (Join-Path $PSScriptRoot 'FaceNet.Arm64Check/FaceNet.Arm64Check.csproj'), '-c', 'Release', '-r', 'linux-arm64',
    '--self-contained', '-o', $hostDir, '--nologo', '-v', 'quiet', '-p:NoWarn=CS0618')
Get-ChildItem $hostDir -Include 'libonnxruntime*.so', 'libSkiaSharp.so', 'libe_sqlite3.so' -Recurse | Remove-Item
Get-Item (Join-Path $hostDir 'FaceNet.Arm64Check') | ForEach-Object { Write-Host "host: $($_.FullName)" }

$env:QEMU_LD_PREFIX = $sysroot
$env:LD_LIBRARY_PATH = @('lib/aarch64-linux-gnu', 'usr/lib/aarch64-linux-gnu' | ForEach-Object { Join-Path $sysroot $_ }) -join ':'
$env:DOTNET_TieredPGO = '0'   # less JIT work under emulation
Write-Host "QEMU_LD_PREFIX=$sysroot $qemu $hostDir/FaceNet.Arm64Check $ModulePath $Photo"
$watch = [Diagnostics.Stopwatch]::StartNew()
& $qemu (Join-Path $hostDir 'FaceNet.Arm64Check') $ModulePath $Photo
$code = $LASTEXITCODE
Write-Host ("arm64 check finished with exit code {0} after {1:N0} s under emulation." -f $code, $watch.Elapsed.TotalSeconds)
if ($code -ne 0) { throw "The arm64 host failed (exit code $code)." }
