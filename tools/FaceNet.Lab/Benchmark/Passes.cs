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

/// <summary>The machine a figure came from: CPU model, the SIMD features ONNX Runtime's kernels choose by, ORT's version.</summary>
internal static class MachineInfo
{
    public static readonly string[] Features = ["avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16", "amx_int8"];

    public static (string Cpu, string[] Present, string Vendor) Read()
    {
        string cpu = "unknown", vendor = "unknown";
        var flags = new HashSet<string>();
        if (File.Exists("/proc/cpuinfo"))
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                int colon = line.IndexOf(':');
                if (colon < 0) continue;
                var key = line[..colon].Trim();
                var value = line[(colon + 1)..].Trim();
                if (key == "model name" && cpu == "unknown") cpu = value;
                else if (key == "vendor_id" && vendor == "unknown") vendor = value;
                else if (key == "flags" && flags.Count == 0) flags.UnionWith(value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            }
        }
        return (cpu, Features.Where(flags.Contains).ToArray(), vendor);
    }

    public static string Describe()
    {
        var (cpu, present, vendor) = Read();
        return $"CPU {cpu} ({vendor}, {Environment.ProcessorCount} cores); SIMD {string.Join(" ", Features.Select(f => present.Contains(f) ? f : "no-" + f))}; " +
               $"ONNX Runtime {OrtEnv.Instance().GetVersionString()}; .NET {Environment.Version}; denormal flush {(DenormalFlush.IsSupported ? "on every pass" : "not available on this platform")}";
    }
}

/// <summary>
/// passes: one ONNX pass per model, median ms, on inputs made from real photos (faces of LFW, a band of a 12 MP
/// photo) and on random inputs of the same shape, each with denormals flushed (as the module runs) and kept, at the
/// model's manifest optimisation level and at the other of All/Extended. Real activations that go denormal would
/// show as real-kept slower than real-flushed; a model whose weights held denormals, as slower at every level.
/// </summary>
internal static class Passes
{
    private sealed record Case(ModelDescriptor Model, string Input, List<DenseTensor<float>> Real);

