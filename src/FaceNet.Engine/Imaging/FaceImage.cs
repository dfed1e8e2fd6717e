using SkiaSharp;

namespace FaceNet.Engine.Imaging;

/// <summary>
/// A decoded, upright (EXIF orientation applied) RGBA image. Owns its pixels.
/// All face coordinates in the engine are in the full-resolution upright image's pixel space
/// (<see cref="Width"/> x <see cref="Height"/>), whatever resolution was actually decoded.
/// </summary>
/// <remarks>
/// A JPEG can be decoded at 1/8 ... 8/8 scale by libjpeg-turbo's DCT scaling, several times faster than
/// in full. An image loaded from a file keeps its encoded bytes and decodes each resolution the first
/// time a consumer asks for it (<see cref="LevelFor(float)"/>; the first as small as asked, then the full image):
/// a detector that samples a 12 MP photo down to 320x240 reads a 1/8 decode, MTCNN from 20 px faces a 5/8
/// decode; the landmark model reads whichever decoded level has a pixel per crop pixel; embedders read the
/// full image. Thread-safe.
/// </remarks>
public sealed class FaceImage : IDisposable
{
    private readonly object _gate = new();
    private readonly List<ImageLevel> _levels = []; // ascending scale
    private readonly Func<float, ImageLevel>? _decode;
    private bool _disposed;

    internal FaceImage(SKBitmap bitmap, string? sourcePath)
    {
        Width = bitmap.Width;
        Height = bitmap.Height;
        SourcePath = sourcePath;
        _levels.Add(new ImageLevel(bitmap, 1, 1));
    }

    /// <summary>An image decoded on demand: decode(detail) returns a level with a scale of at least detail, or the full image.</summary>
    internal FaceImage(int width, int height, string? sourcePath, Func<float, ImageLevel> decode)
    {
        Width = width;
        Height = height;
        SourcePath = sourcePath;
        _decode = decode;
    }

    public string? SourcePath { get; }

    /// <summary>
    /// Null for a clean decode. Otherwise the decoder gave pixels but reported the file cut short or damaged, in
    /// words ("the file ends early: ..."): faces may be missing from the blank or garbled part.
    /// </summary>
    public string? Damage { get { lock (_gate) return _damage; } }

    private string? _damage;

    internal void ReportDamage(string damage)
    {
        lock (_gate) _damage ??= damage;
    }

    /// <summary>Full-resolution upright width: the coordinate space of boxes and landmarks.</summary>
    public int Width { get; }

    /// <summary>Full-resolution upright height.</summary>
    public int Height { get; }

    /// <summary>The full-resolution pixels (decoded now if only smaller levels were needed so far).</summary>
    public SKBitmap Bitmap => LevelFor(1f).Bitmap;

    /// <summary>The levels decoded so far, coarsest first (for diagnostics and benchmarks).</summary>
    public IReadOnlyList<ImageLevel> DecodedLevels { get { lock (_gate) return _levels.ToArray(); } }

    /// <summary>
    /// The coarsest decoded level with at least <paramref name="detail"/> pixels per full-resolution pixel,
    /// decoding one if none is detailed enough yet (detail is clamped to (0, 1]).
    /// </summary>
    public ImageLevel LevelFor(float detail)
    {
        detail = float.IsNaN(detail) ? 1 : Math.Clamp(detail, 1e-3f, 1f);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            // 2% slack: scaled dimensions are rounded up, so a 1/2 decode of an odd size is a hair over or under 0.5.
            foreach (var level in _levels)
                if (level.Scale >= detail * 0.98f) return level;
            if (_decode is null) return _levels[^1];
            // The first decode is as small as asked (a detector's need); a second is the full image, so a
            // photo is never decoded more than twice however many faces ask for how much detail.
            var decoded = _decode(_levels.Count == 0 ? detail : 1f);
            if (decoded.Scale < detail * 0.98f && decoded.Scale < 1)
            {
                decoded.Bitmap.Dispose();
                decoded = _decode(1f);
            }
            _levels.Add(decoded);
            _damage ??= decoded.Damage;
            _levels.Sort((a, b) => a.Scale.CompareTo(b.Scale));
            return decoded;
        }
    }

    /// <summary>The level for sampling through imageToOutput: at least one level pixel per output pixel.</summary>
    public ImageLevel LevelFor(SKMatrix imageToOutput) => LevelFor(OutputPixelsPerImagePixel(imageToOutput));

    /// <summary>The larger of the transform's two axis scales (output pixels per image pixel).</summary>
    public static float OutputPixelsPerImagePixel(SKMatrix m) =>
        MathF.Max(MathF.Sqrt(m.ScaleX * m.ScaleX + m.SkewY * m.SkewY), MathF.Sqrt(m.SkewX * m.SkewX + m.ScaleY * m.ScaleY));

    /// <summary>Wraps an existing bitmap (converted to RGBA8888 if needed). Takes ownership.</summary>
    public static FaceImage FromBitmap(SKBitmap bitmap, string? sourcePath = null) => new(ToRgba(bitmap), sourcePath);

    internal static SKBitmap ToRgba(SKBitmap bitmap)
    {
        if (bitmap.ColorType == SKColorType.Rgba8888 && bitmap.AlphaType != SKAlphaType.Premul)
            return bitmap;
        var converted = new SKBitmap(new SKImageInfo(bitmap.Width, bitmap.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        using (var canvas = new SKCanvas(converted))
        {
            canvas.Clear(SKColors.Black);
            using var image = SKImage.FromBitmap(bitmap);
            canvas.DrawImage(image, 0, 0, SKSamplingOptions.Default, null);
        }
        bitmap.Dispose();
        return converted;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var level in _levels) level.Bitmap.Dispose();
            _levels.Clear();
        }
    }
}
