#Requires -Version 7.4
<#
.SYNOPSIS
    Makes the face-api peer runnable for attribute runs and returns its folder: a writable copy of
    ../shared/peers/faceapi-node under out/peer (npm ci once), with faceapi-attributes.mjs beside its bench.mjs.
#>
param([Parameter(Mandatory)] [string] $Root)
$ErrorActionPreference = 'Stop'
$shared = Join-Path (Split-Path $Root -Parent) 'shared/peers/faceapi-node'
$peerDir = Join-Path $Root 'out/peer/faceapi-node'
if (-not (Test-Path (Join-Path $peerDir 'node_modules/@vladmandic/face-api'))) {
    if (-not (Test-Path $shared)) { throw "The peer runner is not at '$shared' (../shared/peers/faceapi-node)." }
    New-Item -ItemType Directory (Split-Path $peerDir) -Force | Out-Null
    Copy-Item $shared (Split-Path $peerDir) -Recurse -Force
    Push-Location $peerDir
    try { & npm ci --no-audit --no-fund | Out-Host; if ($LASTEXITCODE -ne 0) { throw 'npm ci failed for the peer.' } } finally { Pop-Location }
}
Copy-Item (Join-Path $PSScriptRoot 'faceapi-attributes.mjs') $peerDir -Force
$peerDir
