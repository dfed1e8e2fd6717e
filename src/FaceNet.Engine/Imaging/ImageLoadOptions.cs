namespace FaceNet.Engine.Imaging;

/// <summary>Options for decoding. Records so callers can share one immutable instance.</summary>
public sealed record ImageLoadOptions
{
    /// <summary>Images with more pixels than this are refused before any pixel memory is allocated.</summary>
    public long MaxPixels { get; init; } = 100_000_000;

    /// <summary>
    /// The detail (decoded pixels per image pixel, 0-1) to decode at load, from the image's upright width and
    /// height; null: the full image. Finer levels are still decoded later when a consumer needs them
    /// (<see cref="FaceImage.LevelFor(float)"/>), so this only saves work: a detector's need, typically.
    /// </summary>
    public Func<int, int, float>? InitialDetail { get; init; }

    public static ImageLoadOptions Default { get; } = new();
}
