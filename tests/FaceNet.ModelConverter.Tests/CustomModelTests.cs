using FaceNet.Engine.Imaging;
using FaceNet.Engine.Models;
using FaceNet.Engine.Pipeline;
using FaceNet.Engine.Vectors;
using FaceNet.ModelConverter;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit;
using Xunit.Abstractions;
using FaceNet.TestSupport;

namespace FaceNet.ModelConverter.Tests;

/// <summary>
/// "Bring your own model": a user's ONNX embedder described by a JSON descriptor beside it (same schema
/// as a models/models.json entry). The real facenet-pytorch InceptionResnetV1 is not available offline,
/// so a toy embedder with the same contract (160x160 RGB in, 512-d out) is built by
/// tools/FaceNet.ModelConverter's <see cref="ToyEmbedder"/> into a temporary folder.
/// </summary>
public sealed class CustomModelTests(ITestOutputHelper output) : IDisposable
{
    private const string ToyName = "FaceNetVGGFace2Toy";
    private readonly string _dir = Directory.CreateTempSubdirectory("facenet-custom-model-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static ModelManifest Shipped => ModelManifest.Load(Path.Combine(TestData.ModelsDir, "models.json"));

    /// <summary>Writes the toy model (once per folder) and a descriptor for it; returns the descriptor's path.</summary>
    private string WriteModel(string descriptorName, string name = ToyName, int outputSize = 512, string file = "toy.onnx", bool mirror = false)
    {
        var onnx = Path.Combine(_dir, "toy.onnx");
        if (!File.Exists(onnx)) File.WriteAllBytes(onnx, ToyEmbedder.Build(size: 160, dim: 512));
        var json = $$"""
            {
              "name": "{{name}}",
              "kind": "Embedder",
              "file": "{{file}}",
              "source": { "upstream": "FaceNet.ModelConverter toy-embedder (stands in for facenet-pytorch InceptionResnetV1 VGGFace2)", "licence": "n/a (generated)" },
              "input": { "name": "input", "width": 160, "height": 160, "channels": 3, "colorOrder": "RGB", "mean": [127.5, 127.5, 127.5], "std": [128, 128, 128] },
              "alignment": {
                "method": "Similarity5",
                "template": [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]]
              },
              "outputSize": {{outputSize}},
              "metric": "Cosine",
              "mirror": {{(mirror ? "true" : "false")}},
              "defaultThreshold": 0.5
            }
            """;
        var path = Path.Combine(_dir, descriptorName);
        File.WriteAllText(path, json);
        return path;
    }

    private static (FaceImage Image, FaceAnalyzer Analyzer, IReadOnlyList<AnalyzedFace> Faces) Analyze(ModelManifest manifest)
    {
        var analyzer = new FaceAnalyzer(manifest);
        var image = ImageLoader.Load(TestData.Sample(1));
        return (image, analyzer, analyzer.Detect(image));
    }

    [Fact]
    public void Toy_model_has_the_facenet_contract_and_batches_consistently()
    {
        using var session = new InferenceSession(ToyEmbedder.Build(size: 160, dim: 512));
        var input = Assert.Single(session.InputMetadata);
        Assert.Equal("input", input.Key);
        Assert.Equal([-1, 3, 160, 160], input.Value.Dimensions);
        var outputMeta = Assert.Single(session.OutputMetadata);
        Assert.Equal([-1, 512], outputMeta.Value.Dimensions);

        // Two different synthetic images, alone and as a batch of two.
        var pixels = new float[2 * 3 * 160 * 160];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = MathF.Sin(i * (i < pixels.Length / 2 ? 0.001f : 0.0037f));
        float[] Run(int batch, int offset)
        {
            var t = new DenseTensor<float>(pixels.AsMemory(offset, batch * 3 * 160 * 160), [batch, 3, 160, 160]);
            using var r = session.Run([NamedOnnxValue.CreateFromTensor("input", t)]);
            return r[0].AsEnumerable<float>().ToArray();
        }
        var a = Run(1, 0);
        var b = Run(1, 3 * 160 * 160);
        var both = Run(2, 0);
        Assert.Equal(1024, both.Length);
        Assert.Equal(a, both[..512], new Tolerance(1e-5f));
        Assert.Equal(b, both[512..], new Tolerance(1e-5f));
        Assert.NotEqual(a, b, new Tolerance(1e-3f));
        Assert.Equal(ToyEmbedder.Build(160, 512), ToyEmbedder.Build(160, 512)); // deterministic bytes
    }

    [Fact]
    public void Descriptor_beside_a_user_model_drives_the_whole_pipeline()
    {
        var descriptor = ModelManifest.LoadDescriptor(WriteModel("toy.json"));
        Assert.Equal(Path.Combine(_dir, "toy.onnx"), descriptor.File); // relative to the descriptor's folder
        var manifest = Shipped.With([descriptor]);
        Assert.True(manifest.Get(ToyName).IsEmbedder);

        var (image, analyzer, faces) = Analyze(manifest);
        using var _ = image;
        Assert.True(faces.Count >= 2, $"sample1.jpg should have several faces, found {faces.Count}.");
        var embedder = analyzer.Embedder(ToyName);
        Assert.Equal(512, embedder.Dimension);
        Assert.Equal(0.5f, embedder.DefaultThreshold);

        var vectors = analyzer.Embed(image, faces, ToyName);
        var again = analyzer.Embed(image, faces, ToyName);
        Assert.Equal(faces.Count, vectors.Length);
        for (int i = 0; i < vectors.Length; i++)
        {
            Assert.Equal(512, vectors[i].Length);
            var norm = MathF.Sqrt(vectors[i].Sum(x => x * x));
            Assert.InRange(norm, 1 - 1e-4f, 1 + 1e-4f);
            Assert.Equal(vectors[i], again[i]); // same face twice: bit-identical
            for (int j = 0; j < i; j++)
            {
                var cos = VectorMath.Dot(vectors[i], vectors[j]);
                output.WriteLine($"cos(face {j}, face {i}) = {cos:0.00000}");
                Assert.True(cos < 0.9999f, $"faces {j} and {i} gave (nearly) the same vector: cos = {cos}");
            }
        }
    }

    [Fact]
    public void Mirror_option_is_honoured_and_the_mirror_symmetric_toy_gives_the_same_vectors()
    {
        var plain = ModelManifest.LoadDescriptor(WriteModel("toy.json"));
        var mirrored = ModelManifest.LoadDescriptor(WriteModel("toy-mirror.json", name: ToyName + "Mirror", mirror: true));
        var manifest = Shipped.With([plain, mirrored]);
        var (image, analyzer, faces) = Analyze(manifest);
        using var _ = image;
        Assert.True(Assert.IsType<FaceNet.Engine.Embedding.OnnxFaceEmbedder>(analyzer.Embedder(ToyName + "Mirror")).Mirror);
        var a = analyzer.Embed(image, faces, ToyName);
        var b = analyzer.Embed(image, faces, ToyName + "Mirror");
        for (int i = 0; i < a.Length; i++)
            Assert.Equal(a[i], b[i], new Tolerance(1e-5f));
    }

    [Theory]
    [InlineData(256)]
    [InlineData(1024)]
    public void Wrong_output_size_is_a_clear_error(int declared)
    {
        var descriptor = ModelManifest.LoadDescriptor(WriteModel($"toy-{declared}.json", name: $"Toy{declared}", outputSize: declared));
        var (image, analyzer, faces) = Analyze(Shipped.With([descriptor]));
        using var _ = image;
        var ex = Assert.Throws<InvalidDataException>(() => analyzer.Embed(image, faces, $"Toy{declared}"));
        output.WriteLine(ex.Message);
        Assert.Contains($"Toy{declared}", ex.Message);
        Assert.Contains(declared.ToString(), ex.Message);
    }

    [Fact]
    public void Missing_model_file_names_the_file()
    {
        var descriptor = ModelManifest.LoadDescriptor(WriteModel("ghost.json", name: "Ghost", file: "ghost.onnx"));
        var expected = Path.Combine(_dir, "ghost.onnx");
        var (image, analyzer, faces) = Analyze(Shipped.With([descriptor]));
        using var _ = image;
        var ex = Assert.Throws<ModelLoadException>(() => analyzer.Embed(image, faces, "Ghost"));
        output.WriteLine(ex.Message);
        Assert.Equal(expected, ex.ModelPath);
        Assert.Equal("Ghost", ex.ModelName);
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Descriptor_without_a_file_is_rejected()
    {
        var path = Path.Combine(_dir, "nofile.json");
        File.WriteAllText(path, """{ "name": "NoFile", "kind": "Embedder", "outputSize": 512 }""");
        var ex = Assert.Throws<InvalidDataException>(() => ModelManifest.LoadDescriptor(path));
        Assert.Contains(path, ex.Message);
    }

    private sealed class Tolerance(float eps) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => MathF.Abs(x - y) <= eps;
        public int GetHashCode(float obj) => 0;
    }
}
