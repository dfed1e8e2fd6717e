using FaceNet.Engine.Embedding;
using FaceNet.Engine.Geometry;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Models;
using FaceNet.Engine.Pipeline;
using SkiaSharp;
using Xunit;
using Xunit.Abstractions;
using FaceNet.TestSupport;

namespace FaceNet.Engine.Tests;

/// <summary>
/// A face must embed alike in its photo and cut out of it. sample1.jpg's faces are read by YuNet at a quarter level
/// in the photo (about 50 px) and large in a crop; YuNet's own five points ignored the heads' tilt at the small size,
/// and aligning by them put the same face 0.30 apart in FaceReid's cosine. The 68-point model's points do not.
/// </summary>
public sealed class AlignmentConsistencyTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("FaceReid", 0.95f)]
    [InlineData("MobileFaceNet", 0.95f)]
    [InlineData("Clean", 0.98f)]
    public void A_face_in_its_photo_and_cut_out_of_it_gives_nearly_the_same_vector(string model, float atLeast)
    {
        var m = ModelManifest.Load(Path.Combine(TestData.ModelsDir, "models.json"));
        var analyzer = new FaceAnalyzer(m);
        var embedder = EmbedderFactory.Create(m, model);
        using var photo = ImageLoader.Load(TestData.Sample(1));
        var faces = analyzer.Detect(photo);
        Assert.Equal(3, faces.Count);
        var inPhoto = embedder.Embed(photo, faces.Select(f => f.Landmarks).ToList());
        for (int i = 0; i < faces.Count; i++)
        {
            var b = faces[i].Box;
            float margin = 0.6f * b.Width;
            var area = new FaceBox(MathF.Max(0, b.X - margin), MathF.Max(0, b.Y - margin), b.Width + 2 * margin, b.Height + 2 * margin);
            int w = (int)MathF.Min(photo.Width - area.X, area.Width), h = (int)MathF.Min(photo.Height - area.Y, area.Height);
            using var crop = FaceImage.FromBitmap(PixelSampler.Warp(photo.Bitmap, SKMatrix.CreateTranslation(-(int)area.X, -(int)area.Y), w, h));
            var found = analyzer.Detect(crop);
            var largest = found.MaxBy(f => f.Box.Area)!;
            var v = embedder.Embed(crop, [largest.Landmarks])[0];
            float cosine = System.Numerics.Tensors.TensorPrimitives.Dot(inPhoto[i], v);
            output.WriteLine($"{model} face {i}: cosine {cosine:0.000} between the photo and a {w}x{h} crop");
            Assert.True(cosine >= atLeast, $"{model} face {i}: cosine {cosine:0.000} between the face in its photo and cut out of it");
        }
    }
}
