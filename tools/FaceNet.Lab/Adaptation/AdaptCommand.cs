using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using FaceNet.Engine.Adaptation;
using FaceNet.Engine.Models;
using FaceNet.Engine.Recognition;

namespace FaceNet.Lab;

/// <summary>
/// Usage: dotnet run -c Release --project tools/FaceNet.Lab -- adapt reference|measure|minimum [--write] [--steps N] [--decay X] [--margin X] [--lr X] [--dimension N] [--background N] [--people N] [--negatives N] [--seed N] [--min-photos 5]
/// reference  writes the shipped reference set: Clean embeddings (float16) of the LFW View 1 DevTrain people
///            (models/adaptation-reference-clean.f16; --write also prints the models.json entry's values)
/// measure    Optimize-FaceGallery's engine on two galleries split by photo (inside the optimiser, 70/30 per person):
///            Caltech faces (24 people; outsiders: LFW View 1 DevTest people) and LFW View 1 DevTest people with 5 or more
///            photos (at most 20 each; outsiders: the other DevTest people and Caltech). Never the DevTrain people, whose
///            embeddings are the reference set. Prints, before and after: false matches among the gallery's people at
///            the default, same-person acceptance, and for outsiders the pair false match rate and how many are named.
/// minimum   small Caltech galleries (4-16 people, 4-5 photos each, 5 random draws): every other photo of their people
///            probes the enrolled faces before and after; outsiders as in measure. How small a gallery may be.
/// Embeddings come from the lab's vector cache (out/recognition-bench, as 'recognition embed' writes it).
/// </summary>
public static class AdaptCommand
{
    public static int Run(string[] args)
    {
        var cmd = args.FirstOrDefault() ?? "measure";
        var cl = new CommandLine(args.Skip(1));
        var root = CommandLine.RepoRoot();
        var data = Path.Combine(CommandLine.SharedRoot(), "data");
        var lfwDir = cl.Get("lfw", Path.Combine(data, "lfw-view1"));
        var caltechDir = cl.Get("caltech", Path.Combine(data, "caltech-faces"));
        bool write = cl.Flag("write");
        var options = TripletOptions.Default with
        {
            Steps = cl.Int("steps", TripletOptions.Default.Steps),
            WeightDecay = cl.Double("decay") ?? TripletOptions.Default.WeightDecay,
            Margin = cl.Double("margin") ?? TripletOptions.Default.Margin,
            LearningRate = cl.Double("lr") ?? TripletOptions.Default.LearningRate,
            OutputDimension = cl.Int("dimension", TripletOptions.Default.OutputDimension),
            BackgroundPerBatch = cl.Int("background", TripletOptions.Default.BackgroundPerBatch),
            Seed = cl.Int("seed", TripletOptions.Default.Seed),
            PeoplePerBatch = cl.Int("people", TripletOptions.Default.PeoplePerBatch),
            NegativePeople = cl.Int("negatives", TripletOptions.Default.NegativePeople),
        };
        int minPhotos = cl.Int("min-photos", 5);
        int workers = cl.Workers();
        cl.RejectUnknown();
        var manifest = ModelLocator.Default;
        string model = manifest.DefaultEmbedder;
        var cache = Path.Combine(root, "out", "recognition-bench");
        var (lfwAll, _) = LfwEmbeddings.Load(lfwDir, model, cache, workers);
        var lfw = LabelCorrections.Load(Path.Combine(root, "tools", "FaceNet.Lab", "Lfw", "lfw-exclusions.txt"), lfwDir).Apply(lfwAll);
        var trainPeople = PeopleOf(Path.Combine(lfwDir, "pairsDevTrain.txt"));
        var testPeople = PeopleOf(Path.Combine(lfwDir, "pairsDevTest.txt"));
        Console.WriteLine($"LFW View 1: {lfw.Count} photos with a face; DevTrain {trainPeople.Count} people, DevTest {testPeople.Count}, in both {trainPeople.Intersect(testPeople).Count()}.");
        var reference = lfw.Where(p => trainPeople.Contains(p.Person) && !testPeople.Contains(p.Person)).ToList();
        if (cmd == "reference") return WriteReference(reference, root, manifest, model, write);
        if (cmd is not ("measure" or "minimum")) throw new ArgumentException($"adapt needs reference, measure or minimum, not '{cmd}'.");

        var refs = ReferenceImpostors.For(manifest, model) ?? throw new ArgumentException($"models.json has no adaptation reference set for {model}; run 'adapt reference' first.");
        var (caltechAll, _) = LfwEmbeddings.Load(caltechDir, model, cache, workers);
        // woman_05 and woman_08 may be woman_01 and woman_02 (ambiguous-pairs.txt): left out rather than trained apart.
        var caltech = caltechAll.Where(p => p.Person is not ("woman_05" or "woman_08")).ToList();
        var devTest = lfw.Where(p => testPeople.Contains(p.Person) && !trainPeople.Contains(p.Person)).ToList();
        var lfwGalleryPeople = devTest.GroupBy(p => p.Person).Where(g => g.Count() >= minPhotos).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        var lfwGallery = devTest.Where(p => lfwGalleryPeople.Contains(p.Person)).GroupBy(p => p.Person)
            .SelectMany(g => g.OrderBy(p => p.File, StringComparer.Ordinal).Take(20)).ToList();
        var lfwOutsiders = devTest.Where(p => !lfwGalleryPeople.Contains(p.Person)).Concat(caltechAll).ToList();
        if (cmd == "minimum") { Minimum(caltech, devTest, manifest, model, refs, options); return 0; }
        Console.WriteLine($"Options: {options}");
        Console.WriteLine($"Reference set: {refs.Vectors.Length} faces of {refs.People.Distinct().Count()} people ({refs.Description.File}).");
        Measure("caltech", caltech, devTest, manifest, model, refs, options);
        Measure($"lfw-devtest (people with {minPhotos}+ photos)", lfwGallery, lfwOutsiders, manifest, model, refs, options);
        return 0;
    }

