using System.Text;
using FaceNet.Engine.Detection;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Models;
using FaceNet.Engine.Pipeline;
using SkiaSharp;
using Xunit;
using FaceNet.TestSupport;

namespace FaceNet.Engine.Tests;

/// <summary>
/// Formats the decoders do not cover: PGM/PPM read by our own reader, known formats named in words, SkiaSharp's codes
/// never shown, and cut-short or damaged files reported as damage instead of decoding silently.
/// </summary>
public class ImageFormatTests
{
    private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    private static SKColor Pixel(FaceImage image, int x, int y) => image.Bitmap.GetPixel(x, y);

    [Fact]
    public void ReadsBinaryPgmAndPpmWithCommentsAndAMaxvalOtherThan255()
    {
        // 2x2 grey, maxval 15 (scaled to 0-255), a comment inside the header.
        byte[] pgm = [.. Ascii("P5\n# made by a scanner\n2 2\n15\n"), 0, 15, 5, 10];
        using var grey = ImageLoader.Decode(pgm, "g.pgm");
        Assert.Equal((2, 2), (grey.Width, grey.Height));
        Assert.Null(grey.Damage);
        Assert.Equal(new SKColor(0, 0, 0), Pixel(grey, 0, 0));
        Assert.Equal(new SKColor(255, 255, 255), Pixel(grey, 1, 0));
        Assert.Equal(new SKColor(85, 85, 85), Pixel(grey, 0, 1));

        byte[] ppm = [.. Ascii("P6 2 1 255\n"), 255, 0, 0, 0, 0, 255];
        using var colour = ImageLoader.Decode(ppm, "c.ppm");
        Assert.Equal(new SKColor(255, 0, 0), Pixel(colour, 0, 0));
        Assert.Equal(new SKColor(0, 0, 255), Pixel(colour, 1, 0));
    }

    [Fact]
    public void ReadsAsciiAndSixteenBitNetpbm()
    {
        using var p2 = ImageLoader.Decode(Ascii("P2\n3 1\n255\n0 128\n# a comment between samples\n255\n"), "a.pgm");
        Assert.Equal(new SKColor(128, 128, 128), Pixel(p2, 1, 0));
        using var p3 = ImageLoader.Decode(Ascii("P3 1 1 255 10 20 30"), "a.ppm");
        Assert.Equal(new SKColor(10, 20, 30), Pixel(p3, 0, 0));
        // 16-bit samples are big-endian: 0xFFFF is white, 0x8000 is mid grey.
        using var deep = ImageLoader.Decode([.. Ascii("P5 2 1 65535\n"), 0xFF, 0xFF, 0x80, 0x00], "d.pgm");
        Assert.Equal(new SKColor(255, 255, 255), Pixel(deep, 0, 0));
        Assert.Equal(new SKColor(128, 128, 128), Pixel(deep, 1, 0));
    }

    [Fact]
    public void APgmCutShortIsDamagedNotSilentAndABadHeaderIsCorrupt()
    {
        using var cut = ImageLoader.Decode([.. Ascii("P5 4 4 255\n"), .. new byte[6]], "cut.pgm");
        Assert.Contains("ends early", cut.Damage);
        Assert.Contains("37.5%", cut.Damage);

        Assert.Equal(ImageLoadFailure.Corrupt, Assert.Throws<ImageLoadException>(() => ImageLoader.Decode(Ascii("P5 4 x 255\n"), "bad.pgm")).Failure);
        Assert.Equal(ImageLoadFailure.Corrupt, Assert.Throws<ImageLoadException>(() => ImageLoader.Decode(Ascii("P5 4 4 0\n"), "bad.pgm")).Failure);
        Assert.Equal(ImageLoadFailure.Corrupt, Assert.Throws<ImageLoadException>(() => ImageLoader.Decode(Ascii("P6 4"), "short.ppm")).Failure);
        var huge = Assert.Throws<ImageLoadException>(() => ImageLoader.Decode(Ascii("P5 99999 99999 255\n"), "huge.pgm"));
        Assert.Equal(ImageLoadFailure.TooLarge, huge.Failure);
        Assert.Contains("99999x99999", huge.Message);
    }

