namespace FaceNet.Lab;

/// <summary>Verification metrics on similarity scores (higher = more alike; score >= threshold means "same").</summary>
public static class Metrics
{
    public static double AccuracyAt(IReadOnlyList<double> scores, IReadOnlyList<bool> same, double threshold)
    {
        int correct = 0;
        for (int i = 0; i < scores.Count; i++)
            if ((scores[i] >= threshold) == same[i]) correct++;
        return (double)correct / scores.Count;
    }

    /// <summary>
    /// The threshold that maximises accuracy: every cut between consecutive distinct scores is tried (its
    /// midpoint is the threshold). Among equally good cuts the middle one is taken, so a plateau does not pull
    /// the threshold onto one of its ends.
    /// </summary>
    public static (double Threshold, double Accuracy) BestThreshold(IReadOnlyList<double> scores, IReadOnlyList<bool> same)
    {
        int n = scores.Count;
        var order = Enumerable.Range(0, n).OrderBy(i => scores[i]).ToArray();
        int positives = same.Count(s => s);
        // Cut before sorted index c: everything from c on is called "same".
        // correct(c) = negatives below c + positives from c on.
        int negBelow = 0, posBelow = 0;
        int best = -1;
        var bestCuts = new List<double>();
        for (int c = 0; c <= n; c++)
        {
            bool validCut = c == 0 || c == n || scores[order[c]] > scores[order[c - 1]];
            if (validCut)
            {
                int correct = negBelow + (positives - posBelow);
                double t = c == 0 ? scores[order[0]] - 1e-6
                         : c == n ? scores[order[n - 1]] + 1e-6
                         : (scores[order[c - 1]] + scores[order[c]]) / 2;
                if (correct > best) { best = correct; bestCuts.Clear(); }
                if (correct == best) bestCuts.Add(t);
            }
            if (c < n) { if (same[order[c]]) posBelow++; else negBelow++; }
        }
        return (bestCuts[bestCuts.Count / 2], (double)best / n);
    }

    /// <summary>
    /// k-fold cross-validated accuracy (LFW View 2 protocol): for each fold the threshold is chosen on the
    /// other folds and applied to it. Std is the population std of the fold accuracies (as InsightFace reports it).
    /// </summary>
    public static (double Mean, double Std, double[] PerFold, double[] Thresholds) KFold(
        IReadOnlyList<double> scores, IReadOnlyList<bool> same, IReadOnlyList<int> fold, int folds)
    {
        var acc = new double[folds];
        var thr = new double[folds];
        for (int k = 0; k < folds; k++)
        {
            var trainIdx = Enumerable.Range(0, scores.Count).Where(i => fold[i] != k).ToArray();
            var testIdx = Enumerable.Range(0, scores.Count).Where(i => fold[i] == k).ToArray();
            var (t, _) = BestThreshold(trainIdx.Select(i => scores[i]).ToArray(), trainIdx.Select(i => same[i]).ToArray());
            thr[k] = t;
            acc[k] = AccuracyAt(testIdx.Select(i => scores[i]).ToArray(), testIdx.Select(i => same[i]).ToArray(), t);
        }
        double mean = acc.Average();
        double std = Math.Sqrt(acc.Select(a => (a - mean) * (a - mean)).Average());
        return (mean, std, acc, thr);
    }

    /// <summary>
    /// True-accept rate at a false-accept rate: the threshold is set just above the (k+1)-th highest impostor
    /// score, k = floor(far * impostors), so at most k impostors pass. With few impostors (500 in DevTest) a FAR of
    /// 1e-3 allows none, so it is really "TAR at zero false accepts"; Allowed says how many were allowed.
    /// </summary>
    public static (double Tar, double Threshold, int Allowed, int Impostors) TarAtFar(IReadOnlyList<double> scores, IReadOnlyList<bool> same, double far)
    {
        var neg = scores.Where((s, i) => !same[i]).OrderByDescending(s => s).ToArray();
        var pos = scores.Where((s, i) => same[i]).ToArray();
        int allowed = (int)Math.Floor(far * neg.Length);
        double threshold = allowed >= neg.Length ? double.NegativeInfinity : neg[allowed];
        // Strictly above the first impostor that must be rejected.
        double tar = (double)pos.Count(s => s > threshold) / pos.Length;
        return (tar, threshold, allowed, neg.Length);
    }

    /// <summary>Area under the ROC curve = P(genuine score > impostor score), ties counting one half (Mann-Whitney).</summary>
    public static double Auc(IReadOnlyList<double> scores, IReadOnlyList<bool> same)
    {
        int n = scores.Count;
        var order = Enumerable.Range(0, n).OrderBy(i => scores[i]).ToArray();
        var rank = new double[n];
        for (int i = 0; i < n;)
        {
            int j = i;
            while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) j++;
            double r = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) rank[order[k]] = r;
            i = j + 1;
        }
        long nPos = same.Count(s => s), nNeg = n - nPos;
        double sumPos = 0;
        for (int i = 0; i < n; i++) if (same[i]) sumPos += rank[i];
        return (sumPos - nPos * (nPos + 1) / 2.0) / ((double)nPos * nNeg);
    }
}
