using FaceNet.Engine.Models;
using FaceNet.Engine.Verification;
using Xunit;
using FaceNet.TestSupport;

namespace FaceNet.Engine.Tests;

public class SimilarityScaleTests
{
    private static readonly SimilarityScale Scale = SimilarityScale.FromMedians(0.70, 0.82, 0.92);

    [Fact]
    public void Knots_read_exactly()
    {
        Assert.Equal(0, Scale.ToSimilarity(-1));
        Assert.Equal(5, Scale.ToSimilarity(0.70));
        Assert.Equal(50, Scale.ToSimilarity(0.82));
        Assert.Equal(90, Scale.ToSimilarity(0.92));
        Assert.Equal(100, Scale.ToSimilarity(1));
        Assert.Equal(0.82, Scale.ThresholdCosine);
    }

    [Fact]
    public void Is_monotone_and_inverse()
    {
        double previous = -1;
        for (double c = -1; c <= 1.0000001; c += 0.001)
        {
            double s = Scale.ToSimilarity(c);
            Assert.True(s >= previous, $"not monotone at {c}");
            previous = s;
            Assert.Equal(Math.Clamp(c, -1, 1), Scale.ToCosine(s), 9);
        }
    }

    [Fact]
    public void Clamps_rounding_outside_unit_range()
    {
        Assert.Equal(100, Scale.ToSimilarity(1.0000001));
        Assert.Equal(0, Scale.ToSimilarity(-1.5));
        Assert.Equal(1, Scale.ToCosine(150));
    }

    [Fact]
    public void Rejects_knots_that_do_not_increase()
    {
        Assert.Throws<ArgumentException>(() => SimilarityScale.FromMedians(0.9, 0.8, 0.95));
        Assert.Throws<ArgumentException>(() => new SimilarityScale([new(-1, 0), new(0.5, 60), new(0.4, 70), new(1, 100)]));
        Assert.Throws<ArgumentException>(() => new SimilarityScale([new(-0.5, 0), new(1, 100)]));
    }

    [Fact]
    public void Manifest_scale_follows_the_default_threshold()
    {
        var model = new ModelDescriptor
        {
            Name = "M", Kind = "Embedder", DefaultThreshold = 0.80f,
            Similarity = new SimilarityCalibration { Knots = [new(-1, 0), new(0.7, 5), new(0.82, 50), new(0.92, 90), new(1, 100)] },
        };
        var scale = SimilarityScale.For(model);
        Assert.Equal(50, scale.ToSimilarity((double)0.80f));
        Assert.Equal(5, scale.ToSimilarity(0.7));
    }

    [Fact]
    public void Uncalibrated_model_gets_linear_scale_around_threshold()
    {
        var scale = SimilarityScale.For(new ModelDescriptor { Name = "M", Kind = "Embedder", DefaultThreshold = 0.3f });
        Assert.Equal(50, scale.ToSimilarity((double)0.3f));
        Assert.Equal(100, scale.ToSimilarity(1));
    }
}

public class FalseMatchTableTests
{
    [Fact]
    public void Rule_of_three_at_zero()
    {
        Assert.Equal(3.0 / 1_000_000, ConfidenceBounds.ClopperPearsonUpper(0, 1_000_000), 7);
    }

    [Theory]
    // One-sided 95% Clopper-Pearson upper bounds (R: binom.test(k, n, alternative = "less")$conf.int[2]).
    [InlineData(1, 100, 0.04655)]
    [InlineData(10, 1000, 0.01690)]
    [InlineData(5, 20, 0.4556)]
    public void Clopper_Pearson_matches_reference_values(long k, long n, double expected)
    {
        Assert.Equal(expected, ConfidenceBounds.ClopperPearsonUpper(k, n), 3);
    }

    [Fact]
    public void Large_counts_bound_is_close_to_normal_approximation()
    {
        long n = 12_000_000, k = 120;
        double upper = ConfidenceBounds.ClopperPearsonUpper(k, n);
        double p = (double)k / n;
        Assert.InRange(upper, p, p + 2.5 * Math.Sqrt(p / n));
        Assert.InRange(upper, p + 1.3 * Math.Sqrt(p / n), double.MaxValue);
    }

    [Fact]
    public void LogGamma_is_accurate()
    {
        Assert.Equal(Math.Log(24), ConfidenceBounds.LogGamma(5), 10);
        Assert.Equal(0.5 * Math.Log(Math.PI), ConfidenceBounds.LogGamma(0.5), 10);
    }

    [Fact]
    public void Rows_count_exactly_the_pairs_at_or_above_the_threshold()
    {
        var rng = new Random(7);
        var scores = Enumerable.Range(0, 100_000).Select(_ => (float)rng.NextDouble()).ToArray();
        var rows = FalseMatchTable.BuildRows(scores, [1e-1, 1e-2, 1e-3, 1e-4, 1e-5]);
        // 1e-4 rests on 10 false matches (kept); 1e-5 would rest on 1 (fewer than 10: left out).
        Assert.Equal([1e-1, 1e-2, 1e-3, 1e-4], rows.Select(r => r.Rate));
        foreach (var r in rows)
        {
            long count = scores.LongCount(s => s >= r.Threshold);
            Assert.Equal(r.FalseMatches, count);
            Assert.True(r.MeasuredRate <= r.Rate);
            Assert.True(r.Upper95 > r.MeasuredRate);
        }
    }

