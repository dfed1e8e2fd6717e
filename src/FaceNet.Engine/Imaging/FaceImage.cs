using SkiaSharp;

namespace FaceNet.Engine.Imaging;

/// <summary>
/// A decoded, upright (EXIF orientation applied) RGBA image. Owns its pixels.
/// All face coordinates in the engine are in this image's pixel space.
/// </summary>
public sealed class FaceImage : IDisposable
{
    internal FaceImage(SKBitmap bitmap, string? sourcePath)
    {
        Bitmap = bitmap;
        SourcePath = sourcePath;
    }

    public SKBitmap Bitmap { get; }
    public string? SourcePath { get; }
    public int Width => Bitmap.Width;
    public int Height => Bitmap.Height;

    /// <summary>Wraps an existing bitmap (converted to RGBA8888 if needed). Takes ownership.</summary>
    public static FaceImage FromBitmap(SKBitmap bitmap, string? sourcePath = null)
    {
        if (bitmap.ColorType == SKColorType.Rgba8888 && bitmap.AlphaType != SKAlphaType.Premul)
            return new FaceImage(bitmap, sourcePath);
        var converted = new SKBitmap(new SKImageInfo(bitmap.Width, bitmap.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        using (var canvas = new SKCanvas(converted))
        {
            canvas.Clear(SKColors.Black);
            using var image = SKImage.FromBitmap(bitmap);
            canvas.DrawImage(image, 0, 0, SKSamplingOptions.Default, null);
        }
        bitmap.Dispose();
        return new FaceImage(converted, sourcePath);
    }

    public void Dispose() => Bitmap.Dispose();
}
