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
/// (detect, 68-point landmarks, align, embed) and caches the vectors in a binary file, so reruns take seconds.
/// Photos where the detector finds no face are counted and left out.
/// </summary>
public static class LfwEmbeddings
{
    private const int Magic = 0x46524231; // "FRB1"

    public static (List<PhotoEmbedding> Photos, int NoFace) Load(string dataset, string model, string cacheFile, int workers)
    {
        if (File.Exists(cacheFile)) return Read(cacheFile);
        var manifest = ModelLocator.Default;
        var analyzer = new FaceAnalyzer(manifest);
        var files = Directory.GetDirectories(dataset).OrderBy(d => d, StringComparer.Ordinal)
            .SelectMany(d => Directory.GetFiles(d, "*.jpg").OrderBy(f => f, StringComparer.Ordinal)).ToList();
        Console.WriteLine($"Embedding {files.Count} photos of {dataset} with {model} ({workers} workers); cached to {cacheFile}");
        var results = new PhotoEmbedding?[files.Count];
        var sw = Stopwatch.StartNew();
        int done = 0;
        Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = workers }, i =>
        {
            var file = files[i];
            using var image = ImageLoader.Load(file);
            var faces = analyzer.Detect(image, DetectionOptions.Default);
            if (faces.Count > 0)
            {
                var face = faces[LfwFace.Choose(faces.Select(f => f.Box).ToList(), image.Width, image.Height)];
                var vector = analyzer.Embed(image, [face], model)[0];
                results[i] = new PhotoEmbedding(Path.GetFileName(Path.GetDirectoryName(file))!, Path.GetFileName(file), vector);
            }
            int n = Interlocked.Increment(ref done);
            if (n % 250 == 0) Console.WriteLine($"  {n}/{files.Count} photos, {n / sw.Elapsed.TotalSeconds:0.0} photos/s");
        });
        var photos = results.Where(r => r is not null).Select(r => r!).ToList();
        int noFace = files.Count - photos.Count;
        Write(cacheFile, photos, noFace);
        Console.WriteLine($"Embedded {files.Count} photos in {sw.Elapsed.TotalSeconds:0} s; no face in {noFace}.");
        return (photos, noFace);
    }

    private static void Write(string file, List<PhotoEmbedding> photos, int noFace)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        var tmp = file + ".tmp";
        using (var w = new BinaryWriter(File.Create(tmp)))
        {
            w.Write(Magic); w.Write(photos.Count); w.Write(noFace);
            foreach (var p in photos)
            {
                w.Write(p.Person); w.Write(p.File); w.Write(p.Vector.Length);
                foreach (var x in p.Vector) w.Write(x);
            }
        }
        File.Move(tmp, file, overwrite: true);
    }

    private static (List<PhotoEmbedding>, int) Read(string file)
    {
        using var r = new BinaryReader(File.OpenRead(file));
        if (r.ReadInt32() != Magic) throw new InvalidDataException($"'{file}' is not an embedding cache; delete it.");
        int n = r.ReadInt32(), noFace = r.ReadInt32();
        var list = new List<PhotoEmbedding>(n);
        for (int i = 0; i < n; i++)
        {
            string person = r.ReadString(), name = r.ReadString();
            var v = new float[r.ReadInt32()];
            for (int k = 0; k < v.Length; k++) v[k] = r.ReadSingle();
            list.Add(new PhotoEmbedding(person, name, v));
        }
        return (list, noFace);
    }
}