    [Fact]
    public void Worst_domain_rows_take_the_highest_threshold_so_the_rate_holds_on_every_domain()
    {
        var rng = new Random(11);
        // "big": 100,000 impostor scores uniform in [0, 1); "dense": 2,000 scores crowded higher, in [0.3, 1.1),
        // as a set of photos from one session is.
        var big = Enumerable.Range(0, 100_000).Select(_ => (float)rng.NextDouble()).ToArray();
        var dense = Enumerable.Range(0, 2_000).Select(_ => 0.3f + 0.8f * (float)rng.NextDouble()).ToArray();
        var rows = FalseMatchTable.BuildWorstDomainRows([("big", big), ("dense", dense)], [1e-1, 1e-2, 1e-3, 1e-4, 1e-5]);
        // 1e-4 still has 10 false matches allowed on "big"; 1e-5 has 1 on any domain (left out).
        Assert.Equal([1e-1, 1e-2, 1e-3, 1e-4], rows.Select(r => r.Rate));
        foreach (var r in rows)
        {
            Assert.Equal(2, r.Domains!.Length);
            foreach (var (d, scores) in new[] { (r.Domains[0], big), (r.Domains[1], dense) })
            {
                Assert.Equal(scores.LongCount(s => s >= r.Threshold), d.FalseMatches);
                // Every domain that can measure the rate (3 or more false matches allowed) holds it.
                if (Math.Floor(r.Rate * scores.Length) >= 3) Assert.True(d.MeasuredRate <= r.Rate, $"{d.Domain} at {r.Rate}: {d.MeasuredRate}");
            }
            Assert.Equal(r.Domains.Max(d => d.MeasuredRate), r.MeasuredRate);
        }
        // The dense set sets the threshold while it has the pairs to (2,000 x 1e-3 = 2 allowed: too few from 1e-3 on).
        Assert.Equal(["dense", "dense", "big", "big"], rows.Select(r => r.GovernedBy));
        Assert.True(rows[0].Threshold > FalseMatchTable.BuildRows(big, [1e-1])[0].Threshold);
        Assert.Null(rows[2].Domains![1].OwnThreshold);
    }

    private static FalseMatchTable Table() => new("M", new FalseMatchCalibration
    {
        Dataset = "test", Pairs = 1_000_000,
        Rows = [new() { Rate = 1e-2, Threshold = 0.5, FalseMatches = 10000 }, new() { Rate = 1e-3, Threshold = 0.6, FalseMatches = 1000 }, new() { Rate = 1e-5, Threshold = 0.8, FalseMatches = 10 }],
    });

    [Fact]
    public void Lookup_takes_the_largest_rate_not_above_the_request()
    {
        var t = Table();
        Assert.Equal(0.5, t.Lookup(1e-2).Threshold);
        Assert.Equal(0.6, t.Lookup(5e-3).Threshold);
        Assert.Equal(0.6, t.Lookup(1e-3).Threshold);
        Assert.Equal(0.8, t.Lookup(9e-4).Threshold);
        Assert.Equal(0.8, t.Lookup(1e-5).Threshold);
        Assert.Equal(0.5, t.Lookup(1).Threshold);
        Assert.Equal(1e-5, t.MinimumRate);
    }

    [Fact]
    public void Lookup_refuses_rates_below_the_data()
    {
        var ex = Assert.Throws<FalseMatchRateException>(() => Table().Lookup(1e-6));
        Assert.Contains("below what the calibration data supports", ex.Message);
        Assert.Equal(1e-5, ex.MinimumRate);
        Assert.Throws<FalseMatchRateException>(() => Table().Lookup(0));
    }
}

public class FaceComparerTests
{
    private static float[] Unit(params float[] v) { var n = MathF.Sqrt(v.Sum(x => x * x)); return v.Select(x => x / n).ToArray(); }

    [Fact]
    public void Compares_all_pairs_best_first_with_top_per_reference()
    {
        var scale = SimilarityScale.FromMedians(0.0, 0.5, 0.8);
        var refs = new[] { new ComparableFace("M", Unit(1, 0)), new ComparableFace("M", Unit(0, 1)) };
        var diffs = new[] { new ComparableFace("M", Unit(1, 0.1f)), new ComparableFace("M", Unit(0.2f, 1)), new ComparableFace("M", Unit(-1, 0)) };
        var all = FaceComparer.Compare(refs, diffs, scale, 0.5);
        Assert.Equal(6, all.Count);
        Assert.True(all.Zip(all.Skip(1)).All(p => p.First.Cosine >= p.Second.Cosine));
        Assert.Equal((0, 0), (all[0].Reference, all[0].Difference));
        Assert.True(all[0].IsMatch);
        Assert.False(all.Single(c => c.Difference == 2 && c.Reference == 0).IsMatch);
        Assert.Equal(Math.Sqrt(2 - 2 * all[0].Cosine), all[0].Distance, 5);
        Assert.Equal(scale.ToSimilarity(all[0].Cosine), all[0].Similarity);

        // -Top 1: one row per reference face, its most similar difference face, however many differences there are.
        var top = FaceComparer.Compare(refs, diffs, scale, 0.5, top: 1);
        Assert.Equal(2, top.Count);
        Assert.Equal([(0, 0), (1, 1)], top.Select(c => (c.Reference, c.Difference)).Order());
        var top2 = FaceComparer.Compare(refs[..1], diffs, scale, 0.5, top: 2);
        Assert.Equal([0, 1], top2.Select(c => c.Difference));
    }

