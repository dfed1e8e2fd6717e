using System.Diagnostics;
using System.Text.Json;
using FaceNet.Engine.Attributes;
using FaceNet.Engine.Models;
using FaceNet.Engine.Pipeline;

namespace FaceNet.Lab;

/// <summary>
/// Usage:
/// dotnet run -c Release --project tools/FaceNet.Lab -- attributes --labels a/labels.csv[,b/labels.csv] [--models FerMobileFaceNet,FaceApiExpression]
/// [--peer-dir &lt;folder of SET.jsonl from faceapi-attributes.mjs&gt;] [--workers 2]
/// Expression accuracy, per-class recall and balanced accuracy, gender balanced accuracy and age error of each attribute
/// model alone and of the manifest's default combination, on labelled sets (labels.csv: path,expression,age,gender;
/// the largest face of each photo is the labelled one), and the face-api peer's on the same photos when its results
/// are given. Sets are named by their folder. Photos are read where they are, never copied.
/// </summary>
public static class AttributesCommand
{
    private sealed record Label(string Path, string? Expression, double? Age, string? Gender);

    private sealed record Prediction(float[]? Expressions, double? Age, double? FemaleProbability)
    {
        public string? Expression => Expressions is null ? null : new FaceAttributeEstimate(Expressions, null, null).Expression;
        public string? Gender => FemaleProbability is double f ? (f >= 0.5 ? "Female" : "Male") : null;
    }

