using System.Diagnostics;
using System.Globalization;
using FaceNet.Engine.Models;
using FaceNet.Engine.Recognition;

namespace FaceNet.Lab;

/// <summary>
/// Usage: dotnet run -c Release --project tools/FaceNet.Lab -- recognition &lt;command&gt; [--model NAME] [--dataset DIR] [--workers N]
/// [--failures] [--exclusions FILE | --no-corrections] [--cuts 0.84,0.86] [--drops 0.05]
/// embed       embed LFW View 1 once (cached under out/recognition-bench/, keyed by the model's fingerprint)
/// identify    rank-1 and open-set identification figures at the stored identification threshold (--failures: list the rank-1 failures)
/// calibrate   measure the open-set threshold (1% of strangers named against ~1,000-person galleries) and store it in models/models.json
/// cluster     Group-Face's algorithm on all View 1 photos: a sweep of cuts, pairwise/BCubed F1, clusters, time
/// scale       search time per probe for 1k/10k/100k galleries and clustering time for 1k/5k/10k embeddings
/// all         identify, cluster, scale
/// identify and cluster apply LFW's known label errors from tools/FaceNet.Lab/Lfw/lfw-exclusions.txt (--exclusions FILE):
/// one person under two folder names is one identity, a photo whose centred face is someone else and the second photo
/// of a duplicated picture are left out (LabelCorrections.cs); identify also prints the rank-1 with the labels as filed.
/// </summary>
public static class RecognitionCommand
{
    public static int Run(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var root = CommandLine.RepoRoot();
        string dataset = Path.Combine(Path.GetDirectoryName(root)!, "shared", "data", "lfw-view1");
        string? model = null;
        int workers = 2;
        bool failures = false;
        string? exclusions = null;
        bool corrections = true;
        var cmd = args.Length > 0 && !args[0].StartsWith("--") ? args[0] : "all";
        var cl = new CommandLine(args.SkipWhile(a => !a.StartsWith("--")));
        dataset = cl.Get("dataset", dataset);
        model = cl.Get("model");
        workers = cl.Int("workers", workers);
        if (cl.Get("cuts") is { Length: > 0 } cuts) Benchmarks.Cuts = cuts.Split(',').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        if (cl.Get("drops") is { Length: > 0 } drops) Benchmarks.Drops = drops.Split(',').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        failures = cl.Flag("failures");
        exclusions = cl.Get("exclusions");
        corrections = !cl.Flag("no-corrections");
        cl.RejectUnknown();
        var manifest = ModelLocator.Default;
        model ??= manifest.DefaultEmbedder;
        Benchmarks.Model = model;
        var cache = Path.Combine(root, "out", "recognition-bench");
        if (!Directory.Exists(dataset)) { Console.Error.WriteLine($"LFW View 1 not found at {dataset} (use --dataset)."); return 2; }
        var (photos, noFace) = LfwEmbeddings.Load(dataset, model, cache, workers);
        int people = photos.Select(p => p.Person).Distinct().Count();
        Console.WriteLine($"Model {model}: {photos.Count} View 1 photos with a face ({noFace} without), {people} people.");

        var verification = manifest.Get(model).DefaultThreshold;
        var labelled = photos;
        if (cmd is "identify" or "cluster" or "all")
        {
            LabelCorrections fix;
            try
            {
                fix = corrections
                    ? LabelCorrections.Load(exclusions ?? Path.Combine(root, "tools", "FaceNet.Lab", "Lfw", "lfw-exclusions.txt"), dataset)
                    : LabelCorrections.None;
            }
            catch (Exception e) when (e is FileNotFoundException or InvalidDataException) { Console.Error.WriteLine(e.Message); return 2; }
            labelled = fix.Apply(photos);
            Console.WriteLine(fix.Describe(photos));
        }
        void Identify() => Benchmarks.Identify(labelled, IdentificationThreshold.Read(manifest, model), verification,
            corrections ? photos : null, failures);
        switch (cmd)
        {
            case "embed": break;
            case "calibrate": Benchmarks.Calibrate(photos, model, Path.Combine(root, "models", ModelLocator.ManifestFileName)); break;
            case "identify": Identify(); break;
            case "cluster": Benchmarks.Cluster(labelled, workers); break;
            case "scale": Benchmarks.Scale(photos, workers); break;
            case "all":
                Identify();
                Benchmarks.Cluster(labelled, workers);
                Benchmarks.Scale(photos, workers);
                break;
            default: Console.Error.WriteLine($"Unknown command '{cmd}'."); return 2;
        }
        return 0;
    }

}
