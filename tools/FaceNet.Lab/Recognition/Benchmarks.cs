using System.Diagnostics;
using FaceNet.Engine.Recognition;

namespace FaceNet.Lab;

public static class Benchmarks
{
    /// <summary>Enrol the first photo of every person, every other photo of people with 2+ photos is a probe.</summary>
    private static (List<int> Enrolled, List<int> Probes) Split(List<PhotoEmbedding> photos)
    {
        var enrolled = new List<int>();
        var probes = new List<int>();
        foreach (var g in photos.Select((p, i) => (p, i)).GroupBy(x => x.p.Person))
        {
            var list = g.OrderBy(x => x.p.File, StringComparer.Ordinal).ToList();
            enrolled.Add(list[0].i);
            probes.AddRange(list.Skip(1).Select(x => x.i));
        }
        return (enrolled, probes);
    }

    /// <param name="photos">The photos with corrected labels (LabelCorrections.Apply): the figures printed.</param>
    /// <param name="asFiled">The photos with LFW's labels as filed; when given, one more line gives their rank-1 for reference.</param>
    /// <param name="failures">Print every rank-1 failure: probe, top-1 gallery person and cosine, the mate's rank and cosine.</param>
    public static void Identify(List<PhotoEmbedding> photos, double? threshold, float? verificationThreshold,
        List<PhotoEmbedding>? asFiled = null, bool failures = false)
    {
        var (enrolled, probes) = Split(photos);
        int mated = photos.GroupBy(p => p.Person).Count(g => g.Count() >= 2);
        Console.WriteLine();
        Console.WriteLine($"== Identification (LFW View 1): gallery of {enrolled.Count} people, one photo each ({mated} with further photos, {enrolled.Count - mated} distractors); {probes.Count} probes");
        var index = new GalleryIndex(enrolled.Select(i => photos[i].Vector).ToList(), enrolled.Select(i => (string?)photos[i].Person).ToList());
        int rank1 = 0, rank5 = 0;
        var mateScores = new List<(bool Rank1, float Score)>();
        var nonMateBest = new List<float>();
        var failed = new List<int>();
        var sw = Stopwatch.StartNew();
        foreach (int p in probes)
        {
            var top = index.Search(photos[p].Vector, 6);
            string person = photos[p].Person;
            if (top[0].Label == person) rank1++;
            else failed.Add(p);
            if (top.Take(5).Any(c => c.Label == person)) rank5++;
            mateScores.Add((top[0].Label == person, top[0].Cosine));
            // Open set: the same probe against the gallery without its person = the best other identity.
            nonMateBest.Add(top.First(c => c.Label != person).Cosine);
        }
        double ms = sw.Elapsed.TotalMilliseconds / probes.Count;
        Console.WriteLine($"rank-1 accuracy {100.0 * rank1 / probes.Count:0.00}% ({rank1}/{probes.Count}), rank-5 {100.0 * rank5 / probes.Count:0.00}%  ({ms:0.000} ms per probe)");
        if (asFiled is not null)
        {
            var (r1, n, g) = RankOne(asFiled);
            Console.WriteLine($"  for reference, with LFW's labels as filed (no corrections): rank-1 {100.0 * r1 / n:0.00}% ({r1}/{n}), gallery of {g} people");
        }
        void OpenSet(string name, double t)
        {
            int named = mateScores.Count(m => m.Rank1 && m.Score >= t);
            int wrongEnrolled = mateScores.Count(m => !m.Rank1 && m.Score >= t);
            int strangers = nonMateBest.Count(s => s >= t);
            Console.WriteLine($"  at {name} {t:0.0000}: enrolled probes named correctly {100.0 * named / probes.Count:0.00}%, named wrongly {100.0 * wrongEnrolled / probes.Count:0.00}%; " +
                              $"probes whose person is not enrolled named (wrongly) {100.0 * strangers / probes.Count:0.00}% ({strangers}/{probes.Count}, gallery {enrolled.Count - 1} people)");
        }
        if (threshold is { } t) OpenSet("Find-Face's default threshold (identificationThreshold)", t);
        else Console.WriteLine("  (no identificationThreshold stored for this model: run 'calibrate')");
        if (verificationThreshold is { } v) OpenSet("the 1:1 verification threshold", v);
        if (failures)
        {
            Console.WriteLine($"  rank-1 failures ({failed.Count}): probe (its person): top-1 gallery person cosine [enrolled photo]; mate's rank and cosine [mate's enrolled photo]");
            foreach (int p in failed)
            {
                var all = index.Search(photos[p].Vector, index.IdentityCount);
                int mate = -1;
                for (int k = 0; k < all.Count; k++) if (all[k].Label == photos[p].Person) { mate = k; break; }
                var top = all[0];
                Console.WriteLine($"    {photos[p].File} ({photos[p].Person}): top-1 {top.Label} {top.Cosine:0.0000} [{photos[enrolled[top.Row]].File}]; " +
                                  $"mate rank {mate + 1} {all[mate].Cosine:0.0000} [{photos[enrolled[all[mate].Row]].File}]");
            }
        }
    }

