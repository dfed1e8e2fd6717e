using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FaceNet.Engine.Alignment;
using FaceNet.Engine.Detection;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Models;
using FaceNet.Engine.Pipeline;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SkiaSharp;

namespace FaceNet.Lab;

/// <summary>
/// Engine-level measurements for build.ps1 -Task Benchmark (Invoke-Benchmark.ps1 runs the end-to-end part):
///   stages  --list FILE --workload NAME --json OUT [--models A,B] [--arrangements 1x1,1x2,2x1] [--repeat N] [--replay-yunet true]
///           Single-threaded per-stage timings (decode, detect, landmarks, align, embed pass), then the same
///           ONNX passes on pre-made input tensors in several worker x intra-op-thread arrangements.
///           [--paired-script FILE --pwsh PWSH.DLL [--paired-model NAME] [--paired-rounds 3]]: then rounds of the
///           best models-only arrangement and the end-to-end script in a new pwsh, back to back (pipeline efficiency:
///           like for like, the script's second run of the same photos; its first run, with the JIT, beside it).
///   manyface --list FILE [--model NAME] [--json OUT]: where the time goes on photos with many faces (ManyFaceStages.cs)
///   passes  --list FILE [--faces 20] [--camera 12MP.jpg] [--reps 30] [--json OUT]
///           The machine (CPU model, SIMD features, ONNX Runtime version) and each model's per-pass time: real inputs
///           (cut from the first faces of the list, a band of the 12 MP photo) and random ones, denormals flushed or kept,
///           at the manifest's graph optimisation level and at the other of All/Extended.
///   upscale --out DIR [--width 4000] [--height 3000] [--quality 90] FILE...
///           Camera-sized JPEG copies (scaled to cover, centre-cropped, so faces keep their shape).
/// </summary>
public static class BenchmarkCommand
{
    public static int Run(string[] args)
    {
        if (args.Length == 0) { Console.Error.WriteLine("usage: benchmark stages|passes|upscale ... (see BenchmarkCommand.cs)"); return 2; }
        var cl = new CommandLine(args.Skip(1), allowPositional: true);
        var opts = cl.AsDictionary();
        var rest = cl.Positional.ToList();
        try
        {
            return args[0] switch
            {
                "stages" => Stages.Run(opts),
                "passes" => Passes.Run(opts),
                "manyface" => ManyFaceStages.Run(opts),
                "batches" => BatchSizes.Run(opts),
                "jpeg" => JpegDecoders.Run(opts),
                "upscale" => Upscale(opts, rest),
                _ => throw new ArgumentException($"Unknown command '{args[0]}'."),
            };
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"error: {ex}");
            return 1;
        }
    }

    private static int Upscale(Dictionary<string, string> opts, List<string> files)
    {
        var outDir = opts["out"];
        int width = int.Parse(opts.GetValueOrDefault("width", "4000"), CultureInfo.InvariantCulture);
        int height = int.Parse(opts.GetValueOrDefault("height", "3000"), CultureInfo.InvariantCulture);
        int quality = int.Parse(opts.GetValueOrDefault("quality", "90"), CultureInfo.InvariantCulture);
        Directory.CreateDirectory(outDir);
        foreach (var file in files)
        {
            var dest = Path.Combine(outDir, Path.GetFileNameWithoutExtension(file) + $"-{width}x{height}.jpg");
            if (File.Exists(dest)) { Console.WriteLine($"{dest} (exists)"); continue; }
            using var src = SKBitmap.Decode(file) ?? throw new InvalidDataException($"Cannot decode '{file}'.");
            // Scale to cover width x height, then crop the centre: no stretching, so the faces stay natural.
            float scale = Math.Max((float)width / src.Width, (float)height / src.Height);
            float sw = width / scale, sh = height / scale;
            var srcRect = SKRect.Create((src.Width - sw) / 2, (src.Height - sh) / 2, sw, sh);
            using var dst = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
            using (var canvas = new SKCanvas(dst))
            using (var image = SKImage.FromBitmap(src))
                canvas.DrawImage(image, srcRect, SKRect.Create(0, 0, width, height), new SKSamplingOptions(SKCubicResampler.Mitchell), null);
            using var data = dst.Encode(SKEncodedImageFormat.Jpeg, quality);
            using (var fs = File.Create(dest)) data.SaveTo(fs);
            Console.WriteLine($"{dest} ({new FileInfo(dest).Length / 1024} KiB)");
        }
        return 0;
    }
}