    private static void Measure(string name, List<PhotoEmbedding> gallery, List<PhotoEmbedding> outsiders, ModelManifest manifest, string model,
        ReferenceImpostors refs, TripletOptions options)
    {
        var sw = Stopwatch.StartNew();
        var a = GalleryOptimizer.Optimize(gallery.Select(p => new LabelledVector(p.Person, p.Vector)).ToList(), manifest, model, refs, options,
            progress: s => Console.WriteLine($"   {sw.Elapsed.TotalSeconds:0.00} s: {s}"));
        double seconds = sw.Elapsed.TotalSeconds;
        var b = a.Before!; var f = a.After!;
        Console.WriteLine();
        Console.WriteLine($"== {name}: {a.Faces} faces of {a.People} people, {a.HeldOutFaces} held out; outsiders {outsiders.Count} faces of {outsiders.Select(o => o.Person).Distinct().Count()} people; {seconds:0.0} s (both trainings and calibrations)");
        Console.WriteLine($"   default threshold: plain {b.Threshold:0.0000}, adapted {f.Threshold:0.0000} (final projection: {a.DefaultThreshold:0.0000}); identification plain {a.PlainIdentificationThreshold:0.0000}, adapted {a.IdentificationThreshold:0.0000}");
        Console.WriteLine($"   enrolled, held out: false matches {b.FalseMatches} of {b.DifferentPairs} ({Pct(b.FalseMatchRate)}) -> {f.FalseMatches} of {f.DifferentPairs} ({Pct(f.FalseMatchRate)}), " +
                          $"{(f.FalseMatches == 0 ? "all removed" : $"{(double)b.FalseMatches / f.FalseMatches:0.0}x fewer")}");
        Console.WriteLine($"   enrolled, held out: same-person acceptance {b.Accepted} of {b.SamePairs} ({Pct(b.Acceptance)}) -> {f.Accepted} of {f.SamePairs} ({Pct(f.Acceptance)})");
        // Outsiders against every enrolled face, with the final projection (as Find-Face and Test-FaceMatch -Gallery would).
        var p = a.Projection;
        var galleryPlain = gallery.Select(g => g.Vector).ToList();
        var galleryAdapted = p.Apply(galleryPlain);
        var outPlain = outsiders.Select(o => o.Vector).ToList();
        var outAdapted = p.Apply(outPlain);
        var (fmBefore, pairs, namedBefore) = Outsiders(outPlain, galleryPlain, a.PlainDefaultThreshold, a.PlainIdentificationThreshold ?? 2);
        var (fmAfter, _, namedAfter) = Outsiders(outAdapted, galleryAdapted, a.DefaultThreshold, a.IdentificationThreshold ?? 2);
        if (Environment.GetEnvironmentVariable("FACENET_ADAPT_LIST") == "1")
        {
            var g = gallery; var ga = galleryAdapted;
            for (int i = 0; i < g.Count; i++)
                for (int j = i + 1; j < g.Count; j++)
                {
                    float c0 = TensorPrimitives.Dot(g[i].Vector, g[j].Vector), c1 = TensorPrimitives.Dot(ga[i], ga[j]);
                    if (g[i].Person != g[j].Person && (c0 >= a.PlainDefaultThreshold || c1 >= a.DefaultThreshold))
                        Console.WriteLine($"     {g[i].Person}/{g[i].File} {g[j].Person}/{g[j].File}: plain {c0:0.000} adapted {c1:0.000}");
                }
        }
        Console.WriteLine($"   outsiders x enrolled pairs at the default: {fmBefore} of {pairs} ({Pct((double)fmBefore / pairs)}) -> {fmAfter} ({Pct((double)fmAfter / pairs)})");
        Console.WriteLine($"   outsiders named by Find-Face (identification threshold): {namedBefore} of {outsiders.Count} ({Pct((double)namedBefore / outsiders.Count)}) -> {namedAfter} ({Pct((double)namedAfter / outsiders.Count)})");
    }

