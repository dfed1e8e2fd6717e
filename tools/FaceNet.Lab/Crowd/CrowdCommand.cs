using System.Diagnostics;
using System.Xml.Linq;
using FaceNet.Engine.Detection;
using FaceNet.Engine.Geometry;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Models;
using SkiaSharp;

namespace FaceNet.Lab;

/// <summary>
/// Usage:
/// dotnet run -c Release --project tools/FaceNet.Lab -- crowd --faces &lt;lfw-view1 folder&gt; [--seed 1]
/// [--canvases 4] [--per-canvas 24] [--detection-set &lt;face-samples/detection&gt;] [--detectors UltraFace,Default,Mtcnn,YuNet]
/// [--save-canvases &lt;dir&gt;]   (writes the crowd canvases as JPEG, to look at or to time elsewhere)
/// Builds deterministic crowd canvases (4000x3000 and 1920x1280) from the face photos, measures recall
/// by face-size band, false positives per image and ms per image (JPEG decode + detection) for each
/// detector, then recall/FP on the detection set. Photos are read, never copied anywhere.
/// </summary>
public static class CrowdCommand
{
    public static int Run(string[] args)
    {
        string? faces = null, detectionSet = null, saveDir = null;
        int seed = 1, canvases = 4, perCanvas = 24;
        bool listMisses = false;
        string[] detectorNames = ["UltraFace", "Default", "Mtcnn", "YuNet"];
        var cl = new CommandLine(args);
        faces = cl.Get("faces");
        seed = cl.Int("seed", seed);
        canvases = cl.Int("canvases", canvases);
        perCanvas = cl.Int("per-canvas", perCanvas);
        detectionSet = cl.Get("detection-set");
        if (cl.Get("detectors") is { Length: > 0 } names) detectorNames = names.Split(',');
        saveDir = cl.Get("save-canvases");
        listMisses = cl.Flag("misses");
        cl.RejectUnknown();

        var manifest = ModelLocator.Default;
        IFaceDetector Make(string n) => DetectorFactory.Create(manifest, n == "Default" ? null : n);
        var detectors = detectorNames.Select(n => (Name: n, Det: Make(n))).ToList();
        var ultra = Make("UltraFace");
        var mtcnn = Make("Mtcnn");
        var yunet = Make("YuNet");
        Console.WriteLine($"cores {Environment.ProcessorCount}, seed {seed}, default = {manifest.DefaultDetector} on every photo (smallest face {DetectorFactory.DefaultMinFaceSize} px)");
        // Decode as the module does: only the resolution the detector reads (JPEG DCT scaling), timed with detection.
        static FaceImage DecodeFor(IFaceDetector det, byte[] jpeg, string name) =>
            ImageLoader.Decode(jpeg, name, ImageLoadOptions.Default with { InitialDetail = (w, h) => det.DetailFor(w, h, DetectionOptions.Default) });

        if (faces is not null)
        {
            // 1. Source photos: one face for both detectors, and the two boxes agree.
            var rng = new Random(seed);
            var files = Directory.EnumerateFiles(faces, "*.jpg", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal).ToList();
            var order = files.OrderBy(_ => rng.Next()).ToList();
            int needed = canvases * 2 * perCanvas;
            // Each detector draws its box by its own convention, so a pasted face counts as found when a detection matches any
            // detector's box of the source photo: UltraFace's and MTCNN's (the sources are chosen by them), and YuNet's when it
            // finds that face too.
            var sources = new List<(string File, FaceBox Ultra, FaceBox Mtcnn, FaceBox? YuNet)>();
            int dropped = 0;
            foreach (var f in order)
            {
                if (sources.Count >= Math.Min(needed, 400)) break;
                using var img = ImageLoader.Load(f);
                var u = ultra.Detect(img, DetectionOptions.Default);
                var m = mtcnn.Detect(img, DetectionOptions.Default);
                if (u.Count != 1 || m.Count != 1 || u[0].Box.IntersectionOverUnion(m[0].Box) < 0.3f) { dropped++; continue; }
                var y = yunet.Detect(img, DetectionOptions.Default);
                FaceBox? yBox = y.Count == 1 && y[0].Box.IntersectionOverUnion(u[0].Box) >= 0.3f ? y[0].Box : null;
                sources.Add((f, u[0].Box, m[0].Box, yBox));
            }
            Console.WriteLine($"source photos: {sources.Count} used, {dropped} dropped (not exactly one face for both detectors, or boxes disagree)");

            // 2. Canvases.
            var bands = new[] { (20, 40), (40, 80), (80, 160), (160, 100000) };
            var results = detectors.ToDictionary(d => d.Name, _ => new CrowdStats(bands.Length));
            int srcIdx = 0;
            foreach (var (cw, ch) in new[] { (4000, 3000), (1920, 1280) })
            {
                for (int c = 0; c < canvases; c++)
                {
                    var truths = new List<(FaceBox[] Boxes, float Size)>();
                    byte[] jpeg;
                    using (var canvasBmp = new SKBitmap(new SKImageInfo(cw, ch, SKColorType.Rgba8888, SKAlphaType.Unpremul)))
                    {
                        using var canvas = new SKCanvas(canvasBmp);
                        Background(canvas, cw, ch, rng);
                        var placed = new List<SKRect>();
                        for (int k = 0; k < perCanvas; k++)
                        {
                            var s = sources[srcIdx++ % sources.Count];
                            float faceSide = MathF.Max(s.Ultra.Width, s.Ultra.Height);
                            float target = 20f * MathF.Pow(300f / 20f, (float)rng.NextDouble()); // log-uniform 20..300 px
                            float scale = target / faceSide;
                            float pw = 250 * scale, ph = 250 * scale;
                            for (int attempt = 0; attempt < 60; attempt++)
                            {
                                float x = (float)rng.NextDouble() * (cw - pw), y = (float)rng.NextDouble() * (ch - ph);
                                var r = new SKRect(x, y, x + pw, y + ph);
                                if (placed.Any(p => p.IntersectsWith(r))) continue;
                                placed.Add(r);
                                using (var photo = SKImage.FromEncodedData(s.File))
                                    canvas.DrawImage(photo, new SKRect(0, 0, 250, 250), r, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear), null);
                                FaceBox Map(FaceBox b) => new(x + b.X * scale, y + b.Y * scale, b.Width * scale, b.Height * scale);
                                truths.Add((s.YuNet is { } yb ? [Map(s.Ultra), Map(s.Mtcnn), Map(yb)] : [Map(s.Ultra), Map(s.Mtcnn)], target));
                                break;
                            }
                        }
                        canvas.Flush();
                        using var data = canvasBmp.Encode(SKEncodedImageFormat.Jpeg, 92);
                        jpeg = data.ToArray();
                    }
                    if (saveDir is not null)
                    {
                        Directory.CreateDirectory(saveDir);
                        File.WriteAllBytes(Path.Combine(saveDir, $"canvas-{cw}x{ch}-{c + 1}.jpg"), jpeg);
                    }
                    foreach (var (name, det) in detectors)
                    {
                        var st = results[name];
                        var sw = Stopwatch.StartNew();
                        using var img = DecodeFor(det, jpeg, $"canvas{c}.jpg");
                        double decode = sw.Elapsed.TotalMilliseconds;
                        var stages = new MtcnnTimings();
                        var dets = DetectorFactory.ReaderFor(det) switch
                        {
                            MtcnnDetector m => m.Detect(img, DetectionOptions.Default, stages),
                            _ => det.Detect(img, DetectionOptions.Default),
                        };
                        double total = sw.Elapsed.TotalMilliseconds;
                        st.AddTime(cw, decode, total);
                        if (stages.PNet > 0) st.AddStages(cw, stages);
                        var (found, fp) = Match(dets.Select(d => d.Box).ToList(), truths.Select(t => t.Boxes).ToList());
                        if (listMisses && fp > 0)
                            foreach (var d in dets.Where(d => !truths.Any(t => t.Boxes.Any(b => b.IntersectionOverUnion(d.Box) >= 0.5f))))
                                Console.WriteLine($"  false positive: {name} canvas {cw}x{ch} #{c + 1}: {d.Box.X:0},{d.Box.Y:0} {d.Box.Width:0}x{d.Box.Height:0} score {d.Confidence:0.00}, best IoU with a face {truths.Max(t => t.Boxes.Max(b => b.IntersectionOverUnion(d.Box))):0.00}");
                        st.Fp += fp;
                        st.Images++;
                        for (int t = 0; t < truths.Count; t++)
                        {
                            int b = Array.FindIndex(bands, x => truths[t].Size >= x.Item1 && truths[t].Size < x.Item2);
                            st.Total[b]++;
                            if (found[t]) st.Found[b]++;
                            else if (listMisses) Console.WriteLine($"  miss: {name} canvas {cw}x{ch} #{c + 1}, {truths[t].Size:0} px face at {truths[t].Boxes[0]}");
                        }
                    }
                    Console.Error.Write($"\rcanvas {cw}x{ch} #{c + 1}  ");
                }
            }
            Console.Error.WriteLine();
            Console.WriteLine();
            Console.WriteLine($"Crowd benchmark: {canvases} canvases of 4000x3000 and {canvases} of 1920x1280, {perCanvas} faces tried per canvas, match IoU >= 0.5");
            Console.WriteLine($"{"detector",-10} {"20-40",12} {"40-80",12} {"80-160",12} {"160+",12} {"FP/img",7} {"ms 4000x3000 (decode+det)",27} {"ms 1920x1280",14}");
            foreach (var (name, _) in detectors)
            {
                var st = results[name];
                string R(int b) => st.Total[b] == 0 ? "-" : $"{100.0 * st.Found[b] / st.Total[b],5:F1}% {st.Found[b]}/{st.Total[b]}";
                Console.WriteLine($"{name,-10} {R(0),12} {R(1),12} {R(2),12} {R(3),12} {(double)st.Fp / st.Images,7:F2} {st.Time(4000),27} {st.Time(1920),14}");
            }
            Console.WriteLine("MTCNN stages, median ms (decode not included; the first run of each detector includes loading its models):");
            foreach (var (name, _) in detectors)
                foreach (int w in new[] { 4000, 1920 })
                    if (results[name].Stages(w) is { } text) Console.WriteLine($"  {name,-10} {w} px: {text}");
        }

