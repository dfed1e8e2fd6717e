using System.Text.Json;

namespace FaceNet.ModelConverter.Tflite;

/// <summary>One numerical-check case: which net, which pixels, and the reference outputs (ONNX layout, NCHW in image orientation).</summary>
public sealed record MtcnnReferenceCase
{
    public string Name { get; init; } = "";
    public string Net { get; init; } = "";
    public int Width { get; init; }
    public int Height { get; init; }
    /// <summary>Synthetic seed, or null when the pixels are Ppm resized (nearest) to Width x Height.</summary>
    public int? Seed { get; init; }
    public string? Ppm { get; init; }
    public uint Fnv1a { get; init; }
    public Dictionary<string, int[]> Shapes { get; init; } = [];
    public Dictionary<string, float[]> Outputs { get; init; } = [];
}

/// <summary>
/// Inputs for the MTCNN conversion check and the generator of the stored reference outputs
/// (tests/data/mtcnn-reference/mtcnn-reference.json). The tests rebuild the same RGB bytes with
/// <see cref="Pixels"/> and compare ONNX Runtime on models/mtcnn_*.onnx against the stored values.
/// </summary>
public static class MtcnnReference
{
    public static readonly (string Name, string Net, int W, int H, int? Seed)[] Cases =
    [
        ("pnet-synthetic-61x47", "pnet", 61, 47, 1),
        ("pnet-face-90x70", "pnet", 90, 70, null),
        ("rnet-synthetic", "rnet", 24, 24, 2),
        ("rnet-face", "rnet", 24, 24, null),
        ("onet-synthetic", "onet", 48, 48, 3),
        ("onet-face", "onet", 48, 48, null),
    ];

    public const string FacePpm = "face.ppm";

    /// <summary>Interleaved RGB bytes, row-major, width x height.</summary>
    public static byte[] Pixels(int width, int height, int? seed, string? ppmPath)
    {
        if (seed is { } s) return Synthetic(s, width, height);
        var (pw, ph, src) = ReadPpm(ppmPath ?? throw new ArgumentNullException(nameof(ppmPath)));
        var px = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
        {
            int sx = x * pw / width, sy = y * ph / height;
            for (int c = 0; c < 3; c++) px[(y * width + x) * 3 + c] = src[(sy * pw + sx) * 3 + c];
        }
        return px;
    }

    /// <summary>Gradient plus discs plus a little xorshift noise: deterministic, integer-only.</summary>
    public static byte[] Synthetic(int seed, int width, int height)
    {
        var state = 0x2545F491u ^ unchecked((uint)seed * 0x9E3779B9u);
        uint Next() { state ^= state << 13; state ^= state >> 17; state ^= state << 5; return state; }
        int[] b = new int[3], gx = new int[3], gy = new int[3];
        for (int c = 0; c < 3; c++) { b[c] = (int)(Next() % 256); gx[c] = (int)(Next() % 129) - 64; gy[c] = (int)(Next() % 129) - 64; }
        int count = 2 + (int)(Next() % 4);
        var discs = new (int X, int Y, int R, int[] Rgb)[count];
        for (int k = 0; k < count; k++)
            discs[k] = ((int)(Next() % (uint)width), (int)(Next() % (uint)height), 3 + (int)(Next() % 12), [(int)(Next() % 256), (int)(Next() % 256), (int)(Next() % 256)]);
        var px = new byte[width * height * 3];
        Span<int> rgb = stackalloc int[3];
        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
        {
            for (int c = 0; c < 3; c++) rgb[c] = b[c] + ((gx[c] * x + gy[c] * y) >> 4) + (int)(Next() % 17) - 8;
            foreach (var d in discs)
                if ((x - d.X) * (x - d.X) + (y - d.Y) * (y - d.Y) <= d.R * d.R) d.Rgb.CopyTo(rgb);
            for (int c = 0; c < 3; c++) px[(y * width + x) * 3 + c] = (byte)Math.Clamp(rgb[c], 0, 255);
        }
        return px;
    }

