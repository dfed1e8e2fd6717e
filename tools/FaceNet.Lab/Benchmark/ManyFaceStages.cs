using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FaceNet.Engine.Detection;
using FaceNet.Engine.Embedding;
using FaceNet.Engine.Models;
using FaceNet.Engine.Pipeline;

namespace FaceNet.Lab;

/// <summary>
/// benchmark manyface --list FILE [--model NAME] [--json OUT]: where the time goes on photos with many faces (issue 26),
/// one photo at a time on one thread, as the module's pipeline runs it: the decode, each YuNet pyramid level's
/// resize and each tile's input copy, pass and output decoding, the second look at small faces, the 68 points,
/// and each embedder's whole Embed call for the photo's faces (alignment, mirror view and passes).
/// </summary>
internal static class ManyFaceStages
{
    public static int Run(Dictionary<string, string> opts)
    {
        OnnxSessionCache.IntraOpThreads = 1;
        var files = File.ReadAllLines(opts["list"]).Where(l => l.Length > 0).ToArray();
        var manifest = ModelLocator.Default;
        var model = manifest.Get(opts.GetValueOrDefault("model", manifest.DefaultEmbedder)).Name;
        var analyzer = new FaceAnalyzer(manifest);
        var yunet = DetectorFactory.ReaderFor(analyzer.Detector) as YuNetDetector
            ?? throw new InvalidOperationException("The default detector is not YuNet; this table times YuNet's levels.");
        var members = Stages.Members(manifest, model).Select(m => (m.Model, Embedder: (IFaceEmbedder)new OnnxFaceEmbedder(manifest, manifest.Get(m.Model), m.Mirror))).ToList();

        // Warm-up: sessions created and code compiled before timing.
        using (var warm = analyzer.Load(files[0]))
        {
            var f = analyzer.Detect(warm);
            foreach (var (_, e) in members) e.Embed(warm, f.Select(x => x.Landmarks).ToList());
        }

        var rows = new List<Dictionary<string, double>>();
        int faces = 0;
        foreach (var path in files)
        {
            var row = new Dictionary<string, double>(StringComparer.Ordinal);
            void Add(string k, double ms) => row[k] = row.GetValueOrDefault(k) + ms;
            long t0 = Stopwatch.GetTimestamp();
            using var image = analyzer.Load(path);
            Add("decode", Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            var timings = new YuNetTimings();
            t0 = Stopwatch.GetTimestamp();
            var boxes = yunet.Detect(image, DetectionOptions.Default, timings);
            Add("detect (whole)", Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            foreach (var (level, w, h, ms) in timings.Levels) Add($"detect L{level} {w}x{h} resize", ms);
            foreach (var tile in timings.Tiles)
            {
                string key = $"detect L{tile.Level} tiles {tile.Width}x{tile.Height}";
                Add(key + " copy", tile.PrepMs);
                Add(key + " run", tile.RunMs);
                Add(key + " decode", tile.DecodeMs);
                row[key + " count"] = row.GetValueOrDefault(key + " count") + 1;
            }
            Add("detect recheck", timings.RecheckMs);
            row["recheck crops"] = timings.Rechecks;
            t0 = Stopwatch.GetTimestamp();
            var landmarks = boxes.Select(b => analyzer.Landmarker.Detect(image, b.Box)).ToList();
            Add("landmarks (68 points)", Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            foreach (var (name, e) in members)
            {
                t0 = Stopwatch.GetTimestamp();
                e.Embed(image, landmarks);
                Add($"embed {name}", Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
            row["faces"] = boxes.Count;
            faces += boxes.Count;
            rows.Add(row);
        }

        var cpu = MachineInfo.Describe();
        Console.WriteLine($"Many-face photos: {files.Length} photos, {faces} faces ({(double)faces / files.Length:0.0} a photo), model {model}, one thread, IntraOpThreads=1; CPU {cpu}");
        Console.WriteLine($"{"stage",-48} {"ms a photo (mean)",18} {"share",7} {"median",8}");
        var keys = rows.SelectMany(r => r.Keys).Distinct().Where(k => !k.EndsWith(" count") && k is not "faces" and not "recheck crops" and not "detect (whole)").ToList();
        double total = rows.Average(r => r.GetValueOrDefault("decode") + r.GetValueOrDefault("detect (whole)") + r.GetValueOrDefault("landmarks (68 points)")
            + members.Sum(m => r.GetValueOrDefault($"embed {m.Model}")));
        foreach (var k in keys)
        {
            var v = rows.Select(r => r.GetValueOrDefault(k)).ToList();
            // A tile row ("... copy|run|decode") shows how many tiles a photo had.
            string count = k.Contains(" tiles ") ? $" (x{rows.Average(r => r.GetValueOrDefault(k[..k.LastIndexOf(' ')] + " count")):0.#})" : "";
            Console.WriteLine($"{k + count,-48} {v.Average(),18:0.0} {100 * v.Average() / total,6:0.0}% {Stages.Median(v),8:0.0}");
        }
        double detectWhole = rows.Average(r => r["detect (whole)"]);
        Console.WriteLine($"{"detect, whole call",-48} {detectWhole,18:0.0} {100 * detectWhole / total,6:0.0}%");
        Console.WriteLine($"{"recheck crops a photo",-48} {rows.Average(r => r["recheck crops"]),18:0.0}");
        Console.WriteLine($"{"total a photo (one thread)",-48} {total,18:0.0}   => {1000 / total:0.00} photos/s on one thread");
        // The same photos through the engine's whole per-photo call on 1 and 2 threads (no PowerShell): what the two cores
        // give together, against the sum of the stages above.
        foreach (int workers in (opts.GetValueOrDefault("workers", "1,2")).Split(",").Select(int.Parse))
        {
            int next = -1, rounds = int.Parse(opts.GetValueOrDefault("rounds", "2"), CultureInfo.InvariantCulture), photos = files.Length * rounds;
            var sw = Stopwatch.StartNew();
            var threads = Enumerable.Range(0, workers).Select(_ => new Thread(() =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < photos)
                    ImageResult.Process(analyzer, files[i % files.Length], DetectionOptions.Default, model);
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            Console.WriteLine($"engine, {workers} photo worker(s): {photos / sw.Elapsed.TotalSeconds:0.00} photos/s ({photos} photos)");
        }
        if (opts.TryGetValue("json", out var json))
            File.WriteAllText(json, JsonSerializer.Serialize(new { cpu, model, photos = files.Length, faces, total_ms = total, rows }, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }
}
