namespace FaceNet.ModelConverter.Onnx;

/// <summary>How many of a model's float weights are zero, denormal, or nonzero but below a bound in magnitude.</summary>
public sealed record WeightCensus(long Values, long Zeros, long Denormals, long BelowBound, float SmallestNonZero, float Bound);

/// <summary>
/// Flushes tiny float weights to zero. Arithmetic on denormal numbers (below 1.2e-38) takes a slow
/// microcode path on Intel cores, 5-10x per convolution; weights that small (and those a few orders above,
/// which products push into the denormal range) contribute nothing a float32 sum can hold.
/// </summary>
public static class WeightFlush
{
    /// <summary>The smallest normal float32 (2^-126); nonzero magnitudes below it are denormal.</summary>
    public const float MinNormal = 1.17549435E-38f;

    public static bool IsDenormal(float v) => v != 0 && MathF.Abs(v) < MinNormal;

    /// <summary>Counts without changing anything.</summary>
    public static WeightCensus Census(OnnxModelFile model, float bound) => Walk(model, bound, flush: false);

    /// <summary>Sets every weight with 0 &lt; |w| &lt; bound (denormals included) to +0; returns what was there before.</summary>
    public static WeightCensus Flush(OnnxModelFile model, float bound) => Walk(model, bound, flush: true);

    private static WeightCensus Walk(OnnxModelFile model, float bound, bool flush)
    {
        if (!(bound >= MinNormal)) throw new ArgumentOutOfRangeException(nameof(bound), "The bound must be at least the smallest normal float (1.18e-38).");
        long values = 0, zeros = 0, denormals = 0, below = 0;
        float smallest = float.PositiveInfinity;
        foreach (var tensor in model.FloatTensors())
        {
            tensor.Visit(v =>
            {
                values++;
                float a = MathF.Abs(v);
                if (a == 0) { zeros++; return v; }
                smallest = MathF.Min(smallest, a);
                if (a < MinNormal) denormals++;
                if (a < bound) { below++; return flush ? 0f : v; }
                return v;
            });
        }
        return new WeightCensus(values, zeros, denormals, below, smallest, bound);
    }
}
