using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Xunit;
using Xunit.Abstractions;

namespace FaceNet.ModelConverter.Tests;

/// <summary>
/// Proves models/dlib_resnet.onnx (written by tools/FaceNet.ModelConverter from face-api's tfjs
/// weights) reproduces face-api.js' FaceRecognitionNet numerically. References come from
/// tools/reference/dlib-reference.mjs, which generates the same synthetic pixels as
/// <see cref="ReferenceImages.Synthetic"/> plus lossless PNG face crops of face-api's demo photos, and
/// stores face-api's descriptors in tests/data/dlib-reference/dlib-reference.json.
/// </summary>
public sealed class DlibConversionTests(ITestOutputHelper output)
{
    private const int Size = 150;

    [Fact]
    public void Descriptors_match_face_api_reference_within_1e3()
    {
        using var session = new InferenceSession(ModelPath);
        foreach (var c in LoadReference())
        {
            var pixels = c.Png is null ? ReferenceImages.Synthetic(c.Seed!.Value, Size) : ReferenceImages.DecodePng(Path.Combine(DataDir, c.Png), Size);
            Assert.Equal(c.Fnv1a, ReferenceImages.Fnv1a(pixels)); // same input as the JS side, bit for bit

            var embedding = Run(session, Normalise(pixels), batch: 1);
            Assert.Equal(128, embedding.Length);
            var maxAbs = ReferenceImages.MaxAbsDiff(embedding, c.Descriptor);
            output.WriteLine($"{c.Name}: max |onnx - face-api| = {maxAbs:E3}");
            Assert.True(maxAbs <= 1e-3, $"{c.Name}: max |onnx - face-api| = {maxAbs:E3}");
        }
    }

    [Fact]
    public void Batch_of_three_equals_single_runs()
    {
        using var session = new InferenceSession(ModelPath);
        int[] seeds = [1, 2, 3];
        var singles = seeds.Select(s => Run(session, Normalise(ReferenceImages.Synthetic(s, Size)), batch: 1)).ToArray();
        var batched = Run(session, seeds.SelectMany(s => Normalise(ReferenceImages.Synthetic(s, Size))).ToArray(), batch: 3);

        Assert.Equal(3 * 128, batched.Length);
        for (var i = 0; i < seeds.Length; i++)
        {
            var maxAbs = ReferenceImages.MaxAbsDiff(batched.AsSpan(i * 128, 128).ToArray(), singles[i]);
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
    internal static float[] Normalise(byte[] hwc) => ReferenceImages.Normalise(hwc, Size, 256f);

    private static float[] Run(InferenceSession session, float[] nchw, int batch)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(nchw, [batch, 3, Size, Size]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["input"], [input], ["embedding"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

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