    /// <summary>
    /// Small galleries (the minimum Optimize-FaceGallery accepts and a little above): N Caltech people with M photos each,
    /// drawn 5 times; every other photo of those people is a probe against the enrolled faces, before and after.
    /// </summary>
    private static void Minimum(List<PhotoEmbedding> caltech, List<PhotoEmbedding> outsiders, ModelManifest manifest, string model,
        ReferenceImpostors refs, TripletOptions options)
    {
        var people = caltech.Select(p => p.Person).Distinct().Order(StringComparer.Ordinal).ToArray();
        foreach (var (n, m) in new[] { (4, 4), (4, 5), (8, 4), (8, 5), (16, 4) })
        {
            long fmB = 0, fmA = 0, diff = 0, okB = 0, okA = 0, same = 0, oB = 0, oA = 0, oPairs = 0; int namedB = 0, namedA = 0;
            for (int draw = 1; draw <= 5; draw++)
            {
                var rng = new Random(draw);
                var chosen = people.OrderBy(_ => rng.Next()).Take(n).ToHashSet();
                var enrolled = new List<PhotoEmbedding>(); var probes = new List<PhotoEmbedding>();
                foreach (var g in caltech.Where(p => chosen.Contains(p.Person)).GroupBy(p => p.Person))
                {
                    var photos = g.OrderBy(_ => rng.Next()).ToList();
                    enrolled.AddRange(photos.Take(m)); probes.AddRange(photos.Skip(m));
                }
                var a = GalleryOptimizer.Optimize(enrolled.Select(p => new LabelledVector(p.Person, p.Vector)).ToList(), manifest, model, refs, options);
                var pr = a.Projection;
                var ePlain = enrolled.Select(e => e.Vector).ToList(); var eAd = pr.Apply(ePlain);
                var pPlain = probes.Select(e => e.Vector).ToList(); var pAd = pr.Apply(pPlain);
                for (int i = 0; i < probes.Count; i++)
                    for (int j = 0; j < enrolled.Count; j++)
                    {
                        bool b = TensorPrimitives.Dot(pPlain[i], ePlain[j]) >= a.PlainDefaultThreshold, f = TensorPrimitives.Dot(pAd[i], eAd[j]) >= a.DefaultThreshold;
                        if (probes[i].Person == enrolled[j].Person) { same++; if (b) okB++; if (f) okA++; }
                        else { diff++; if (b) fmB++; if (f) fmA++; }
                    }
                var (b1, pairs, nb) = Outsiders(outsiders.Select(o => o.Vector).ToList(), ePlain, a.PlainDefaultThreshold, a.PlainIdentificationThreshold ?? 2);
                var (a1, _, na) = Outsiders(pr.Apply(outsiders.Select(o => o.Vector).ToList()), eAd, a.DefaultThreshold, a.IdentificationThreshold ?? 2);
                oB += b1; oA += a1; oPairs += pairs; namedB += nb; namedA += na;
            }
            Console.WriteLine($"{n} people x {m} photos (5 draws): probes' false matches {fmB} -> {fmA} of {diff} ({Pct((double)fmB / diff)} -> {Pct((double)fmA / diff)}); " +
                              $"acceptance {Pct((double)okB / same)} -> {Pct((double)okA / same)} of {same}; outsider pairs {oB} -> {oA} of {oPairs}; outsiders named {namedB} -> {namedA}");
        }
    }

