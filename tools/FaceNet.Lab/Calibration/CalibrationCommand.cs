using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FaceNet.Engine.Detection;
using FaceNet.Engine.Embedding;
using FaceNet.Engine.Geometry;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Landmarks;
using FaceNet.Engine.Models;
using FaceNet.Engine.Pipeline;
using FaceNet.Engine.Verification;

namespace FaceNet.Lab;

/// <summary>
/// Calibrates Similarity and false match rates for the embedders of models/models.json on LFW View 1:
/// every photo is embedded once, then
///  * Similarity knots: medians of the DevTrain same and different pairs (-> 90% and 5%) around defaultThreshold (-> 50%);
///  * false match rate table: all different-identity pairs among the photos (about 12 million), rates 1e-1 .. 1e-5,
///    each with its count of false matches and a one-sided 95% Clopper-Pearson upper bound.
/// With --write the two fields are written into the manifest (re-read just before writing; nothing else changes).
/// </summary>
public static class CalibrationCommand
{
    private const string Usage = """
        FaceNet.Lab calibrate similarity: Similarity knots and false match rate tables for models/models.json.

          dotnet run --project tools/FaceNet.Lab -c Release -- calibrate similarity [--models A,B] [--write] [--top 25]
              [--dataset DIR] [--domains NAME=DIR,...|none] [--default-rate 0.001] [--manifest PATH] [--workers N]
              [--exclusions FILE] [--cache DIR] [--limit N]

          --models      embedders to calibrate (default: every Embedder/Ensemble in the manifest)
          --write       write 'similarity' and 'falseMatchRates' of those models into the manifest
          --top N       list the N closest different-identity pairs (to inspect for mislabels; default 25)
          --dataset     LFW View 1 folder (default ../shared/data/lfw-view1)
          --domains     more photo sets, person folders each (default caltech=../shared/data/caltech-faces,
                        lfw-tight=out/lfw-tight; make the second with the lab's tight-crops). Each rate's
                        threshold is the highest of the domains' own thresholds for it (the worst domain's), so the rate
                        holds on every domain; a domain sets thresholds down to 3 false matches in its pairs.
                        An ambiguous-pairs.txt in a domain folder ("folderA,folderB" lines) leaves those people's
                        cross pairs out; a folder of LFW names also leaves out lfw-exclusions.txt's pairs.
          --default-rate  the default threshold: the DevTrain accuracy-maximising threshold, raised where needed to
                        the threshold of this rate on every domain (default 0.001; 'keep' leaves defaultThreshold)
          --exclusions  pairs/photos left out of the table (default lfw-exclusions.txt beside this tool's source)
          --cache       folder for per-model embeddings (default out/calibration); keyed by the model's fingerprint
          --limit N     first N photos only (smoke test; never written)
          --as-norm K   instead of calibrating, print whether adaptive score normalisation against a cohort (half of
                        LFW's people, top K cosines) makes the 1e-3 thresholds transfer between domains (never written)
        """;

    public static int Run(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h")) { Console.WriteLine(Usage); return 0; }
        try
        {
            var o = Options.Parse(args);
            return Run(o, Console.Out);
        }
        catch (Exception ex) when (ex is ArgumentException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 2;
        }
    }

    private sealed record Options(string Dataset, string ManifestPath, string[]? Models, bool Write, int Top, int Workers,
        string Exclusions, string Cache, int Limit, (string Name, string Dir)[] Domains, double? DefaultRate, int AsNorm)
    {
        public static Options Parse(string[] args)
        {
            var cl = new CommandLine(args);
            var root = CommandLine.RepoRoot();
            var o = new Options(
                cl.Get("dataset", Path.Combine(root, "..", "shared", "data", "lfw-view1")),
                cl.Get("manifest", Path.Combine(root, "models", "models.json")),
                cl.Get("models") is { } models ? models.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null,
                cl.Flag("write"),
                cl.Int("top", 25),
                cl.Int("workers", Math.Min(2, Environment.ProcessorCount)),
                cl.Get("exclusions", Path.Combine(root, "tools", "FaceNet.Lab", "Lfw", "lfw-exclusions.txt")),
                cl.Get("cache", Path.Combine(root, "out", "calibration")),
                cl.Int("limit", 0),
                ParseDomains(cl.Get("domains", $"caltech={Path.Combine(root, "..", "shared", "data", "caltech-faces")},lfw-tight={Path.Combine(root, "out", "lfw-tight")}")),
                cl.Get("default-rate", "0.001") is var dr && dr == "keep" ? null : double.Parse(dr, CultureInfo.InvariantCulture),
                cl.Int("as-norm", 0));
            cl.RejectUnknown();
            return o;
        }
    }

