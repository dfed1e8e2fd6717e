using System.Numerics.Tensors;
using FaceNet.Engine.Adaptation;
using FaceNet.Engine.Geometry;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Models;
using FaceNet.Engine.Pipeline;
using FaceNet.Engine.Storage;
using FaceNet.Engine.Storage.Postgres;
using FaceNet.TestSupport;
using Npgsql;
using Xunit;

namespace FaceNet.Engine.Tests;

/// <summary>Runs only where ../shared/data (the project's read-only photo sets) is beside the repository.</summary>
public sealed class CaltechFactAttribute : FactAttribute
{
    public CaltechFactAttribute()
    {
        if (!Directory.Exists(CaltechFaces.Folder))
            Skip = $"Caltech faces not found at {CaltechFaces.Folder}: these tests need ../shared/data beside the repository.";
    }
}

/// <summary>Clean embeddings of four photos each of five Caltech people (computed once for the class: ~1 s).</summary>
public sealed class CaltechFaces
{
    public static string Folder => Path.Combine(Path.GetDirectoryName(TestData.RepoRoot)!, "shared", "data", "caltech-faces");
    public static readonly string[] People = ["man_01", "man_02", "man_03", "woman_01", "woman_03"];

    public CaltechFaces()
    {
        Manifest = ModelManifest.Load(Path.Combine(TestData.ModelsDir, "models.json"));
        if (!Directory.Exists(Folder)) return;
        var analyzer = new FaceAnalyzer(Manifest);
        foreach (var person in People)
            foreach (var file in Directory.GetFiles(Path.Combine(Folder, person)).Order(StringComparer.Ordinal).Take(4))
            {
                using var image = ImageLoader.Load(file);
                var faces = analyzer.Detect(image);
                var largest = faces.MaxBy(f => f.Box.Width * f.Box.Height)!;
                Faces.Add(new LabelledVector(person, analyzer.Embed(image, [largest], "Clean")[0]));
            }
    }

    public ModelManifest Manifest { get; }
    public List<LabelledVector> Faces { get; } = [];
}

public class AdaptationTests(CaltechFaces caltech) : IClassFixture<CaltechFaces>
{
    private static readonly TripletOptions Short = TripletOptions.Default with { Steps = 200 };

    /// <summary>The worst case of a labelled set: lowest same-person cosine minus highest different-person cosine.</summary>
    private static double Gap(IReadOnlyList<float[]> v, IReadOnlyList<string> labels)
    {
        double same = double.MaxValue, diff = double.MinValue;
        for (int i = 0; i < v.Count; i++)
            for (int j = i + 1; j < v.Count; j++)
            {
                double c = TensorPrimitives.Dot(v[i], v[j]);
                if (labels[i] == labels[j]) same = Math.Min(same, c); else diff = Math.Max(diff, c);
            }
        return same - diff;
    }

    [CaltechFact]
    public void Training_on_five_people_is_deterministic_and_pulls_each_person_together()
    {
        var vectors = caltech.Faces.Select(f => f.Vector).ToList();
        var names = caltech.Faces.Select(f => f.Label).ToList();
        var labels = names.Select(n => Array.IndexOf(CaltechFaces.People, n)).ToList();
        Assert.Equal(20, vectors.Count);
        var a = TripletTrainer.Train(vectors, labels, Short);
        var brief = TripletOptions.Default with { Steps = 20 };
        Assert.Equal(TripletTrainer.Train(vectors, labels, brief).Projection.Matrix, TripletTrainer.Train(vectors, labels, brief).Projection.Matrix);   // seeded: the same on every run
        var twoPeople = brief with { NegativePeople = 2 };   // the lab's --negatives: each face pushed from its two most similar other people
        Assert.Equal(TripletTrainer.Train(vectors, labels, twoPeople).Projection.Matrix, TripletTrainer.Train(vectors, labels, twoPeople).Projection.Matrix);
        Assert.NotEqual(TripletTrainer.Train(vectors, labels, brief).Projection.Matrix, TripletTrainer.Train(vectors, labels, twoPeople).Projection.Matrix);
        Assert.Equal(384, a.Projection.OutputDimension);
        Assert.True(a.LastLoss < a.FirstLoss / 2, $"loss {a.FirstLoss:0.0000} -> {a.LastLoss:0.0000}");
        var projected = a.Projection.Apply(vectors);
        Assert.All(projected, v => Assert.Equal(1f, TensorPrimitives.Norm(v), 4));
        double before = Gap(vectors, names), after = Gap(projected, names);
        Assert.True(after > before + 0.05, $"worst same-minus-different gap {before:0.0000} -> {after:0.0000}");
        // Weight decay keeps it near the start: the identity, i.e. the plain space.
        var identity = LinearProjection.Identity(384, 384).Matrix;
        Assert.InRange(TensorPrimitives.Distance(a.Projection.Matrix, identity) / TensorPrimitives.Norm(identity), 0.001, 0.5);
    }