    /// <summary>Rank-1 hits, probes and gallery people of the same protocol (for the reference line).</summary>
    private static (int Rank1, int Probes, int Gallery) RankOne(List<PhotoEmbedding> photos)
    {
        var (enrolled, probes) = Split(photos);
        var index = new GalleryIndex(enrolled.Select(i => photos[i].Vector).ToList(), enrolled.Select(i => (string?)photos[i].Person).ToList());
        int rank1 = probes.Count(p => index.Search(photos[p].Vector, 1)[0].Label == photos[p].Person);
        return (rank1, probes.Count, enrolled.Count);
    }

    /// <summary>
    /// The open-set threshold: against random galleries of about 1,000 people (one photo each) that do not contain
    /// the probe's person, the cosine that at most 1% of probes' best score reaches.
    /// </summary>
    public static double Calibrate(List<PhotoEmbedding> photos, string model, string manifestFile, int gallerySize = 1000, int rounds = 20, double rate = 0.01)
    {
        var byPerson = photos.Select((p, i) => (p, i)).GroupBy(x => x.p.Person).Select(g => g.OrderBy(x => x.p.File, StringComparer.Ordinal).Select(x => x.i).ToArray()).ToList();
        var rng = new Random(20240607);
        var best = new List<float>();
        for (int round = 0; round < rounds; round++)
        {
            // A random gallery of gallerySize people (a random photo of each); probes: one random photo of every other person.
            var order = Enumerable.Range(0, byPerson.Count).OrderBy(_ => rng.Next()).ToList();
            var inGallery = order.Take(gallerySize).ToList();
            var index = new GalleryIndex(inGallery.Select(pi => photos[byPerson[pi][rng.Next(byPerson[pi].Length)]].Vector).ToList(),
                inGallery.Select(pi => (string?)photos[byPerson[pi][0]].Person).ToList());
            foreach (int pi in order.Skip(gallerySize))
                best.Add(index.Search(photos[byPerson[pi][rng.Next(byPerson[pi].Length)]].Vector, 1)[0].Cosine);
        }
        best.Sort();
        best.Reverse();
        int k = (int)Math.Floor(rate * best.Count);
        double threshold = Math.Ceiling(((double)best[k - 1] + best[k]) / 2 * 10000) / 10000;
        int above = best.Count(s => s >= threshold);
        Console.WriteLine();
        Console.WriteLine($"== Open-set threshold for {model}: {rounds} random galleries of {gallerySize} people; {best.Count} stranger probes (person not enrolled)");
        Console.WriteLine($"best-score quantiles: 50% {best[best.Count / 2]:0.0000}, 90% {best[best.Count / 10]:0.0000}, 99% {best[k]:0.0000}, max {best[0]:0.0000}");
        Console.WriteLine($"identificationThreshold = {threshold:0.0000}: {above}/{best.Count} strangers named ({100.0 * above / best.Count:0.00}%, target <= {100 * rate:0.#}%)");
        foreach (int size in new[] { 100, 300, 1000 })
        {
            // How the stranger rate at this threshold depends on gallery size (smaller galleries: fewer chances to match falsely).
            var r2 = new Random(size);
            int named = 0, total = 0;
            for (int round = 0; round < rounds; round++)
            {
                var order = Enumerable.Range(0, byPerson.Count).OrderBy(_ => r2.Next()).ToList();
                var g = order.Take(size).ToList();
                var index = new GalleryIndex(g.Select(pi => photos[byPerson[pi][0]].Vector).ToList(), g.Select(pi => (string?)photos[byPerson[pi][0]].Person).ToList());
                foreach (int pi in order.Skip(size)) { total++; if (index.Search(photos[byPerson[pi][0]].Vector, 1)[0].Cosine >= threshold) named++; }
            }
            Console.WriteLine($"  gallery of {size,5} people: {100.0 * named / total:0.00}% of strangers named at {threshold:0.0000}");
        }
        IdentificationThreshold.Write(manifestFile, model, threshold,
            $"LFW View 1: at most {100 * rate:0.#}% of probes whose person is not enrolled named, against random galleries of {gallerySize} people ({best.Count} probes, {DateTime.UtcNow:yyyy-MM-dd}); tools/FaceNet.Lab calibrate open-set");
        Console.WriteLine($"Stored in {manifestFile}.");
        return threshold;
    }

    /// <summary>The cuts swept (--cuts); null: Group-Face's default cut for the model and two steps of 0.02 either side.</summary>
    public static double[]? Cuts;
    public static double[] Drops = [ClusteringDefaults.FloorBelowCut];
    public static string Model = "";

