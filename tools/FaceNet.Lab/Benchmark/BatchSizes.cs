using System.Diagnostics;
using FaceNet.Engine.Models;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace FaceNet.Lab;

/// <summary>
/// benchmark batches [--models Dlib,FaceReid] [--sizes 1,2,4,8,16,32] [--reps 10]: ms per view of each dynamic-batch
/// embedder at each batch size, one thread, as the module's sessions run (manifest options, denormals flushed), with
/// the process's RSS after each size: what embedding a many-face photo's faces in larger batches would gain and hold.
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
        Console.WriteLine(MachineInfo.Describe());
        var rng = new Random(1);
        foreach (var name in models)
        {
            var d = manifest.Get(name);
            var session = OnnxSessionCache.Get(manifest, d);
            var inp = d.Input!;
            foreach (int n in sizes)
            {
                var t = new DenseTensor<float>([n, inp.Channels, inp.Height, inp.Width]);
                var span = t.Buffer.Span;
                for (int i = 0; i < span.Length; i++) span[i] = (float)rng.NextDouble();
                var input = new[] { NamedOnnxValue.CreateFromTensor(inp.Name, t) };
                using (session.Run(input)) { }
                var times = new List<double>();
                for (int r = 0; r < reps; r++)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    using (session.Run(input)) { }
                    times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds / n);
                }
                times.Sort();
                Console.WriteLine($"{name,-10} batch {n,3}: {times[times.Count / 2],7:0.00} ms per view (min {times[0]:0.00}); RSS {Environment.WorkingSet / 1048576.0:0} MB");
            }
        }
        return 0;
    }
}