    private static (string, string)[] ParseDomains(string value) => value == "none" ? [] : value
        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(x => x.Split('=', 2) is [var n, var d] && n.Length > 0 && d.Length > 0 ? (n, d) : throw new ArgumentException($"--domains: expected NAME=DIR, got '{x}'."))
        .ToArray();

    private sealed record Photo(string Path, string Person, string File);
    private sealed record Located(FaceLandmarks Landmarks, int FacesFound);

    /// <summary>One set of photos: person folders, the face chosen in each, and the pairs left out.</summary>
    private sealed class Domain
    {
        public required string Name { get; init; }
        public required string Root { get; init; }
        public required string Description { get; init; }
        public required List<Photo> Photos { get; init; }
        /// <summary>true: the largest detection containing the image centre (LFW); false: the largest detection.</summary>
        public required bool Centred { get; init; }
        public Located?[] Faces { get; set; } = [];
        public int[] Used { get; set; } = [];
        public Exclusions Exclusions { get; set; } = null!;
        public string FaceRule => Centred ? "the largest detection containing the image centre, else the largest" : "the largest detection";
    }

    private static List<Photo> ListPhotos(string root) => Directory.EnumerateDirectories(root).OrderBy(p => p, StringComparer.Ordinal)
        .SelectMany(dir => Directory.EnumerateFiles(dir).Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            .OrderBy(p => p, StringComparer.Ordinal)
            .Select(f => new Photo(f, System.IO.Path.GetFileName(dir), System.IO.Path.GetFileName(f))))
        .ToList();

    private static Domain LoadDomain(string name, string dir, Options opt)
    {
        if (!Directory.Exists(dir))
            throw new DirectoryNotFoundException($"Domain '{name}': folder '{dir}' not found" +
                (name == "lfw-tight" ? " (make it with: dotnet run --project tools/FaceNet.Lab -c Release -- tight-crops)." : "."));
        var photos = ListPhotos(dir);
        if (photos.Count == 0) throw new DirectoryNotFoundException($"Domain '{name}': no person folders with photos in '{dir}'.");
        bool lfwNames = photos.Any(p => p.File == $"{p.Person}_0001.jpg");
        var index = photos.Select((p, i) => (p.File, i)).ToDictionary(x => x.File, x => x.i, StringComparer.Ordinal);
        var personOf = photos.Select(p => p.Person).ToArray();
        var exclusions = Exclusions.Load(lfwNames ? opt.Exclusions : "", index, personOf);
        var ambiguous = Path.Combine(dir, "ambiguous-pairs.txt");
        if (File.Exists(ambiguous)) exclusions.AddPeopleFile(ambiguous);
        var source = File.Exists(Path.Combine(dir, "SOURCE.txt")) ? File.ReadLines(Path.Combine(dir, "SOURCE.txt")).First().Trim() : null;
        return new Domain
        {
            Name = name,
            Root = dir,
            Description = name switch
            {
                "caltech" => "Caltech frontal faces 1999 (Caltech 101 'Faces'): 26 private people in offices and outdoors, about 450x300 colour; ../shared/data/caltech-faces",
                "lfw-tight" => "LFW View 1 tight grey crops: each photo cut to its detected face box at 92:112, scaled to 92x112 grey (ID-badge and face-dataset crops); tools/FaceNet.Lab tight-crops",
                _ => source ?? dir,
            },
            Photos = photos,
            Centred = lfwNames,
            Exclusions = exclusions,
        };
    }

