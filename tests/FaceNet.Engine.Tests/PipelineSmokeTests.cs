using FaceNet.Engine.Imaging;
using FaceNet.Engine.Models;
using FaceNet.Engine.Pipeline;
using Xunit;
using Xunit.Abstractions;
using FaceNet.TestSupport;

namespace FaceNet.Engine.Tests;

public class PipelineSmokeTests(ITestOutputHelper output)
{
    [Fact]
    public void DetectsAndEmbedsFacesInDemoPhoto()
    {
        var analyzer = new FaceAnalyzer(ModelManifest.Load(Path.Combine(TestData.ModelsDir, "models.json")));
        for (int n = 1; n <= 6; n++)
        {
            using var image = ImageLoader.Load(TestData.Sample(n));
            var faces = analyzer.Detect(image);
            var vectors = analyzer.Embed(image, faces, "MobileFaceNet");
            output.WriteLine($"sample{n}: {image.Width}x{image.Height} faces={faces.Count}");
            foreach (var f in faces)
                output.WriteLine($"  {f.Index} {f.Box} {f.Confidence:0.000} LE={f.Landmarks.LeftEye} RE={f.Landmarks.RightEye}");
            Assert.NotEmpty(faces);
            Assert.All(vectors, v => Assert.Equal(512, v.Length));
        }
    }
}
