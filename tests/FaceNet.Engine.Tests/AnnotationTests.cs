using FaceNet.Engine.Annotation;
using FaceNet.Engine.Geometry;
using FaceNet.Engine.Imaging;
using SkiaSharp;
using Xunit;
using FaceNet.TestSupport;

namespace FaceNet.Engine.Tests;

public class AnnotationTests
{
    [Theory]
    [InlineData(0, 255, 0, 0)]
    [InlineData(25, 255, 128, 0)]
    [InlineData(50, 255, 255, 0)]
    [InlineData(75, 128, 255, 0)]
    [InlineData(100, 0, 255, 0)]
    [InlineData(-10, 255, 0, 0)]
    [InlineData(130, 0, 255, 0)]
    [InlineData(10, 255, 51, 0)]
    [InlineData(90, 51, 255, 0)]
    public void SimilarityColorRampsRedYellowGreen(double similarity, byte r, byte g, byte b)
    {
        var c = SimilarityColor.For(similarity);
        Assert.Equal((r, g, b, (byte)255), (c.Red, c.Green, c.Blue, c.Alpha));
    }

    [Fact]
    public void SimilarityColorIsMonotonicAndGreyForNaN()
    {
        Assert.Equal(SimilarityColor.Unknown, SimilarityColor.For(double.NaN));
        for (int s = 1; s <= 100; s++)
        {
            var a = SimilarityColor.For(s - 1);
            var b = SimilarityColor.For(s);
            Assert.True(s <= 50 ? b.Green >= a.Green && b.Red == 255 : b.Red <= a.Red && b.Green == 255, $"at {s}");
        }
    }

