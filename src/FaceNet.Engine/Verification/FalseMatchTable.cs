using System.Globalization;
using FaceNet.Engine.Models;

namespace FaceNet.Engine.Verification;

/// <summary>
/// Chooses thresholds by false match rate from a measured table (the manifest's FalseMatchRates): for a requested
/// rate, the row with the largest tabulated rate that does not exceed it, so the measured rate never exceeds
/// the request. Rates below the table's smallest row are refused: the data does not support them.
/// </summary>
public sealed class FalseMatchTable
{
    private readonly FalseMatchRow[] _rows;

    public FalseMatchTable(string model, FalseMatchCalibration calibration)
    {
        Model = model;
        Calibration = calibration;
        _rows = (calibration.Rows ?? []).OrderByDescending(r => r.Rate).ToArray();
        if (_rows.Length == 0) throw new ArgumentException($"The false match table of '{model}' has no rows.");
    }

    public string Model { get; }
    public FalseMatchCalibration Calibration { get; }
    public IReadOnlyList<FalseMatchRow> Rows => _rows;
    /// <summary>The smallest rate the table supports.</summary>
    public double MinimumRate => _rows[^1].Rate;

    /// <summary>The row whose threshold gives a measured rate at most <paramref name="rate"/>.</summary>
    /// <exception cref="FalseMatchRateException">The rate is below what the data supports, or not in (0, 1].</exception>
    public FalseMatchRow Lookup(double rate)
    {
        if (!(rate > 0 && rate <= 1))
            throw new FalseMatchRateException(Model, rate, MinimumRate, $"A false match rate must be above 0 and at most 1, not {Format(rate)}.");
        foreach (var row in _rows)
            if (row.Rate <= rate * (1 + 1e-9)) return row;
        throw new FalseMatchRateException(Model, rate, MinimumRate,
            $"A false match rate of {Format(rate)} is below what the calibration data supports for model '{Model}': " +
            $"the smallest measured rate is {Format(MinimumRate)} ({SmallestRowEvidence()}). " +
            $"Use -FalseMatchRate {Format(MinimumRate)} or more, or -Threshold.");
    }

    /// <summary>The false matches behind the last row: on the worst domain when the table was measured on several.</summary>
    private string SmallestRowEvidence()
    {
        var row = _rows[^1];
        if (row.Domains is not { Length: > 1 } per || Calibration.Domains is not { Length: > 1 } sets)
            return $"{row.FalseMatches} false matches in {Calibration.Pairs:N0} different-person pairs of {Calibration.Dataset}";
        var worst = per.MaxBy(d => d.MeasuredRate)!;
        long pairs = sets.FirstOrDefault(d => d.Name == worst.Domain)?.Pairs ?? 0;
        return $"{worst.FalseMatches:N0} false matches in {pairs:N0} different-person pairs of {worst.Domain}, the worst of the {sets.Length} sets measured: {string.Join(", ", sets.Select(d => d.Name))}";
    }

    /// <summary>One line on a row: its threshold, and the false matches measured at it on each domain.</summary>
    public static string Describe(FalseMatchRow row, FalseMatchCalibration calibration)
    {
        var domains = row.Domains is { Length: > 0 } d
            ? string.Join("; ", d.Select(x => string.Create(CultureInfo.InvariantCulture,
                $"{x.Domain} {x.MeasuredRate:0.00e+0} ({x.FalseMatches:N0} of {calibration.Domains?.FirstOrDefault(c => c.Name == x.Domain)?.Pairs ?? 0:N0} pairs, 95% upper bound {x.Upper95:0.00e+0})")))
            : string.Create(CultureInfo.InvariantCulture, $"{row.MeasuredRate:0.00e+0} ({row.FalseMatches:N0} of {calibration.Pairs:N0} pairs, 95% upper bound {row.Upper95:0.00e+0})");
        return string.Create(CultureInfo.InvariantCulture,
            $"False match rate {Format(row.Rate)}: threshold cosine {row.Threshold:0.0000}{(row.GovernedBy is { } g ? $" (set by {g}, the worst domain)" : "")}; measured {domains}.");
    }

    public static FalseMatchTable? For(ModelDescriptor model) =>
        model.FalseMatchRates is { Rows.Length: > 0 } c ? new FalseMatchTable(model.Name, c) : null;

    internal static string Format(double rate) => rate.ToString("0.######", CultureInfo.InvariantCulture);

    /// <summary>Default rates tabulated by the calibration: 1e-1 down to 1e-5 in 1-2-5 steps.</summary>
    public static readonly double[] StandardRates =
        [1e-1, 5e-2, 2e-2, 1e-2, 5e-3, 2e-3, 1e-3, 5e-4, 2e-4, 1e-4, 5e-5, 2e-5, 1e-5];