    [CaltechFact]
    public void Too_few_people_or_faces_per_person_is_refused_with_the_minimum_named()
    {
        var four = caltech.Faces.Where(f => f.Label != "woman_03").ToList();
        GalleryOptimizer.CheckEnough(four);   // 4 people x 4 faces: enough
        var three = four.Where(f => f.Label != "woman_01").ToList();
        var ex = Assert.Throws<AdaptationException>(() => GalleryOptimizer.CheckEnough(three));
        Assert.Equal(AdaptationProblem.TooFewFaces, ex.Problem);
        Assert.Contains("at least 4 people with 4 or more faces each", ex.Message);
        Assert.Contains("has 3 (12 labelled faces of 3 people)", ex.Message);
        // Five people with three faces each: too few per person.
        var two = caltech.Faces.GroupBy(f => f.Label).SelectMany(g => g.Take(3)).ToList();
        Assert.Throws<AdaptationException>(() => GalleryOptimizer.CheckEnough(two));
        Assert.Throws<AdaptationException>(() => GalleryOptimizer.Optimize(two, caltech.Manifest, "Clean", Reference()));
    }

    /// <summary>Per face: its least similar same-person face minus its most similar stranger (mean over the gallery).</summary>
    private static double StrangerMargin(IReadOnlyList<float[]> v, IReadOnlyList<string> labels, IReadOnlyList<float[]> strangers)
    {
        double sum = 0;
        for (int i = 0; i < v.Count; i++)
        {
            double same = Enumerable.Range(0, v.Count).Where(j => j != i && labels[j] == labels[i]).Min(j => TensorPrimitives.Dot(v[i], v[j]));
            sum += same - strangers.Max(s => TensorPrimitives.Dot(v[i], s));
        }
        return sum / v.Count;
    }

    [CaltechFact]
    public void Strangers_in_each_batch_push_the_gallery_away_from_people_it_was_not_trained_on()
    {
        var (background, calibration) = Reference().Halves;
        // Split by person: no reference person is both trained against and calibrated on.
        Assert.Equal(2000, background.Length + calibration.Vectors.Length);
        Assert.All(calibration.People, p => Assert.Equal(1, p % 2));
        Assert.InRange(background.Length, 900, 1100);
        Assert.Equal(128, TripletOptions.Default.BackgroundPerBatch);
        Assert.Equal(0, new TripletOptions().BackgroundPerBatch);   // what an adaptation stored before the option reads as

        var vectors = caltech.Faces.Select(f => f.Vector).ToList();
        var names = caltech.Faces.Select(f => f.Label).ToList();
        var labels = names.Select(n => Array.IndexOf(CaltechFaces.People, n)).ToList();
        var without = TripletTrainer.Train(vectors, labels, Short with { BackgroundPerBatch = 0 }, background).Projection;
        var with = TripletTrainer.Train(vectors, labels, Short, background).Projection;
        // Measured on the calibration half: strangers the training never saw.
        double plain = StrangerMargin(vectors, names, calibration.Vectors);
        double a = StrangerMargin(without.Apply(vectors), names, without.Apply(calibration.Vectors));
        double b = StrangerMargin(with.Apply(vectors), names, with.Apply(calibration.Vectors));
        Assert.True(b > a + 0.05 && b > plain, $"same-person minimum minus nearest stranger: plain {plain:0.0000}, trained without strangers {a:0.0000}, with {b:0.0000}");
    }

    private ReferenceImpostors Reference() => ReferenceImpostors.For(caltech.Manifest, "Clean")!;

    [Fact]
    public void The_identity_projection_keeps_every_threshold_of_the_model()
    {
        var manifest = ModelManifest.Load(Path.Combine(TestData.ModelsDir, "models.json"));
        var reference = ReferenceImpostors.For(manifest, "Clean");   // checked against its sha256 in models.json
        Assert.NotNull(reference);
        Assert.Equal(2000, reference.Vectors.Length);
        var plain = manifest.Get("Clean");
        double identification = FaceNet.Engine.Recognition.IdentificationThreshold.Read(manifest, "Clean")!.Value;
        var t = AdaptedCalibration.Compute(reference, LinearProjection.Identity(384, 384), plain, identification);
        Assert.Equal(plain.DefaultThreshold!.Value, t.DefaultThreshold, 0.001);   // the midpoint to the next pair's score
        Assert.Equal(identification, t.IdentificationThreshold!.Value, 0.001);
        Assert.Equal(t.DefaultThreshold, AdaptedCalibration.DefaultOnly(reference, LinearProjection.Identity(384, 384), plain));   // selection = sort
        var rows = t.FalseMatchRates!.Rows;
        Assert.Contains(rows, r => r.Rate == 0.001);
        foreach (var row in rows)
            Assert.Equal(plain.FalseMatchRates!.Rows.Single(p => p.Rate == row.Rate).Threshold, row.Threshold, 0.002);
        Assert.Equal(plain.Similarity!.Knots.Select(k => k.Similarity), t.Similarity!.Knots.Select(k => k.Similarity));
    }

