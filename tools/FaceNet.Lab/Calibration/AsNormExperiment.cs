using System.Numerics.Tensors;

namespace FaceNet.Lab;

/// <summary>
/// --as-norm K: does adaptive score normalisation (AS-norm; Matejka et al. 2017) make thresholds transfer between
/// domains better than raw cosines do? Each embedding's K highest cosines against a cohort of impostor embeddings give
/// a mean and spread; a pair's score becomes ((s - mu_a) / sd_a + (s - mu_b) / sd_b) / 2, so a photo from a "dense"
/// domain (one session, one light) is measured against its own neighbourhood. The cohort is half of LFW View 1's
/// people (split by name); LFW and its tight crops are evaluated on the other half only, so no cohort face is compared
/// with itself. Printed, never written: for raw and normalised scores, each domain's own 1e-3 threshold, the rates on
/// every domain at LFW's own threshold (how far an LFW-chosen threshold transfers) and at the worst domain's, and the
/// DevTest same-person pairs (evaluation half) missed at the worst domain's threshold.
/// </summary>
internal static class AsNormExperiment
{
    public static void Run(IReadOnlyList<(string Name, string[] PersonOf, float[]?[] Vectors, Func<int, int, bool> Excluded, bool Lfw)> domains,
        IReadOnlyList<(int A, int B)> devTestSame, int k, TextWriter o)
    {
        static bool CohortPerson(string person) => (StableHash(person) & 1) == 0;
        var lfw = domains.First(d => d.Lfw && d.Name == "lfw");
        var cohort = Enumerable.Range(0, lfw.Vectors.Length).Where(i => lfw.Vectors[i] is not null && CohortPerson(lfw.PersonOf[i]))
            .Select(i => lfw.Vectors[i]!).ToArray();
        o.WriteLine($"AS-norm: cohort of {cohort.Length} LFW embeddings (half of the people), top {k} cosines per embedding; LFW-named domains evaluated on the other half");

        var results = new List<(string Name, float[] Raw, float[] Norm)>();
        (float Mu, float Sd)[] lfwStats = [];
        foreach (var d in domains)
        {
            var eval = Enumerable.Range(0, d.Vectors.Length).Where(i => d.Vectors[i] is not null && !(d.Lfw && CohortPerson(d.PersonOf[i]))).ToArray();
            var stats = new (float Mu, float Sd)[d.Vectors.Length];
            Parallel.ForEach(eval, i => stats[i] = Stats(d.Vectors[i]!, cohort, k));
            if (d.Name == "lfw") lfwStats = stats;
            var raw = new List<float>(); var norm = new List<float>();
            var parts = new System.Collections.Concurrent.ConcurrentBag<(float[] R, float[] N)>();
            Parallel.For(0, eval.Length, ia =>
            {
                var r = new List<float>(); var n = new List<float>();
                int a = eval[ia];
                for (int ib = ia + 1; ib < eval.Length; ib++)
                {
                    int b = eval[ib];
                    if (d.PersonOf[a] == d.PersonOf[b] || d.Excluded(a, b)) continue;
                    float s = TensorPrimitives.Dot(d.Vectors[a]!, d.Vectors[b]!);
                    r.Add(s); n.Add(Normalise(s, stats[a], stats[b]));
                }
                parts.Add((r.ToArray(), n.ToArray()));
            });
            results.Add((d.Name, parts.SelectMany(p => p.R).ToArray(), parts.SelectMany(p => p.N).ToArray()));
        }

        var same = devTestSame.Where(p => lfw.Vectors[p.A] is not null && lfw.Vectors[p.B] is not null && !CohortPerson(lfw.PersonOf[p.A])).ToList();
        foreach (var normalised in new[] { false, true })
        {
            var scores = results.Select(r => (r.Name, S: normalised ? r.Norm : r.Raw)).ToList();
            var own = scores.Select(s => (s.Name, T: OwnThreshold(s.S, 1e-3))).ToList();
            float lfwT = own.First(x => x.Name == "lfw").T, worstT = own.Max(x => x.T);
            string Rates(float t) => string.Join(", ", scores.Select(s => $"{s.Name} {Rate(s.S, t):0.00e+0}"));
            var sameScores = same.Select(p =>
            {
                float s = TensorPrimitives.Dot(lfw.Vectors[p.A]!, lfw.Vectors[p.B]!);
                return normalised ? Normalise(s, lfwStats[p.A], lfwStats[p.B]) : s;
            }).ToArray();
            int missed = sameScores.Count(s => s < worstT);
            o.WriteLine($"  {(normalised ? "AS-norm" : "raw    ")}: own 1e-3 thresholds {string.Join(", ", own.Select(x => $"{x.Name} {x.T:0.0000}"))}");
            o.WriteLine($"           at LFW's own: {Rates(lfwT)}");
            o.WriteLine($"           at the worst domain's: {Rates(worstT)}; DevTest same pairs missed {missed} of {sameScores.Length} ({100.0 * missed / Math.Max(1, sameScores.Length):0.0}%)");
        }
    }

    private static (float Mu, float Sd) Stats(float[] x, float[][] cohort, int k)
    {
        var s = new float[cohort.Length];
        for (int i = 0; i < cohort.Length; i++) s[i] = TensorPrimitives.Dot(x, cohort[i]);
        Array.Sort(s);
        var top = s.AsSpan(s.Length - Math.Min(k, s.Length));
        float mu = TensorPrimitives.Sum(top) / top.Length;
        float var = 0;
        foreach (var v in top) var += (v - mu) * (v - mu);
        return (mu, MathF.Sqrt(var / top.Length) + 1e-6f);
    }

    private static float Normalise(float s, (float Mu, float Sd) a, (float Mu, float Sd) b) => 0.5f * ((s - a.Mu) / a.Sd + (s - b.Mu) / b.Sd);

    private static float OwnThreshold(float[] scores, double rate)
    {
        var sorted = (float[])scores.Clone();
        Array.Sort(sorted); Array.Reverse(sorted);
        long kk = Math.Max(1, (long)Math.Floor(rate * sorted.Length));
        return MathF.BitIncrement(sorted[kk]);   // the kk highest are at or above it
    }

    private static double Rate(float[] scores, float t) => (double)scores.LongCount(s => s >= t) / scores.Length;

    private static uint StableHash(string s)
    {
        uint h = 2166136261;
        foreach (char c in s) { h ^= c; h *= 16777619; }
        return h;
    }
}