/// <summary>One image's pre-made model inputs, captured while timing the stages.</summary>
internal sealed class ImageTensors
{
    public DenseTensor<float> Detector = null!;
    /// <summary>YuNet's own inputs for this photo (each tile of each level, then the recheck batch) when the pipeline ran YuNet.</summary>
    public List<DenseTensor<float>> YuNetPasses = [];
    public List<DenseTensor<float>> Landmarks = [];
    /// <summary>Per embedder model name: one tensor per face and view (plain, then mirrored).</summary>
    public Dictionary<string, List<(DenseTensor<float> Plain, DenseTensor<float> Mirrored)>> Embedder = new(StringComparer.OrdinalIgnoreCase);
}

internal static class Stages
{
    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    public static int Run(Dictionary<string, string> opts)
    {
        OnnxSessionCache.IntraOpThreads = 1;
        var files = File.ReadAllLines(opts["list"]).Where(l => l.Length > 0).ToArray();
        var workload = opts.GetValueOrDefault("workload", "images");
        var manifest = ModelLocator.Default;
        var variants = opts.GetValueOrDefault("models", manifest.DefaultEmbedder + ",MobileFaceNet")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(n => manifest.Get(n).Name).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        var arrangements = opts.GetValueOrDefault("arrangements", "1x1,1x2,2x1")
            .Split(',', StringSplitOptions.RemoveEmptyEntries).Select(a => a.Split('x').Select(int.Parse).ToArray()).ToArray();
        int repeat = int.Parse(opts.GetValueOrDefault("repeat", "1"), CultureInfo.InvariantCulture);
        // Keep YuNet's inputs for the models-only replay: about 0.8 MB a 250x250 photo; a 12 MP photo's tiles would be 160 MB each.
        bool replayYuNet = opts.ContainsKey("replay-yunet");

        // Every single ONNX embedder any variant needs, each with both views captured.
        var embedders = variants.SelectMany(v => Members(manifest, v).Select(m => m.Model)).Distinct(StringComparer.OrdinalIgnoreCase)
            .Select(manifest.Get).ToArray();

        var analyzer = new FaceAnalyzer(manifest);
        var detDesc = manifest.Get(DetectorFactory.UltraFace);   // the stage breakdown replays UltraFace's input; 'detect' times the default
        var lmDesc = manifest.Get(manifest.DefaultLandmarks);
        var detIn = detDesc.Input!;
        var lmIn = lmDesc.Input!;

        // Warm up: sessions created and JIT done before any timing.
        using (var warm = ImageLoader.Load(files[0]))
        {
            var f = analyzer.Detect(warm);
            foreach (var e in embedders) if (f.Count > 0) analyzer.Embed(warm, f, e.Name);
        }

        var t = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        void Add(string k, double v) { if (!t.TryGetValue(k, out var l)) t[k] = l = []; l.Add(v); }
        var captured = new List<ImageTensors>();
        int faces = 0, noFace = 0;
        var detectorsUsed = new Dictionary<string, int>(StringComparer.Ordinal);
        var detectionDecodes = new Dictionary<string, int>(StringComparer.Ordinal);
        var perImageTotal = new List<double>();
        long pixels = 0;
        Console.WriteLine($"[{workload}] stages: {files.Length} images, single thread, IntraOpThreads=1, embedders {string.Join(", ", embedders.Select(e => e.Name))}");
        foreach (var path in files)
        {
            var cap = new ImageTensors();
            long t0 = Stopwatch.GetTimestamp();
            using var image = ImageLoader.Load(path);
            long t1 = Stopwatch.GetTimestamp();
            pixels += (long)image.Width * image.Height;
            Add("decode", Ms(t1 - t0));
            // As the module decodes for detection: only the resolution the default detector reads (JPEG DCT scaling).
            t0 = Stopwatch.GetTimestamp();
            using var detImage = analyzer.Load(path);
            t1 = Stopwatch.GetTimestamp();
            Add("decode.detection", Ms(t1 - t0));
            var decodedLevel = detImage.DecodedLevels[0];
            detectionDecodes[$"{decodedLevel.Bitmap.Width}x{decodedLevel.Bitmap.Height}"] = detectionDecodes.GetValueOrDefault($"{decodedLevel.Bitmap.Width}x{decodedLevel.Bitmap.Height}") + 1;

            // UltraFace's input preparation (the sampler's resize to 320x240, normalised, in one pass), then the whole Detect call.
            // The tensors kept for the models-only replay are new memory: cleared before the clock starts, so the stage
            // times the sampling and not the first touch of fresh pages (the module samples into pooled tensors).
            cap.Detector = new DenseTensor<float>(new[] { 1, detIn.Channels, detIn.Height, detIn.Width });
            cap.Detector.Buffer.Span.Clear();
            t0 = Stopwatch.GetTimestamp();
            PixelSampler.SampleToTensor(image.Bitmap, SKMatrix.CreateScale((float)detIn.Width / image.Width, (float)detIn.Height / image.Height), detIn, cap.Detector.Buffer.Span);
            t1 = Stopwatch.GetTimestamp();
            Add("detect.prep", Ms(t1 - t0));
            var detSession = OnnxSessionCache.Get(manifest, detDesc);
            t0 = Stopwatch.GetTimestamp();
            using (detSession.Run(new[] { NamedOnnxValue.CreateFromTensor(detIn.Name, cap.Detector) })) { }
            t1 = Stopwatch.GetTimestamp();
            Add("detect.run", Ms(t1 - t0));
            t0 = Stopwatch.GetTimestamp();
            var boxes = analyzer.Detector.Detect(detImage, DetectionOptions.Default);
            t1 = Stopwatch.GetTimestamp();
            Add("detect", Ms(t1 - t0));
            // The default detector picks UltraFace or YuNet by image size; record which ran.
            var used = DetectorFactory.ReaderFor(analyzer.Detector).Name;
            detectorsUsed[used] = detectorsUsed.GetValueOrDefault(used) + 1;
            // The models-only side replays the passes the pipeline ran: YuNet's own tiles and recheck crops, captured
            // here by running its Detect once more (untimed). PaddedRetryDetector's padded second try on a photo where
            // YuNet found nothing is not captured; the table prints how many photos had no face.
            if (replayYuNet && DetectorFactory.ReaderFor(analyzer.Detector) is YuNetDetector yunetReader)
            {
                var capture = new YuNetTimings { CaptureInputs = true };
                yunetReader.Detect(detImage, DetectionOptions.Default, capture);
                cap.YuNetPasses = capture.Inputs;
            }
            Add($"detect[{used}]", Ms(t1 - t0));
            double imageTotal = t.GetValueOrDefault("decode.detection")![^1] + Ms(t1 - t0);

            if (boxes.Count == 0) noFace++;
            faces += boxes.Count;
            var lmSession = OnnxSessionCache.Get(manifest, lmDesc);
            SKImage? shared = null;
            foreach (var box in boxes)
            {
                t0 = Stopwatch.GetTimestamp();
                var lm = analyzer.Landmarker.Detect(image, box.Box);
                t1 = Stopwatch.GetTimestamp();
                Add("landmarks", Ms(t1 - t0));
                imageTotal += Ms(t1 - t0);
                // As FaceAnalyzer.Detect: the detector's own five points (YuNet, MTCNN) replace the landmark model's for 5-point alignment.
                if (box.FivePoints is [var le, var re, var nose, var ml, var mr])
                    lm = new FaceNet.Engine.Landmarks.FaceLandmarks(le, re, nose, ml, mr, lm.Points68);
                // Diagnostic: the same landmark crop without mipmaps (Warp builds a full-image mipmap chain per call).
                {
                    float dside = box.Box.Height; var dc = box.Box.Center; float dscale = lmIn.Width / dside;
                    var dm = SKMatrix.CreateScale(dscale, dscale).PreConcat(SKMatrix.CreateTranslation(-(dc.X - dside / 2), -(dc.Y - dside / 2)));
                    t0 = Stopwatch.GetTimestamp();
                    using (var plain = WarpNoMipmap(image.Bitmap, dm, lmIn.Width, lmIn.Height)) { }
                    t1 = Stopwatch.GetTimestamp();
                    Add("diag.crop-no-mipmap", Ms(t1 - t0));
                    t0 = Stopwatch.GetTimestamp();
                    using (var mip = PixelSampler.Warp(image.Bitmap, dm, lmIn.Width, lmIn.Height)) { }
                    t1 = Stopwatch.GetTimestamp();
                    Add("diag.crop-engine-warp", Ms(t1 - t0));
                    // The same warp drawn from one SKImage made once per photo (SKImage.FromBitmap copies a mutable bitmap).
                    shared ??= SKImage.FromBitmap(image.Bitmap);
                    t0 = Stopwatch.GetTimestamp();
                    using (var sb = new SKBitmap(new SKImageInfo(lmIn.Width, lmIn.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul)))
                    using (var sc = new SKCanvas(sb))
                    {
                        sc.Clear(SKColors.Black);
                        sc.SetMatrix(dm);
                        sc.DrawImage(shared, 0, 0, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.None), null);
                    }
                    t1 = Stopwatch.GetTimestamp();
                    Add("diag.crop-shared-image-no-mipmap", Ms(t1 - t0));
                }
                // Landmark input tensor (square crop), made as Landmark68Detector makes it.
                float side = box.Box.Height;
                var c = box.Box.Center;
                float scale = lmIn.Width / side;
                var m = SKMatrix.CreateScale(scale, scale).PreConcat(SKMatrix.CreateTranslation(-(c.X - side / 2), -(c.Y - side / 2)));
                var lt = new DenseTensor<float>(new[] { 1, 1, lmIn.Height, lmIn.Width });
                PixelSampler.SampleToTensor(image.Bitmap, m, lmIn, lt.Buffer.Span);
                cap.Landmarks.Add(lt);

                foreach (var e in embedders)
                {
                    var inp = e.Input!;
                    var session = OnnxSessionCache.Get(manifest, e);
                    // The engine's step: the aligned face and its mirror image sampled straight into the two input tensors.
                    var views = new DenseTensor<float>[2];
                    for (int v = 0; v < 2; v++) { views[v] = new DenseTensor<float>(new[] { 1, inp.Channels, inp.Height, inp.Width }); views[v].Buffer.Span.Clear(); }
                    t0 = Stopwatch.GetTimestamp();
                    PixelSampler.SampleToTensor(image.Bitmap, FaceAligner.TransformFor(lm, e.Alignment!, inp.Width, inp.Height), inp, views[0].Buffer.Span, views[1].Buffer.Span);
                    t1 = Stopwatch.GetTimestamp();
                    Add($"align.{e.Name}", Ms(t1 - t0));
                    imageTotal += Ms(t1 - t0);
                    for (int v = 0; v < 2; v++)
                    {
                        t0 = Stopwatch.GetTimestamp();
                        using (session.Run(new[] { NamedOnnxValue.CreateFromTensor(inp.Name, views[v]) })) { }
                        t1 = Stopwatch.GetTimestamp();
                        Add($"embed.{e.Name}", Ms(t1 - t0));
                    }
                    if (!cap.Embedder.TryGetValue(e.Name, out var list)) cap.Embedder[e.Name] = list = [];
                    list.Add((views[0], views[1]));
                }
            }
            shared?.Dispose();
            perImageTotal.Add(imageTotal);
            captured.Add(cap);
        }