    private static (long FalseMatches, long Pairs, int Named) Outsiders(IReadOnlyList<float[]> probes, IReadOnlyList<float[]> gallery, double threshold, double identification)
    {
        long fm = 0; int named = 0;
        foreach (var o in probes)
        {
            float best = float.MinValue;
            foreach (var g in gallery)
            {
                float c = TensorPrimitives.Dot(o, g);
                if (c >= threshold) fm++;
                if (c > best) best = c;
            }
            if (best >= identification) named++;
        }
        return (fm, (long)probes.Count * gallery.Count, named);
    }

    private static string Pct(double x) => (100 * x).ToString("0.000", CultureInfo.InvariantCulture) + "%";

    private static HashSet<string> PeopleOf(string pairsFile)
    {
        var people = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(pairsFile).Skip(1))
        {
            var f = line.Split('\t', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 3) people.Add(f[0]);
            else if (f.Length == 4) { people.Add(f[0]); people.Add(f[2]); }
        }
        return people;
    }

    private static int WriteReference(List<PhotoEmbedding> reference, string root, ModelManifest manifest, string model, bool write)
    {
        // At most two photos a person (same-person pairs for the Similarity knot at 90), people in name order, up to
        // 2,000 faces: 2 million different-person pairs set rates down to 1e-5 on 20 pairs and take ~0.3 s to score.
        reference = reference.GroupBy(p => p.Person).OrderBy(g => g.Key, StringComparer.Ordinal)
            .SelectMany(g => g.OrderBy(p => p.File, StringComparer.Ordinal).Take(2)).Take(2000).ToList();
        var ids = reference.Select(p => p.Person).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select((p, i) => (p, i)).ToDictionary(x => x.p, x => x.i);
        var ordered = reference.OrderBy(p => p.Person, StringComparer.Ordinal).ThenBy(p => p.File, StringComparer.Ordinal).ToList();
        long same = ordered.GroupBy(p => p.Person).Sum(g => (long)g.Count() * (g.Count() - 1) / 2);
        long n = ordered.Count, different = n * (n - 1) / 2 - same;
        Console.WriteLine($"Reference: {n} faces of {ids.Count} DevTrain people (LFW label corrections applied), {different:N0} different-person pairs, {same:N0} same-person pairs.");
        if (!write) return 0;
        var file = Path.Combine(root, "models", "adaptation-reference-clean.f16");
        var sha = ReferenceImpostors.Write(file, ordered.Select(p => p.Vector).ToList(), ordered.Select(p => ids[p.Person]).ToList());
        Console.WriteLine($"Wrote {file}: {new FileInfo(file).Length:N0} bytes, sha256 {sha}, fingerprint {FaceNet.Engine.Verification.CalibrationFingerprint.Of(manifest, manifest.Get(model))}, different pairs {different}");
        return 0;
    }
}
