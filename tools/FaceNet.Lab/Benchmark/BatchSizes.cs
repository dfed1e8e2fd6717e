using System.Diagnostics;
using FaceNet.Engine.Models;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace FaceNet.Lab;

/// <summary>
/// benchmark batches [--models Dlib,FaceReid] [--sizes 1,2,4,8,16,32] [--reps 10]: ms per view of each dynamic-batch
/// embedder at each batch size, one thread, as the module's sessions run (manifest options, denormals flushed), with
/// the process's RSS after each size: what embedding a many-face photo's faces in larger batches would gain and hold.
/// --file candidate.onnx times a candidate file for the one model named, with that model's options, beside the
/// shipped file, and prints the largest output difference between them. --profile DIR writes ONNX Runtime's per-node
/// profile of the candidate's session there (chrome trace JSON). --size WxH feeds another input size (detectors).
/// </summary>
internal static class BatchSizes
{
    public static int Run(Dictionary<string, string> opts)
    {
        OnnxSessionCache.IntraOpThreads = 1;
        var manifest = ModelLocator.Default;
        var models = opts.GetValueOrDefault("models", "Dlib,FaceReid").Split(',');
        var sizes = opts.GetValueOrDefault("sizes", "1,2,4,8,16,32").Split(',').Select(int.Parse).ToArray();
        int reps = int.Parse(opts.GetValueOrDefault("reps", "10"));
        var candidate = opts.GetValueOrDefault("file");
        if (candidate is not null && models.Length != 1) throw new ArgumentException("--file needs exactly one model in --models.");
        Console.WriteLine(MachineInfo.Describe());
        var runs = models.Select(name => (Label: name, Descriptor: manifest.Get(name), File: (string?)null)).ToList();
        if (candidate is not null) runs.Add(($"{models[0]} ({Path.GetFileName(candidate)})", manifest.Get(models[0]), candidate));
        var first = new Dictionary<int, float[]>();
        foreach (var (name, d, file) in runs)
        {
            var rng = new Random(1);
            InferenceSession session;
            if (file is null) session = OnnxSessionCache.Get(manifest, d).Session;
            else
            {
                var options = OnnxSessionCache.OptionsFor(d, 1);
                if (opts.TryGetValue("profile", out var dir)) { options.ProfileOutputPathPrefix = Path.Combine(dir, Path.GetFileNameWithoutExtension(file)); options.EnableProfiling = true; }
                session = new InferenceSession(file, options);
            }
            var inp = d.Input!;
            foreach (int n in sizes)
            {
                // --size WxH: another input size (YuNet takes any; its tiles are 1440x1568).
                var size = opts.TryGetValue("size", out var sz) ? sz.Split('x').Select(int.Parse).ToArray() : [inp.Width, inp.Height];
                var t = new DenseTensor<float>([n, inp.Channels, size[1], size[0]]);
                var span = t.Buffer.Span;
                for (int i = 0; i < span.Length; i++) span[i] = (float)rng.NextDouble() * (inp.Std[0] == 1 ? 255 : 1);
                var input = new[] { NamedOnnxValue.CreateFromTensor(inp.Name, t) };
                using (var warm = session.Run(input))
                {
                    var output = warm.First().AsEnumerable<float>().ToArray();
                    if (!first.TryAdd(n, output))
                        Console.WriteLine($"{name,-10} batch {n,3}: largest output difference from the shipped file {first[n].Zip(output, (a, b) => Math.Abs(a - b)).Max():0.###e+0}");
                }
                var times = new List<double>();
                for (int r = 0; r < reps; r++)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    using (session.Run(input)) { }
                    times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds / n);
                }
                times.Sort();
                if (file is not null && opts.ContainsKey("profile") && n == sizes[^1]) Console.WriteLine($"profile: {session.EndProfiling()}");
                Console.WriteLine($"{name,-10} batch {n,3}: {times[times.Count / 2],7:0.00} ms per view (min {times[0]:0.00}); RSS {Environment.WorkingSet / 1048576.0:0} MB");
            }
        }
        return 0;
    }
}
