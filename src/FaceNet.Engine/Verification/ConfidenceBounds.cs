namespace FaceNet.Engine.Verification;

/// <summary>Binomial confidence bounds for a measured rate.</summary>
public static class ConfidenceBounds
{
    /// <summary>
    /// One-sided Clopper-Pearson upper bound: the p at which P(X &lt;= k | n, p) = 1 - confidence. For k = 0 this is
    /// 1 - (1-confidence)^(1/n), about 3/n at 95% (the rule of three).
    /// </summary>
    public static double ClopperPearsonUpper(long k, long n, double confidence = 0.95)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n));
        if (k >= n) return 1;
        double alpha = 1 - confidence;
        if (k == 0) return 1 - Math.Pow(alpha, 1.0 / n);
        double lo = (double)k / n, hi = 1;
        for (int it = 0; it < 100; it++)
        {
            double mid = (lo + hi) / 2;
            if (BinomialCdf(k, n, mid) > alpha) lo = mid; else hi = mid;
            if (hi - lo < 1e-12 * hi) break;
        }
        return (lo + hi) / 2;
    }

    /// <summary>P(X &lt;= k) for X ~ Binomial(n, p), summed in log space from k downwards until terms vanish.</summary>
    public static double BinomialCdf(long k, long n, double p)
    {
        if (p <= 0) return 1;
        if (p >= 1) return k >= n ? 1 : 0;
        double lnP = Math.Log(p), lnQ = Log1P(-p), lnFactN = LogGamma(n + 1.0);
        double sum = 0;
        double mean = n * p;
        for (long i = k; i >= 0; i--)
        {
            double lnTerm = lnFactN - LogGamma(i + 1.0) - LogGamma(n - i + 1.0) + i * lnP + (n - i) * lnQ;
            double term = Math.Exp(lnTerm);
            sum += term;
            if (i < mean && term < sum * 1e-17) break;
        }
        return Math.Min(1, sum);
    }

    /// <summary>ln(1 + x), accurate for tiny x (where 1 + x loses digits).</summary>
    public static double Log1P(double x)
    {
        if (Math.Abs(x) > 1e-4) return Math.Log(1 + x);
        return x - x * x / 2 + x * x * x / 3 - x * x * x * x / 4;
    }

    /// <summary>ln Γ(x) for x &gt; 0 (Lanczos, g = 7, n = 9; relative error about 1e-15).</summary>
    public static double LogGamma(double x)
    {
        if (x < 0.5) return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * x))) - LogGamma(1 - x);
        ReadOnlySpan<double> c =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
        ];
        x -= 1;
        double a = c[0];
        double t = x + 7.5;
        for (int i = 1; i < 9; i++) a += c[i] / (x + i);
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(a);
    }
}
