#Requires -Version 7.4
# "Bring your own model": Get-FaceEmbedding -ModelPath <file.onnx> reads <file.json> beside it.
# The toy embedder (same contract as facenet-pytorch's InceptionResnetV1: 160x160 RGB in, 512-d out) is
# generated at test time by tools/FaceNet.ModelConverter, so nothing third-party is needed.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Ctx = Import-FaceNetUnderTest
    $script:Sample1 = Join-Path $Ctx.DemoDir 'sample1.jpg'

    $script:ToyOnnx = Join-Path $TestDrive 'toy.onnx'
    $converter = Join-Path $Ctx.RepoRoot 'tools/FaceNet.ModelConverter'
    $log = & dotnet run --project $converter -c Release -- toy-embedder --size 160 --dim 512 --out $ToyOnnx 2>&1
    if ($LASTEXITCODE -ne 0 -or -not (Test-Path $ToyOnnx)) {
        throw "The converter could not build the toy model (exit $LASTEXITCODE): $($log -join [Environment]::NewLine)"
    }

    function New-ToyDescriptor([string] $Path, [string] $Name = 'FaceNetVGGFace2Toy', [string] $Kind = 'Embedder') {
        @"
{
  "name": "$Name",
  "kind": "$Kind",
  "file": "toy.onnx",
  "input": { "name": "input", "width": 160, "height": 160, "channels": 3, "colorOrder": "RGB", "mean": [127.5, 127.5, 127.5], "std": [128, 128, 128] },
  "alignment": {
    "method": "Similarity5",
    "template": [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]]
  },
  "outputSize": 512,
  "metric": "Cosine",
  "defaultThreshold": 0.5
}
"@ | Set-Content -LiteralPath $Path -Encoding utf8NoBOM
    }
    New-ToyDescriptor (Join-Path $TestDrive 'toy.json')
}

Describe 'Get-FaceEmbedding -ModelPath (a user model with a JSON descriptor)' {
    It 'embeds every face of a photo with the described model' {
        $e = @(Get-FaceEmbedding -Path $Sample1 -ModelPath $ToyOnnx -ErrorAction Stop)
        $e.Count | Should -Be (Get-ExpectedFaceCount)['sample1.jpg']
        foreach ($x in $e) {
            $x.Model | Should -BeExactly 'FaceNetVGGFace2Toy'
            $x.Dimension | Should -Be 512
            Get-L2Norm $x.Vector | Should -BeGreaterThan 0.9999
            Get-L2Norm $x.Vector | Should -BeLessThan 1.0001
        }
        Get-CosineSimilarity $e[0].Vector $e[1].Vector | Should -BeLessThan 0.9999
    }

    It 'resolves a relative -ModelPath against the current location and gives the same vectors' {
        $a = @(Get-FaceEmbedding -Path $Sample1 -ModelPath $ToyOnnx -ErrorAction Stop)
        Push-Location $TestDrive
        try { $b = @(Get-FaceEmbedding -Path $Sample1 -ModelPath ./toy.onnx -ErrorAction Stop) }
        finally { Pop-Location }
        $b.Count | Should -Be $a.Count
        for ($i = 0; $i -lt $a.Count; $i++) { Get-MaxAbsDifference $a[$i].Vector $b[$i].Vector | Should -Be 0 }
    }

    It 'embeds faces piped from Get-Face with the user model' {
        $e = @(Get-Face -Path $Sample1 | Get-FaceEmbedding -ModelPath $ToyOnnx -ErrorAction Stop)
        $e.Count | Should -Be (Get-ExpectedFaceCount)['sample1.jpg']
        $e.Model | Sort-Object -Unique | Should -BeExactly 'FaceNetVGGFace2Toy'
    }

    It 'without a descriptor, stops with UnknownModel naming the expected .json path' {
        $lonely = Join-Path $TestDrive 'lonely.onnx'
        Copy-Item -LiteralPath $ToyOnnx -Destination $lonely
        $expected = Join-Path $TestDrive 'lonely.json'
        $err = { Get-FaceEmbedding -Path $Sample1 -ModelPath $lonely -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'UnknownModel,*'
        $err.Exception.Message.Contains($expected) | Should -BeTrue -Because "the message was: $($err.Exception.Message)"
    }

    It 'says that the .onnx file itself is missing, not its descriptor' {
        $missing = Join-Path $TestDrive 'nope.onnx'
        $err = { Get-FaceEmbedding -Path $Sample1 -ModelPath $missing -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'UnknownModel,*'
        $err.Exception.Message | Should -BeLike "*The model file '$missing' does not exist*"
        $err.Exception.Message | Should -Not -BeLike '*descriptor*needs*'
    }

    It 'rejects a descriptor that does not describe an embedder with UnknownModel' {
        $other = Join-Path $TestDrive 'detector.onnx'
        Copy-Item -LiteralPath $ToyOnnx -Destination $other
        New-ToyDescriptor (Join-Path $TestDrive 'detector.json') -Name 'NotAnEmbedder' -Kind 'Detector'
        $err = { Get-FaceEmbedding -Path $Sample1 -ModelPath $other -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'UnknownModel,*'
        $err.Exception.Message | Should -BeLike '*Embedder*'
    }
}
