#Requires -Version 7.4
<#
.SYNOPSIS
    Checks every native library of the module (a folder, or the .nupkg) by its file header against the platform its
    runtimes/<rid>/native folder promises, and prints a table of library x platform.
.DESCRIPTION
    PE32+ x86-64 (machine 0x8664) for win-x64; Mach-O 64-bit arm64 (cputype 0x0100000C) for osx-arm64, where a
    universal (fat) Mach-O must hold an arm64 slice (SkiaSharp ships one universal libSkiaSharp.dylib under
    runtimes/osx); ELF64 little-endian aarch64 (e_machine 183) for linux-arm64 and x86-64 (62) for linux-x64.
    Returns one object per library and platform (-PassThru); throws when a library is missing or of the wrong kind.
.EXAMPLE
    ./tools/Test-PackageNatives.ps1 -ModulePath out/package/FaceNet.0.1.0.nupkg
#>
[CmdletBinding()]
param(
    # The module folder (out/FaceNet) or the package (out/package/FaceNet.<version>.nupkg).
    [Parameter(Mandatory)] [string] $ModulePath,
    # Also return the rows as objects.
    [switch] $PassThru
)
Set-StrictMode -Version Latest

# The platforms the package ships, each library's file name there, and the header it must have.
$platforms = [ordered]@{
    'win-x64'     = @{ Folders = @('win-x64'); Expect = 'PE32+ x86-64'; Names = @{ onnxruntime = 'onnxruntime.dll'; SkiaSharp = 'libSkiaSharp.dll'; e_sqlite3 = 'e_sqlite3.dll' } }
    'osx-arm64'   = @{ Folders = @('osx-arm64', 'osx'); Expect = 'Mach-O arm64'; Names = @{ onnxruntime = 'libonnxruntime.dylib'; SkiaSharp = 'libSkiaSharp.dylib'; e_sqlite3 = 'libe_sqlite3.dylib' } }
    # Not shipped: ONNX Runtime 1.31.1 publishes no macOS x86-64 build. Listed to show what is there (not counted).
    'osx-x64'     = @{ Folders = @('osx-x64', 'osx'); Expect = 'Mach-O x86-64'; NotShipped = $true; Names = @{ onnxruntime = 'libonnxruntime.dylib'; SkiaSharp = 'libSkiaSharp.dylib'; e_sqlite3 = 'libe_sqlite3.dylib' } }
    'linux-x64'   = @{ Folders = @('linux-x64'); Expect = 'ELF64 x86-64'; Names = @{ onnxruntime = 'libonnxruntime.so'; SkiaSharp = 'libSkiaSharp.so'; e_sqlite3 = 'libe_sqlite3.so' } }
    'linux-arm64' = @{ Folders = @('linux-arm64'); Expect = 'ELF64 aarch64'; Names = @{ onnxruntime = 'libonnxruntime.so'; SkiaSharp = 'libSkiaSharp.so'; e_sqlite3 = 'libe_sqlite3.so' } }
}