    public static int Run(string[] args)
    {
        var cl = new CommandLine(args);
        var labelFiles = (cl.Get("labels") ?? throw new ArgumentException("--labels is required.")).Split(',', StringSplitOptions.RemoveEmptyEntries);
        var manifest = cl.LoadManifest();
        var modelNames = cl.Get("models") is { Length: > 0 } m ? m.Split(',') : manifest.Models.Where(d => d.IsAttributeModel).Select(d => d.Name).ToArray();
        var peerDir = cl.Get("peer-dir");
        int workers = cl.Workers();
        cl.RejectUnknown();

        Console.WriteLine($"machine: {Machine()}; {Environment.ProcessorCount} cores, {workers} workers");
        Console.WriteLine($"default combination: {string.Join(" + ", manifest.DefaultAttributeModels)}");
        var analyzer = new FaceAnalyzer(manifest);
        var estimators = modelNames.Select(n => (Name: n, Est: new AttributeEstimator(manifest, [n])))
            .Append((Name: "Default", Est: AttributeEstimator.For(manifest))).ToList();
        foreach (var file in labelFiles)
        {
            var set = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(file)))!;
            var labels = ReadLabels(file);
            var predictions = estimators.ToDictionary(e => e.Name, _ => new Prediction?[labels.Count]);
            var found = new bool[labels.Count];
            var clock = Stopwatch.StartNew();
            Parallel.For(0, labels.Count, new ParallelOptions { MaxDegreeOfParallelism = workers }, i =>
            {
                Engine.Imaging.FaceImage image;
                try { image = analyzer.Load(labels[i].Path); }
                catch (Engine.Imaging.ImageLoadException) { return; }
                using var _ = image;
                var faces = analyzer.Detect(image);
                if (faces.Count == 0) return;
                found[i] = true;
                var face = faces.OrderByDescending(f => f.Box.Area).First();
                foreach (var (name, est) in estimators)
                {
                    var e = est.Estimate(image, [face.Landmarks], FaceAttributeKinds.All)[0];
                    predictions[name][i] = new Prediction(e.Expressions, e.Age, e.FemaleProbability);
                }
            });
            Console.WriteLine();
            Console.WriteLine($"## {set}: {labels.Count} photos, a face found in {found.Count(f => f)} ({clock.Elapsed.TotalSeconds:0.0} s)");
            if (peerDir is not null && File.Exists(Path.Combine(peerDir, set + ".jsonl")))
            {
                var peer = ReadPeer(Path.Combine(peerDir, set + ".jsonl"), labels, out int peerFound, out int peerWhole);
                Console.WriteLine($"face-api (SSD MobileNet v1 at 0.5): a face in {peerFound}; {peerWhole} more photos given to its nets whole (face crops)");
                predictions["face-api"] = peer;
            }
            // Compared on the photos every predictor gave an answer for, so no one is scored on photos another skipped.
            var common = Enumerable.Range(0, labels.Count).Where(i => predictions.Values.All(p => p[i] is not null)).ToList();
            Console.WriteLine($"scored on the {common.Count} photos every predictor answered");
            Report(labels, predictions, common);
        }
        return 0;
    }

    private static void Report(List<Label> labels, Dictionary<string, Prediction?[]> predictions, List<int> common)
    {
        var expr = common.Where(i => labels[i].Expression is not null).ToList();
        if (expr.Count > 0)
        {
            var classes = ExpressionClasses.Names.Where(c => expr.Any(i => labels[i].Expression == c)).ToList();
            Console.WriteLine();
            Console.WriteLine($"Expression ({expr.Count} photos: {string.Join(", ", classes.Select(c => $"{c} {expr.Count(i => labels[i].Expression == c)}"))})");
            Console.WriteLine($"| predictor | accuracy | balanced | {string.Join(" | ", classes)} |");
            Console.WriteLine($"|---|---:|---:|{string.Concat(classes.Select(_ => "---:|"))}");
            foreach (var (name, p) in predictions.Where(kv => expr.All(i => kv.Value[i]!.Expression is not null)))
            {
                var recalls = classes.Select(c =>
                {
                    var of = expr.Where(i => labels[i].Expression == c).ToList();
                    return (double)of.Count(i => p[i]!.Expression == c) / of.Count;
                }).ToList();
                double acc = (double)expr.Count(i => p[i]!.Expression == labels[i].Expression) / expr.Count;
                Console.WriteLine($"| {name} | {acc:P1} | {recalls.Average():P1} | {string.Join(" | ", recalls.Select(r => r.ToString("P0")))} |");
            }
        }
        var gender = common.Where(i => labels[i].Gender is not null).ToList();
        if (gender.Count > 0)
        {
            int f = gender.Count(i => labels[i].Gender == "Female"), m = gender.Count - f;
            Console.WriteLine();
            Console.WriteLine($"Gender ({gender.Count} photos: Female {f}, Male {m})");
            Console.WriteLine("| predictor | balanced accuracy | accuracy | Female recall | Male recall |");
            Console.WriteLine("|---|---:|---:|---:|---:|");
            foreach (var (name, p) in predictions)
            {
                if (gender.Any(i => p[i]!.Gender is null)) continue;
                double rf = f == 0 ? double.NaN : (double)gender.Count(i => labels[i].Gender == "Female" && p[i]!.Gender == "Female") / f;
                double rm = m == 0 ? double.NaN : (double)gender.Count(i => labels[i].Gender == "Male" && p[i]!.Gender == "Male") / m;
                double acc = (double)gender.Count(i => labels[i].Gender == p[i]!.Gender) / gender.Count;
                Console.WriteLine($"| {name} | {(rf + rm) / 2:P1} | {acc:P1} | {rf:P1} | {rm:P1} |");
            }
        }
        var age = common.Where(i => labels[i].Age is not null).ToList();
        if (age.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine($"Age ({age.Count} photos, {age.Min(i => labels[i].Age)}-{age.Max(i => labels[i].Age)} years)");
            var bands = new (string Name, double Lo, double Hi)[] { ("0-12", 0, 13), ("13-19", 13, 20), ("20-39", 20, 40), ("40-59", 40, 60), ("60+", 60, 1000) };
            Console.WriteLine($"| predictor | MAE | mean error | {string.Join(" | ", bands.Select(b => $"MAE {b.Name}"))} |");
            Console.WriteLine($"|---|---:|---:|{string.Concat(bands.Select(_ => "---:|"))}");
            foreach (var (name, p) in predictions)
            {
                if (age.Any(i => p[i]!.Age is null)) continue;
                double mae = age.Average(i => Math.Abs(p[i]!.Age!.Value - labels[i].Age!.Value));
                double bias = age.Average(i => p[i]!.Age!.Value - labels[i].Age!.Value);
                var perBand = bands.Select(b =>
                {
                    var of = age.Where(i => labels[i].Age >= b.Lo && labels[i].Age < b.Hi).ToList();
                    return of.Count == 0 ? "-" : $"{of.Average(i => Math.Abs(p[i]!.Age!.Value - labels[i].Age!.Value)):0.0} ({of.Count})";
                });
                Console.WriteLine($"| {name} | {mae:0.00} | {bias:+0.00;-0.00} | {string.Join(" | ", perBand)} |");
            }
        }
    }

    private static List<Label> ReadLabels(string file)
    {
        var lines = File.ReadAllLines(file);
        var header = lines[0].Split(',');
        int Col(string n) => Array.FindIndex(header, h => h.Trim().Equals(n, StringComparison.OrdinalIgnoreCase));
        int cp = Col("path"), ce = Col("expression"), ca = Col("age"), cg = Col("gender");
        static string? Cell(string[] row, int c) => c >= 0 && c < row.Length && row[c].Trim() is { Length: > 0 } v ? v : null;
        return lines.Skip(1).Where(l => l.Trim().Length > 0).Select(l => l.Split(',')).Select(r => new Label(
            r[cp],
            Cell(r, ce) is { } e ? ExpressionClasses.Names[ExpressionClasses.IndexOf(e)] : null,
            Cell(r, ca) is { } a ? double.Parse(a, System.Globalization.CultureInfo.InvariantCulture) : null,
            Cell(r, cg) is { } g ? GenderClasses.Names[GenderClasses.IndexOf(g)] : null)).ToList();
    }

    private static Prediction?[] ReadPeer(string file, List<Label> labels, out int found, out int whole)
    {
        var byPath = new Dictionary<string, Prediction>();
        found = 0; whole = 0;
        foreach (var line in File.ReadLines(file))
        {
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            if (!r.TryGetProperty("expressions", out var ex)) continue;
            if (r.TryGetProperty("whole", out var w) && w.GetBoolean()) whole++; else found++;
            var probs = ExpressionClasses.Names.Select(n => (float)ex.GetProperty(n.ToLowerInvariant()).GetDouble()).ToArray();
            double pg = r.GetProperty("genderProbability").GetDouble();
            double female = r.GetProperty("gender").GetString() == "female" ? pg : 1 - pg;
            byPath[r.GetProperty("path").GetString()!] = new Prediction(probs, r.GetProperty("age").GetDouble(), female);
        }
        return labels.Select(l => byPath.GetValueOrDefault(l.Path)).ToArray();
    }

    private static string Machine()
    {
        try
        {
            var model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name"))?.Split(':', 2)[1].Trim();
            return model ?? "unknown CPU";
        }
        catch (IOException) { return "unknown CPU"; }
    }
}
