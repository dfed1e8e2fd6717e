using FaceNet.Engine.Imaging;
using FaceNet.TestSupport;
using SkiaSharp;
using Xunit;

namespace FaceNet.Engine.Tests;

/// <summary>The pool is process-wide: its test must not share the process's large decodes with tests running beside it.</summary>
[CollectionDefinition(nameof(PixelPoolCollection), DisableParallelization = true)]
public sealed class PixelPoolCollection;

/// <summary>Runs where TurboJPEG loads; skips, saying why, where it does not (build.ps1 installs it on Debian as root).</summary>
public sealed class TurboJpegFactAttribute : FactAttribute
{
    public TurboJpegFactAttribute() { if (!TurboJpegDecoder.IsAvailable) Skip = TurboJpegTheoryAttribute.Why; }
}

public sealed class TurboJpegTheoryAttribute : TheoryAttribute
{
    public const string Why = "libturbojpeg was not found (Debian: apt-get install libturbojpeg0; ./build.ps1 installs it as root): JPEG decodes with SkiaSharp only.";
    public TurboJpegTheoryAttribute() { if (!TurboJpegDecoder.IsAvailable) Skip = Why; }
}

/// <summary>
/// The fast JPEG path (TurboJPEG with SIMD) and the pooled pixel memory: a photo must decode to the same pixels, to the
/// byte, as SkiaSharp's own decoder gives, or the faces and vectors of a photo would depend on the machine.
/// </summary>
[Collection(nameof(PixelPoolCollection))]
public class JpegDecodeTests
{
    private static byte[] SkiaDecode(byte[] bytes, float scale, out SKImageInfo info)
    {
        using var codec = SKCodec.Create(new SKMemoryStream(bytes));
        var size = scale >= 1 ? new SKSizeI(codec.Info.Width, codec.Info.Height) : codec.GetScaledDimensions(scale);
        info = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        Assert.Equal(SKCodecResult.Success, codec.GetPixels(info, bitmap.GetPixels()));
        return bitmap.GetPixelSpan().ToArray();
    }

    public static TheoryData<int, float> Photos => new() { { 1, 1f }, { 2, 1f }, { 2, 0.5f }, { 3, 0.25f } };

    [TurboJpegTheory]
    [MemberData(nameof(Photos))]
    public void TurboJpegGivesSkiaSharpsPixelsToTheByte(int sample, float scale)
    {
        var bytes = File.ReadAllBytes(TestData.Sample(sample));
        var expected = SkiaDecode(bytes, scale, out var info);
        using var bitmap = new SKBitmap(info);
        Assert.True(TurboJpegDecoder.TryDecode(bytes, bitmap));
        Assert.True(expected.AsSpan().SequenceEqual(bitmap.GetPixelSpan()), $"sample{sample}.jpg at {scale}: TurboJPEG's pixels differ from SkiaSharp's");
    }

    [TurboJpegFact]
    public void TurboJpegDeclinesWhatItShouldNotDecode()
    {
        var bytes = File.ReadAllBytes(TestData.Sample(1));
        using var bitmap = new SKBitmap(new SKImageInfo(100, 100, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        // A size that is not an n/8 scaling of the photo, a PNG, and a cut-short JPEG (SkiaSharp reports the damage).
        Assert.False(TurboJpegDecoder.TryDecode(bytes, bitmap));
        Assert.False(TurboJpegDecoder.TryDecode([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], bitmap));
        using var full = new SKBitmap(new SKImageInfo(SKBitmap.DecodeBounds(bytes).Width, SKBitmap.DecodeBounds(bytes).Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        Assert.False(TurboJpegDecoder.TryDecode(bytes[..(bytes.Length / 2)], full));
        using var cut = ImageLoader.Decode(bytes[..(bytes.Length / 2)], "cut.jpg");
        Assert.NotNull(cut.Damage);
    }

    [Fact]
    public void LargePhotosReusePooledPixelMemoryAndDecodeTheSame()
    {
        var path = TestData.Sample(2);
        byte[] first;
        using (var image = ImageLoader.Load(path))
        {
            Assert.True((long)image.Width * image.Height * 4 >= PixelBufferPool.MinPooledBytes);
            first = image.Bitmap.GetPixelSpan().ToArray();
        }
        // Disposed: its memory waits in the pool for the next photo, which decodes into it to the same pixels.
        Assert.True(PixelBufferPool.RetainedBytes >= first.Length);
        using (var again = ImageLoader.Load(path))
            Assert.True(first.AsSpan().SequenceEqual(again.Bitmap.GetPixelSpan()));
        Assert.Equal(first, SkiaDecode(File.ReadAllBytes(path), 1f, out _));
    }
}
