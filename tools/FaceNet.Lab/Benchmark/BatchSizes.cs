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
/// shipped file (their passes interleaved), and prints the largest output difference between them. --profile DIR writes ONNX Runtime's per-node
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
        // Every session first; then, per batch size, their passes interleaved (A B, B A, ...), so drift in the
        // machine's speed (15-70% over minutes on these VMs) falls on each file alike.
        var sessions = new List<(string Name, InferenceSession Session)>();
        foreach (var (name, d, file) in runs)
        {
            if (file is null) { sessions.Add((name, OnnxSessionCache.Get(manifest, d).Session)); continue; }
            var options = OnnxSessionCache.OptionsFor(d, 1);
            if (opts.TryGetValue("profile", out var dir)) { options.ProfileOutputPathPrefix = Path.Combine(dir, Path.GetFileNameWithoutExtension(file)); options.EnableProfiling = true; }
            sessions.Add((name, new InferenceSession(file, options)));
        }
        foreach (int n in sizes)
        {
            var times = new List<double>[runs.Count];
            var inputs = new NamedOnnxValue[runs.Count][];
            for (int k = 0; k < runs.Count; k++)
            {
                var inp = runs[k].Descriptor.Input!;
                var rng = new Random(1);
                // --size WxH: another input size (YuNet takes any; its tiles are 1440x1568).
                var size = opts.TryGetValue("size", out var sz) ? sz.Split('x').Select(int.Parse).ToArray() : [inp.Width, inp.Height];
                var t = new DenseTensor<float>([n, inp.Channels, size[1], size[0]]);
                var span = t.Buffer.Span;
                for (int i = 0; i < span.Length; i++) span[i] = (float)rng.NextDouble() * (inp.Std[0] == 1 ? 255 : 1);
                inputs[k] = [NamedOnnxValue.CreateFromTensor(inp.Name, t)];
                times[k] = [];
                using var warm = sessions[k].Session.Run(inputs[k]);
                if (k > 0 && candidate is not null)
                {
                    using var shipped = sessions[0].Session.Run(inputs[k]);
                    var x = shipped.First().AsEnumerable<float>().ToArray();
                    var y = warm.First().AsEnumerable<float>().ToArray();
                    Console.WriteLine($"{sessions[k].Name} batch {n,3}: largest output difference from the shipped file {x.Zip(y, (a, b) => Math.Abs(a - b)).Max():0.###e+0}");
                }
            }
            for (int r = 0; r < reps; r++)
                for (int j = 0; j < runs.Count; j++)
                {
                    int k = r % 2 == 0 ? j : runs.Count - 1 - j;
                    long t0 = Stopwatch.GetTimestamp();
                    using (sessions[k].Session.Run(inputs[k])) { }
                    times[k].Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds / n);
                }
            for (int k = 0; k < runs.Count; k++)
            {
                times[k].Sort();
                Console.WriteLine($"{sessions[k].Name,-10} batch {n,3}: {times[k][times[k].Count / 2],7:0.00} ms per view (min {times[k][0]:0.00}); RSS {Environment.WorkingSet / 1048576.0:0} MB");
            }
        }
        if (candidate is not null && opts.ContainsKey("profile")) Console.WriteLine($"profile: {sessions[^1].Session.EndProfiling()}");
        return 0;
    }
}
