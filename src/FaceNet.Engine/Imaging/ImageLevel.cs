using SkiaSharp;

namespace FaceNet.Engine.Imaging;

/// <summary>
/// Decoded pixels of an image at one resolution: <see cref="ScaleX"/>/<see cref="ScaleY"/> are this
/// bitmap's pixels per full-resolution pixel (1 for the full image, 1/8 for libjpeg-turbo's smallest DCT scale).
/// </summary>
public sealed record ImageLevel(SKBitmap Bitmap, float ScaleX, float ScaleY)
{
    /// <summary>Set when the decoder returned pixels but said the data was cut short or damaged (in words).</summary>
    public string? Damage { get; init; }

    public float Scale => MathF.Min(ScaleX, ScaleY);

    /// <summary>A transform from full-resolution image coordinates to an output, re-expressed from this level's pixels.</summary>
    public SKMatrix FromLevel(SKMatrix imageToOutput) => imageToOutput.PreConcat(SKMatrix.CreateScale(1f / ScaleX, 1f / ScaleY));

    /// <summary>Full-resolution image coordinates to this level's pixel coordinates.</summary>
    public SKMatrix ToLevel => SKMatrix.CreateScale(ScaleX, ScaleY);
}
