using FaceNet.Engine.Embedding;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Pipeline;
using FaceNet.Engine.Vectors;

namespace FaceNet.Lab;

/// <summary>accuracy: embeds every distinct image of the pairs file(s) once and scores the pairs by cosine similarity.</summary>
public static class AccuracyCommand
{
    public static int Run(CommandLine cl, TextWriter o)
    {
        var dataset = cl.Get("dataset", Path.Combine(CommandLine.SharedRoot(), "data", "lfw-view1"));
        var pairsPath = CommandLine.ResolveIn(dataset, cl.Get("pairs", "pairsDevTest.txt"));
        var trainPath = cl.Get("train") is { Length: > 0 } t ? CommandLine.ResolveIn(dataset, t) : null;
        var manifest = cl.LoadManifest();
        var modelName = cl.Get("model", manifest.DefaultEmbedder);
        var fixedThreshold = cl.Double("threshold");
        int limit = cl.Int("limit", 0);
        int workers = cl.Workers();
        var crop = cl.LandmarkCrop();
        var detector = cl.Get("detector");
        cl.RejectUnknown();

        var root = PairsFile.FindImageRoot(dataset);
        var test = Limit(PairsFile.Load(pairsPath, root), limit);
        var train = trainPath is null ? null : Limit(PairsFile.Load(trainPath, root), limit);

        var analyzer = new FaceAnalyzer(manifest, detector);
        var embedder = EmbedderFactory.Create(manifest, modelName);
        var locator = new FaceLocator(analyzer, crop);
        var images = test.DistinctImages.Concat(train?.DistinctImages ?? []).Distinct(StringComparer.Ordinal).ToList();

        o.WriteLine($"dataset:   {root}");
        o.WriteLine($"pairs:     {pairsPath} ({test.Pairs.Count} pairs, {test.Folds} fold(s))" + (train is null ? "" : $"; train: {trainPath} ({train.Pairs.Count} pairs)"));
        o.WriteLine($"model:     {embedder.Name} ({embedder.Dimension}-d), detector {detector ?? "default (" + manifest.DefaultDetector + " on LFW-sized photos)"}, landmarks {manifest.DefaultLandmarks} ({crop} crop), {workers} worker(s)");

        var cache = EmbeddingCache.Build(images, locator,
            (img, face) => embedder.Embed(img, [face.Landmarks]), workers, Console.Error);

        ReportImages(cache, o);
        double threshold = fixedThreshold ?? embedder.DefaultThreshold;
        var (scores, same) = Score(test, cache);
        o.WriteLine();
        o.WriteLine($"accuracy at {(fixedThreshold is null ? "shipped default" : "given")} threshold {threshold:0.0000}: {Metrics.AccuracyAt(scores, same, threshold):P2}; {ErrorRates(scores, same, threshold)}");
        var (bestT, bestAcc) = Metrics.BestThreshold(scores, same);
        o.WriteLine($"best-threshold accuracy on this file (optimistic, for information): {bestAcc:P2} at {bestT:0.0000}");
        if (test.Folds > 1)
        {
            var kf = Metrics.KFold(scores, same, test.Pairs.Select(p => p.Fold).ToArray(), test.Folds);
            o.WriteLine($"{test.Folds}-fold CV accuracy (threshold chosen on the other folds): {kf.Mean:P2} +- {kf.Std:P2} (thresholds {kf.Thresholds.Min():0.000}..{kf.Thresholds.Max():0.000})");
        }
        foreach (var far in new[] { 1e-3, 1e-2 })
        {
            var r = Metrics.TarAtFar(scores, same, far);
            o.WriteLine($"TAR at FAR={far:0.###}: {r.Tar:P2} (threshold > {r.Threshold:0.0000}, {r.Allowed} of {r.Impostors} impostor pairs allowed)");
        }
        o.WriteLine($"AUC: {Metrics.Auc(scores, same):0.00000}");

        if (train is not null)
        {
            var (ts, tsame) = Score(train, cache);
            var (tt, tacc) = Metrics.BestThreshold(ts, tsame);
            o.WriteLine();
            o.WriteLine($"threshold chosen on train file: {tt:0.0000} (train accuracy {tacc:P2})");
            o.WriteLine($"accuracy on {Path.GetFileName(pairsPath)} at that threshold: {Metrics.AccuracyAt(scores, same, tt):P2}; {ErrorRates(scores, same, tt)}");
        }
        return 0;
    }

    /// <summary>False match rate (different pairs at or above t) and false non-match rate (same pairs below t), with counts.</summary>
    public static string ErrorRates(double[] scores, bool[] same, double t)
    {
        int diff = same.Count(s => !s), sm = same.Length - diff;
        int fm = scores.Where((x, i) => !same[i] && x >= t).Count(), fnm = scores.Where((x, i) => same[i] && x < t).Count();
        return $"false match rate {(double)fm / Math.Max(1, diff):P2} ({fm} of {diff} different pairs), false non-match rate {(double)fnm / Math.Max(1, sm):P2} ({fnm} of {sm} same pairs)";
    }

    public static (double[] Scores, bool[] Same) Score(PairsFile pairs, EmbeddingCache cache) =>
        (pairs.Pairs.Select(p => (double)VectorMath.Dot(cache.Get(p.PathA, 0), cache.Get(p.PathB, 0))).ToArray(),
         pairs.Pairs.Select(p => p.Same).ToArray());

    /// <summary>Smoke-test subset: the first n same and first n different pairs, as one fold.</summary>
    public static PairsFile Limit(PairsFile f, int n) => n <= 0 ? f : new PairsFile
    {
        Path = f.Path,
        Folds = 1,
        Pairs = f.Pairs.Where(p => p.Same).Take(n).Concat(f.Pairs.Where(p => !p.Same).Take(n)).Select(p => p with { Fold = 0 }).ToList(),
    };

    public static void ReportImages(EmbeddingCache cache, TextWriter o)
    {
        var noFace = cache.NoFaceImages;
        var f = FaceLocator.FallbackFraction;
        o.WriteLine($"images:    {cache.Count} distinct, {cache.Seconds:0.0} s, {cache.ImagesPerSecond:0.0} images/s (detect + landmarks + embed)");
        o.WriteLine($"no face detected: {noFace.Count} image(s); handled by running landmarks on the central fallback box " +
                    $"(x {f.X:0.00}W, y {f.Y:0.00}H, {f.W:0.00}W x {f.H:0.00}H = (80,61) 93x129 on 250x250, the median detected box) and embedding that face");
        foreach (var p in noFace.Take(30)) o.WriteLine($"  {Path.GetFileName(p)}");
        if (noFace.Count > 30) o.WriteLine($"  ... {noFace.Count - 30} more");
        var detected = cache.Faces.Where(x => x.Face.Detected).Select(x => x.Face).ToList();
        if (detected.Count > 0)
        {
            float Med(Func<LocatedFace, float> g) { var a = detected.Select(g).OrderBy(v => v).ToArray(); return a[a.Length / 2]; }
            o.WriteLine($"median chosen detection box: ({Med(x => x.Box.X):0},{Med(x => x.Box.Y):0}) {Med(x => x.Box.Width):0}x{Med(x => x.Box.Height):0}; " +
                        $"images with several detections: {detected.Count(x => x.FacesFound > 1)}");
        }
    }
}