    private static int Run(Options opt, TextWriter o)
    {
        if (opt.Workers > 1) OnnxSessionCache.IntraOpThreads = 1;
        var manifest = ModelManifest.Load(opt.ManifestPath);
        var models = (opt.Models ?? manifest.Models.Where(m => m.IsEmbedder).Select(m => m.Name).ToArray())
            .Select(n => manifest.Get(n)).ToList();
        foreach (var m in models) if (!m.IsEmbedder) throw new ArgumentException($"'{m.Name}' is not an embedder.");

        var root = FindImageRoot(opt.Dataset);
        var lfwPhotos = ListPhotos(root);
        if (opt.Limit > 0) lfwPhotos = lfwPhotos.Take(opt.Limit).ToList();
        var lfwIndex = lfwPhotos.Select((p, i) => (p.File, i)).ToDictionary(x => x.File, x => x.i, StringComparer.Ordinal);
        var lfw = new Domain
        {
            Name = "lfw",
            Root = root,
            Description = "LFW View 1 (deep-funneled 250x250, the 4,992 photos named by pairsDevTrain.txt and pairsDevTest.txt; ../shared/data/lfw-view1)",
            Photos = lfwPhotos,
            Centred = true,
            Exclusions = Exclusions.Load(opt.Exclusions, lfwIndex, lfwPhotos.Select(p => p.Person).ToArray()),
        };
        var domains = new List<Domain> { lfw };
        domains.AddRange(opt.Domains.Select(d => LoadDomain(d.Name, d.Dir, opt)));

        // 1. Locate the face of each photo once (the detector and landmarks are shared by all embedders).
        var analyzer = new FaceAnalyzer(manifest);
        foreach (var domain in domains)
        {
            var photos = domain.Photos;
            var located = new Located?[photos.Count];
            var sw = Stopwatch.StartNew();
            Parallel.For(0, photos.Count, new ParallelOptions { MaxDegreeOfParallelism = opt.Workers }, i =>
            {
                using var image = ImageLoader.Load(photos[i].Path);
                located[i] = Locate(analyzer, image, domain.Centred);
            });
            domain.Faces = located;
            domain.Used = Enumerable.Range(0, photos.Count).Where(i => located[i] is not null).ToArray();
            o.WriteLine($"domain {domain.Name}: {domain.Root}: {photos.Count} photos of {photos.Select(p => p.Person).Distinct().Count()} people; " +
                        $"faces detected in {domain.Used.Length} ({sw.Elapsed.TotalSeconds:0} s); {photos.Count - domain.Used.Length} without a detected face are left out (a cmdlet never compares them)");
            foreach (var i in Enumerable.Range(0, photos.Count).Where(i => located[i] is null).Take(20)) o.WriteLine($"  no face: {photos[i].File}");
        }

        var devTrain = LoadPairs(Path.Combine(opt.Dataset, "pairsDevTrain.txt"), lfwIndex);
        var devTest = LoadPairs(Path.Combine(opt.Dataset, "pairsDevTest.txt"), lfwIndex);
        string date = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        foreach (var model in models)
        {
            o.WriteLine();
            o.WriteLine($"=== {model.Name} ({model.Kind}) ===");
            string fingerprint = CalibrationFingerprint.Of(manifest, model);
            var perDomain = new List<(Domain Domain, float[] Impostors, List<(int A, int B, float Score)> Closest, long Excluded)>();
            float[]?[] vectors = [];
            var domainVectors = new List<float[]?[]>();
            foreach (var domain in domains)
            {
                var v = EmbedAll(manifest, model, domain, opt, fingerprint, o);
                domainVectors.Add(v);
                if (domain == lfw) vectors = v;
                if (opt.AsNorm > 0) continue;
                float DomainScore(int a, int b) => System.Numerics.Tensors.TensorPrimitives.Dot(v[a], v[b]);
                var (impostors, closest, excludedCount, _) = AllDifferentPairs(domain.Used, domain.Photos, domain.Exclusions, DomainScore, opt.Top);
                perDomain.Add((domain, impostors, closest, excludedCount));
            }
            if (opt.AsNorm > 0)
            {
                AsNormExperiment.Run(domains.Select((d, i) => (d.Name, d.Photos.Select(p => p.Person).ToArray(), domainVectors[i],
                        (Func<int, int, bool>)d.Exclusions.Contains, d == lfw || d.Name.StartsWith("lfw", StringComparison.Ordinal))).ToList(),
                    devTest.Where(p => p.Same).Select(p => (p.A, p.B)).ToList(), opt.AsNorm, o);
                continue;
            }
            float Score(int a, int b) => System.Numerics.Tensors.TensorPrimitives.Dot(vectors[a], vectors[b]);

            // Pair medians on the View 1 pair lists (pairs with a photo lacking a face are skipped).
            (double Same, double Diff, int NSame, int NDiff, double[] S, double[] D) Pairs(List<(int A, int B, bool Same)> pairs)
            {
                var ok = pairs.Where(p => vectors[p.A] is not null && vectors[p.B] is not null).ToList();
                var s = ok.Where(p => p.Same).Select(p => (double)Score(p.A, p.B)).ToArray();
                var d = ok.Where(p => !p.Same).Select(p => (double)Score(p.A, p.B)).ToArray();
                return (Median((double[])s.Clone()), Median((double[])d.Clone()), s.Length, d.Length, s, d);
            }
            var train = Pairs(devTrain);
            var test = Pairs(devTest);
            var allDiffMedian = MedianInPlace((float[])perDomain[0].Impostors.Clone());

            foreach (var (domain, impostors, closest, excluded) in perDomain)
            {
                o.WriteLine($"{domain.Name}: different-identity pairs {impostors.Length:N0} (excluded {excluded:N0}); closest {Math.Min(closest.Count, domain == lfw ? opt.Top : 10)} (inspect for mislabels):");
                foreach (var (a, b, sc) in closest.Take(domain == lfw ? opt.Top : 10))
                    o.WriteLine($"  {sc:0.0000}  {domain.Photos[a].Person}/{domain.Photos[a].File}  {domain.Photos[b].Person}/{domain.Photos[b].File}");
            }

            var rows = FalseMatchTable.BuildWorstDomainRows(perDomain.Select(d => (d.Domain.Name, d.Impostors)).ToList(), FalseMatchTable.StandardRates);

            // The default threshold: DevTrain's accuracy-maximising one, raised to the chosen rate's (worst-domain) threshold.
            var (accT, accTrain) = BestThreshold(train.S, train.D);
            double threshold = model.DefaultThreshold ?? accT;
            string? thresholdSource = null;
            if (opt.DefaultRate is double rate)
            {
                var row = rows.FirstOrDefault(r => Math.Abs(r.Rate - rate) < rate * 1e-9)
                    ?? throw new ArgumentException($"--default-rate {rate}: no row for that rate (rates: {string.Join(", ", rows.Select(r => r.Rate))}).");
                bool raised = row.Threshold > accT;
                threshold = Math.Round(Math.Max(accT, row.Threshold), 4, MidpointRounding.ToPositiveInfinity);
                thresholdSource = FormattableString.Invariant(
                    $"The higher of two cosines: the LFW View 1 DevTrain accuracy-maximising threshold ({accT:0.0000}, {accTrain:P2} on DevTrain) and the false match rate {rate:0.####} threshold ({row.Threshold:0.0000}, the highest of the domains' own: {row.GovernedBy}); ") +
                    (raised ? "the second, so the default keeps false matches at or below that rate on every domain measured" : "the first; it already keeps false matches at or below that rate on every domain measured") +
                    FormattableString.Invariant($" ({DomainRates(perDomain, threshold)}). DevTrain {Accuracy(train.S, train.D, threshold):P2}, DevTest {Accuracy(test.S, test.D, threshold):P2} at it; tools/FaceNet.Lab calibrate similarity --default-rate {rate:0.####}");
            }

            SimilarityScale scale;
            try { scale = SimilarityScale.FromMedians(train.Diff, threshold, train.Same); }
            catch (ArgumentException ex) { o.WriteLine($"similarity: cannot calibrate: {ex.Message}"); continue; }

            o.WriteLine($"DevTrain accuracy-maximising threshold: {accT:0.0000} ({accTrain:P2}); manifest default {model.DefaultThreshold:0.0000}");
            o.WriteLine($"default threshold (cosine): {threshold:0.0000}" + (thresholdSource is null ? $" ({model.ThresholdSource})" : " (--default-rate)"));
            o.WriteLine($"  DevTrain {Accuracy(train.S, train.D, threshold):P2}, DevTest {Accuracy(test.S, test.D, threshold):P2} " +
                        $"(DevTest false matches {Frac(test.D.Count(x => x >= threshold), test.D.Length)}, false non-matches {Frac(test.S.Count(x => x < threshold), test.S.Length)})");
            o.WriteLine($"  false match rates at it: {DomainRates(perDomain, threshold)}");
            if (model.DefaultThreshold is float old && Math.Abs(old - threshold) > 1e-6)
                o.WriteLine($"  at the manifest's default {old:0.0000} before this run: DevTest {Accuracy(test.S, test.D, old):P2}; false match rates {DomainRates(perDomain, old)}");
            o.WriteLine($"DevTrain medians: same {train.Same:0.0000} ({train.NSame} pairs), different {train.Diff:0.0000} ({train.NDiff} pairs)");
            o.WriteLine($"similarity knots: " + string.Join(", ", scale.Knots.Select(k => $"{k.Cosine:0.0000}->{k.Similarity:0.#}")));
            o.WriteLine($"Similarity readings: DevTrain same median {scale.ToSimilarity(train.Same):0.0}%, different median {scale.ToSimilarity(train.Diff):0.0}%; " +
                        $"DevTest same median {scale.ToSimilarity(test.Same):0.0}% (cos {test.Same:0.0000}), different median {scale.ToSimilarity(test.Diff):0.0}% (cos {test.Diff:0.0000}); " +
                        $"all LFW different pairs median {scale.ToSimilarity(allDiffMedian):0.0}% (cos {allDiffMedian:0.0000}); default threshold {scale.ToSimilarity(threshold):0.0}%");

            o.WriteLine($"{"rate",-8} {"cosine",8} {"similarity",10} {"set by",-10} " + string.Join(" ", perDomain.Select(d => $"{d.Domain.Name + " (own cosine)",-32}")));
            foreach (var r in rows)
                o.WriteLine($"{r.Rate,-8:0.#####} {r.Threshold,8:0.0000} {scale.ToSimilarity(r.Threshold),9:0.0}% {r.GovernedBy,-10} " +
                            string.Join(" ", r.Domains!.Select(d => $"{$"{d.FalseMatches:N0} = {d.MeasuredRate:0.00e+0} ({(d.OwnThreshold is { } ot ? ot.ToString("0.0000") : "-")})",-32}")));

            if (!opt.Write) continue;
            if (opt.Limit > 0) { o.WriteLine("--limit given: not writing."); continue; }
            var similarity = new SimilarityCalibration
            {
                Knots = scale.Knots.Select(k => new SimilarityKnot(Math.Round(k.Cosine, 6), k.Similarity)).ToArray(),
                Dataset = $"LFW View 1 DevTrain pairs (pairsDevTrain.txt; {train.NSame} same, {train.NDiff} different with a detected face)",
                DifferentMedian = Math.Round(train.Diff, 6),
                SameMedian = Math.Round(train.Same, 6),
                Date = date,
                Fingerprint = fingerprint,
                Notes = "Piecewise linear in cosine: -1 -> 0, DevTrain different-pair median -> 5, defaultThreshold -> 50 (always follows defaultThreshold), " +
                        FormattableString.Invariant($"DevTrain same-pair median -> 90, 1 -> 100. DevTest reads: same median {scale.ToSimilarity(test.Same):0.0}%, different median {scale.ToSimilarity(test.Diff):0.0}%."),
            };
            var fmr = new FalseMatchCalibration
            {
                Dataset = lfw.Description,
                Photos = lfw.Photos.Count,
                PhotosUsed = lfw.Used.Length,
                Pairs = perDomain[0].Impostors.LongLength,
                Date = date,
                Confidence = "upper95: one-sided 95% Clopper-Pearson upper bound on the true rate (3/N rule of three at 0 false matches)",
                Excluded = lfw.Exclusions.Describe(),
                Fingerprint = fingerprint,
                Method = perDomain.Count == 1 ? "one domain" :
                    "worst domain: each rate's threshold is the highest of the domains' own thresholds for it (a domain sets one where it allows at least 3 false matches), " +
                    "so the measured rate is at most the stated rate on every domain that can measure it; falseMatches, measuredRate and upper95 are the worst domain's, " +
                    "and domains lists each one's. Lower rates than a domain can measure rest on the others (its own count at them is still listed).",
                Domains = perDomain.Select(d => new FalseMatchDomain
                {
                    Name = d.Domain.Name,
                    Dataset = d.Domain.Description,
                    Photos = d.Domain.Photos.Count,
                    PhotosUsed = d.Domain.Used.Length,
                    Pairs = d.Impostors.LongLength,
                    Face = d.Domain.FaceRule,
                    SetsThresholdsDownTo = 3.0 / d.Impostors.LongLength,
                    Excluded = d.Domain == lfw ? null : d.Domain.Exclusions.Describe() is { Length: > 0 } ex ? ex : null,
                }).ToArray(),
                Notes = "All different-identity pairs (by person folder) among photos with a detected face. " +
                        "A domain's own threshold for rate r is the midpoint between the k-th and (k+1)-th highest different-pair cosine, k = floor(r x its pairs). " +
                        "The closest different pairs were inspected for mislabels and duplicates (tools/FaceNet.Lab/Lfw/lfw-exclusions.txt; caltech's ambiguous-pairs.txt).",
                Rows = rows.ToArray(),
            };
            ManifestWriter.Write(opt.ManifestPath, model.Name, similarity, fmr, thresholdSource is null ? null : (threshold, thresholdSource));
            o.WriteLine($"written: {opt.ManifestPath} ({model.Name}: similarity, falseMatchRates{(thresholdSource is null ? "" : ", defaultThreshold")})");
        }
        return 0;
    }

