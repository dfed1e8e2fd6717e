using System.Diagnostics;
using FaceNet.Engine.Detection;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Models;
using FaceNet.Engine.Pipeline;

namespace FaceNet.Lab;

/// <summary>One LFW photo's embedding: the detected face that contains the image centre (largest such), as the module would find it.</summary>
public sealed record PhotoEmbedding(string Person, string File, float[] Vector);

/// <summary>
/// Embeds every photo of an LFW-style folder (Person/Person_NNNN.jpg) once with the module's own pipeline
/// (detect, 68-point landmarks, align, embed) and keeps the vectors in the lab's VectorCache, so reruns take seconds.
/// Photos where the detector finds no face are counted and left out.
/// </summary>
public static class LfwEmbeddings
{
    /// <summary>The set's photos with a face and their vectors, from the lab's vector cache in <paramref name="cacheFolder"/> when it has them.</summary>
    public static (List<PhotoEmbedding> Photos, int NoFace) Load(string dataset, string model, string cacheFolder, int workers)
    {
        var manifest = ModelLocator.Default;
        var files = Directory.GetDirectories(dataset).OrderBy(d => d, StringComparer.Ordinal)
            .SelectMany(d => Directory.GetFiles(d, "*.jpg").OrderBy(f => f, StringComparer.Ordinal)).ToList();
        var keys = files.Select(f => Path.GetRelativePath(dataset, f)).ToList();
        var cacheFile = VectorCache.FileFor(cacheFolder, manifest, model, Path.GetFileName(Path.TrimEndingDirectorySeparator(dataset)), files.Count);
        var vectors = VectorCache.TryRead(cacheFile, keys);
        if (vectors is null)
        {
            var analyzer = new FaceAnalyzer(manifest);
            Console.WriteLine($"Embedding {files.Count} photos of {dataset} with {model} ({workers} workers); cached to {cacheFile}");
            vectors = new float[]?[files.Count];
            var sw = Stopwatch.StartNew();
            int done = 0;
            Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = workers }, i =>
            {
                using var image = ImageLoader.Load(files[i]);
                var faces = analyzer.Detect(image, DetectionOptions.Default);
                if (faces.Count > 0)
                {
                    var face = faces[LfwFace.Choose(faces.Select(f => f.Box).ToList(), image.Width, image.Height)];
                    vectors[i] = analyzer.Embed(image, [face], model)[0];
                }
                int n = Interlocked.Increment(ref done);
                if (n % 250 == 0) Console.WriteLine($"  {n}/{files.Count} photos, {n / sw.Elapsed.TotalSeconds:0.0} photos/s");
            });
            VectorCache.Write(cacheFile, keys, vectors);
            Console.WriteLine($"Embedded {files.Count} photos in {sw.Elapsed.TotalSeconds:0} s.");
        }
        var photos = new List<PhotoEmbedding>();
        for (int i = 0; i < files.Count; i++)
            if (vectors[i] is { } v) photos.Add(new PhotoEmbedding(Path.GetFileName(Path.GetDirectoryName(files[i]))!, Path.GetFileName(files[i]), v));
        return (photos, files.Count - photos.Count);
    }
}
