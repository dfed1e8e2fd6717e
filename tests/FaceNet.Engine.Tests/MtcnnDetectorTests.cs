using FaceNet.Engine.Detection;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Models;
using FaceNet.Engine.Pipeline;
using FaceNet.Engine.Vectors;
using Xunit;
using Xunit.Abstractions;
using FaceNet.TestSupport;

namespace FaceNet.Engine.Tests;

public sealed class MtcnnDetectorTests(ITestOutputHelper output)
{
    private static ModelManifest Manifest => ModelManifest.Load(Path.Combine(TestData.ModelsDir, "models.json"));

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void Mtcnn_finds_the_demo_faces_where_UltraFace_does(int sample)
    {
        var m = Manifest;
        using var image = ImageLoader.Load(TestData.Sample(sample));
        var ultra = DetectorFactory.Create(m, "UltraFace").Detect(image, DetectionOptions.Default);
        var mtcnn = new FaceAnalyzer(m, "Mtcnn").Detect(image);
        output.WriteLine($"sample{sample}: UltraFace {ultra.Count}, MTCNN {mtcnn.Count}");
        Assert.NotEmpty(ultra);
        int matched = 0;
        foreach (var u in ultra)
        {
            var best = mtcnn.Count == 0 ? 0 : mtcnn.Max(f => f.Box.IntersectionOverUnion(u.Box));
            output.WriteLine($"  best IoU with UltraFace box ({u.Box.X:F0},{u.Box.Y:F0} {u.Box.Width:F0}x{u.Box.Height:F0}): {best:F2}");
            if (best >= 0.3f) matched++;
        }
        // Measured: MTCNN finds 21 of UltraFace's 22 demo faces; the one it misses is in sample2 (O-Net score below 0.7).
        Assert.True(matched >= ultra.Count - (sample == 2 ? 1 : 0), $"sample{sample}: only {matched} of {ultra.Count} UltraFace faces overlap a MTCNN box");
        foreach (var f in mtcnn)
        {
            Assert.NotNull(f.Landmarks.Points68); // the 68-point model runs inside MTCNN's box for the dlib chip
            // O-Net's eyes sit inside the box, left eye left of the right eye.
            Assert.True(f.Landmarks.LeftEye.X < f.Landmarks.RightEye.X);
            Assert.InRange(f.Landmarks.Nose.X, f.Box.X, f.Box.Right);
        }
    }

    [Theory]
    [InlineData("UltraFace")]
    [InlineData("Mtcnn")]
    [InlineData("YuNet")]
    [InlineData(null)]
    public void MinFaceSize_above_every_face_finds_nothing(string? detector)
    {
        using var image = ImageLoader.Load(TestData.Sample(1));
        var analyzer = new FaceAnalyzer(Manifest, detector);
        Assert.NotEmpty(analyzer.Detect(image));
        Assert.Empty(analyzer.Detect(image, DetectionOptions.Default with { MinFaceSize = 1000 }));
    }

    [Theory]
    [InlineData(2000, 15)]   // thinner than MTCNN's first 12 px cell at scale 12/20: no pyramid at all
    [InlineData(15, 2000)]
    [InlineData(19, 19)]
    public void Mtcnn_finds_nothing_and_does_not_fail_on_a_picture_too_small_for_its_pyramid(int width, int height)
    {
        using var image = FaceImage.FromBitmap(new SkiaSharp.SKBitmap(width, height));
        Assert.Empty(new MtcnnDetector(Manifest).Detect(image, DetectionOptions.Default));
        Assert.Empty(new FaceAnalyzer(Manifest).Detect(image)); // the default picks YuNet for 2000 px
    }
}
