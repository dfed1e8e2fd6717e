using FaceNet.Engine.Detection;
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
/// Face crops (ID photos, badge crops, dataset crops) where the face fills the picture: the detectors, trained on
/// scenes, often find nothing there, and <see cref="PaddedRetryDetector"/> reads the picture again inside a border.
/// </summary>
public sealed class TightCropTests(ITestOutputHelper output)
{
    private static ModelManifest Manifest => ModelManifest.Load(Path.Combine(TestData.ModelsDir, "models.json"));

    /// <summary>The face's box widened to 92:112 about its centre, scaled to 92x112 and (by default) turned grey: an AT&amp;T-style dataset crop.</summary>
    public static FaceImage TightGreyCrop(FaceImage image, FaceBox box, int width = 92, int height = 112, bool grey = true, float scale = 1f)
    {
        float aspect = (float)width / height, w = box.Width * scale, h = box.Height * scale;
        if (w / h < aspect) w = h * aspect; else h = w / aspect;
        var c = box.Center;
        var matrix = SKMatrix.CreateScale(width / w, height / h).PreConcat(SKMatrix.CreateTranslation(-(c.X - w / 2), -(c.Y - h / 2)));
        var crop = PixelSampler.Warp(image.Bitmap, matrix, width, height);
        if (!grey) return FaceImage.FromBitmap(crop);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                var p = crop.GetPixel(x, y);
                byte l = (byte)Math.Clamp(MathF.Round(0.299f * p.Red + 0.587f * p.Green + 0.114f * p.Blue), 0, 255);
                crop.SetPixel(x, y, new SKColor(l, l, l));
            }
        return FaceImage.FromBitmap(crop);
    }

    private static List<(int Sample, FaceImage Crop)> DemoCrops(ModelManifest m, float scale = 1f)
    {
        var analyzer = new FaceAnalyzer(m);
        var crops = new List<(int, FaceImage)>();
        foreach (int sample in new[] { 1, 2, 3, 4, 5, 6 })
        {
            using var image = ImageLoader.Load(TestData.Sample(sample));
            foreach (var f in analyzer.Detect(image).Where(f => f.Box.Height >= 60))
                crops.Add((sample, TightGreyCrop(image, f.Box, scale: scale)));
        }
        return crops;
    }

    /// <summary>
    /// Crops of every demo face of 60 px or more: the face's box widened to 92:112 (scale 1), or a crop inside it that
    /// cuts chin and forehead (0.8), read by the default detector and by UltraFace. YuNet finds the plain crops on
    /// its own; the tighter ones and UltraFace's misses are what the framed retry is for.
    /// </summary>
    [Theory]
    [InlineData(null, 1.0f, false)]
    [InlineData(null, 0.8f, true)]
    [InlineData(DetectorFactory.UltraFace, 1.0f, true)]
    public void Every_tight_grey_crop_of_the_demo_faces_gives_one_face_that_fills_it(string? detector, float scale, bool retryNeeded)
    {
        var m = Manifest;
        var crops = DemoCrops(m, scale);
        var retry = Assert.IsType<PaddedRetryDetector>(DetectorFactory.Create(m, detector));
        int missedWithoutRetry = 0;
        foreach (var (sample, crop) in crops)
            using (crop)
            {
                if (retry.Inner.Detect(crop, DetectionOptions.Default).Count == 0) missedWithoutRetry++;
                var faces = retry.Detect(crop, DetectionOptions.Default);
                Assert.True(faces.Count >= 1, $"sample{sample}: no face in a 92x112 crop of one of its faces");
                var best = faces.MaxBy(f => f.Box.Area)!.Box;
                // The face fills the crop: its box covers a good part of the picture and is centred in it.
                Assert.True(best.IntersectionOverUnion(new FaceBox(0, 0, 92, 112)) >= 0.25f, $"sample{sample}: box {best} does not fill the 92x112 crop");
                Assert.InRange(best.Center.X, 46 - 20, 46 + 20);
                Assert.InRange(best.Center.Y, 56 - 25, 56 + 25);
            }
        output.WriteLine($"{crops.Count} crops; {retry.Inner.Name} alone missed {missedWithoutRetry}");
        Assert.True(crops.Count >= 10, $"only {crops.Count} demo faces of 60 px or more");
        // Where the detector alone loses such crops, the test exercises the retry (this is what it is for).
        if (retryNeeded) Assert.True(missedWithoutRetry >= 1, $"{retry.Inner.Name} found every crop without the retry: the case no longer exercises it");
    }

    [Fact]
    public void An_explicit_minimum_confidence_holds_for_faces_from_the_retry_too()
    {
        var m = Manifest;
        var retry = DetectorFactory.Create(m, null);
        var strict = DetectionOptions.Default with { MinConfidence = 0.9f };
        int faces = 0;
        // The largest and the smallest scale of the theory above (0.8 adds time, not a case).
        foreach (var scale in new[] { 1.0f, 0.7f })
            foreach (var (sample, crop) in DemoCrops(m, scale))
                using (crop)
                    foreach (var f in retry.Detect(crop, strict))
                    {
                        faces++;
                        Assert.True(f.Confidence >= 0.9f, $"sample{sample} at {scale}: a face of confidence {f.Confidence:0.00} under the 0.9 asked for");
                    }
        output.WriteLine($"{faces} faces of 0.9 or more in 44 crops");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_tight_crop_is_closest_to_its_own_face_in_the_full_photo(bool grey)
    {
        var m = Manifest;
        var analyzer = new FaceAnalyzer(m);
        var embedder = EmbedderFactory.Create(m, m.DefaultEmbedder);
        using var photo = ImageLoader.Load(TestData.Sample(1));
        var faces = analyzer.Detect(photo).Where(f => f.Box.Height >= 60).ToList();
        var full = embedder.Embed(photo, faces.Select(f => f.Landmarks).ToList());
        for (int i = 0; i < faces.Count; i++)
        {
            using var crop = TightGreyCrop(photo, faces[i].Box, grey: grey);
            var found = analyzer.Detect(crop);
            Assert.NotEmpty(found);
            var e = embedder.Embed(crop, [found.MaxBy(f => f.Box.Area)!.Landmarks])[0];
            var scores = full.Select(v => System.Numerics.Tensors.TensorPrimitives.Dot(v, e)).ToArray();
            output.WriteLine($"{(grey ? "grey" : "colour")} crop of face {i}: cosine to each face of the photo {string.Join(", ", scores.Select(s => s.ToString("0.000")))}; threshold {embedder.DefaultThreshold:0.000}");
            // The crop is the same person: closer to its own face than to anyone else's, and a match at the default
            // threshold, in grey too (0.94-0.99 here against a threshold near 0.84).
            Assert.Equal(i, Array.IndexOf(scores, scores.Max()));
            Assert.True(scores[i] >= embedder.DefaultThreshold, $"face {i}: {scores[i]:0.000} below the default threshold");
        }
    }

    [Fact]
    public void A_picture_without_a_face_stays_without_one_after_the_retry()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(120, 150, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < 150; y++)
            for (int x = 0; x < 120; x++)
                bitmap.SetPixel(x, y, new SKColor((byte)(x * 2), (byte)(y * 1.5), (byte)((x + y) % 256)));
        using var image = FaceImage.FromBitmap(bitmap.Copy());
        Assert.Empty(DetectorFactory.Create(Manifest, null).Detect(image, DetectionOptions.Default));
    }
}