    private static string Frac(long k, long n) => FormattableString.Invariant($"{k}/{n} = {(double)k / Math.Max(1, n):P2}");

    private static string DomainRates(IEnumerable<(Domain Domain, float[] Impostors, List<(int, int, float)> Closest, long Excluded)> domains, double threshold) =>
        string.Join(", ", domains.Select(d =>
        {
            long k = d.Impostors.LongCount(x => x >= threshold);
            return FormattableString.Invariant($"{d.Domain.Name} {(double)k / d.Impostors.Length:0.00e+0} ({k:N0} of {d.Impostors.LongLength:N0})");
        }));

    private static double Accuracy(double[] same, double[] diff, double t) =>
        (same.Count(x => x >= t) + diff.Count(x => x < t)) / (double)(same.Length + diff.Length);

    /// <summary>The accuracy-maximising threshold: the midpoint between consecutive sorted scores with the most pairs right (the lowest of ties).</summary>
    private static (double Threshold, double Accuracy) BestThreshold(double[] same, double[] diff)
    {
        var all = same.Select(x => (x, true)).Concat(diff.Select(x => (x, false))).OrderBy(p => p.x).ToArray();
        int n = all.Length, right = same.Length, best = right;     // threshold below everything: all same right, all different wrong
        double bestT = all[0].x - 1e-6;
        for (int i = 0; i < n; i++)
        {
            right += all[i].Item2 ? -1 : 1;                          // pair i now falls below the threshold
            if (i + 1 < n && all[i + 1].x == all[i].x) continue;
            if (right > best) { best = right; bestT = i + 1 < n ? (all[i].x + all[i + 1].x) / 2 : all[i].x + 1e-6; }
        }
        return (bestT, (double)best / n);
    }