    [Fact]
    public void FindsTheFacesInAPgmOfADemoPhoto()
    {
        // sample1 as a grey P5 file, as ORL-style face sets store photos: the same faces must be found.
        using var bitmap = SKBitmap.Decode(TestData.Sample(1));
        var header = Ascii($"P5\n{bitmap.Width} {bitmap.Height}\n255\n");
        var bytes = new byte[header.Length + bitmap.Width * bitmap.Height];
        header.CopyTo(bytes, 0);
        for (int y = 0, i = header.Length; y < bitmap.Height; y++)
            for (int x = 0; x < bitmap.Width; x++, i++)
            {
                var c = bitmap.GetPixel(x, y);
                bytes[i] = (byte)Math.Round(0.299 * c.Red + 0.587 * c.Green + 0.114 * c.Blue);
            }
        var path = Path.Combine(Directory.CreateTempSubdirectory("facenet-pgm-").FullName, "sample1.pgm");
        File.WriteAllBytes(path, bytes);
        try
        {
            var analyzer = new FaceAnalyzer(ModelManifest.Load(Path.Combine(TestData.ModelsDir, "models.json")));
            var result = ImageResult.Process(analyzer, path, DetectionOptions.Default, embedModel: null);
            Assert.Null(result.Error);
            Assert.Equal(3, result.Faces.Count);
        }
        finally { Directory.Delete(Path.GetDirectoryName(path)!, recursive: true); }
    }

    [Theory]
    [InlineData(new byte[] { 0x49, 0x49, 42, 0, 8, 0, 0, 0 }, "TIFF", ImageLoadFailure.UnsupportedFormat)]
    [InlineData(new byte[] { 0x4D, 0x4D, 0, 42, 0, 0, 0, 8 }, "TIFF", ImageLoadFailure.UnsupportedFormat)]
    [InlineData(new byte[] { (byte)'P', (byte)'4', (byte)'\n', (byte)'8', (byte)' ', (byte)'1', (byte)'\n', 0 }, "PBM", ImageLoadFailure.UnsupportedFormat)]
    [InlineData(new byte[] { (byte)'%', (byte)'P', (byte)'D', (byte)'F', (byte)'-', (byte)'1', (byte)'.', (byte)'7' }, "PDF document", ImageLoadFailure.NotAnImage)]
    [InlineData(new byte[] { (byte)'P', (byte)'K', 3, 4, 20, 0, 0, 0 }, "ZIP archive", ImageLoadFailure.NotAnImage)]
    [InlineData(new byte[] { 0x1F, 0x8B, 8, 0, 0, 0, 0, 0 }, "GZIP", ImageLoadFailure.NotAnImage)]
    [InlineData(new byte[] { (byte)'8', (byte)'B', (byte)'P', (byte)'S', 0, 1, 0, 0 }, "Photoshop", ImageLoadFailure.UnsupportedFormat)]
    public void NamesKnownFormatsInWords(byte[] head, string named, ImageLoadFailure failure)
    {
        var ex = Assert.Throws<ImageLoadException>(() => ImageLoader.Decode([.. head, .. new byte[200]], "file.bin"));
        Assert.Equal(failure, ex.Failure);
        Assert.Contains(named, ex.Message);
        AssertNoSkiaCodes(ex.Message);
    }

    [Theory]
    [InlineData("heic", "HEIC")]
    [InlineData("avif", "AVIF")]
    public void NamesHeicAndAvif(string brand, string named)
    {
        byte[] bytes = [0, 0, 0, 24, .. Ascii("ftyp" + brand), 0, 0, 0, 0, .. Ascii("mif1"), .. new byte[200]];
        var ex = Assert.Throws<ImageLoadException>(() => ImageLoader.Decode(bytes, "photo." + brand));
        Assert.Equal(ImageLoadFailure.UnsupportedFormat, ex.Failure);
        Assert.Contains(named, ex.Message);
    }

