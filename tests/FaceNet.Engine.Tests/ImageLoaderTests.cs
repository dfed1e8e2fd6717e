using System.IO.Compression;
using FaceNet.Engine.Imaging;
using SkiaSharp;
using Xunit;
using FaceNet.TestSupport;

namespace FaceNet.Engine.Tests;

/// <summary>ImageLoader on bad and unusual input: every failure is an ImageLoadException with the right reason.</summary>
public class ImageLoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("facenet-loader-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        var p = Path.Combine(_dir, name);
        File.WriteAllBytes(p, bytes);
        return p;
    }

    private static byte[] Encode(SKBitmap bitmap, SKEncodedImageFormat format, int quality = 95)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, quality);
        return data.ToArray();
    }

    private static SKBitmap Solid(int w, int h, SKColor color)
    {
        var b = new SKBitmap(w, h);
        b.Erase(color);
        return b;
    }

    private static ImageLoadFailure FailureOf(Action load) => Assert.Throws<ImageLoadException>(load).Failure;

    [Fact]
    public void MissingEmptyDirectoryAndJunkFilesHaveTheirOwnReasons()
    {
        Assert.Equal(ImageLoadFailure.NotFound, FailureOf(() => ImageLoader.Load(Path.Combine(_dir, "missing.jpg"))));
        Assert.Equal(ImageLoadFailure.EmptyFile, FailureOf(() => ImageLoader.Load(Write("empty.jpg", []))));
        Assert.Equal(ImageLoadFailure.NotAnImage, FailureOf(() => ImageLoader.Load(_dir)));
        var junk = new byte[3000];
        new Random(1).NextBytes(junk);
        var ex = Assert.Throws<ImageLoadException>(() => ImageLoader.Load(Write("junk.jpg", junk)));
        Assert.Equal(ImageLoadFailure.NotAnImage, ex.Failure);
        Assert.Contains("Supported formats", ex.Message);
        Assert.Equal(Path.Combine(_dir, "junk.jpg"), ex.Path);
    }

    [Theory]
    [InlineData("heic", "HEIC")]
    [InlineData("avif", "AVIF")]
    public void IsoMediaImagesAreUnsupportedFormatsNamedInTheMessage(string brand, string named)
    {
        var bytes = new byte[] { 0, 0, 0, 24 }.Concat("ftyp"u8.ToArray()).Concat(System.Text.Encoding.ASCII.GetBytes(brand))
            .Concat(new byte[4]).Concat("mif1"u8.ToArray()).Concat(new byte[200]).ToArray();
        var ex = Assert.Throws<ImageLoadException>(() => ImageLoader.Decode(bytes, "x." + brand));
        Assert.Equal(ImageLoadFailure.UnsupportedFormat, ex.Failure);
        Assert.Contains(named, ex.Message);
        Assert.Contains(ImageLoader.SupportedFormats, ex.Message);
    }

    [Fact]
    public void TiffIsAnUnsupportedFormat() =>
        Assert.Equal(ImageLoadFailure.UnsupportedFormat, FailureOf(() => ImageLoader.Decode([0x49, 0x49, 42, 0, 8, 0, 0, 0, .. new byte[64]], "scan.tif")));

    [Fact]
    public void AHugePngHeaderIsRefusedBeforeAnyPixelIsAllocated()
    {
        var png = PngWithHeader(60000, 60000);
        // This thread's allocations only: xunit runs other test classes at the same time, and the process-wide
        // count took their allocations for this test's (17 MB once, on a busy CI run).
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<ImageLoadException>(() => ImageLoader.Decode(png, "huge.png"));
        long managed = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(ImageLoadFailure.TooLarge, ex.Failure);
        Assert.Contains("60000x60000", ex.Message);
        Assert.True(managed < 10_000_000, $"{managed} bytes allocated");
    }

    [Fact]
    public void AJpegWhoseSofClaimsAHugeSizeIsTooLarge()
    {
        var jpeg = File.ReadAllBytes(TestData.Sample(1));
        for (int i = 2; i < jpeg.Length;)
        {
            int marker = jpeg[i + 1], len = (jpeg[i + 2] << 8) | jpeg[i + 3];
            if (marker is 0xC0 or 0xC2)
            {
                jpeg[i + 5] = 0xEA; jpeg[i + 6] = 0x60; jpeg[i + 7] = 0xEA; jpeg[i + 8] = 0x60; // 60000 x 60000
                break;
            }
            i += 2 + len;
        }
        Assert.Equal(ImageLoadFailure.TooLarge, FailureOf(() => ImageLoader.Decode(jpeg, "huge.jpg")));
    }

    [Fact]
    public void ThePixelLimitComesFromTheOptionsPassed()
    {
        using var bmp = Solid(20, 20, SKColors.Teal);
        var png = Encode(bmp, SKEncodedImageFormat.Png);
        var tight = ImageLoadOptions.Default with { MaxPixels = 399 };

        Assert.Equal(ImageLoadFailure.TooLarge, FailureOf(() => ImageLoader.Decode(png, "a.png", tight)));
        using (ImageLoader.Decode(png, "a.png", ImageLoadOptions.Default with { MaxPixels = 400 })) { }
        using (ImageLoader.Decode(png, "a.png")) { }

        // The pipeline passes them on explicitly (no ambient state): a limit reaches the worker that decodes.
        var path = Write("teal.png", png);
        var analyzer = new FaceNet.Engine.Pipeline.FaceAnalyzer(FaceNet.Engine.Models.ModelManifest.Load(Path.Combine(TestData.ModelsDir, "models.json")));
        var refused = FaceNet.Engine.Pipeline.ImageResult.Process(analyzer, path, FaceNet.Engine.Detection.DetectionOptions.Default, null, tight);
        Assert.Equal(ImageLoadFailure.TooLarge, Assert.IsType<ImageLoadException>(refused.Error).Failure);
        Assert.Null(FaceNet.Engine.Pipeline.ImageResult.Process(analyzer, path, FaceNet.Engine.Detection.DetectionOptions.Default, null).Error);
    }

    [Fact]
    public void ATruncatedJpegDecodesTheRowsThatAreThere()
    {
        var jpeg = File.ReadAllBytes(TestData.Sample(1));
        using var image = ImageLoader.Decode(jpeg[..(jpeg.Length * 2 / 5)], "cut.jpg");
        Assert.Equal(1920, image.Width);
        Assert.Equal(1280, image.Height);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(20, 20)]
    [InlineData(1, 3000)]
    public void TinyAndThinPicturesLoad(int w, int h)
    {
        using var bmp = Solid(w, h, SKColors.Orange);
        using var image = ImageLoader.Decode(Encode(bmp, SKEncodedImageFormat.Png), "tiny.png");
        Assert.Equal((w, h), (image.Width, image.Height));
    }

    // Four quadrants: red top-left, green top-right, blue bottom-left, white bottom-right (as displayed).
    private static readonly SKColor[] Quadrants = [SKColors.Red, SKColors.Lime, SKColors.Blue, SKColors.White];

    [Theory]
    [InlineData(1)] [InlineData(2)] [InlineData(3)] [InlineData(4)] [InlineData(5)] [InlineData(6)] [InlineData(7)] [InlineData(8)]
    public void EveryExifOrientationComesOutUpright(int orientation)
    {
        const int W = 64, H = 32;
        using var upright = new SKBitmap(W, H);
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                upright.SetPixel(x, y, Quadrants[(y < H / 2 ? 0 : 2) + (x < W / 2 ? 0 : 1)]);
        using var stored = InverseOrient(upright, orientation);
        var jpeg = WithExifOrientation(Encode(stored, SKEncodedImageFormat.Jpeg, 100), orientation);
        using var image = ImageLoader.Decode(jpeg, $"o{orientation}.jpg");
        Assert.Equal((W, H), (image.Width, image.Height));
        for (int q = 0; q < 4; q++)
        {
            var p = image.Bitmap.GetPixel(q % 2 == 0 ? W / 4 : 3 * W / 4, q < 2 ? H / 4 : 3 * H / 4);
            var e = Quadrants[q];
            Assert.True(Math.Abs(p.Red - e.Red) < 40 && Math.Abs(p.Green - e.Green) < 40 && Math.Abs(p.Blue - e.Blue) < 40,
                $"orientation {orientation}, quadrant {q}: {p} instead of {e}");
        }
    }

    [Fact]
    public void MutatedFilesOnlyEverThrowImageLoadException()
    {
        // A small deterministic fuzz; tools/fuzz/Invoke-FaceFuzz.ps1 is the big one.
        using var bmp = new SKBitmap(96, 64);
        for (int y = 0; y < 64; y++)
            for (int x = 0; x < 96; x++)
                bmp.SetPixel(x, y, new SKColor((byte)(x * 2), (byte)(y * 4), (byte)(x ^ y)));
        var seeds = new[] { Encode(bmp, SKEncodedImageFormat.Jpeg, 80), Encode(bmp, SKEncodedImageFormat.Png), Encode(bmp, SKEncodedImageFormat.Webp, 80) };
        var rng = new Random(6);
        int decoded = 0, refused = 0;
        for (int i = 0; i < 600; i++)
        {
            var b = (byte[])seeds[i % 3].Clone();
            switch (rng.Next(3))
            {
                case 0: for (int k = rng.Next(1, 12); k > 0; k--) b[rng.Next(Math.Min(b.Length, 256))] ^= (byte)(1 << rng.Next(8)); break;
                case 1: b = b[..rng.Next(b.Length)]; break;
                default: for (int k = rng.Next(1, 6); k > 0; k--) b[rng.Next(b.Length)] = (byte)rng.Next(256); break;
            }
            try
            {
                using var image = ImageLoader.Decode(b, $"m{i}");
                Assert.True(image.Width > 0 && image.Height > 0);
                decoded++;
            }
            catch (ImageLoadException)
            {
                refused++;
            }
        }
        Assert.Equal(600, decoded + refused);
        Assert.True(decoded > 0 && refused > 0, $"decoded {decoded}, refused {refused}");
    }

    // ---- helpers that write what SkiaSharp does not ----

    private static byte[] PngWithHeader(int w, int h)
    {
        var ms = new MemoryStream();
        ms.Write([137, 80, 78, 71, 13, 10, 26, 10]);
        var ihdr = new byte[13];
        BE(w).CopyTo(ihdr, 0); BE(h).CopyTo(ihdr, 4); ihdr[8] = 8; ihdr[9] = 2;
        Chunk(ms, "IHDR", ihdr);
        var z = new MemoryStream();
        using (var zs = new ZLibStream(z, CompressionLevel.Fastest, leaveOpen: true)) zs.Write(new byte[64]);
        Chunk(ms, "IDAT", z.ToArray());
        Chunk(ms, "IEND", []);
        return ms.ToArray();
    }

    private static byte[] BE(int v) => [(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v];

    private static void Chunk(Stream s, string type, byte[] data)
    {
        var body = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        s.Write(BE(data.Length));
        s.Write(body);
        s.Write(BE((int)Crc32(body)));
    }

    private static uint Crc32(byte[] b)
    {
        uint c = 0xFFFFFFFF;
        foreach (var x in b)
        {
            c ^= x;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
        }
        return ~c;
    }

    private static byte[] WithExifOrientation(byte[] jpeg, int orientation)
    {
        byte[] tiff = [(byte)'M', (byte)'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte)orientation, 0, 0, 0, 0, 0, 0];
        int len = 2 + 6 + tiff.Length;
        return [.. jpeg[..2], 0xFF, 0xE1, (byte)(len >> 8), (byte)len, (byte)'E', (byte)'x', (byte)'i', (byte)'f', 0, 0, .. tiff, .. jpeg[2..]];
    }

    // Stored pixels that a viewer shows as `upright` under EXIF orientation o.
    private static SKBitmap InverseOrient(SKBitmap upright, int o)
    {
        int W = upright.Width, H = upright.Height;
        var dst = o >= 5 ? new SKBitmap(H, W) : new SKBitmap(W, H);
        int sw = dst.Width, sh = dst.Height;
        for (int y = 0; y < sh; y++)
            for (int x = 0; x < sw; x++)
            {
                var (dx, dy) = o switch
                {
                    2 => (sw - 1 - x, y),
                    3 => (sw - 1 - x, sh - 1 - y),
                    4 => (x, sh - 1 - y),
                    5 => (y, x),
                    6 => (sh - 1 - y, x),
                    7 => (sh - 1 - y, sw - 1 - x),
                    8 => (y, sw - 1 - x),
                    _ => (x, y),
                };
                dst.SetPixel(x, y, upright.GetPixel(dx, dy));
            }
        return dst;
    }
}
