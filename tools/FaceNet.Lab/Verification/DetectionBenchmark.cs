using System.Globalization;
using System.Xml.Linq;
using FaceNet.Engine.Detection;
using FaceNet.Engine.Geometry;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Pipeline;

namespace FaceNet.Lab;

/// <summary>
/// Detector recall on dlib's face-samples detection set (imglab XML: image file + ground-truth boxes).
/// Detections are matched to ground truth greedily by descending IoU, one-to-one, at IoU >= MatchIou.
/// Boxes marked ignore='1' are neither required nor counted against the detector when a detection hits them.
/// </summary>
public static class DetectionBenchmark
{
    public const double MatchIou = 0.5;

    private sealed record Truth(FaceBox Box, bool Ignore);

    /// <summary>One detector's result on the whole set.</summary>
    public sealed record Result(int GroundTruth, int Found, int FalsePositives, int Ignored,
        List<(string File, FaceBox Gt, double Iou, FaceBox? Det)> BestIous, List<string> Misses, List<string> FalsePositiveBoxes);

    /// <summary>The per-image table, the totals and the IoU distribution of the module's default detector.</summary>
    public static int Run(string dataset, FaceAnalyzer analyzer, TextWriter o)
    {
        var r = Evaluate(dataset, analyzer.Detector, o);
        o.WriteLine();
        o.WriteLine($"TOTAL: ground-truth boxes {r.GroundTruth}, found {r.Found}, missed {r.GroundTruth - r.Found}, false positives {r.FalsePositives}, ignore='1' boxes {r.Ignored}  (match: greedy, IoU >= {MatchIou})");
        PrintIouDistribution(r.BestIous, o);
        return 0;
    }

    /// <summary>
    /// Scores <paramref name="detector"/> on testing.xml and training.xml of <paramref name="dataset"/> (the lab's one
    /// implementation, used by 'detection' and by 'crowd'); with <paramref name="perImage"/>, one line per image.
    /// </summary>
    public static Result Evaluate(string dataset, IFaceDetector detector, TextWriter? perImage = null)
    {
        int totalGt = 0, totalFound = 0, totalFp = 0, totalIgnored = 0;
        var bestIous = new List<(string File, FaceBox Gt, double Iou, FaceBox? Det)>();
        var misses = new List<string>();
        var falsePositives = new List<string>();
        foreach (var xmlName in new[] { "testing.xml", "training.xml" })
        {
            var xmlPath = Path.Combine(dataset, xmlName);
            if (!File.Exists(xmlPath)) { perImage?.WriteLine($"{xmlName}: not found, skipped"); continue; }
            perImage?.WriteLine($"== {xmlName}");
            perImage?.WriteLine($"{"image",-28} {"size",9} {"gt",3} {"found",5} {"missed",6} {"fp",3} {"ign",3}  best IoU per gt box");
            foreach (var imageEl in XDocument.Load(xmlPath).Descendants("image"))
            {
                var file = (string)imageEl.Attribute("file")!;
                var truths = imageEl.Elements("box").Select(b => new Truth(
                    new FaceBox(F(b, "left"), F(b, "top"), F(b, "width"), F(b, "height")),
                    (string?)b.Attribute("ignore") == "1")).ToList();
                using var image = ImageLoader.Load(Path.Combine(dataset, file));
                var dets = detector.Detect(image, DetectionOptions.Default).Select(d => d.Box).ToList();
                // Greedy one-to-one matching, best IoU first.
                var candidates = new List<(int G, int D, double Iou)>();
                for (int g = 0; g < truths.Count; g++)
                for (int d = 0; d < dets.Count; d++)
                {
                    double iou = truths[g].Box.IntersectionOverUnion(dets[d]);
                    if (iou >= MatchIou) candidates.Add((g, d, iou));
                }
                var gtUsed = new bool[truths.Count];
                var detUsed = new bool[dets.Count];
                foreach (var (g, d, _) in candidates.OrderByDescending(c => c.Iou))
                {
                    if (gtUsed[g] || detUsed[d]) continue;
                    gtUsed[g] = detUsed[d] = true;
                }
                int gt = truths.Count(t => !t.Ignore);
                int found = Enumerable.Range(0, truths.Count).Count(g => gtUsed[g] && !truths[g].Ignore);
                int fp = detUsed.Count(u => !u);
                int ignored = truths.Count(t => t.Ignore);

                var ious = new List<string>();
                for (int g = 0; g < truths.Count; g++)
                {
                    if (truths[g].Ignore) continue;
                    var best = dets.Count == 0 ? (Iou: 0.0, Det: (FaceBox?)null)
                        : dets.Select(d => (Iou: (double)truths[g].Box.IntersectionOverUnion(d), Det: (FaceBox?)d)).MaxBy(x => x.Iou);
                    bestIous.Add((file, truths[g].Box, best.Iou, best.Det));
                    ious.Add(best.Iou.ToString("0.00", CultureInfo.InvariantCulture));
                }
                perImage?.WriteLine($"{file,-28} {image.Width + "x" + image.Height,9} {gt,3} {found,5} {gt - found,6} {fp,3} {ignored,3}  {string.Join(" ", ious)}");
                for (int g = 0; g < truths.Count; g++)
                    if (!gtUsed[g] && !truths[g].Ignore)
                    {
                        var t = truths[g].Box;
                        misses.Add($"{file} {t.X:0},{t.Y:0} {t.Width:0}x{t.Height:0}, best IoU {(dets.Count == 0 ? 0 : dets.Max(d => t.IntersectionOverUnion(d))):0.00}");
                    }
                for (int d = 0; d < dets.Count; d++)
                    if (!detUsed[d]) falsePositives.Add($"{file} {dets[d].X:0},{dets[d].Y:0} {dets[d].Width:0}x{dets[d].Height:0}");
                totalGt += gt; totalFound += found; totalFp += fp; totalIgnored += ignored;
            }
        }
        return new Result(totalGt, totalFound, totalFp, totalIgnored, bestIous, misses, falsePositives);
    }

