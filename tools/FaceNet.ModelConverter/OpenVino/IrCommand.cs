using System.Security.Cryptography;
using System.Text.Json;

namespace FaceNet.ModelConverter.OpenVino;

/// <summary>openvino: IR -> ONNX, and optionally the reference interpreter's outputs on fixed inputs for the test.</summary>
public static class IrCommand
{
    public static int Run(string[] args, TextWriter output)
    {
        string? xml = null, bin = null, outPath = null, reference = null;
        for (int i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--xml" when i + 1 < args.Length: xml = args[++i]; break;
                case "--bin" when i + 1 < args.Length: bin = args[++i]; break;
                case "--out" when i + 1 < args.Length: outPath = args[++i]; break;
                case "--reference" when i + 1 < args.Length: reference = args[++i]; break;
                default: Console.Error.WriteLine($"error: unexpected argument '{args[i]}'"); return 2;
            }
        }
        if (xml is null || bin is null || outPath is null) { Console.Error.WriteLine("error: openvino needs --xml, --bin and --out"); return 2; }
        var ir = IrModel.Load(xml, bin);
        var name = Path.GetFileNameWithoutExtension(xml);
        var bytes = IrToOnnx.Convert(ir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
        File.WriteAllBytes(outPath, bytes);
        output.WriteLine($"{xml}: sha256 {Sha(File.ReadAllBytes(xml))}; {bin}: sha256 {Sha(File.ReadAllBytes(bin))}");
        output.WriteLine($"  {ir.Layers.Count} layers: {string.Join(", ", ir.Layers.GroupBy(l => l.Type).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}"))}");
        output.WriteLine($"wrote {outPath}: {bytes.Length:N0} bytes, sha256 {Sha(bytes)}");
        if (reference is not null)
        {
            var input = ir.Layers.First(l => l.Type == "Parameter").Outputs[0].Dims;
            int c = input[1], h = input[2], w = input[3];
            var cases = ReferenceInputs.All(c, h, w).Select(x => new { x.Name, Output = IrReference.Run(ir, x.Values, c, h, w) }).ToList();
            Directory.CreateDirectory(reference);
            var file = Path.Combine(reference, name + "-reference.json");
            File.WriteAllText(file, JsonSerializer.Serialize(new
            {
                source = new { xml = Path.GetFileName(xml), xmlSha256 = Sha(File.ReadAllBytes(xml)), bin = Path.GetFileName(bin), binSha256 = Sha(File.ReadAllBytes(bin)) },
                input = new { channels = c, height = h, width = w, note = "inputs are made by ReferenceInputs.All (tools/FaceNet.ModelConverter/OpenVino/ReferenceInputs.cs)" },
                cases,
            }, new JsonSerializerOptions { WriteIndented = false }));
            output.WriteLine($"wrote {file}: {cases.Count} reference outputs from the IR interpreter");
        }
        return 0;
    }

    private static string Sha(byte[] b) => Convert.ToHexString(SHA256.HashData(b)).ToLowerInvariant();
}

/// <summary>Deterministic, image-like inputs (0-255, smooth shapes plus noise) for the reference outputs and the test.</summary>
public static class ReferenceInputs
{
    public static IEnumerable<(string Name, float[] Values)> All(int channels, int height, int width)
    {
        yield return ("gradient-and-noise", Make(channels, height, width, seed: 1, (c, y, x) => 255f * (x + y) / (width + height) + 30 * c));
        yield return ("face-like-blobs", Make(channels, height, width, seed: 2, (c, y, x) =>
        {
            // A bright oval with two dark eye blobs and a mouth bar on a mid-grey ground.
            float cx = width / 2f, cy = height / 2f;
            float oval = ((x - cx) * (x - cx)) / (0.16f * width * width) + ((y - cy) * (y - cy)) / (0.22f * height * height);
            float v = oval < 1 ? 200 - 20 * c : 90;
            if (MathF.Abs(y - 0.42f * height) < 0.05f * height && (MathF.Abs(x - 0.35f * width) < 0.07f * width || MathF.Abs(x - 0.65f * width) < 0.07f * width)) v = 40;
            if (MathF.Abs(y - 0.72f * height) < 0.03f * height && MathF.Abs(x - cx) < 0.15f * width) v = 60;
            return v;
        }));
        yield return ("noise", Make(channels, height, width, seed: 3, (_, _, _) => 128));
    }

    private static float[] Make(int channels, int height, int width, int seed, Func<int, int, int, float> f)
    {
        var rnd = new Random(seed);
        var v = new float[channels * height * width];
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                    v[(c * height + y) * width + x] = Math.Clamp(f(c, y, x) + (float)(rnd.NextDouble() * 60 - 30), 0, 255);
        return v;
    }
}
