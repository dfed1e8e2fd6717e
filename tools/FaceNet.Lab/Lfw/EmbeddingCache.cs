using System.Collections.Concurrent;
using System.Diagnostics;
using FaceNet.Engine.Imaging;

namespace FaceNet.Lab;

/// <summary>
/// Locates the face in each distinct image once and computes one or more vectors ("channels") per image,
/// kept in memory for the run. Images are processed by a small worker pool; ONNX sessions are thread-safe,
/// and with one intra-op thread per session the workers use the cores without oversubscribing them.
/// </summary>
public sealed class EmbeddingCache
{
    private readonly ConcurrentDictionary<string, (LocatedFace Face, float[][] Vectors)> _entries = new(StringComparer.Ordinal);

    public double Seconds { get; private set; }
    public int Count => _entries.Count;
    public double ImagesPerSecond => Count / Math.Max(1e-9, Seconds);

    public IReadOnlyList<string> NoFaceImages =>
        _entries.Where(e => !e.Value.Face.Detected).Select(e => e.Key).OrderBy(p => p, StringComparer.Ordinal).ToList();

    public IEnumerable<(string Path, LocatedFace Face)> Faces => _entries.Select(e => (e.Key, e.Value.Face));

    public float[] Get(string path, int channel) => _entries[path].Vectors[channel];

    public static EmbeddingCache Build(IEnumerable<string> paths, FaceLocator locator,
        Func<FaceImage, LocatedFace, float[][]> embed, int workers, TextWriter? progress = null)
    {
        var list = paths.ToList();
        var cache = new EmbeddingCache();
        var sw = Stopwatch.StartNew();
        int done = 0;
        Parallel.ForEach(list, new ParallelOptions { MaxDegreeOfParallelism = workers }, path =>
        {
            using var image = ImageLoader.Load(path);
            var face = locator.Locate(image);
            var vectors = embed(image, face);
            cache._entries[path] = (face, vectors);
            int n = Interlocked.Increment(ref done);
            if (progress is not null && n % 500 == 0)
                progress.WriteLine($"  {n}/{list.Count} images, {n / sw.Elapsed.TotalSeconds:0.0} images/s");
        });
        cache.Seconds = sw.Elapsed.TotalSeconds;
        return cache;
    }
}
