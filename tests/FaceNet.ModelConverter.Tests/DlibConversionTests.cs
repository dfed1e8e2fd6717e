using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using SkiaSharp;
using Xunit;
using Xunit.Abstractions;

namespace FaceNet.ModelConverter.Tests;

/// <summary>
/// Proves models/dlib_resnet.onnx (written by tools/FaceNet.ModelConverter from face-api's tfjs
/// weights) reproduces face-api.js' FaceRecognitionNet numerically. References come from
/// tools/reference/dlib-reference.mjs, which generates the same synthetic pixels as
/// <see cref="DlibSyntheticImage"/> plus lossless PNG face crops of face-api's demo photos, and
/// stores face-api's descriptors in tests/data/dlib-reference/dlib-reference.json.
/// </summary>
public sealed class DlibConversionTests(ITestOutputHelper output)
{
    private const int Size = 150;
    private static readonly float[] MeanRgb = [122.782f, 117.001f, 104.298f];

    [Fact]
    public void Descriptors_match_face_api_reference_within_1e3()
    {
        using var session = new InferenceSession(ModelPath);
        foreach (var c in LoadReference())
        {
            var pixels = c.Png is null ? DlibSyntheticImage.Generate(c.Seed!.Value) : DecodePng(Path.Combine(DataDir, c.Png));
            Assert.Equal(c.Fnv1a, DlibSyntheticImage.Fnv1a(pixels)); // same input as the JS side, bit for bit

            var embedding = Run(session, Normalise(pixels), batch: 1);
            Assert.Equal(128, embedding.Length);
            var maxAbs = MaxAbsDiff(embedding, c.Descriptor);
            output.WriteLine($"{c.Name}: max |onnx - face-api| = {maxAbs:E3}");
            Assert.True(maxAbs <= 1e-3, $"{c.Name}: max |onnx - face-api| = {maxAbs:E3}");
        }
    }

    [Fact]
    public void Batch_of_three_equals_single_runs()
    {
        using var session = new InferenceSession(ModelPath);
        int[] seeds = [1, 2, 3];
        var singles = seeds.Select(s => Run(session, Normalise(DlibSyntheticImage.Generate(s)), batch: 1)).ToArray();
        var batched = Run(session, seeds.SelectMany(s => Normalise(DlibSyntheticImage.Generate(s))).ToArray(), batch: 3);

        Assert.Equal(3 * 128, batched.Length);
        for (var i = 0; i < seeds.Length; i++)
        {
            var maxAbs = MaxAbsDiff(batched.AsSpan(i * 128, 128).ToArray(), singles[i]);
            output.WriteLine($"row {i}: max |batched - single| = {maxAbs:E3}");
            Assert.True(maxAbs <= 1e-4, $"row {i}: max |batched - single| = {maxAbs:E3}");
        }
    }

    [Fact]
    public void Model_exposes_the_engine_contract()
    {
        using var session = new InferenceSession(ModelPath);
        var input = Assert.Single(session.InputMetadata);
        Assert.Equal("input", input.Key);
        Assert.Equal([-1, 3, Size, Size], input.Value.Dimensions);
        Assert.Equal("N", input.Value.SymbolicDimensions[0]);
        var output = Assert.Single(session.OutputMetadata);
        Assert.Equal("embedding", output.Key);
        Assert.Equal([-1, 128], output.Value.Dimensions);
    }

    /// <summary>HWC RGB bytes -> NCHW float, (p - mean_c) / 256: the model's input contract (dlib's input layer).</summary>
    internal static float[] Normalise(byte[] hwc)
    {
        var chw = new float[3 * Size * Size];
        for (var i = 0; i < Size * Size; i++)
        for (var c = 0; c < 3; c++)
            chw[c * Size * Size + i] = (hwc[i * 3 + c] - MeanRgb[c]) / 256f;
        return chw;
    }

    /// <summary>Lossless PNG -> HWC RGB bytes (GetPixel is independent of Skia's native colour type).</summary>
    private static byte[] DecodePng(string path)
    {
        using var bitmap = SKBitmap.Decode(path) ?? throw new InvalidDataException($"cannot decode {path}");
        Assert.Equal(Size, bitmap.Width);
        Assert.Equal(Size, bitmap.Height);
        var hwc = new byte[Size * Size * 3];
        for (var y = 0; y < Size; y++)
        for (var x = 0; x < Size; x++)
        {
            var p = bitmap.GetPixel(x, y);
            var i = (y * Size + x) * 3;
            (hwc[i], hwc[i + 1], hwc[i + 2]) = (p.Red, p.Green, p.Blue);
        }
        return hwc;
    }