    public static (int W, int H, byte[] Rgb) ReadPpm(string path)
    {
        var data = File.ReadAllBytes(path);
        int pos = 0;
        string Token()
        {
            while (char.IsWhiteSpace((char)data[pos]) || data[pos] == '#')
                if (data[pos] == '#') while (data[pos] != '\n') pos++; else pos++;
            int start = pos;
            while (!char.IsWhiteSpace((char)data[pos])) pos++;
            return System.Text.Encoding.ASCII.GetString(data, start, pos - start);
        }
        if (Token() != "P6") throw new InvalidDataException($"{path}: not a binary PPM (P6).");
        int w = int.Parse(Token()), h = int.Parse(Token()), max = int.Parse(Token());
        if (max != 255) throw new InvalidDataException($"{path}: only 8-bit PPM is supported.");
        pos++; // single whitespace after maxval
        return (w, h, data.AsSpan(pos, w * h * 3).ToArray());
    }

    public static uint Fnv1a(ReadOnlySpan<byte> bytes)
    {
        uint h = 2166136261;
        foreach (var b in bytes) { h ^= b; h *= 16777619; }
        return h;
    }

    /// <summary>MTCNN.kt's normalisation, (v - 127.5) / 128, into NCHW in image orientation (the ONNX input).</summary>
    public static float[] ToOnnxInput(byte[] rgb, int width, int height)
    {
        var t = new float[3 * width * height];
        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
        for (int c = 0; c < 3; c++)
            t[(c * height + y) * width + x] = (rgb[(y * width + x) * 3 + c] - 127.5f) / 128f;
        return t;
    }

    /// <summary>The TFLite input as MTCNN.kt builds it: NHWC of the transposed image, [1, width, height, 3].</summary>
    public static NdArray ToTfliteInput(byte[] rgb, int width, int height)
    {
        var t = new float[3 * width * height];
        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
        for (int c = 0; c < 3; c++)
            t[(x * height + y) * 3 + c] = (rgb[(y * width + x) * 3 + c] - 127.5f) / 128f;
        return new NdArray([1, width, height, 3], t);
    }

    /// <summary>Runs the reference interpreter on every case and writes the JSON the tests read.</summary>
    public static void Generate(string assetsDir, string referenceDir, TextWriter log)
    {
        var models = new Dictionary<string, TfliteModel>();
        var cases = new List<MtcnnReferenceCase>();
        foreach (var (name, net, w, h, seed) in Cases)
        {
            var model = models.TryGetValue(net, out var cached) ? cached : models[net] = TfliteModel.Load(Path.Combine(assetsDir, net + ".tflite"));
            var rgb = Pixels(w, h, seed, seed is null ? Path.Combine(referenceDir, FacePpm) : null);
            var outputs = TfliteReference.Run(model, ToTfliteInput(rgb, w, h));
            var shapes = new Dictionary<string, int[]>();
            var values = new Dictionary<string, float[]>();
            foreach (var (tflName, arr) in outputs)
            {
                string key = tflName.EndsWith("prob1") ? "prob" : tflName.Contains("conv6-3") ? "landmarks" : "reg";
                if (arr.Shape.Length == 4)
                {
                    // [1, W', H', C] (transposed) -> [1, C, H', W'] (image orientation)
                    int ow = arr.Shape[1], oh = arr.Shape[2], oc = arr.Shape[3];
                    var v = new float[oc * oh * ow];
                    for (int x = 0; x < ow; x++)
                    for (int y = 0; y < oh; y++)
                    for (int c = 0; c < oc; c++)
                        v[(c * oh + y) * ow + x] = arr.Data[(x * oh + y) * oc + c];
                    shapes[key] = [1, oc, oh, ow];
                    values[key] = v;
                }
                else
                {
                    shapes[key] = arr.Shape;
                    values[key] = arr.Data;
                }
            }
            cases.Add(new MtcnnReferenceCase
            {
                Name = name, Net = net, Width = w, Height = h, Seed = seed, Ppm = seed is null ? FacePpm : null,
                Fnv1a = Fnv1a(rgb), Shapes = shapes, Outputs = values,
            });
            log.WriteLine($"{name}: " + string.Join(", ", shapes.Select(s => $"{s.Key}[{string.Join(",", s.Value)}]"))
                + (values.TryGetValue("prob", out var p) && p.Length == 2 ? $" face prob {p[1]:F4}" : ""));
        }
        var json = JsonSerializer.Serialize(new { generator = "FaceNet.ModelConverter mtcnn (TfliteReference: naive NHWC interpreter of the .tflite graphs)", cases },
            new JsonSerializerOptions { WriteIndented = false, PropertyNamingPolicy = JsonNamingPolicy.CamelCase });
        File.WriteAllText(Path.Combine(referenceDir, "mtcnn-reference.json"), json);
    }
}