    /// <summary>
    /// The photo's face: with <paramref name="centred"/> (LFW photos are centred on the named person) the largest detection
    /// whose box contains the image centre, else the largest; null without a detection.
    /// </summary>
    private static Located? Locate(FaceAnalyzer analyzer, FaceImage image, bool centred)
    {
        var boxes = analyzer.Detector.Detect(image, DetectionOptions.Default);
        if (boxes.Count == 0) return null;
        var box = boxes[LfwFace.Choose(boxes.Select(b => b.Box).ToList(), image.Width, image.Height, centred)].Box;
        return new Located(analyzer.Landmarker.Detect(image, box), boxes.Count);
    }

    private static float[]?[] EmbedAll(ModelManifest manifest, ModelDescriptor model, Domain domain, Options opt, string fingerprint, TextWriter o)
    {
        var photos = domain.Photos;
        var located = domain.Faces;
        string cacheFile = VectorCache.FileFor(opt.Cache, manifest, model.Name, domain.Name, photos.Count);
        var keys = photos.Select(p => p.File).ToList();
        if (VectorCache.TryRead(cacheFile, keys) is { } cached) { o.WriteLine($"{domain.Name} embeddings: from cache {cacheFile}"); return cached; }
        var embedder = EmbedderFactory.Create(manifest, model.Name);
        var vectors = new float[]?[photos.Count];
        var sw = Stopwatch.StartNew();
        int done = 0;
        Parallel.For(0, photos.Count, new ParallelOptions { MaxDegreeOfParallelism = opt.Workers }, i =>
        {
            if (located[i] is not { } face) return;
            using var image = ImageLoader.Load(photos[i].Path);
            vectors[i] = embedder.Embed(image, [face.Landmarks])[0];
            int n = Interlocked.Increment(ref done);
            if (n % 500 == 0) Console.Error.WriteLine($"  {model.Name} {domain.Name}: {n} photos, {n / sw.Elapsed.TotalSeconds:0.0}/s");
        });
        o.WriteLine($"{domain.Name} embeddings: {done} photos in {sw.Elapsed.TotalSeconds:0} s ({done / Math.Max(1e-9, sw.Elapsed.TotalSeconds):0.0} photos/s)");
        VectorCache.Write(cacheFile, keys, vectors);
        return vectors;
    }

