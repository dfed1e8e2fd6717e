using System.Globalization;
using FaceNet.Engine.Embedding;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Models;
using FaceNet.Engine.Pipeline;

namespace FaceNet.Lab;

/// <summary>
/// calibrate: chooses the ensemble's weight and threshold. Raw outputs (plain and mirrored) of every member are
/// cached once per image; each member variant (mirror on/off, centred on its DevTrain mean or not) is then just
/// arithmetic. Weight and threshold are chosen on the --pairs file (DevTrain) only; --test (DevTest) is reported.
/// </summary>
public static class CalibrateCommand
{
    private sealed record Variant(string Member, bool Mirror, bool Centred)
    {
        public override string ToString() => $"{Member}{(Mirror ? "+mirror" : "")}{(Centred ? "+centred" : "")}";
    }

    public static int Run(CommandLine cl, TextWriter o)
    {
        var dataset = cl.Get("dataset", Path.Combine(CommandLine.SharedRoot(), "data", "lfw-view1"));
        var trainPath = CommandLine.ResolveIn(dataset, cl.Get("pairs", "pairsDevTrain.txt"));
        var testPath = CommandLine.ResolveIn(dataset, cl.Get("test", "pairsDevTest.txt"));
        var manifest = cl.LoadManifest();
        var names = cl.Get("models", "MobileFaceNet,Dlib").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        double step = cl.Double("step") ?? 0.05;
        int limit = cl.Int("limit", 0);
        int workers = cl.Workers();
        var crop = cl.LandmarkCrop();
        cl.RejectUnknown();
        if (names.Length < 2) throw new ArgumentException("--models takes two or more embedders, A,B[,C...].");

        var root = PairsFile.FindImageRoot(dataset);
        var train = AccuracyCommand.Limit(PairsFile.Load(trainPath, root), limit);
        var test = AccuracyCommand.Limit(PairsFile.Load(testPath, root), limit);
        var members = names.Select(n => new RawEmbedder(manifest, manifest.Get(n))).ToArray();
        var analyzer = new FaceAnalyzer(manifest);
        var locator = new FaceLocator(analyzer, crop);
        var images = train.DistinctImages.Concat(test.DistinctImages).Distinct(StringComparer.Ordinal).ToList();
        o.WriteLine($"train: {trainPath} ({train.Pairs.Count} pairs); test: {testPath} ({test.Pairs.Count} pairs); members: {string.Join(", ", names)}; {crop} landmark crop");

        // Channels 2m and 2m+1: member m's raw output for the face and for its mirror image.
        Func<FaceImage, LocatedFace, float[][]> embed = (img, face) => members
            .Select(m => m.Run(img, face.Landmarks)).SelectMany(r => new[] { r.Plain, r.Mirrored }).ToArray();
        var cache = EmbeddingCache.Build(images, locator, embed, workers, Console.Error);
        AccuracyCommand.ReportImages(cache, o);
        SelfCheck(manifest, members, cache, locator, images.Take(3), o);

        // Centres: mean raw output over DevTrain images only, per member and per mirror setting (the engine
        // subtracts Center from the summed views, so the mirrored centre is the mean of plain+mirrored).
        var trainImages = train.DistinctImages.ToList();
        var centres = new Dictionary<(int, bool), float[]>();
        for (int m = 0; m < members.Length; m++)
        foreach (bool mirror in new[] { false, true })
        {
            var c = new double[members[m].Model.OutputSize];
            foreach (var p in trainImages)
            {
                var a = cache.Get(p, 2 * m); var b = cache.Get(p, 2 * m + 1);
                for (int i = 0; i < c.Length; i++) c[i] += a[i] + (mirror ? b[i] : 0);
            }
            centres[(m, mirror)] = c.Select(x => (float)(x / trainImages.Count)).ToArray();
        }

        // Per-pair cosines for every member variant.
        var cos = new Dictionary<Variant, (double[] Train, double[] Test)>();
        for (int m = 0; m < members.Length; m++)
        foreach (bool mirror in new[] { false, true })
        foreach (bool centred in new[] { false, true })
        {
            var vec = new Dictionary<string, float[]>(StringComparer.Ordinal);
            foreach (var p in images)
                vec[p] = RawEmbedder.Compose(cache.Get(p, 2 * m), cache.Get(p, 2 * m + 1), mirror, centred ? centres[(m, mirror)] : null);
            double[] Cos(PairsFile f) => f.Pairs.Select(pr => Dot(vec[pr.PathA], vec[pr.PathB])).ToArray();
            cos[new Variant(names[m], mirror, centred)] = (Cos(train), Cos(test));
        }
        var trainSame = train.Pairs.Select(p => p.Same).ToArray();
        var testSame = test.Pairs.Select(p => p.Same).ToArray();

        o.WriteLine();
        o.WriteLine("Single members (threshold chosen on train, applied to test):");
        o.WriteLine($"{"variant",-32} {"train T",8} {"train acc",9} {"test acc",9} {"test best",9} {"test AUC",9} {"centre norm/mean norm",22}");
        foreach (var (v, s) in cos)
        {
            var (t, acc) = Metrics.BestThreshold(s.Train, trainSame);
            int m = Array.IndexOf(names, v.Member);
            string cn = v.Centred ? CentreRatio(centres[(m, v.Mirror)], trainImages, cache, m, v.Mirror).ToString("0.000") : "";
            o.WriteLine($"{v,-32} {t,8:0.0000} {acc,9:P2} {Metrics.AccuracyAt(s.Test, testSame, t),9:P2} {Metrics.BestThreshold(s.Test, testSame).Accuracy,9:P2} {Metrics.Auc(s.Test, testSame),9:0.00000} {cn,22}");
        }

        var choices = new List<string>();
        var grid = WeightGrid(names.Length, step);
        foreach (var (mirror, centred) in new[] { (true, false), (true, true), (false, false) })
        {
            var member = names.Select(n => cos[new Variant(n, mirror, centred)]).ToArray();
            double[] Fuse(double[] w, Func<(double[] Train, double[] Test), double[]> part)
            {
                var f = new double[part(member[0]).Length];
                for (int m = 0; m < member.Length; m++)
                {
                    var x = part(member[m]);
                    for (int i = 0; i < f.Length; i++) f[i] += w[m] * x[i];
                }
                return f;
            }
            var rows = grid.Select(w =>
            {
                var tr = Fuse(w, s => s.Train); var te = Fuse(w, s => s.Test);
                var (t, acc) = Metrics.BestThreshold(tr, trainSame);
                return (W: w, T: t, Acc: acc, Auc: Metrics.Auc(tr, trainSame), TestAcc: Metrics.AccuracyAt(te, testSame, t),
                        TestBest: Metrics.BestThreshold(te, testSame).Accuracy, TestAuc: Metrics.Auc(te, testSame));
            }).ToList();
            // Chosen on train only: accuracy first, AUC breaks ties.
            var best = rows.OrderByDescending(r => r.Acc).ThenByDescending(r => r.Auc).First();
            o.WriteLine();
            o.WriteLine($"Fusion sum of w_m*cos(m) over {string.Join(", ", names)}, mirror {(mirror ? "on" : "off")}, {(centred ? "centred on DevTrain means" : "not centred")}" +
                        (rows.Count > 25 ? $" ({rows.Count} weightings; the 20 best on train):" : ":"));
            o.WriteLine($"{"weights",-20} {"train T",8} {"train acc",9} {"train AUC",9} {"test acc",9} {"test best",9} {"test AUC",9}");
            var shown = rows.Count > 25 ? rows.OrderByDescending(r => r.Acc).ThenByDescending(r => r.Auc).Take(20) : rows;
            foreach (var r in shown)
                o.WriteLine($"{Weights(r.W),-20} {r.T,8:0.0000} {r.Acc,9:P2} {r.Auc,9:0.00000} {r.TestAcc,9:P2} {r.TestBest,9:P2} {r.TestAuc,9:0.00000}");
            choices.Add($"mirror {(mirror ? "on" : "off")}, {(centred ? "centred" : "not centred")}: w = {Weights(best.W)}, T = {best.T:0.0000} " +
                        $"(train {best.Acc:P2}, AUC {best.Auc:0.00000}) -> test {best.TestAcc:P2}, AUC {best.TestAuc:0.00000}");
        }
        o.WriteLine();
        o.WriteLine("Chosen on train (max train accuracy, ties by train AUC):");
        foreach (var c in choices) o.WriteLine("  " + c);
        return 0;
    }