    [Fact]
    public void NamesSvgAndSqlite()
    {
        var svg = Assert.Throws<ImageLoadException>(() => ImageLoader.Decode(Ascii("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), "logo.svg"));
        Assert.Contains("SVG", svg.Message);
        var db = Assert.Throws<ImageLoadException>(() => ImageLoader.Decode([.. Ascii("SQLite format 3"), 0, .. new byte[100]], "people.faces"));
        Assert.Contains("Import-FaceGallery", db.Message);
    }

    [Fact]
    public void SaysInWordsThatAFileIsCutShortBeforeItsHeaderEnds()
    {
        var jpeg = File.ReadAllBytes(TestData.Sample(1));
        var ex = Assert.Throws<ImageLoadException>(() => ImageLoader.Decode(jpeg[..40], "cut.jpg"));
        Assert.Contains("cut short", ex.Message);
        AssertNoSkiaCodes(ex.Message);
        var junk = Assert.Throws<ImageLoadException>(() => ImageLoader.Decode(Ascii("hello, this is a text file and not a photo at all"), "notes.jpg"));
        Assert.Contains("not in any image format", junk.Message);
        AssertNoSkiaCodes(junk.Message);
    }

    [Fact]
    public void ATruncatedJpegAndAPngWithABadChecksumReportDamage()
    {
        var jpeg = File.ReadAllBytes(TestData.Sample(3));
        using (var cut = ImageLoader.Decode(jpeg[..(int)(jpeg.Length * 0.4)], "cut.jpg"))
        {
            Assert.Contains("ends early", cut.Damage);
            Assert.Equal(1920, cut.Width);
        }
        // The detector's reduced (DCT-scaled) decode reports it too: what every cmdlet reads first.
        var analyzer = new FaceAnalyzer(ModelManifest.Load(Path.Combine(TestData.ModelsDir, "models.json")));
        var dir = Directory.CreateTempSubdirectory("facenet-damage-").FullName;
        try
        {
            var cutPath = Path.Combine(dir, "cut.jpg");
            File.WriteAllBytes(cutPath, jpeg[..(int)(jpeg.Length * 0.4)]);
            Assert.Contains("ends early", ImageResult.Process(analyzer, cutPath, DetectionOptions.Default, null).Damage);

            using var bitmap = SKBitmap.Decode(TestData.Sample(1));
            using var encoded = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            var png = encoded.ToArray();
            int idat = png.AsSpan().IndexOf("IDAT"u8);
            png[idat + 100] ^= 0xFF; // inside the compressed data: its CRC no longer matches
            var pngPath = Path.Combine(dir, "bad-crc.png");
            File.WriteAllBytes(pngPath, png);
            Assert.Contains("damaged", ImageResult.Process(analyzer, pngPath, DetectionOptions.Default, null).Damage);
            Assert.Null(ImageResult.Process(analyzer, TestData.Sample(1), DetectionOptions.Default, null).Damage);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void TheNetpbmReaderSurvivesMutatedAndTruncatedFiles()
    {
        // Bounded fuzz: every outcome is an image or an ImageLoadException, never another exception or a hang.
        var random = new Random(15);
        byte[][] seeds =
        [
            [.. Ascii("P5 16 16 255\n"), .. Enumerable.Range(0, 256).Select(i => (byte)i)],
            [.. Ascii("P6 8 8 65535\n"), .. Enumerable.Range(0, 384).Select(i => (byte)(i * 7))],
            Ascii("P2 4 4 15 " + string.Join(' ', Enumerable.Range(0, 16).Select(i => i % 16))),
            Ascii("P3 2 2 255 1 2 3 4 5 6 7 8 9 10 11 12"),
        ];
        int decoded = 0, refused = 0;
        for (int n = 0; n < 4000; n++)
        {
            var bytes = (byte[])seeds[n % seeds.Length].Clone();
            int edits = random.Next(1, 6);
            for (int e = 0; e < edits; e++)
            {
                int at = random.Next(bytes.Length);
                bytes[at] = random.Next(4) switch { 0 => (byte)random.Next(256), 1 => (byte)'9', 2 => (byte)' ', _ => (byte)'#' };
            }
            if (random.Next(3) == 0) bytes = bytes[..random.Next(bytes.Length)];
            try
            {
                using var image = ImageLoader.Decode(bytes, "fuzz.pgm");
                Assert.True(image.Width > 0 && image.Height > 0);
                _ = image.Bitmap;
                decoded++;
            }
            catch (ImageLoadException ex)
            {
                AssertNoSkiaCodes(ex.Message);
                refused++;
            }
        }
        Assert.True(decoded > 100 && refused > 100, $"{decoded} decoded, {refused} refused");
    }

    private static void AssertNoSkiaCodes(string message)
    {
        foreach (var code in Enum.GetNames<SKCodecResult>())
            Assert.DoesNotContain($"({code})", message);
        Assert.DoesNotContain("IncompleteInput", message);
        Assert.DoesNotContain("Unimplemented", message);
    }
}
