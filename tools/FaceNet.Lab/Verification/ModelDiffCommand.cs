using FaceNet.Engine.Embedding;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Models;
using FaceNet.Engine.Pipeline;

namespace FaceNet.Lab;

/// <summary>
/// model-diff: how far a changed models folder moves what users get, on real photos. Both folders' pipelines run
/// on the same photos; for every model whose file differs it reports the largest change of the raw model output
/// on identical inputs, and for every embedder the largest change of the final unit vectors, both with the
/// baseline's landmarks (the model alone) and end to end (each folder's own detector and landmarks).
/// For models with a dynamic batch it also checks that a batch of faces gives what single faces give.
/// </summary>
public static class ModelDiffCommand
{
    public static int Run(CommandLine cl, TextWriter o)
    {
        var baselineDir = cl.Get("baseline") ?? throw new ArgumentException("--baseline DIR (a models folder with models.json) is required.");
        var dataset = cl.Get("dataset", Path.Combine(CommandLine.SharedRoot(), "data", "lfw-view1"));
        int limit = cl.Int("limit", 300);
        var extra = cl.Get("photos");
        // --baseline-denormals keep: the baseline's passes run without flushing denormals (as the module did before it flushed).
        bool baselineKeepsDenormals = string.Equals(cl.Get("baseline-denormals", "flush"), "keep", StringComparison.OrdinalIgnoreCase);
        var manifest = cl.LoadManifest();
        cl.RejectUnknown();
        var baseline = ModelManifest.Load(Path.Combine(baselineDir, ModelLocator.ManifestFileName));

        var photos = Directory.EnumerateFiles(dataset, "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(limit).ToList();
        if (extra is { Length: > 0 })
            foreach (var dir in extra.Split(',', StringSplitOptions.RemoveEmptyEntries))
                photos.AddRange(Directory.EnumerateFiles(dir, "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
        var changed = manifest.Models.Where(m => m.File is not null && baseline.TryGet(m.Name, out var b) && b.Sha256 != m.Sha256).Select(m => m.Name).ToList();
        o.WriteLine($"photos: {photos.Count} ({limit} from {dataset}{(extra is { Length: > 0 } ? ", all of " + extra : "")})");
        o.WriteLine($"baseline: {Path.GetFullPath(baselineDir)}; changed files: {(changed.Count == 0 ? "none" : string.Join(", ", changed))}");

        var oldAnalyzer = new FaceAnalyzer(baseline);
        var newAnalyzer = new FaceAnalyzer(manifest);
        var embedders = manifest.Models.Where(m => m.IsEmbedder && baseline.TryGet(m.Name, out _)).Select(m => m.Name).ToList();
        var stats = new Dictionary<string, double>(StringComparer.Ordinal);
        void Max(string key, double value) => stats[key] = Math.Max(stats.GetValueOrDefault(key), value);
        var scale = new Dictionary<string, double>(StringComparer.Ordinal); // largest |raw output|, for scale
        int faces = 0, faceCountMismatch = 0;

        foreach (var path in photos)
        {
            using var oldImage = oldAnalyzer.Load(path);
            using var newImage = newAnalyzer.Load(path);
            var oldFaces = Baseline(() => oldAnalyzer.Detect(oldImage));
            var newFaces = newAnalyzer.Detect(newImage);
            if (oldFaces.Count != newFaces.Count) { faceCountMismatch++; continue; }
            faces += oldFaces.Count;
            for (int i = 0; i < oldFaces.Count; i++)
            {
                var a = oldFaces[i].Landmarks.Points68;
                var b = newFaces[i].Landmarks.Points68;
                float side = oldFaces[i].Box.Height;
                for (int p = 0; p < a.Count; p++)
                {
                    double d = Math.Max(Math.Abs(a[p].X - b[p].X), Math.Abs(a[p].Y - b[p].Y));
                    Max("Landmark68 points, px", d);
                    Max("Landmark68 raw output (fraction of the crop)", d / side);
                }
            }
            if (oldFaces.Count == 0) continue;
            var oldLandmarks = oldFaces.Select(f => f.Landmarks).ToList();
            foreach (var name in embedders)
            {
                var before = Baseline(() => EmbedderFactory.Create(baseline, name).Embed(oldImage, oldLandmarks));
                var modelOnly = EmbedderFactory.Create(manifest, name).Embed(newImage, oldLandmarks);
                var endToEnd = newAnalyzer.Embed(newImage, newFaces, name);
                for (int i = 0; i < before.Length; i++)
                {
                    Max($"{name} unit vector, same landmarks", MaxAbs(before[i], modelOnly[i]));
                    Max($"{name} unit vector, end to end", MaxAbs(before[i], endToEnd[i]));
                }
                var d = manifest.Get(name);
                if (d.Kind == "Embedder" && d.DynamicBatch && oldLandmarks.Count > 0)
                {
                    // One face per call against the whole photo's batch (faces and mirror views together).
                    var single = new OnnxFaceEmbedder(manifest, d);
                    for (int i = 0; i < oldLandmarks.Count; i++)
                        Max($"{name} batch of the photo's faces vs one face per call", MaxAbs(single.Embed(newImage, [oldLandmarks[i]])[0], modelOnly[i]));
                }
            }
            foreach (var name in changed.Where(n => manifest.Get(n).Kind == "Embedder"))
            {
                var oldRaw = new RawEmbedder(baseline, baseline.Get(name));
                var newRaw = new RawEmbedder(manifest, manifest.Get(name));
                foreach (var lm in oldLandmarks)
                {
                    var (p0, m0) = Baseline(() => oldRaw.Run(oldImage, lm));
                    var (p1, m1) = newRaw.Run(newImage, lm);
                    Max($"{name} raw output", Math.Max(MaxAbs(p0, p1), MaxAbs(m0, m1)));
                    scale[name] = Math.Max(scale.GetValueOrDefault(name), Math.Max(p0.Max(MathF.Abs), m0.Max(MathF.Abs)));
                }
            }
        }

        o.WriteLine($"baseline passes: denormals {(baselineKeepsDenormals ? "kept (no flush)" : "flushed, as the module runs them now")}");
        o.WriteLine($"faces compared: {faces}; photos where the two folders found a different number of faces: {faceCountMismatch}");
        foreach (var (key, value) in stats.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            o.WriteLine($"  max |difference| {key,-62} {value:0.###E+0}");
        foreach (var (name, value) in scale)
            o.WriteLine($"  (for scale: the largest |raw output| of {name} was {value:0.###})");
        return faceCountMismatch == 0 ? 0 : 1;

        T Baseline<T>(Func<T> run)
        {
            DenormalFlush.Enabled = !baselineKeepsDenormals;
            try { return run(); }
            finally { DenormalFlush.Enabled = true; }
        }
    }

    private static double MaxAbs(float[] a, float[] b)
    {
        double m = 0;
        for (int i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs(a[i] - b[i]));
        return m;
    }
}