    [Fact]
    public void Finds_the_first_embedding_that_another_model_or_length_makes_incomparable()
    {
        var ok = new ComparableFace("Clean", Unit(1, 0));
        Assert.Null(FaceComparer.FindMismatch("clean", [ok, new ComparableFace("CLEAN", Unit(0, 1))]));
        var other = FaceComparer.FindMismatch("Clean", [ok, new ComparableFace("MobileFaceNet", Unit(1, 0))]);
        Assert.Equal(1, other!.Value.Index);
        Assert.Contains("MobileFaceNet", other.Value.Error.Message);
        Assert.Equal(1, FaceComparer.FindMismatch("Clean", [ok, new ComparableFace("Clean", Unit(1, 0, 0))])!.Value.Index);
    }

    [Fact]
    public void Refuses_different_models_and_lengths()
    {
        var a = new ComparableFace("Ensemble", Unit(1, 0));
        Assert.Throws<ModelMismatchException>(() => FaceComparer.EnsureComparable([a, new ComparableFace("MobileFaceNet", Unit(1, 0))]));
        Assert.Throws<ModelMismatchException>(() => FaceComparer.EnsureComparable([a, new ComparableFace("Ensemble", Unit(1, 0, 0))]));
        FaceComparer.EnsureComparable([a, new ComparableFace("ensemble", Unit(0, 1))]);
    }
}

public class ShippedCalibrationTests
{
    private static ModelManifest Shipped => ModelManifest.Load(Path.Combine(TestData.ModelsDir, "models.json"));

    [Fact]
    public void Every_shipped_calibration_matches_its_model_settings()
    {
        var manifest = Shipped;
        foreach (var m in manifest.Models.Where(m => m.IsEmbedder))
        {
            string fp = CalibrationFingerprint.Of(manifest, m);
            if (m.Similarity?.Fingerprint is { } s) Assert.True(s == fp, $"{m.Name}: similarity knots were measured with other settings ({s} != {fp}); rerun ./build.ps1 -Task Calibrate -Write (tools/FaceNet.Lab calibrate similarity).");
            if (m.FalseMatchRates?.Fingerprint is { } f) Assert.True(f == fp, $"{m.Name}: false match table was measured with other settings ({f} != {fp}); rerun ./build.ps1 -Task Calibrate -Write (tools/FaceNet.Lab calibrate similarity).");
        }
    }

    [Fact]
    public void A_file_that_reproduces_the_calibrated_one_keeps_the_fingerprint_and_any_other_changes_it()
    {
        // FaceReid ships a later preparation of the file its calibrations were measured with (preparation.calibratedSha256).
        var manifest = Shipped;
        var reid = manifest.Get("FaceReid");
        Assert.NotNull(reid.Preparation?.CalibratedSha256);
        Assert.NotEqual(reid.Sha256, reid.Preparation!.CalibratedSha256);
        string fp = CalibrationFingerprint.Of(manifest, reid);
        var asCalibrated = reid with { Sha256 = reid.Preparation.CalibratedSha256, Preparation = reid.Preparation with { CalibratedSha256 = null } };
        Assert.Equal(fp, CalibrationFingerprint.Of(manifest, asCalibrated));
        var other = reid with { Preparation = reid.Preparation with { CalibratedSha256 = null } };
        Assert.NotEqual(fp, CalibrationFingerprint.Of(manifest, other));
    }

    [Fact]
    public void Default_embedder_is_calibrated_and_its_threshold_reads_50()
    {
        var manifest = Shipped;
        var m = manifest.Get(manifest.DefaultEmbedder);
        Assert.NotNull(m.Similarity);
        var scale = SimilarityScale.For(m);
        Assert.Equal(50, scale.ToSimilarity((double)m.DefaultThreshold!.Value));
        Assert.True(scale.ToSimilarity(m.Similarity!.DifferentMedian!.Value) <= 10);
        Assert.True(scale.ToSimilarity(m.Similarity!.SameMedian!.Value) >= 85);
        var table = FalseMatchTable.For(m);
        Assert.NotNull(table);
        Assert.Equal(1e-5, table!.MinimumRate);
        Assert.True(table.Calibration.Pairs > 10_000_000);
        Assert.All(table.Rows, r => Assert.True(r.MeasuredRate <= r.Rate && r.Upper95 >= r.MeasuredRate));
    }
}
