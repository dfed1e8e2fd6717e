using System.Diagnostics;
using System.Globalization;
using FaceNet.Engine.Models;
using FaceNet.Engine.Recognition;
using FaceNet.Recognition.Bench;

// Usage: dotnet run -c Release --project tools/FaceNet.Recognition.Bench -- <command> [--model NAME] [--dataset DIR] [--workers N]
//   embed       embed LFW View 1 once (cached under out/recognition-bench/)
//   identify    rank-1 and open-set identification figures at the stored identification threshold
//   calibrate   measure the open-set threshold (1% of strangers named against ~1,000-person galleries) and store it in models/models.json
//   cluster     Group-Face's algorithm on all View 1 photos: a sweep of cuts, pairwise/BCubed F1, clusters, time
//   scale       search time per probe for 1k/10k/100k galleries and clustering time for 1k/5k/10k embeddings
//   all         identify, cluster, scale
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var root = FindRepoRoot();
string dataset = Path.Combine(Path.GetDirectoryName(root)!, "shared", "data", "lfw-view1");
string? model = null;
int workers = 2;
var cmd = args.Length > 0 ? args[0] : "all";
for (int i = 1; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--dataset": dataset = args[++i]; break;
        case "--model": model = args[++i]; break;
        case "--workers": workers = int.Parse(args[++i]); break;
        case "--cuts": Benchmarks.Cuts = args[++i].Split(',').Select(double.Parse).ToArray(); break;
        case "--drops": Benchmarks.Drops = args[++i].Split(',').Select(double.Parse).ToArray(); break;
    }
}
var manifest = ModelLocator.Default;
model ??= manifest.DefaultEmbedder;
Benchmarks.Model = model;
var cache = Path.Combine(root, "out", "recognition-bench", $"lfw-view1-{model}.emb");
if (!Directory.Exists(dataset)) { Console.Error.WriteLine($"LFW View 1 not found at {dataset} (use --dataset)."); return 2; }
var (photos, noFace) = LfwEmbeddings.Load(dataset, model, cache, workers);
int people = photos.Select(p => p.Person).Distinct().Count();
Console.WriteLine($"Model {model}: {photos.Count} View 1 photos with a face ({noFace} without), {people} people.");

var verification = manifest.Get(model).DefaultThreshold;
switch (cmd)
{
    case "embed": break;
    case "calibrate": Benchmarks.Calibrate(photos, model, Path.Combine(root, "models", ModelLocator.ManifestFileName)); break;
    case "identify": Benchmarks.Identify(photos, IdentificationThreshold.Read(manifest, model), verification); break;
    case "cluster": Benchmarks.Cluster(photos, workers); break;
    case "scale": Benchmarks.Scale(photos, workers); break;
    case "all":
        Benchmarks.Identify(photos, IdentificationThreshold.Read(manifest, model), verification);
        Benchmarks.Cluster(photos, workers);
        Benchmarks.Scale(photos, workers);
        break;
    default: Console.Error.WriteLine($"Unknown command '{cmd}'."); return 2;
}
return 0;

static string FindRepoRoot()
{
    for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        if (File.Exists(Path.Combine(d.FullName, "FaceNet.psd1"))) return d.FullName;
    return Directory.GetCurrentDirectory();
}
