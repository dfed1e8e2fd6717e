using FaceNet.ModelConverter;

// Usage:
//   dotnet run --project tools/FaceNet.ModelConverter -- dlib --manifest <weights_manifest.json> [--weights <model.bin>] --out models/dlib_resnet.onnx [--float32]
// The converter is run by a developer when (re)building shipped models; the engine never calls it.

static int Usage(string? error = null)
{
    if (error is not null) Console.Error.WriteLine($"error: {error}");
    Console.Error.WriteLine("usage: FaceNet.ModelConverter dlib --manifest <face_recognition_model-weights_manifest.json> [--weights <face_recognition_model.bin>] --out <file.onnx> [--float32]");
    return 2;
}

if (args.Length == 0 || args[0] != "dlib") return Usage(args.Length == 0 ? null : $"unknown model kind '{args[0]}'");

string? manifest = null, weights = null, output = null;
var float32 = false;
for (var i = 1; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--manifest" when i + 1 < args.Length: manifest = args[++i]; break;
        case "--weights" when i + 1 < args.Length: weights = args[++i]; break;
        case "--out" when i + 1 < args.Length: output = args[++i]; break;
        case "--float32": float32 = true; break;
        default: return Usage($"unexpected argument '{args[i]}'");
    }
}
if (manifest is null || output is null) return Usage("--manifest and --out are required");

var tfjs = TfjsWeights.Load(manifest, weights);
var bytes = new DlibResNetConverter(tfjs, keepUInt8: !float32).Convert();
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
File.WriteAllBytes(output, bytes);
Console.WriteLine($"wrote {output}: {bytes.Length:N0} bytes from {tfjs.Tensors.Count} tensors ({tfjs.Tensors.Count(t => t.IsUInt8Quantized)} uint8-quantised)");
return 0;