    private static void PrintIouDistribution(List<(string File, FaceBox Gt, double Iou, FaceBox? Det)> best, TextWriter o)
    {
        o.WriteLine();
        o.WriteLine("IoU of each ground-truth box with its best detection:");
        double[] edges = [0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0001];
        for (int i = 0; i + 1 < edges.Length; i++)
        {
            int n = best.Count(b => b.Iou >= edges[i] && b.Iou < edges[i + 1]);
            o.WriteLine($"  [{edges[i]:0.0}, {Math.Min(1, edges[i + 1]):0.0}{(i + 2 == edges.Length ? "]" : ")")}: {n}");
        }
        var ious = best.Select(b => b.Iou).OrderBy(x => x).ToArray();
        if (ious.Length > 0)
            o.WriteLine($"  min {ious[0]:0.000}, median {ious[ious.Length / 2]:0.000}, mean {ious.Average():0.000}");

        // Box convention: how dlib's boxes sit relative to UltraFace's (on pairs that overlap at all).
        var pairs = best.Where(b => b.Det is not null && b.Iou >= 0.3).ToList();
        if (pairs.Count > 0)
        {
            double Med(IEnumerable<double> xs) { var a = xs.OrderBy(x => x).ToArray(); return a[a.Length / 2]; }
            var d = pairs.Select(p => (p.Gt, Det: p.Det!.Value)).ToList();
            o.WriteLine($"  convention (median over {d.Count} overlapping pairs, relative to the detection's size):");
            o.WriteLine($"    gt width / det width   {Med(d.Select(x => (double)x.Gt.Width / x.Det.Width)):0.000}");
            o.WriteLine($"    gt height / det height {Med(d.Select(x => (double)x.Gt.Height / x.Det.Height)):0.000}");
            o.WriteLine($"    centre dx / det width  {Med(d.Select(x => (double)(x.Gt.Center.X - x.Det.Center.X) / x.Det.Width)):+0.000;-0.000}");
            o.WriteLine($"    centre dy / det height {Med(d.Select(x => (double)(x.Gt.Center.Y - x.Det.Center.Y) / x.Det.Height)):+0.000;-0.000}");
        }
        foreach (var b in best.Where(b => b.Iou < MatchIou))
            o.WriteLine($"  below {MatchIou}: {b.File} gt ({b.Gt.X:0},{b.Gt.Y:0},{b.Gt.Width:0}x{b.Gt.Height:0}) best IoU {b.Iou:0.000}" +
                (b.Det is { } det ? $" with det ({det.X:0},{det.Y:0},{det.Width:0}x{det.Height:0})" : " (no detection)"));
    }

    private static float F(XElement e, string name) => float.Parse((string)e.Attribute(name)!, CultureInfo.InvariantCulture);
}
