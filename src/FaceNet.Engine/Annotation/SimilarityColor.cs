using SkiaSharp;

namespace FaceNet.Engine.Annotation;

/// <summary>
/// The colour of a compared face's box, from its calibrated similarity in percent (50 = the model's
/// default match threshold): red at 0, yellow at 50, green at 100, linear in between.
/// </summary>
public static class SimilarityColor
{
    /// <summary>The colour for an unknown (NaN) similarity.</summary>
    public static readonly SKColor Unknown = new(160, 160, 160);

    /// <summary>Red (255,0,0) at 0% to yellow (255,255,0) at 50% to green (0,255,0) at 100%; clamped outside 0-100.</summary>
    public static SKColor For(double similarityPercent)
    {
        if (double.IsNaN(similarityPercent)) return Unknown;
        double s = System.Math.Clamp(similarityPercent, 0, 100);
        if (s <= 50)
            return new SKColor(255, ToByte(255 * s / 50), 0);
        return new SKColor(ToByte(255 * (100 - s) / 50), 255, 0);
    }

    private static byte ToByte(double v) => (byte)System.Math.Clamp(System.Math.Round(v, MidpointRounding.AwayFromZero), 0, 255);
}