    /// <summary>
    /// Builds rows from different-person scores: for each rate r, k = floor(r*N) and the threshold is the midpoint
    /// between the k-th and (k+1)-th highest score, so exactly the k highest pairs (fewer on ties) are false matches.
    /// Rows resting on fewer than <paramref name="minFalseMatches"/> false matches are left out.
    /// </summary>
    public static List<FalseMatchRow> BuildRows(float[] impostorScores, IEnumerable<double> rates, int minFalseMatches = 10)
    {
        var sorted = (float[])impostorScores.Clone();
        Array.Sort(sorted);
        Array.Reverse(sorted);                      // highest first
        long n = sorted.Length;
        var rows = new List<FalseMatchRow>();
        foreach (double rate in rates.OrderByDescending(r => r))
        {
            long k = (long)Math.Floor(rate * n + 1e-9);
            if (k < minFalseMatches || k >= n) continue;
            float t = ThresholdAt(sorted, k);
            long matches = CountAtOrAbove(sorted, t);
            rows.Add(new FalseMatchRow
            {
                Rate = rate,
                Threshold = t,
                FalseMatches = matches,
                MeasuredRate = (double)matches / n,
                Upper95 = ConfidenceBounds.ClopperPearsonUpper(matches, n, 0.95),
            });
        }
        return rows;
    }

    /// <summary>
    /// Rows for several domains at once (the first is the primary): for each rate, every domain with at least
    /// <paramref name="minToSetThreshold"/> false matches allowed (floor(rate x its pairs)) gives its own threshold as
    /// <see cref="BuildRows"/> would, and the row takes the highest of them, so the rate holds on every such domain.
    /// Domains with too few pairs for a rate still report their false matches at it. A row needs one domain with at
    /// least <paramref name="minFalseMatches"/> allowed. The row's own counts are the worst domain's.
    /// </summary>
    public static List<FalseMatchRow> BuildWorstDomainRows(IReadOnlyList<(string Name, float[] Scores)> domains, IEnumerable<double> rates,
        int minFalseMatches = 10, int minToSetThreshold = 3)
    {
        if (domains.Count == 0) throw new ArgumentException("No domains.", nameof(domains));
        var sorted = domains.Select(d => { var x = (float[])d.Scores.Clone(); Array.Sort(x); Array.Reverse(x); return x; }).ToArray();
        var rows = new List<FalseMatchRow>();
        foreach (double rate in rates.OrderByDescending(r => r))
        {
            var own = new float?[domains.Count];
            bool supported = false;
            for (int d = 0; d < domains.Count; d++)
            {
                long n = sorted[d].Length;
                long k = (long)Math.Floor(rate * n + 1e-9);
                if (k >= minFalseMatches && k < n) supported = true;
                if (k >= minToSetThreshold && k < n) own[d] = ThresholdAt(sorted[d], k);
            }
            if (!supported) continue;
            int governing = -1;
            for (int d = 0; d < domains.Count; d++)
                if (own[d] is { } t && (governing < 0 || t > own[governing]!.Value)) governing = d;
            float threshold = own[governing]!.Value;
            var per = new DomainFalseMatches[domains.Count];
            for (int d = 0; d < domains.Count; d++)
            {
                long n = sorted[d].Length, matches = CountAtOrAbove(sorted[d], threshold);
                per[d] = new DomainFalseMatches
                {
                    Domain = domains[d].Name,
                    OwnThreshold = own[d],
                    FalseMatches = matches,
                    MeasuredRate = (double)matches / n,
                    Upper95 = ConfidenceBounds.ClopperPearsonUpper(matches, n, 0.95),
                };
            }
            var worst = per.MaxBy(p => p.MeasuredRate)!;
            rows.Add(new FalseMatchRow
            {
                Rate = rate,
                Threshold = threshold,
                FalseMatches = worst.FalseMatches,
                MeasuredRate = worst.MeasuredRate,
                Upper95 = worst.Upper95,
                GovernedBy = domains[governing].Name,
                Domains = per,
            });
        }
        return rows;
    }

    /// <summary>The midpoint between the k-th and (k+1)-th highest, as a float that counts exactly the k highest (fewer on ties).</summary>
    internal static float ThresholdAt(float[] descending, long k)
    {
        double threshold = ((double)descending[k - 1] + descending[k]) / 2;
        // Scores are compared as floats: make sure the k-th is at or above and the (k+1)-th below.
        float t = (float)threshold;
        if (t > descending[k - 1]) t = descending[k - 1];
        if (t <= descending[k]) t = MathF.BitIncrement(descending[k]);   // float rounding or ties: never count the (k+1)-th
        return t;
    }

    internal static long CountAtOrAbove(float[] descending, float t)
    {
        int lo = 0, hi = descending.Length;           // first index with value < t
        while (lo < hi) { int mid = (lo + hi) >>> 1; if (descending[mid] >= t) lo = mid + 1; else hi = mid; }
        return lo;
    }
}