    private static float[] Run(InferenceSession session, float[] nchw, int batch)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(nchw, [batch, 3, Size, Size]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["input"], [input], ["embedding"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private static double MaxAbsDiff(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();

    /// <summary>Either Seed (synthetic image) or Png (file name in the data folder) is set.</summary>
    private sealed record ReferenceCase(string Name, int? Seed, string? Png, uint Fnv1a, float[] Descriptor);

    private static string DataDir => Path.Combine(RepoRoot, "tests", "data", "dlib-reference");

    private static List<ReferenceCase> LoadReference()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(DataDir, "dlib-reference.json")));
        var cases = doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => new ReferenceCase(
            c.GetProperty("name").GetString()!,
            c.TryGetProperty("seed", out var seed) ? seed.GetInt32() : null,
            c.TryGetProperty("png", out var png) ? png.GetString() : null,
            c.GetProperty("fnv1a").GetUInt32(),
            c.GetProperty("descriptor").EnumerateArray().Select(v => v.GetSingle()).ToArray())).ToList();
        Assert.True(cases.Count >= 6, "expected at least 6 reference cases");
        Assert.Contains(cases, c => c.Png is not null); // real faces, not only synthetic patterns
        return cases;
    }

    private static string ModelPath => Path.Combine(RepoRoot, "models", "dlib_resnet.onnx");

    private static readonly Lazy<string> LazyRepoRoot = new(FindRepoRoot);

    private static string RepoRoot => LazyRepoRoot.Value;

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FaceNet.sln")) || File.Exists(Path.Combine(dir.FullName, "models", "models.json")))
                return dir.FullName;
        }
        throw new DirectoryNotFoundException($"Repository root not found above {AppContext.BaseDirectory}");
    }
}

/// <summary>
/// Deterministic 150x150 RGB test image from a seed, integer arithmetic only so it is identical to
/// makeImage() in tools/reference/dlib-reference.mjs (keep the two in sync): a linear colour gradient,
/// a few flat-coloured discs and a small hash noise.
/// </summary>
internal static class DlibSyntheticImage
{
    private const int Size = 150;

    public static byte[] Generate(int seed)
    {
        var state = 0x9E3779B9u ^ unchecked((uint)seed * 0x85EBCA6Bu);
        uint Next()
        {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            return state;
        }

        int[] baseColour = new int[3], gx = new int[3], gy = new int[3];
        for (var c = 0; c < 3; c++)
        {
            baseColour[c] = (int)(Next() % 256);
            gx[c] = (int)(Next() % 129) - 64;
            gy[c] = (int)(Next() % 129) - 64;
        }
        var count = 3 + (int)(Next() % 5);
        var circles = new (int Cx, int Cy, int R, int[] Rgb)[count];
        for (var k = 0; k < count; k++)
        {
            int cx = (int)(Next() % Size), cy = (int)(Next() % Size), r = 8 + (int)(Next() % 40);
            circles[k] = (cx, cy, r, [(int)(Next() % 256), (int)(Next() % 256), (int)(Next() % 256)]);
        }

        var px = new byte[Size * Size * 3];
        Span<int> rgb = stackalloc int[3];
        for (var y = 0; y < Size; y++)
        for (var x = 0; x < Size; x++)
        {
            for (var c = 0; c < 3; c++) rgb[c] = baseColour[c] + ((gx[c] * x + gy[c] * y) >> 6);
            foreach (var ci in circles)
            {
                int dx = x - ci.Cx, dy = y - ci.Cy;
                if (dx * dx + dy * dy <= ci.R * ci.R) ci.Rgb.CopyTo(rgb);
            }
            for (var c = 0; c < 3; c++)
            {
                var h = unchecked((uint)((x + 1) * 0x27D4EB2D) ^ (uint)((y + 1) * 0x165667B1) ^ (uint)((c + seed) * 0x61C88647));
                h ^= h >> 15;
                var noise = (int)(h % 17) - 8;
                px[(y * Size + x) * 3 + c] = (byte)Math.Clamp(rgb[c] + noise, 0, 255);
            }
        }
        return px;
    }

    public static uint Fnv1a(byte[] bytes)
    {
        var h = 0x811C9DC5u;
        foreach (var b in bytes) h = unchecked((h ^ b) * 0x01000193u);
        return h;
    }
}