    public static void Cluster(List<PhotoEmbedding> photos, int workers)
    {
        var vectors = photos.Select(p => p.Vector).ToList();
        var sources = photos.Select(p => (string?)(p.Person + "/" + p.File)).ToList();
        var truth = photos.Select(p => p.Person).ToArray();
        int people = truth.Distinct().Count();
        Console.WriteLine();
        double defaultCut = ClusteringDefaults.CutFor(Model);
        var cuts = Cuts ?? [.. new[] { -0.04, -0.02, 0, 0.02, 0.04 }.Select(d => Math.Round(defaultCut + d, 2))];
        Console.WriteLine($"== Clustering all {photos.Count} View 1 photos ({people} true identities): average linkage, cut on mean cosine (Group-Face's default cut for {Model}: {defaultCut:0.00})");
        foreach (double cut in cuts)
            foreach (double drop in Drops)
            {
                double floor = cut - drop;
                var sw = Stopwatch.StartNew();
                var clusters = FaceClustering.Cluster(vectors, sources, new ClusteringOptions { Cut = cut, Floor = floor, MaxDegreeOfParallelism = workers });
                double s = sw.Elapsed.TotalSeconds;
                var m = ClusterMetrics.Of(clusters.Select(c => c.Members).ToList(), truth);
                Console.WriteLine($"  cut {cut:0.00} floor {floor:0.00}: pairwise P {m.Precision:0.0000} R {m.Recall:0.0000} F1 {m.F1:0.0000}; BCubed P {m.BPrecision:0.0000} R {m.BRecall:0.0000} F1 {m.BF1:0.0000}; " +
                                  $"{clusters.Count} clusters ({clusters.Count(c => c.Members.Length == 1)} singletons) vs {people} true; {s:0.00} s");
            }
    }

    public static void Scale(List<PhotoEmbedding> photos, int workers)
    {
        var rng = new Random(7);
        Console.WriteLine();
        Console.WriteLine("== Scale: galleries/inputs made of real View 1 embeddings, duplicated with Gaussian noise (sigma 0.02 per dimension) and renormalised");
        List<float[]> Make(int n) => Enumerable.Range(0, n).Select(i => Perturb(photos[i % photos.Count].Vector, i < photos.Count ? 0 : 0.02f, rng)).ToList();
        foreach (int n in new[] { 1_000, 10_000, 100_000 })
        {
            var vectors = Make(n);
            var index = new GalleryIndex(vectors, vectors.Select((_, i) => (string?)("id" + i / 3)).ToList());
            var probes = Enumerable.Range(0, 200).Select(i => Perturb(photos[(i * 37) % photos.Count].Vector, 0.05f, rng)).ToList();
            for (int w = 0; w < 10; w++) index.Search(probes[w], 5);
            var sw = Stopwatch.StartNew();
            foreach (var p in probes) index.Search(p, 5);
            double ms = sw.Elapsed.TotalMilliseconds / probes.Count;
            Console.WriteLine($"  search, gallery of {n,7:N0} faces ({index.IdentityCount:N0} identities): {ms:0.00} ms per probe (exact scan, 1 thread, top 5)");
        }
        foreach (int n in new[] { 1_000, 5_000, 10_000 })
        {
            var vectors = Make(n);
            var sw = Stopwatch.StartNew();
            var clusters = FaceClustering.Cluster(vectors, null, ClusteringDefaults.OptionsFor(ClusteringDefaults.CutFor(Model)) with { MaxDegreeOfParallelism = workers });
            Console.WriteLine($"  clustering {n,6:N0} embeddings: {sw.Elapsed.TotalSeconds:0.00} s ({clusters.Count} clusters, {workers} threads)");
        }
    }

    private static float[] Perturb(float[] v, float sigma, Random rng)
    {
        var r = new float[v.Length];
        double norm = 0;
        for (int i = 0; i < v.Length; i++)
        {
            double g = sigma == 0 ? 0 : Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            r[i] = v[i] + (float)(sigma * g);
            norm += r[i] * r[i];
        }
        float inv = (float)(1 / Math.Sqrt(norm));
        for (int i = 0; i < r.Length; i++) r[i] *= inv;
        return r;
    }
}

/// <summary>Pairwise and BCubed precision/recall/F1 of a clustering against true labels.</summary>
public sealed record ClusterMetrics(double Precision, double Recall, double F1, double BPrecision, double BRecall, double BF1)
{
    public static ClusterMetrics Of(IReadOnlyList<int[]> clusters, string[] truth)
    {
        long tp = 0, predictedPairs = 0;
        double bp = 0, br = 0;
        var trueSize = truth.GroupBy(t => t).ToDictionary(g => g.Key, g => (long)g.Count());
        foreach (var c in clusters)
        {
            predictedPairs += (long)c.Length * (c.Length - 1) / 2;
            foreach (var g in c.GroupBy(i => truth[i]))
            {
                long k = g.Count();
                tp += k * (k - 1) / 2;
                bp += k * (double)k / c.Length;       // each of the k members: precision k/|c|
                br += k * (double)k / trueSize[g.Key]; // recall k/|true class|
            }
        }
        long truePairs = trueSize.Values.Sum(s => s * (s - 1) / 2);
        double p = predictedPairs == 0 ? 1 : (double)tp / predictedPairs, r = truePairs == 0 ? 1 : (double)tp / truePairs;
        int n = truth.Length;
        double bP = bp / n, bR = br / n;
        return new ClusterMetrics(p, r, 2 * p * r / Math.Max(1e-12, p + r), bP, bR, 2 * bP * bR / Math.Max(1e-12, bP + bR));
    }
}