    private static (float[] Scores, List<(int A, int B, float Score)> Closest, long Excluded, long SamePairs) AllDifferentPairs(
        int[] used, List<Photo> photos, Exclusions exclusions, Func<int, int, float> score, int top)
    {
        var parts = new ConcurrentBag<(int Row, float[] Scores, List<(int, int, float)> Top, long Excluded, long Same)>();
        Parallel.For(0, used.Length, ia =>
        {
            int a = used[ia];
            var list = new List<float>(used.Length - ia);
            var best = new List<(int, int, float)>();
            long excluded = 0, same = 0;
            for (int ib = ia + 1; ib < used.Length; ib++)
            {
                int b = used[ib];
                if (photos[a].Person == photos[b].Person) { same++; continue; }
                if (exclusions.Contains(a, b)) { excluded++; continue; }
                float s = score(a, b);
                list.Add(s);
                if (top > 0) KeepTop(best, (a, b, s), top);
            }
            parts.Add((ia, list.ToArray(), best, excluded, same));
        });
        var ordered = parts.OrderBy(p => p.Row).ToList();
        var all = new float[ordered.Sum(p => (long)p.Scores.Length)];
        long offset = 0;
        foreach (var p in ordered) { p.Scores.CopyTo(all, offset); offset += p.Scores.Length; }
        var closest = new List<(int, int, float)>();
        foreach (var p in ordered) foreach (var t in p.Top) KeepTop(closest, t, top);
        return (all, closest.OrderByDescending(t => t.Item3).ToList(), ordered.Sum(p => p.Excluded), ordered.Sum(p => p.Same));
    }