    public static int Run(Dictionary<string, string> opts)
    {
        var manifest = ModelLocator.Default;
        var lfw = File.ReadAllLines(opts["list"]).Where(l => l.Length > 0).Take(int.Parse(opts.GetValueOrDefault("faces", "20"), CultureInfo.InvariantCulture)).ToArray();
        var camera = opts.GetValueOrDefault("camera");
        int reps = int.Parse(opts.GetValueOrDefault("reps", "30"), CultureInfo.InvariantCulture);
        Console.WriteLine(MachineInfo.Describe());

        var cases = Capture(manifest, lfw, camera);
        var rows = new List<object>();
        Console.WriteLine($"Per-pass median ms ({reps} passes each after 3 warm-up; one thread). real = inputs cut from photos as the module cuts them; random = uniform pixels.");
        Console.WriteLine($"{"model",-14} {"input",-26} {"level",-9} {"real",8} {"real, no flush",15} {"random",8} {"random, no flush",17} {"other level (real)",20}");
        foreach (var c in cases)
        {
            var level = c.Model.OptimizationLevel;
            var other = level == GraphOptimizationLevel.ORT_ENABLE_ALL ? GraphOptimizationLevel.ORT_ENABLE_EXTENDED : GraphOptimizationLevel.ORT_ENABLE_ALL;
            var random = c.Real.Select(RandomLike).ToList();
            double realFlush, realKeep, randomFlush, randomKeep, otherLevel;
            using (var session = Open(manifest, c.Model, level))
            {
                realFlush = Time(session, c.Model, c.Real, reps, flush: true);
                realKeep = Time(session, c.Model, c.Real, reps, flush: false);
                randomFlush = Time(session, c.Model, random, reps, flush: true);
                randomKeep = Time(session, c.Model, random, reps, flush: false);
            }
            using (var session = Open(manifest, c.Model, other))
                otherLevel = Time(session, c.Model, c.Real, reps, flush: true);
            string L(GraphOptimizationLevel l) => l.ToString().Replace("ORT_ENABLE_", "").Replace("ORT_DISABLE_ALL", "DISABLED");
            Console.WriteLine($"{c.Model.Name,-14} {c.Input,-26} {L(level),-9} {realFlush,8:0.00} {realKeep,15:0.00} {randomFlush,8:0.00} {randomKeep,17:0.00} {otherLevel,12:0.00} ({L(other)})");
            rows.Add(new
            {
                model = c.Model.Name, input = c.Input, level = L(level), real_ms = realFlush, real_no_flush_ms = realKeep,
                random_ms = randomFlush, random_no_flush_ms = randomKeep, other_level = L(other), other_level_real_ms = otherLevel,
            });
        }
        var (cpu, present, vendor) = MachineInfo.Read();
        var json = new { cpu, vendor, simd = present, onnxruntime = OrtEnv.Instance().GetVersionString(), denormal_flush = DenormalFlush.IsSupported, passes = rows };
        if (opts.TryGetValue("json", out var path))
            File.WriteAllText(path, JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    /// <summary>Each model's inputs, made from real photos with the engine's own detector, landmarks and aligners.</summary>
    private static List<Case> Capture(ModelManifest manifest, string[] lfw, string? camera)
    {
        var analyzer = new FaceAnalyzer(manifest);
        var ultra = manifest.Get(DetectorFactory.UltraFace);
        var landmark = manifest.Get(manifest.DefaultLandmarks);
        var embedders = manifest.Models.Where(m => m.Kind == "Embedder" && m.File is not null).ToList();
        // MTCNN's refine and output stages on face crops (batches of 8), as its cascade feeds them.
        var stages = manifest.Models.Where(m => m.Kind == "DetectorStage" && m.Input is { Width: > 12 }).ToList();
        var stageBatches = stages.ToDictionary(st => st.Name, _ => new List<float[]>());
        var cases = new Dictionary<string, Case>();
        Case For(ModelDescriptor d, string input) => cases.TryGetValue(d.Name, out var c) ? c : cases[d.Name] = new Case(d, input, []);

        foreach (var path in lfw)
        {
            using var image = ImageLoader.Load(path);
            var detectorInput = Tensor(1, ultra.Input!);
            PixelSampler.SampleToTensor(image.Bitmap, SKMatrix.CreateScale((float)ultra.Input!.Width / image.Width, (float)ultra.Input.Height / image.Height), ultra.Input, detectorInput.Buffer.Span);
            For(ultra, $"1x3x{ultra.Input.Height}x{ultra.Input.Width}").Real.Add(detectorInput);
            foreach (var face in analyzer.Detect(image))
            {
                // As Landmark68Detector: a square crop of the box's height, centred on the box.
                float side = face.Box.Height, s = landmark.Input!.Width / side;
                var m = SKMatrix.CreateScale(s, s).PreConcat(SKMatrix.CreateTranslation(-(face.Box.Center.X - side / 2), -(face.Box.Center.Y - side / 2)));
                var lt = Tensor(1, landmark.Input);
                PixelSampler.SampleToTensor(image.Bitmap, m, landmark.Input, lt.Buffer.Span);
                For(landmark, $"1x1x{landmark.Input.Height}x{landmark.Input.Width}").Real.Add(lt);
                foreach (var st in stages)
                {
                    // Sampled now: the photo is gone when the batch of eight is full.
                    float k = st.Input!.Width / MathF.Max(face.Box.Width, face.Box.Height);
                    int size = 3 * st.Input.Width * st.Input.Height;
                    var crop = new float[size];
                    PixelSampler.SampleToTensor(image.Bitmap, SKMatrix.CreateScale(k, k).PreConcat(SKMatrix.CreateTranslation(-face.Box.X, -face.Box.Y)), st.Input, crop);
                    var batch = stageBatches[st.Name];
                    batch.Add(crop);
                    if (batch.Count == 8)
                    {
                        var t = Tensor(8, st.Input);
                        for (int i = 0; i < 8; i++) batch[i].CopyTo(t.Buffer.Span.Slice(i * size, size));
                        For(st, $"8x3x{st.Input.Height}x{st.Input.Width}").Real.Add(t);
                        batch.Clear();
                    }
                }
                foreach (var e in embedders)
                {
                    // A face and its mirror image in one batch of two, as the ensemble runs each member.
                    var t = Tensor(2, e.Input!);
                    int size = e.Input!.Channels * e.Input.Height * e.Input.Width;
                    PixelSampler.SampleToTensor(image.Bitmap, FaceAligner.TransformFor(face.Landmarks, e.Alignment!, e.Input.Width, e.Input.Height), e.Input, t.Buffer.Span[..size], t.Buffer.Span[size..]);
                    For(e, $"2x{e.Input.Channels}x{e.Input.Height}x{e.Input.Width}").Real.Add(t);
                }
            }
        }
        if (camera is not null && manifest.Models.FirstOrDefault(m => m.Kind == "DetectorStage" && m.Input is { Width: 12 }) is { } pnet)
        {
            // P-Net on a pyramid level the size of a 1920x1440 photo's first (a 12 MP photo at 0.3).
            using var image = ImageLoader.Load(camera);
            int w = (int)(image.Width * 0.3f), h = (int)(image.Height * 0.3f);
            var t = new DenseTensor<float>([1, 3, h, w]);
            PixelSampler.SampleToTensor(image.Bitmap, SKMatrix.CreateScale(0.3f, 0.3f), pnet.Input! with { Width = w, Height = h }, t.Buffer.Span);
            For(pnet, $"1x3x{h}x{w}").Real.Add(t);
        }
        if (camera is not null && manifest.TryGet(YuNetDetector.DetectorName, out var yunet))
        {
            // Tiles of the first level of a 12 MP photo, as YuNet reads it.
            using var image = ImageLoader.Load(camera);
            var spec = yunet.Input!;
            foreach (var (x0, y0, w, h) in YuNetDetector.Tiles(image.Width, image.Height).Take(4))
            {
                var t = new DenseTensor<float>([1, 3, h, w]);
                PixelSampler.CopyToTensor(image.Bitmap, x0, y0, w, h, spec, t.Buffer.Span);
                For(yunet, $"1x3x{h}x{w}").Real.Add(t);
            }
        }
        return [.. cases.Values];
    }

    private static DenseTensor<float> Tensor(int batch, InputSpec spec) => new([batch, spec.Channels, spec.Height, spec.Width]);

    /// <summary>Uniform 0-255 pixels, normalised as the model's real inputs are.</summary>
    private static DenseTensor<float> RandomLike(DenseTensor<float> real)
    {
        var rnd = new Random(1);
        var t = new DenseTensor<float>(real.Dimensions);
        var span = t.Buffer.Span;
        float lo = real.Buffer.Span.ToArray().Min(), hi = real.Buffer.Span.ToArray().Max();
        for (int i = 0; i < span.Length; i++) span[i] = lo + (float)rnd.NextDouble() * (hi - lo);
        return t;
    }

    private static InferenceSession Open(ModelManifest manifest, ModelDescriptor d, GraphOptimizationLevel level)
    {
        using var options = OnnxSessionCache.OptionsFor(d, 1);
        options.GraphOptimizationLevel = level;
        using (DenormalFlush.Preserve())
            return new InferenceSession(manifest.PathOf(d), options);
    }

    private static double Time(InferenceSession session, ModelDescriptor d, List<DenseTensor<float>> inputs, int reps, bool flush)
    {
        var name = d.Input!.Name;
        void Pass(DenseTensor<float> t)
        {
            using (flush ? DenormalFlush.Enter() : default)
            using (session.Run([NamedOnnxValue.CreateFromTensor(name, t)])) { }
        }
        for (int i = 0; i < 3; i++) Pass(inputs[i % inputs.Count]);
        var times = new List<double>(reps);
        for (int i = 0; i < reps; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            Pass(inputs[i % inputs.Count]);
            times.Add((Stopwatch.GetTimestamp() - t0) * 1000.0 / Stopwatch.Frequency);
        }
        times.Sort();
        return times[times.Count / 2];
    }
}
