using FaceNet.Engine.Embedding;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Models;
using FaceNet.Engine.Pipeline;
using FaceNet.Engine.Vectors;
using Xunit;
using FaceNet.TestSupport;

namespace FaceNet.Engine.Tests;

/// <summary>The raw outputs the calibration tools read come from the engine's own embedder, and compose to its vectors.</summary>
public class RawEmbeddingTests
{
    [Theory]
    [InlineData("Dlib")]
    [InlineData("MobileFaceNet")]
    [InlineData("FaceReid")]
    public void RawOutputsComposeToTheEmbeddersVector(string name)
    {
        var manifest = ModelManifest.Load(Path.Combine(TestData.ModelsDir, "models.json"));
        var analyzer = new FaceAnalyzer(manifest);
        using var image = ImageLoader.Load(TestData.Sample(1));
        var faces = analyzer.Detect(image);
        var model = manifest.Get(name);
        var embedder = new OnnxFaceEmbedder(manifest, model);
        var vectors = embedder.Embed(image, faces.Select(f => f.Landmarks).ToList());
        for (int i = 0; i < faces.Count; i++)
        {
            var (plain, mirrored) = embedder.EmbedRaw(image, faces[i].Landmarks);
            var v = (float[])plain.Clone();
            if (embedder.Mirror) for (int k = 0; k < v.Length; k++) v[k] += mirrored[k];
            if (model.Center is { } c) for (int k = 0; k < v.Length; k++) v[k] -= c[k];
            VectorMath.NormalizeInPlace(v);
            for (int k = 0; k < v.Length; k++) Assert.Equal(vectors[i][k], v[k], 5);
            Assert.NotEqual(plain, mirrored);
        }
    }
}