        if (detectionSet is not null)
        {
            Console.WriteLine();
            Console.WriteLine("dlib face-samples detection set (testing.xml + training.xml), match IoU >= 0.5 (greedy, one-to-one)");
            foreach (var (name, det) in detectors)
            {
                var r = DetectionBenchmark.Evaluate(detectionSet, det);
                if (listMisses)
                {
                    foreach (var m in r.Misses) Console.WriteLine($"  miss: {name} {m}");
                    foreach (var f in r.FalsePositiveBoxes) Console.WriteLine($"  false positive: {name} {f}");
                }
                Console.WriteLine($"{name,-10} found {r.Found}/{r.GroundTruth}, false positives {r.FalsePositives}");
            }
        }
        return 0;

        // Greedy one-to-one by descending IoU; a truth matches a detection at IoU >= 0.5 with any of its boxes.
    }

    static (bool[] Found, int Fp) Match(List<FaceBox> dets, List<FaceBox[]> truths)
    {
        var pairs = new List<(float Iou, int D, int T)>();
        for (int d = 0; d < dets.Count; d++)
        for (int t = 0; t < truths.Count; t++)
        {
            float iou = truths[t].Max(b => dets[d].IntersectionOverUnion(b));
            if (iou >= 0.5f) pairs.Add((iou, d, t));
        }
        var usedD = new bool[dets.Count];
        var found = new bool[truths.Count];
        foreach (var (_, d, t) in pairs.OrderByDescending(p => p.Iou))
        {
            if (usedD[d] || found[t]) continue;
            usedD[d] = true; found[t] = true;
        }
        return (found, usedD.Count(u => !u));
    }

    // Face-free backgrounds: a two-colour gradient, soft blobs, stripes and fine noise.
    static void Background(SKCanvas canvas, int w, int h, Random rng)
    {
        SKColor Rnd() => new((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256));
        using (var shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(w, h), [Rnd(), Rnd()], SKShaderTileMode.Clamp))
        using (var paint = new SKPaint { Shader = shader })
            canvas.DrawRect(0, 0, w, h, paint);
        using var p = new SKPaint { IsAntialias = true };
        for (int i = 0; i < 40; i++)
        {
            p.Color = Rnd().WithAlpha((byte)rng.Next(40, 160));
            if (rng.Next(2) == 0) canvas.DrawCircle(rng.Next(w), rng.Next(h), rng.Next(20, 400), p);
            else canvas.DrawRect(rng.Next(w), rng.Next(h), rng.Next(10, 600), rng.Next(4, 60), p);
        }
        using var noise = SKShader.CreatePerlinNoiseFractalNoise(0.05f, 0.05f, 3, rng.Next());
        using var np = new SKPaint { Shader = noise, Color = SKColors.White.WithAlpha(60), BlendMode = SKBlendMode.Overlay };
        canvas.DrawRect(0, 0, w, h, np);
    }
}