    [Fact]
    public void LabelsAreCultureInvariant()
    {
        var saved = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
            Assert.Equal("Similarity: 87.12%", AnnotationLabels.ForSimilarity(87.1234));
            Assert.Equal("#2 0.987", AnnotationLabels.ForFace(2, 0.9871f));
            Assert.Equal("#0 Similarity: 87.12% to #2", AnnotationLabels.ForSimilarity(87.1234, 0, 2));
        }
        finally { System.Globalization.CultureInfo.CurrentCulture = saved; }
    }

    [Fact]
    public void ASideBySidePictureCaptionsEachPhotoInItsTopLeftCorner()
    {
        Assert.Equal("Reference: badge.jpg", AnnotationLabels.ForPhoto(reference: true, "badge.jpg"));
        Assert.Equal("Compared: hr.jpg", AnnotationLabels.ForPhoto(reference: false, "hr.jpg"));
        using var left = Solid(400, 300, new SKColor(128, 128, 128));
        using var right = Solid(400, 300, new SKColor(128, 128, 128));
        using var plain = AnnotationRenderer.RenderSideBySide(left, [], right, []);
        using var captioned = AnnotationRenderer.RenderSideBySide(left, [], right, [], "Reference: a.jpg", "Compared: b.jpg");
        foreach (int x0 in new[] { 0, 400 })
        {
            // The caption patch: dark, with white text, where the plain picture is uniform grey.
            int dark = 0, white = 0;
            for (int y = 0; y < 14; y++)
                for (int x = x0; x < x0 + 60; x++)
                {
                    var c = captioned.GetPixel(x, y);
                    if (c.Red < 60) dark++;
                    if (c.Red > 220) white++;
                    Assert.Equal(new SKColor(128, 128, 128), Opaque(plain.GetPixel(x, y)));
                }
            Assert.True(dark > 200 && white > 20, $"panel at x={x0}: {dark} dark, {white} white pixels");
        }
        Assert.Equal(new SKColor(128, 128, 128), Opaque(captioned.GetPixel(200, 200)));
    }

    [Fact]
    public void EmbeddedFontLoadsAndHasGlyphs()
    {
        var tf = FontProvider.Typeface;
        Assert.Equal("DejaVu Sans", tf.FamilyName);
        using var font = new SKFont(tf, 20);
        Assert.True(font.MeasureText("Similarity: 87.12%") > 100);
        Assert.DoesNotContain((ushort)0, font.GetGlyphs("Similarity: 87.12%#0"));
    }

    [Theory]
    [InlineData(250, 250)]
    [InlineData(1920, 1280)]
    [InlineData(4000, 3000)]
    public void StyleGrowsWithTheImage(int w, int h)
    {
        var s = AnnotationStyle.ForSize(w, h);
        Assert.InRange(s.LineWidth, AnnotationStyle.MinLineWidth, 12);
        Assert.InRange(s.FontSize, AnnotationStyle.MinFontSize, 80);
        Assert.True(AnnotationStyle.ForSize(4000, 3000).FontSize > 3 * AnnotationStyle.ForSize(250, 250).FontSize);
    }

    [Fact]
    public void SideBySideLayoutScalesToTheSmallerHeight()
    {
        var l = SideBySideLayout.For(1920, 1280, 600, 400);
        Assert.Equal(400, l.Height);
        Assert.Equal(600, l.LeftWidth);
        Assert.Equal(600, l.RightWidth);
        Assert.Equal(1200, l.Width);
        var m = SideBySideLayout.For(333, 500, 1000, 1000);
        Assert.Equal((500, 333, 500), (m.Height, m.LeftWidth, m.RightWidth));
    }

    [Fact]
    public void RenderDrawsBoxInItsColourAndLabelUnderIt()
    {
        using var image = Solid(400, 300, new SKColor(40, 40, 120));
        var color = SimilarityColor.For(50);
        var box = new FaceBox(100, 60, 120, 100);
        using var bmp = AnnotationRenderer.Render(image, [new AnnotationMark(box, color, "Similarity: 50.00%")]);
        Assert.Equal((400, 300), (bmp.Width, bmp.Height));
        Assert.Equal(color, Opaque(bmp.GetPixel(160, 60)));   // top edge
        Assert.Equal(color, Opaque(bmp.GetPixel(100, 110)));  // left edge
        Assert.Equal(color, Opaque(bmp.GetPixel(220, 110)));  // right edge
        Assert.Equal(new SKColor(40, 40, 120), Opaque(bmp.GetPixel(160, 110))); // inside untouched
        // Label patch under the box: box colour with dark text pixels in it.
        int patch = 0, ink = 0;
        for (int y = 162; y < 200; y++)
            for (int x = 100; x < 260; x++)
            {
                var p = bmp.GetPixel(x, y);
                if (p.Red > 240 && p.Green > 240 && p.Blue < 20) patch++;
                if (p.Red < 80 && p.Green < 80 && p.Blue < 80) ink++;
            }
        Assert.True(patch > 300, $"label patch pixels: {patch}");
        Assert.True(ink > 30, $"label ink pixels: {ink}");
    }

    [Fact]
    public void SideBySideKeepsBothPhotosAndTheirBoxes()
    {
        using var left = Solid(800, 600, SKColors.White);
        using var right = Solid(300, 300, SKColors.Gray);
        var red = SimilarityColor.For(0);
        var green = SimilarityColor.For(100);
        using var bmp = AnnotationRenderer.RenderSideBySide(
            left, [new AnnotationMark(new FaceBox(200, 100, 200, 200), red, "L")],
            right, [new AnnotationMark(new FaceBox(100, 100, 100, 100), green, "R")]);
        Assert.Equal((400 + 300, 300), (bmp.Width, bmp.Height));
        Assert.Equal(red, Opaque(bmp.GetPixel(150, 50)));        // left box top edge at (200..400)/2, y=100/2
        Assert.Equal(green, Opaque(bmp.GetPixel(400 + 150, 100))); // right box top edge, right panel at x=400
        Assert.Equal(SKColors.White, Opaque(bmp.GetPixel(20, 280)));
        Assert.Equal(SKColors.Gray, Opaque(bmp.GetPixel(690, 20)));
    }

    [Theory]
    [InlineData("x.png")]
    [InlineData("x.jpg")]
    [InlineData("x.webp")]
    public void WriterEncodesByExtensionAtomically(string name)
    {
        var dir = Directory.CreateTempSubdirectory("facenet-ann-").FullName;
        try
        {
            using var image = Solid(64, 48, SKColors.Orange);
            using var bmp = AnnotationRenderer.Render(image, []);
            Assert.True(AnnotationWriter.TryGetFormat(name, out var format));
            var path = Path.Combine(dir, name);
            AnnotationWriter.WriteAtomic(path, AnnotationWriter.Encode(bmp, format), overwrite: false);
            using (var decoded = ImageLoader.Load(path))
                Assert.Equal((64, 48), (decoded.Width, decoded.Height));
            using var codec = SKCodec.Create(path);
            Assert.Equal(format, codec.EncodedFormat);
            var before = File.ReadAllBytes(path);
            Assert.Throws<IOException>(() => AnnotationWriter.WriteAtomic(path, [1, 2, 3], overwrite: false));
            Assert.Equal(before, File.ReadAllBytes(path));
            Assert.Single(Directory.GetFiles(dir)); // no temporary file left behind
            AnnotationWriter.WriteAtomic(path, [1, 2, 3], overwrite: true);
            Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(path));
            Assert.Single(Directory.GetFiles(dir));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void UnknownExtensionIsRefused() => Assert.False(AnnotationWriter.TryGetFormat("x.gif", out _));

    [Fact]
    public void RendersOnARealPhoto()
    {
        using var image = ImageLoader.Load(TestData.Sample(1));
        var marks = new[] { new AnnotationMark(new FaceBox(100, 100, 80, 90), SimilarityColor.For(87.12), AnnotationLabels.ForSimilarity(87.12),
            [new PointF2(120, 130), new PointF2(160, 130)]) };
        using var bmp = AnnotationRenderer.Render(image, marks);
        Assert.Equal((image.Width, image.Height), (bmp.Width, bmp.Height));
    }

    private static SKColor Opaque(SKColor c) => c.WithAlpha(255);

    private static FaceImage Solid(int w, int h, SKColor color)
    {
        var bmp = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        bmp.Erase(color);
        return FaceImage.FromBitmap(bmp);
    }
}