    private static void KeepTop(List<(int, int, float)> best, (int, int, float) item, int top)
    {
        if (best.Count < top) { best.Add(item); return; }
        int min = 0;
        for (int i = 1; i < best.Count; i++) if (best[i].Item3 < best[min].Item3) min = i;
        if (item.Item3 > best[min].Item3) best[min] = item;
    }

    private static double Median(double[] xs)
    {
        if (xs.Length == 0) return double.NaN;
        Array.Sort(xs);
        return xs.Length % 2 == 1 ? xs[xs.Length / 2] : (xs[xs.Length / 2 - 1] + xs[xs.Length / 2]) / 2;
    }

    private static double MedianInPlace(float[] xs)
    {
        if (xs.Length == 0) return double.NaN;
        Array.Sort(xs);
        return xs.Length % 2 == 1 ? xs[xs.Length / 2] : ((double)xs[xs.Length / 2 - 1] + xs[xs.Length / 2]) / 2;
    }

    private static List<(int A, int B, bool Same)> LoadPairs(string file, Dictionary<string, int> index)
    {
        var result = new List<(int, int, bool)>();
        if (!File.Exists(file)) return result;
        foreach (var line in File.ReadLines(file).Skip(1))
        {
            var f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            string Name(string person, string n) => $"{person}_{int.Parse(n):D4}.jpg";
            (string A, string B, bool Same)? p = f.Length switch
            {
                3 => (Name(f[0], f[1]), Name(f[0], f[2]), true),
                4 => (Name(f[0], f[1]), Name(f[2], f[3]), false),
                _ => null,
            };
            if (p is { } q && index.TryGetValue(q.A, out int a) && index.TryGetValue(q.B, out int b)) result.Add((a, b, q.Same));
        }
        return result;
    }

    private static string FindImageRoot(string dataset)
    {
        if (!Directory.Exists(dataset)) throw new DirectoryNotFoundException($"LFW View 1 folder '{dataset}' not found (expected ../shared/data/lfw-view1).");
        static bool HasPersonFolders(string dir) => Directory.EnumerateDirectories(dir).Take(50).Any(d => Directory.EnumerateFiles(d, "*_0001.jpg").Any());
        if (HasPersonFolders(dataset)) return dataset;
        foreach (var sub in Directory.EnumerateDirectories(dataset)) if (HasPersonFolders(sub)) return sub;
        throw new DirectoryNotFoundException($"No LFW person folders in '{dataset}'.");
    }
}

/// <summary>Pairs and photos left out of the false match table (lfw-exclusions.txt).</summary>
internal sealed class Exclusions
{
    private readonly HashSet<(int, int)> _pairs = [];
    private readonly HashSet<int> _photos = [];
    private readonly HashSet<(string, string)> _people = [];
    private readonly List<string> _lines = [];
    private string[] _personOf = [];

    public bool Contains(int a, int b) =>
        _photos.Contains(a) || _photos.Contains(b) || _pairs.Contains((Math.Min(a, b), Math.Max(a, b))) ||
        (_people.Count > 0 && _people.Contains(Ordered(_personOf[a], _personOf[b])));

    private static (string, string) Ordered(string x, string y) => string.CompareOrdinal(x, y) <= 0 ? (x, y) : (y, x);

    public string[] Describe() => _lines.ToArray();