function Get-NativeKind([byte[]] $b) {
    <# The architecture a library's first bytes declare, in the words of $platforms' Expect (fat: every slice). #>
    if ($b.Length -ge 64 -and $b[0] -eq 0x4D -and $b[1] -eq 0x5A) {
        $pe = [BitConverter]::ToInt32($b, 0x3C)
        if ($pe + 26 -gt $b.Length -or [BitConverter]::ToUInt32($b, $pe) -ne 0x00004550) { return 'MZ without PE header' }
        $machine = [BitConverter]::ToUInt16($b, $pe + 4)
        $magic = [BitConverter]::ToUInt16($b, $pe + 24)   # optional header: 0x20B is PE32+
        $bits = if ($magic -eq 0x20B) { 'PE32+' } else { 'PE32' }
        $arch = switch ($machine) { 0x8664 { 'x86-64' } 0xAA64 { 'arm64' } 0x14C { 'x86' } default { '0x{0:X4}' -f $machine } }
        return "$bits $arch"
    }
    if ($b.Length -ge 20 -and $b[0] -eq 0x7F -and $b[1] -eq 0x45 -and $b[2] -eq 0x4C -and $b[3] -eq 0x46) {
        $class = if ($b[4] -eq 2) { 'ELF64' } else { 'ELF32' }
        $machine = [BitConverter]::ToUInt16($b, 18)
        $arch = switch ($machine) { 62 { 'x86-64' } 183 { 'aarch64' } 3 { 'x86' } 40 { 'arm' } default { "e_machine $machine" } }
        return "$class $arch"
    }
    $le = [BitConverter]::ToUInt32($b, 0)
    $cpu = { param($t) switch ($t) { 0x0100000Cu { 'arm64' } 0x01000007u { 'x86-64' } default { '0x{0:X8}' -f $t } } }
    if ($le -eq 0xFEEDFACFu) { return "Mach-O $(& $cpu ([BitConverter]::ToUInt32($b, 4)))" }
    # Universal: big-endian header, then nfat_arch entries of 20 bytes whose first field is the cputype.
    $be = { param($o) [uint32](([uint32]$b[$o] -shl 24) -bor ([uint32]$b[$o + 1] -shl 16) -bor ([uint32]$b[$o + 2] -shl 8) -bor $b[$o + 3]) }
    if ((& $be 0) -eq 0xCAFEBABEu) {
        $n = & $be 4
        $slices = for ($i = 0; $i -lt $n; $i++) { & $cpu (& $be (8 + 20 * $i)) }
        return "Mach-O universal ($($slices -join ', '))"
    }
    'unknown'
}

# Reads the first 4 KB of every runtimes/*/native file, from the folder or straight from the zip.
$headers = @{}
if ($ModulePath -like '*.nupkg') {
    Add-Type -AssemblyName System.IO.Compression.FileSystem
    $zip = [IO.Compression.ZipFile]::OpenRead((Resolve-Path $ModulePath).Path)
    try {
        foreach ($e in $zip.Entries | Where-Object FullName -Like 'runtimes/*/native/*') {
            $s = $e.Open(); try { $buf = [byte[]]::new(4096); $n = $s.ReadAtLeast($buf, 4096, $false); $headers[$e.FullName] = [byte[]]$buf[0..($n - 1)] } finally { $s.Dispose() }
        }
    }
    finally { $zip.Dispose() }
}
else {
    $root = (Resolve-Path $ModulePath).Path
    foreach ($f in Get-ChildItem (Join-Path $root 'runtimes') -Recurse -File) {
        $s = [IO.File]::OpenRead($f.FullName); try { $buf = [byte[]]::new(4096); $n = $s.ReadAtLeast($buf, 4096, $false); $headers[[IO.Path]::GetRelativePath($root, $f.FullName).Replace('\', '/')] = [byte[]]$buf[0..($n - 1)] } finally { $s.Dispose() }
    }
}

$bad = 0
$rows = foreach ($rid in $platforms.Keys) {
    $p = $platforms[$rid]
    foreach ($lib in 'onnxruntime', 'SkiaSharp', 'e_sqlite3') {
        $entry = $p.Folders | ForEach-Object { "runtimes/$_/native/$($p.Names[$lib])" } | Where-Object { $headers.ContainsKey($_) } | Select-Object -First 1
        $kind = if ($entry) { Get-NativeKind $headers[$entry] } else { 'missing' }
        $ok = $kind -eq $p.Expect -or ($kind -like 'Mach-O universal*' -and $kind -match [regex]::Escape($p.Expect.Split(' ')[1]))
        if (-not $ok -and -not $p.ContainsKey('NotShipped')) { $bad++ }
        [pscustomobject]@{ Library = $lib; Platform = $rid; Ok = $ok; Header = $kind; File = $entry }
    }
}
$rows | Format-Table Library, Platform, Ok, Header, File | Out-String -Width 160 | Write-Host
# Library x platform, as the issue asks for it.
$rows | Group-Object Library | ForEach-Object {
    $line = [ordered]@{ Library = $_.Name }
    foreach ($r in $_.Group) { $line[$r.Platform] = if ($r.Ok) { $r.Header } elseif ($platforms[$r.Platform].ContainsKey('NotShipped')) { "($($r.Header))" } else { "WRONG: $($r.Header)" } }
    [pscustomobject]$line
} | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
if ($PassThru) { $rows }
if ($bad) { throw "$bad native libraries are missing or built for the wrong platform (table above)." }
