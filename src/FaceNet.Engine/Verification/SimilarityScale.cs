using System.Globalization;
using FaceNet.Engine.Models;

namespace FaceNet.Engine.Verification;

/// <summary>
/// Maps raw cosine similarity to the 0-100 "% match" a person reads: piecewise linear through knots that are
/// strictly increasing in both cosine and similarity, so the map is monotone and has an exact inverse.
/// The calibrated knots sit at the different-person median (low), the model's default threshold (50) and the
/// same-person median (high) on LFW View 1 DevTrain, with the ends pinned at cosine -1 -> 0 and 1 -> 100.
/// </summary>
public sealed class SimilarityScale
{
    /// <summary>What the default threshold reads, by construction.</summary>
    public const double ThresholdSimilarity = 50;

    private readonly double[] _cos;
    private readonly double[] _sim;

    public SimilarityScale(IReadOnlyList<SimilarityKnot> knots)
    {
        if (knots.Count < 2) throw new ArgumentException("A similarity scale needs at least two knots.");
        _cos = knots.Select(k => k.Cosine).ToArray();
        _sim = knots.Select(k => k.Similarity).ToArray();
        for (int i = 1; i < _cos.Length; i++)
            if (!(_cos[i] > _cos[i - 1]) || !(_sim[i] > _sim[i - 1]))
                throw new ArgumentException(
                    $"Similarity knots must increase strictly in cosine and similarity; knot {i} ({Describe(knots[i])}) does not follow {Describe(knots[i - 1])}.");
        if (_cos[0] > -1 || _cos[^1] < 1)
            throw new ArgumentException("Similarity knots must cover cosine -1 to 1.");
    }

    public IReadOnlyList<SimilarityKnot> Knots => _cos.Select((c, i) => new SimilarityKnot(c, _sim[i])).ToList();

    /// <summary>The cosine that reads 50%: the threshold the scale was built around.</summary>
    public double ThresholdCosine => ToCosine(ThresholdSimilarity);

    /// <summary>0-100; cosine outside [-1, 1] (rounding) is clamped.</summary>
    public double ToSimilarity(double cosine)
    {
        if (double.IsNaN(cosine)) return double.NaN;
        return Interpolate(_cos, _sim, Math.Clamp(cosine, _cos[0], _cos[^1]));
    }

    /// <summary>The cosine that reads this similarity (0-100); the exact inverse of ToSimilarity.</summary>
    public double ToCosine(double similarity)
    {
        if (double.IsNaN(similarity)) return double.NaN;
        return Interpolate(_sim, _cos, Math.Clamp(similarity, _sim[0], _sim[^1]));
    }

    private static double Interpolate(double[] xs, double[] ys, double x)
    {
        int i = Array.BinarySearch(xs, x);
        if (i >= 0) return ys[i];                 // on a knot: exact, so the threshold reads exactly 50
        int hi = ~i, lo = hi - 1;
        double t = (x - xs[lo]) / (xs[hi] - xs[lo]);
        return ys[lo] + t * (ys[hi] - ys[lo]);
    }

    /// <summary>
    /// The calibrated shape: -1 -> 0, different-pair median -> lowSimilarity, threshold -> 50,
    /// same-pair median -> highSimilarity, 1 -> 100.
    /// </summary>
    public static SimilarityScale FromMedians(double differentMedian, double threshold, double sameMedian,
        double lowSimilarity = 5, double highSimilarity = 90)
    {
        if (!(differentMedian < threshold && threshold < sameMedian))
            throw new ArgumentException(FormattableString.Invariant(
                $"Cannot calibrate: the threshold {threshold:0.0000} is not between the different-pair median {differentMedian:0.0000} and the same-pair median {sameMedian:0.0000}."));
        return new SimilarityScale([new(-1, 0), new(differentMedian, lowSimilarity), new(threshold, ThresholdSimilarity), new(sameMedian, highSimilarity), new(1, 100)]);
    }

    /// <summary>Uncalibrated fallback: linear on each side of the threshold (-1 -> 0, threshold -> 50, 1 -> 100).</summary>
    public static SimilarityScale Linear(double threshold) =>
        new([new(-1, 0), new(Math.Clamp(threshold, -0.999, 0.999), ThresholdSimilarity), new(1, 100)]);

    /// <summary>
    /// The scale of a manifest entry. The 50% knot always follows the entry's DefaultThreshold (so the default
    /// threshold reads exactly 50% even if the threshold is re-tuned after calibration); entries without a
    /// calibration, or whose knots no longer fit around the threshold, get the linear fallback.
    /// </summary>
    public static SimilarityScale For(ModelDescriptor model)
    {
        double threshold = model.DefaultThreshold ?? 0.5;
        if (model.Similarity?.Knots is { Length: >= 2 } knots)
        {
            var adjusted = knots.Select(k => k.Similarity == ThresholdSimilarity ? k with { Cosine = threshold } : k).ToList();
            if (!adjusted.Any(k => k.Similarity == ThresholdSimilarity))
                adjusted = adjusted.Append(new SimilarityKnot(threshold, ThresholdSimilarity)).OrderBy(k => k.Similarity).ToList();
            try { return new SimilarityScale(adjusted); }
            catch (ArgumentException) { /* stale knots: fall through */ }
        }
        return Linear(threshold);
    }

    private static string Describe(SimilarityKnot k) => string.Create(CultureInfo.InvariantCulture, $"cosine {k.Cosine:0.####} -> {k.Similarity:0.##}");
}