    /// <summary>A domain's ambiguous-pairs.txt: "folderA,folderB" lines, people who may be one person; their cross pairs are left out.</summary>
    public void AddPeopleFile(string file)
    {
        var people = _personOf.ToHashSet(StringComparer.Ordinal);
        foreach (var raw in File.ReadAllLines(file))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (line.Split(',', StringSplitOptions.TrimEntries) is not [var a, var b] || !people.Contains(a) || !people.Contains(b))
                throw new InvalidDataException($"'{file}': expected 'folderA,folderB' naming two person folders, got '{line}'.");
            _people.Add(Ordered(a, b));
            _lines.Add($"{a}/* {b}/*: listed in {Path.GetFileName(file)} (may be one person; their cross pairs are unknown)");
        }
    }

    /// <summary>personOf: each photo's person (its folder), by index.</summary>
    public static Exclusions Load(string file, Dictionary<string, int> index, string[] personOf)
    {
        var e = new Exclusions { _personOf = personOf };
        var people = e._personOf.ToHashSet(StringComparer.Ordinal);
        if (!File.Exists(file)) return e;
        foreach (var x in LfwExclusionLines.Read(file))
        {
            if (x.Kind == LfwExclusionKind.SamePerson)
            {
                if (!people.Contains(x.A) || !people.Contains(x.B)) throw new InvalidDataException($"'{file}': unknown person in '{x.Text}'.");
                e._people.Add(Ordered(x.A, x.B));
                e._lines.Add($"{x.A}/* {x.B}/*: {x.Reason}");
                continue;
            }
            if (!index.TryGetValue(x.A, out int a)) throw new InvalidDataException($"'{file}': unknown photo '{x.A}'.");
            if (x.Kind == LfwExclusionKind.WrongFace) e._photos.Add(a);
            else if (index.TryGetValue(x.B, out int b)) e._pairs.Add((Math.Min(a, b), Math.Max(a, b)));
            else throw new InvalidDataException($"'{file}': unknown photo '{x.B}'.");
            e._lines.Add($"{x.A} {x.B}: {x.Reason}");
        }
        return e;
    }
}

/// <summary>
/// Writes one model's two calibration fields into models.json: the file is re-read right before writing and only
/// 'similarity' and 'falseMatchRates' of that entry change; the rest keeps its values and the file's compact style.
/// </summary>
internal static class ManifestWriter
{
    private static readonly JsonSerializerOptions s_options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static void Write(string path, string model, SimilarityCalibration similarity, FalseMatchCalibration fmr, (double Threshold, string Source)? defaultThreshold = null)
    {
        var root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })!.AsObject();
        var entry = root["models"]!.AsArray().Select(n => n!.AsObject())
            .FirstOrDefault(n => string.Equals((string?)n["name"], model, StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidDataException($"'{path}' no longer has a model '{model}'.");
        if (defaultThreshold is { } d)
        {
            entry["defaultThreshold"] = JsonValue.Create(d.Threshold);
            entry["thresholdSource"] = JsonValue.Create(d.Source);
        }
        entry["similarity"] = JsonSerializer.SerializeToNode(similarity, s_options);
        entry["falseMatchRates"] = JsonSerializer.SerializeToNode(fmr, s_options);
        var sb = new StringBuilder();
        Format(root, sb, 0);
        sb.Append('\n');
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, sb.ToString());
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>2-space indent; arrays of numbers/strings and short flat objects on one line, as the file is written by hand.</summary>
    private static void Format(JsonNode? node, StringBuilder sb, int indent)
    {
        string compact = Compact(node);
        bool inline = node switch
        {
            JsonArray a => a.All(x => x is JsonValue v && v.GetValueKind() == JsonValueKind.Number) || compact.Length + indent <= 140,
            JsonObject obj => indent >= 6 && compact.Length + indent <= 160 && obj.All(p => p.Value is JsonValue || (p.Value is JsonArray pa && pa.All(x => x is JsonValue))),
            _ => true,
        };
        if (inline) { sb.Append(compact); return; }
        string pad = new(' ', indent + 2);
        if (node is JsonObject o)
        {
            sb.Append("{\n");
            int i = 0;
            foreach (var (k, v) in o)
            {
                sb.Append(pad).Append(JsonSerializer.Serialize(k)).Append(": ");
                Format(v, sb, indent + 2);
                sb.Append(++i < o.Count ? ",\n" : "\n");
            }
            sb.Append(' ', indent).Append('}');
        }
        else if (node is JsonArray arr)
        {
            sb.Append("[\n");
            for (int i = 0; i < arr.Count; i++)
            {
                sb.Append(pad);
                Format(arr[i], sb, indent + 2);
                sb.Append(i + 1 < arr.Count ? ",\n" : "\n");
            }
            sb.Append(' ', indent).Append(']');
        }
    }

    private static string Compact(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject o => o.Count == 0 ? "{}" : "{ " + string.Join(", ", o.Select(p => JsonSerializer.Serialize(p.Key) + ": " + Compact(p.Value))) + " }",
        JsonArray a => "[" + string.Join(", ", a.Select(Compact)) + "]",
        _ => node.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }),
    };
}