    [Fact]
    public void An_adaptation_reads_back_the_options_it_was_trained_with_when_the_defaults_change()
    {
        Assert.Equal(0.7, TripletOptions.Default.Margin);
        var older = new GalleryAdaptation
        {
            Model = "Clean", Fingerprint = "7ca7b35cdb6866e7", InputDimension = 2, OutputDimension = 2,
            Matrix = GalleryAdaptation.EncodeMatrix([1f, 0f, 0f, 1f]), Created = DateTime.UtcNow, Faces = 16, People = 4, DefaultThreshold = 0.8,
            Options = TripletOptions.Default with { Margin = 0.4 },   // the default before 0.5: what galleries adapted then hold
        };
        var read = GalleryAdaptation.FromJson(older.ToJson(), stale: false);
        Assert.Equal(0.4, read.Options.Margin);
        Assert.Equal(128, read.Options.BackgroundPerBatch);
    }

    private GalleryAdaptation Adaptation()
    {
        var p = TripletTrainer.Train(caltech.Faces.Select(f => f.Vector).ToList(), caltech.Faces.Select(f => Array.IndexOf(CaltechFaces.People, f.Label)).ToList(),
            TripletOptions.Default with { Steps = 20 }).Projection;
        return new GalleryAdaptation
        {
            Model = "Clean", Fingerprint = FaceNet.Engine.Verification.CalibrationFingerprint.Of(caltech.Manifest, caltech.Manifest.Get("Clean")), InputDimension = 384, OutputDimension = 384,
            Matrix = GalleryAdaptation.EncodeMatrix(p.Matrix), Created = DateTime.UtcNow, Faces = 15, People = 5, DefaultThreshold = 0.8,
        };
    }

    private static GalleryEntry Entry(LabelledVector f, string path) => new()
    {
        Label = f.Label, Path = path, Box = new FaceBox(1, 2, 30, 40), Confidence = 0.9f, ImageWidth = 100, ImageHeight = 100,
        Model = "Clean", Vector = f.Vector, FileModifiedUtc = DateTime.UtcNow,
    };

    private void StoreMarksStaleOnEnrolment(IGalleryStore store)
    {
        store.EnsureModel("Clean", 384);
        store.Write([new GalleryPhotoWrite(new GallerySource("/a.jpg", 1, DateTime.UtcNow, "man_01", 1) { ContentSha256 = new byte[32] }, [Entry(caltech.Faces[0], "/a.jpg")])]);
        Assert.Null(store.ReadAdaptation());
        var a = Adaptation();
        store.WriteAdaptation(a);
        var read = store.ReadAdaptation()!;
        Assert.False(read.Stale);
        Assert.Equal(a.Projection.Matrix, read.Projection.Matrix);
        Assert.Equal(a.ToJson(), read.ToJson());
        var probe = caltech.Faces[4].Vector;
        Assert.Equal(a.Projection.Apply(probe), read.Projection.Apply(probe));
        var sha = new byte[32]; sha[0] = 1;
        store.Write([new GalleryPhotoWrite(new GallerySource("/b.jpg", 1, DateTime.UtcNow, "man_02", 1) { ContentSha256 = sha }, [Entry(caltech.Faces[3], "/b.jpg")])]);
        Assert.True(store.ReadAdaptation()!.Stale);
        store.WriteAdaptation(a);                      // Optimize-FaceGallery again: fresh
        Assert.False(store.ReadAdaptation()!.Stale);
        store.Clear();
        Assert.Null(store.ReadAdaptation());
    }

    [CaltechFact]
    public void A_gallery_file_keeps_its_adaptation_and_marks_it_stale_when_faces_are_enrolled()
    {
        var path = Path.Combine(Path.GetTempPath(), $"adapt-{Guid.NewGuid():N}.faces");
        try
        {
            using (var g = GalleryFile.Create(path, "Clean", 384)) StoreMarksStaleOnEnrolment(g);
            using var reopened = GalleryFile.Open(path);
            Assert.Null(reopened.ReadAdaptation());
        }
        finally { File.Delete(path); }
    }

    [PostgresFact]
    public void A_shared_gallery_keeps_its_adaptation_and_marks_it_stale_when_faces_are_enrolled()
    {
        if (caltech.Faces.Count == 0) return;   // no ../shared: the file test says so
        var name = "a" + Guid.NewGuid().ToString("N")[..12];
        using (var db = new NpgsqlConnection(PostgresGalleryTests.Admin + ";Pooling=false"))
        {
            db.Open();
            using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", db);
            cmd.ExecuteNonQuery();
        }
        var target = PostgresGalleryTarget.Parse(new NpgsqlConnectionStringBuilder(PostgresGalleryTests.Admin) { Database = name }.ConnectionString);
        using var g = PostgresGallery.Open(target, create: true);
        StoreMarksStaleOnEnrolment(g);
    }
}