    /// <summary>Every weighting of n members in steps of step that sums to 1 (each weight 0..1).</summary>
    public static List<double[]> WeightGrid(int n, double step)
    {
        int steps = (int)Math.Round(1 / step);
        var result = new List<double[]>();
        void Fill(int[] k, int m, int left)
        {
            if (m == n - 1) { k[m] = left; result.Add(k.Select(x => Math.Round(x * step, 4)).ToArray()); return; }
            for (int i = left; i >= 0; i--) { k[m] = i; Fill(k, m + 1, left - i); }
        }
        Fill(new int[n], 0, steps);
        return result;
    }

    private static string Weights(double[] w) => string.Join(" ", w.Select(x => x.ToString("0.00", CultureInfo.InvariantCulture)));

    /// <summary>The composed raw vectors must equal what the engine's OnnxFaceEmbedder returns.</summary>
    private static void SelfCheck(ModelManifest manifest, RawEmbedder[] members, EmbeddingCache cache, FaceLocator locator, IEnumerable<string> paths, TextWriter o)
    {
        double worst = 1;
        foreach (var p in paths)
        {
            using var img = ImageLoader.Load(p);
            var face = locator.Locate(img);
            for (int m = 0; m < members.Length; m++)
            foreach (bool mirror in new[] { false, true })
            {
                var engine = new OnnxFaceEmbedder(manifest, members[m].Model, mirror).Embed(img, [face.Landmarks])[0];
                var ours = RawEmbedder.Compose(cache.Get(p, 2 * m), cache.Get(p, 2 * m + 1), mirror, null);
                worst = Math.Min(worst, Dot(engine, ours));
            }
        }
        o.WriteLine($"self-check vs OnnxFaceEmbedder: min cosine {worst:0.000000}{(worst < 0.9999 ? "  MISMATCH" : "")}");
    }

    private static double CentreRatio(float[] centre, List<string> imgs, EmbeddingCache cache, int m, bool mirror)
    {
        double cn = Math.Sqrt(centre.Sum(x => (double)x * x));
        double mean = imgs.Average(p =>
        {
            var a = cache.Get(p, 2 * m); var b = cache.Get(p, 2 * m + 1);
            return Math.Sqrt(a.Select((x, i) => Math.Pow(x + (mirror ? b[i] : 0), 2)).Sum());
        });
        return cn / mean;
    }

    private static double Dot(float[] a, float[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += (double)a[i] * b[i];
        return s;
    }
}