        var stageRows = t.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new { stage = kv.Key, calls = kv.Value.Count, median_ms = Median(kv.Value), p90_ms = Quantile(kv.Value, 0.9), mean_ms = kv.Value.Average() })
            .ToList();
        Console.WriteLine($"[{workload}] {files.Length} images ({pixels / (double)files.Length / 1e6:0.##} MP each on average), {faces} faces, {noFace} with no face; detector used: {string.Join(", ", detectorsUsed.Select(kv => $"{kv.Key} x{kv.Value}"))}");
        foreach (var r in stageRows)
            Console.WriteLine($"  {r.stage,-22} median {r.median_ms,8:0.00} ms  p90 {r.p90_ms,8:0.00} ms  ({r.calls} calls)");
        var decodeForDetection = t["decode.detection"];
        Console.WriteLine($"  decode for detection (as the module does it: the resolution the default detector reads) median {Median(decodeForDetection):0.00} ms, max {decodeForDetection.Max():0.00} ms; " +
                          $"decoded at {string.Join(", ", detectionDecodes.Select(kv => $"{kv.Key} x{kv.Value}"))}; full decode median {Median(t["decode"]):0.00} ms");

        // Single-threaded engine cost per image for each variant: decode + detect + landmarks + its align/fill/embed passes.
        var engineSingle = new Dictionary<string, double>();
        foreach (var variant in variants)
        {
            double total = t["decode"].Sum() + t["detect"].Sum() + t.GetValueOrDefault("landmarks", []).Sum();
            foreach (var (model, mirror) in Members(manifest, variant))
            {
                // align = sampling both views at once (about the cost of one); embed captured for both views, and a model
                // run without mirroring does half those passes.
                total += t.GetValueOrDefault($"align.{model}", []).Sum();
                double embSum = t.GetValueOrDefault($"embed.{model}", []).Sum();
                total += mirror ? embSum : embSum / 2;
            }
            engineSingle[variant] = files.Length / (total / 1000);
            Console.WriteLine($"  engine, one thread, sum of stages: {variant,-14} {engineSingle[variant],7:0.0} images/s");
        }

        // Models only: the same sessions' passes on pre-made tensors, in each arrangement.
        var modelsOnly = new List<object>();
        var best = new Dictionary<string, (double ImagesPerSec, int Workers, int Threads)>(StringComparer.OrdinalIgnoreCase);
        foreach (var variant in variants)
        {
            foreach (var arr in arrangements)
            {
                int workers = arr[0], threads = arr[1];
                double ips = ModelsOnly(variant, workers, threads, out int passes);
                if (detectorsUsed.Keys.Any(k => k is not "UltraFace" and not "YuNet") && arr == arrangements[0] && variant == variants[0])
                    Console.WriteLine($"  note: the pipeline ran {string.Join("/", detectorsUsed.Keys)} here; models-only replays UltraFace's and YuNet's passes only");
                Console.WriteLine($"  models only {variant,-14} {workers} worker(s) x {threads} intra-op thread(s): {ips,7:0.0} images/s ({passes / (double)captured.Count:0.0} passes per image)");
                modelsOnly.Add(new { model = variant, workers, threads, images_per_sec = ips, passes_per_image = passes / (double)captured.Count });
                if (!best.TryGetValue(variant, out var b) || ips > b.ImagesPerSec) best[variant] = (ips, workers, threads);
            }
        }

        // Efficiency in back-to-back pairs: the machine's speed drifts over minutes (a shared VM), so a
        // models-only figure from one moment and an end-to-end figure from another can be 15% apart either way.
        // Each round runs both, order alternating, and the ratio is taken within the round.
        object? paired = null;
        if (opts.TryGetValue("paired-script", out var pairedScript))
        {
            var variant = manifest.Get(opts.GetValueOrDefault("paired-model", variants[0])).Name;
            var (_, workers, threads) = best[variant];
            int rounds = int.Parse(opts.GetValueOrDefault("paired-rounds", "3"), CultureInfo.InvariantCulture);
            Console.WriteLine($"  paired rounds, {variant}: models only ({workers}x{threads}) and end to end (a new pwsh: {pairedScript}) back to back");
            var rows = new List<(double ModelsOnly, double EndToEnd, double Warm, double Jit)>();
            for (int r = 0; r < rounds; r++)
            {
                double mo = 0;
                (double Images, double Warm, double Jit) e2e;
                if (r % 2 == 0) { mo = ModelsOnly(variant, workers, threads, out _); e2e = EndToEnd(opts["pwsh"], pairedScript); }
                else { e2e = EndToEnd(opts["pwsh"], pairedScript); mo = ModelsOnly(variant, workers, threads, out _); }
                rows.Add((mo, e2e.Images, e2e.Warm, e2e.Jit));
                Console.WriteLine($"    round {r + 1}: models only {mo,6:0.0} images/s, end to end {e2e.Images,6:0.0} images/s ({100 * e2e.Images / mo:0.0}%; JIT {e2e.Jit:0.00} s), same photos again in that process {e2e.Warm,6:0.0} images/s ({100 * e2e.Warm / mo:0.0}%)");
            }
            var ratios = rows.Select(x => x.EndToEnd / x.ModelsOnly).ToList();
            var warmRatios = rows.Select(x => x.Warm / x.ModelsOnly).ToList();
            // Like for like: models-only replays the passes in a process that has run them all before, so the end-to-end
            // side is the pwsh's second run of the same photos. A new pwsh's first run also pays .NET's tiered JIT
            // (about 1 s of CPU on two cores, in the pipeline's threads' way), a one-time cost shown beside it.
            Console.WriteLine($"    median, like for like (both warm): {100 * Median(warmRatios):0.0}%; a new pwsh's first run: {100 * Median(ratios):0.0}% (JIT {Median(rows.Select(x => x.Jit).ToList()):0.00} s)");
            paired = new
            {
                model = variant, workers, threads,
                rounds = rows.Select(x => new { models_only = x.ModelsOnly, end_to_end = x.EndToEnd, ratio = x.EndToEnd / x.ModelsOnly, warm = x.Warm, warm_ratio = x.Warm / x.ModelsOnly, jit_seconds = x.Jit }).ToArray(),
                median_ratio = Median(ratios),
                median_warm_ratio = Median(warmRatios),
            };
        }

        double ModelsOnly(string variant, int workers, int threads, out int passes)
        {
            // The module's sessions and passes: manifest options, denormals flushed, and a dynamic-batch embedder's
            // faces and mirror views of a photo in one batch (as OnnxFaceEmbedder runs them).
            var members = Members(manifest, variant);
            var sessions = new Dictionary<string, InferenceSession>(StringComparer.OrdinalIgnoreCase);
            InferenceSession Open(ModelDescriptor d)
            {
                if (sessions.TryGetValue(d.Name, out var s)) return s;
                using var options = OnnxSessionCache.OptionsFor(d, threads);
                using (DenormalFlush.Preserve()) return sessions[d.Name] = new InferenceSession(manifest.PathOf(d), options);
            }
            var det = Open(detDesc);
            var yunetDesc = manifest.Get(YuNetDetector.DetectorName);
            var yunet = captured.Any(c => c.YuNetPasses.Count > 0) ? Open(yunetDesc) : null;
            var lmk = Open(lmDesc);
            var emb = members.Select(m => (Session: Open(manifest.Get(m.Model)), Desc: manifest.Get(m.Model), m.Mirror)).ToArray();
            // Per image and dynamic-batch member: the face views in batches as OnnxFaceEmbedder makes them
            // (at most MaxBatchViews views, a face's views never split).
            var batches = captured.Select(cap => emb.Select(e =>
            {
                if (!e.Desc.DynamicBatch || cap.Landmarks.Count == 0) return null;
                int perFace = e.Mirror ? 2 : 1, facesPerBatch = Math.Max(1, FaceNet.Engine.Embedding.OnnxFaceEmbedder.MaxBatchViews / perFace);
                var inp = e.Desc.Input!;
                int size = inp.Channels * inp.Height * inp.Width;
                return cap.Embedder[e.Desc.Name].Chunk(facesPerBatch).Select(chunk =>
                {
                    var views = chunk.SelectMany(v => e.Mirror ? new[] { v.Plain, v.Mirrored } : [v.Plain]).ToList();
                    var t = new DenseTensor<float>([views.Count, inp.Channels, inp.Height, inp.Width]);
                    for (int i = 0; i < views.Count; i++) views[i].Buffer.Span.CopyTo(t.Buffer.Span.Slice(i * size, size));
                    return t;
                }).ToList();
            }).ToArray()).ToArray();
            passes = 0;
            void Pass(InferenceSession session, string input, DenseTensor<float> t)
            {
                using (DenormalFlush.Enter())
                using (session.Run(new[] { NamedOnnxValue.CreateFromTensor(input, t) })) { }
            }
            void RunImage(int index)
            {
                var cap = captured[index];
                if (cap.YuNetPasses.Count > 0) foreach (var t in cap.YuNetPasses) Pass(yunet!, yunetDesc.Input!.Name, t);
                else Pass(det, detIn.Name, cap.Detector);
                for (int f = 0; f < cap.Landmarks.Count; f++) Pass(lmk, lmIn.Name, cap.Landmarks[f]);
                for (int m = 0; m < emb.Length; m++)
                {
                    var (session, desc, mirror) = emb[m];
                    if (batches[index][m] is { } list) { foreach (var batch in list) Pass(session, desc.Input!.Name, batch); continue; }
                    foreach (var views in cap.Embedder[desc.Name])
                    {
                        Pass(session, desc.Input!.Name, views.Plain);
                        if (mirror) Pass(session, desc.Input!.Name, views.Mirrored);
                    }
                }
            }
            // Warm-up: first runs allocate arenas and plans.
            for (int i = 0; i < Math.Min(3, captured.Count); i++) RunImage(i);
            for (int i = 0; i < captured.Count; i++)
                passes += Math.Max(1, captured[i].YuNetPasses.Count) + captured[i].Landmarks.Count + emb.Select((e, m) => batches[i][m]?.Count ?? captured[i].Landmarks.Count * (e.Mirror ? 2 : 1)).Sum();
            int total = captured.Count * repeat, next = -1;
            var sw = Stopwatch.StartNew();
            var threadsList = Enumerable.Range(0, workers).Select(_ => new Thread(() =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < total) RunImage(i % captured.Count);
            })).ToList();
            threadsList.ForEach(th => th.Start());
            threadsList.ForEach(th => th.Join());
            sw.Stop();
            foreach (var s in sessions.Values) s.Dispose();
            return total / sw.Elapsed.TotalSeconds;
        }

        var json = new
        {
            workload,
            images = files.Length,
            faces,
            no_face = noFace,
            detectors_used = detectorsUsed,
            megapixels = pixels / (double)files.Length / 1e6,
            stages = stageRows,
            decode_for_detection_median_ms = Median(decodeForDetection),
            decode_for_detection_max_ms = decodeForDetection.Max(),
            decode_for_detection_sizes = detectionDecodes,
            engine_single_thread_images_per_sec = engineSingle,
            replayed_detector = captured.Any(c => c.YuNetPasses.Count > 0) ? "YuNet" : "UltraFace",
            models_only = modelsOnly,
            paired_efficiency = paired,
        };
        if (opts.TryGetValue("json", out var jsonPath))
            File.WriteAllText(jsonPath, JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    /// <summary>Runs the end-to-end script in a new pwsh and reads its RESULT line: images/s, images/s of the warm second run, JIT seconds.</summary>
    private static (double Images, double Warm, double Jit) EndToEnd(string pwshDll, string script)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { pwshDll, "-NoProfile", "-NonInteractive", "-File", script }) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var line = output.Split('\n').LastOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"The end-to-end script printed no RESULT line (exit {process.ExitCode}):\n{output}\n{stderr.Result}");
        using var json = JsonDocument.Parse(line[7..]);
        var root = json.RootElement;
        double images = root.GetProperty("images").GetDouble();
        double warm = root.TryGetProperty("warm_seconds", out var w) && w.ValueKind == JsonValueKind.Number ? images / w.GetDouble() : double.NaN;
        double jit = root.TryGetProperty("jit_seconds", out var j) && j.ValueKind == JsonValueKind.Number ? j.GetDouble() : double.NaN;
        return (images / root.GetProperty("seconds").GetDouble(), warm, jit);
    }

    private static SKBitmap WarpNoMipmap(SKBitmap source, SKMatrix m, int width, int height)
    {
        var result = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        using var canvas = new SKCanvas(result);
        canvas.Clear(SKColors.Black);
        canvas.SetMatrix(m);
        // A Skia draw without mipmaps, to compare with the engine's own sampler (PixelSampler.Warp).
        using var image = SKImage.FromBitmap(source);
        canvas.DrawImage(image, 0, 0, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.None), null);
        return result;
    }

    /// <summary>The single ONNX embedders behind a model name, with their mirror flag, as EmbedderFactory builds them.</summary>
    internal static List<(string Model, bool Mirror)> Members(ModelManifest manifest, string name)
    {
        var d = manifest.Get(name);
        if (d.Kind == "Ensemble")
            return d.Members!.Select(m => (manifest.Get(m.Model).Name, m.Mirror ?? manifest.Get(m.Model).Mirror)).ToList();
        return [(d.Name, d.Mirror)];
    }

    internal static double Median(List<double> v) => Quantile(v, 0.5);

    private static double Quantile(List<double> v, double q)
    {
        if (v.Count == 0) return double.NaN;
        var s = v.OrderBy(x => x).ToArray();
        double pos = q * (s.Length - 1);
        int lo = (int)Math.Floor(pos), hi = (int)Math.Ceiling(pos);
        return s[lo] + (s[hi] - s[lo]) * (pos - lo);
    }
}
