using FaceNet.Engine.Models;
using FaceNet.Engine.Verification;

namespace FaceNet.Engine.Adaptation;

/// <summary>An adapted space's thresholds: the default, Find-Face's open-set threshold, the Similarity knots and the false match table.</summary>
public sealed record AdaptedThresholds
{
    public double DefaultThreshold { get; init; }
    public double? IdentificationThreshold { get; init; }
    public SimilarityCalibration? Similarity { get; init; }
    public FalseMatchCalibration? FalseMatchRates { get; init; }
}

/// <summary>
/// Carries a model's calibrated thresholds into a gallery's adapted space by quantile matching on the reference set
/// (people the gallery was not trained on): a threshold that k reference different-person pairs reach in the plain
/// space becomes the one that k of them reach after the projection. So every threshold keeps its measured false match
/// rate on the reference people, and the default (set on three sets, the worst of them) keeps its margin. Thresholds
/// above the default follow the same-person pairs' quantiles for the Similarity knot at 90.
/// A threshold set on the gallery's own, trained-on photos would be far too loose (issue 28).
/// </summary>
public static class AdaptedCalibration
{
    /// <summary>Fewer reference pairs than this above a plain threshold cannot place it in the adapted space.</summary>
    public const int MinPairs = 3;

    public static AdaptedThresholds Compute(ReferenceImpostors reference, LinearProjection projection, ModelDescriptor plain, double? plainIdentification)
    {
        var before = reference.Plain;
        var after = PairScores.Of(projection.Apply(reference.Vectors), reference.People);
        double plainDefault = plain.DefaultThreshold ?? throw new InvalidOperationException($"Model '{plain.Name}' has no default threshold to carry over.");
        double defaultThreshold = Map(before.Different, after.Different, plainDefault)
            ?? throw new InvalidOperationException("The reference set has too few different-person pairs above the default threshold to calibrate the adapted one.");
        double? identification = plainIdentification is { } id ? Map(before.Different, after.Different, id) : null;

        FalseMatchCalibration? table = null;
        if (plain.FalseMatchRates is { Rows.Length: > 0 } rates)
        {
            long n = after.Different.Length;
            var rows = new List<FalseMatchRow>();
            foreach (var row in rates.Rows)
            {
                long k = FalseMatchTable.CountAtOrAbove(before.Different, (float)row.Threshold);
                if (k < MinPairs || k >= n) continue;
                float t = FalseMatchTable.ThresholdAt(after.Different, k);
                long matches = FalseMatchTable.CountAtOrAbove(after.Different, t);
                rows.Add(new FalseMatchRow
                {
                    Rate = row.Rate, Threshold = t, FalseMatches = matches, MeasuredRate = (double)matches / n,
                    Upper95 = ConfidenceBounds.ClopperPearsonUpper(matches, n, 0.95), GovernedBy = "reference",
                });
            }
            if (rows.Count > 0)
                table = new FalseMatchCalibration
                {
                    Dataset = reference.Description.Dataset,
                    Photos = reference.Vectors.Length,
                    PhotosUsed = reference.Vectors.Length,
                    Pairs = n,
                    Date = DateTime.UtcNow.ToString("yyyy-MM-dd"),
                    Confidence = rates.Confidence,
                    Method = "quantile matching on the reference set: each row of the model's table moved to the adapted threshold that as many " +
                             "reference different-person pairs reach as reached the plain one (falseMatches and measuredRate: reference pairs at the adapted threshold)",
                    Rows = rows.ToArray(),
                };
        }

        SimilarityCalibration? similarity = null;
        if (plain.Similarity?.Knots is { Length: >= 2 } knots)
        {
            var mapped = new List<SimilarityKnot>();
            foreach (var k in knots)
            {
                double? c = k.Similarity == SimilarityScale.ThresholdSimilarity ? defaultThreshold
                    : k.Cosine <= -1 || k.Cosine >= 1 ? k.Cosine
                    : k.Cosine < plainDefault ? Map(before.Different, after.Different, k.Cosine)
                    : Map(before.Same, after.Same, k.Cosine);
                if (c is { } v) mapped.Add(k with { Cosine = v });
            }
            bool increasing = mapped.Zip(mapped.Skip(1)).All(p => p.Second.Cosine > p.First.Cosine && p.Second.Similarity > p.First.Similarity);
            if (increasing && mapped.Count >= 3)
                similarity = new SimilarityCalibration
                {
                    Knots = mapped.ToArray(),
                    Dataset = reference.Description.Dataset,
                    Date = DateTime.UtcNow.ToString("yyyy-MM-dd"),
                    Notes = "The model's knots moved by quantile matching on the reference set: below the default on different-person pairs, above it on same-person pairs.",
                };
        }
        return new AdaptedThresholds { DefaultThreshold = defaultThreshold, IdentificationThreshold = identification, Similarity = similarity, FalseMatchRates = table };
    }

    /// <summary>
    /// Only the adapted default (what the held-out measurement needs): a selection, not a sort, of the reference pairs.
    /// The same value <see cref="Compute"/> gives.
    /// </summary>
    public static double DefaultOnly(ReferenceImpostors reference, LinearProjection projection, ModelDescriptor plain)
    {
        long k = FalseMatchTable.CountAtOrAbove(reference.Plain.Different, plain.DefaultThreshold ?? 0.5f);
        var after = PairScores.Of(projection.Apply(reference.Vectors), reference.People, sort: false);
        if (k < MinPairs || k >= after.Different.Length)
            throw new InvalidOperationException("The reference set has too few different-person pairs above the default threshold to calibrate the adapted one.");
        return FalseMatchTable.ThresholdAt(PairScores.KthHighestPair(after.Different, k), 1);
    }

    /// <summary>The adapted threshold that as many pairs reach as reach <paramref name="threshold"/> before; null when too few do.</summary>
    private static double? Map(float[] beforeDescending, float[] afterDescending, double threshold)
    {
        long k = FalseMatchTable.CountAtOrAbove(beforeDescending, (float)threshold);
        if (k < MinPairs || k >= afterDescending.Length) return null;
        return FalseMatchTable.ThresholdAt(afterDescending, k);
    }
}