internal sealed class CrowdStats(int bands)
{
    public int[] Found = new int[bands], Total = new int[bands];
    public int Fp, Images;
    private readonly Dictionary<int, List<(double Decode, double Total)>> _times = [];
    public void AddTime(int w, double decode, double total) { if (!_times.TryGetValue(w, out var l)) _times[w] = l = []; l.Add((decode, total)); }
    private readonly Dictionary<int, List<MtcnnTimings>> _stages = [];
    public void AddStages(int w, MtcnnTimings t) { if (!_stages.TryGetValue(w, out var l)) _stages[w] = l = []; l.Add(t); }
    /// <summary>Median ms of MTCNN's stages at this canvas width, or null.</summary>
    public string? Stages(int w)
    {
        if (!_stages.TryGetValue(w, out var l)) return null;
        double M(Func<MtcnnTimings, double> f) { var v = l.Select(f).Order().ToList(); return v[v.Count / 2]; }
        return $"first pyramid level {M(t => t.Pyramid):F0}, P-Net with the other levels {M(t => t.PNet):F0} ({M(t => t.Proposals):F0} boxes), R-Net {M(t => t.RNet):F0} ({M(t => t.Refined):F0} boxes), O-Net {M(t => t.ONet):F0}";
    }

    public string Time(int w)
    {
        if (!_times.TryGetValue(w, out var l)) return "-";
        // Median of the runs (the first run of each detector includes session creation).
        var tot = l.Select(x => x.Total).Order().ToList();
        var dec = l.Select(x => x.Decode).Order().ToList();
        double mt = tot[tot.Count / 2], md = dec[dec.Count / 2];
        return $"{mt:F0} ({md:F0}+{mt - md:F0})";
    }
}
