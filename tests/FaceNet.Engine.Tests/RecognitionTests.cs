using FaceNet.Engine.Recognition;
using FaceNet.Engine.Storage;
using Xunit;

namespace FaceNet.Engine.Tests;

public class GalleryIndexTests
{
    private static float[] Unit(params float[] v)
    {
        float n = MathF.Sqrt(v.Sum(x => x * x));
        return v.Select(x => x / n).ToArray();
    }

    private static float[] Random(Random rng, int dim) => Unit(Enumerable.Range(0, dim).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray());

    [Fact]
    public void Same_label_faces_are_one_identity_scored_by_its_best_face()
    {
        var index = new GalleryIndex([Unit(1, 0, 0), Unit(0.6f, 0.8f, 0), Unit(0, 1, 0), Unit(0, 0, 1)], ["ann", "ann", "bob", null]);
        Assert.Equal(3, index.IdentityCount);
        var top = index.Search(Unit(0.5f, 0.9f, 0), 3);
        Assert.Equal(["ann", "bob", null], top.Select(c => c.Label));
        Assert.Equal(1, top[0].Row);                 // ann's best photo
        Assert.Equal(2, top[0].Faces);
        Assert.True(top[0].Cosine > top[1].Cosine);
    }

    [Fact]
    public void Search_is_exact_against_a_brute_force_scan()
    {
        var rng = new Random(1);
        var vectors = Enumerable.Range(0, 2000).Select(_ => Random(rng, 64)).ToList();
        var labels = vectors.Select((_, i) => (string?)("p" + i % 700)).ToList();
        var index = new GalleryIndex(vectors, labels);
        for (int t = 0; t < 20; t++)
        {
            var probe = Random(rng, 64);
            var expected = vectors.Select((v, i) => (Label: labels[i], Score: v.Zip(probe, (a, b) => a * b).Sum()))
                .GroupBy(x => x.Label).Select(g => (g.Key, Best: g.Max(x => x.Score))).OrderByDescending(x => x.Best).Take(5).ToList();
            var got = index.Search(probe, 5);
            Assert.Equal(expected.Select(e => e.Key), got.Select(g => g.Label));
            for (int k = 0; k < 5; k++) Assert.Equal(expected[k].Best, got[k].Cosine, 4);
        }
    }

    [Fact]
    public void Empty_gallery_and_wrong_length_probe()
    {
        Assert.Empty(new GalleryIndex([], []).Search(new float[3], 5));
        var index = new GalleryIndex([Unit(1, 0, 0)], ["a"]);
        Assert.Throws<ArgumentException>(() => index.Search(new float[4], 1));
    }
}

public class FaceClusteringTests
{
    private static float[] Around(float[] centre, Random rng, float noise)
    {
        var v = centre.Select(x => x + (float)((rng.NextDouble() * 2 - 1) * noise)).ToArray();
        float n = MathF.Sqrt(v.Sum(x => x * x));
        return v.Select(x => x / n).ToArray();
    }

    private static float[] Axis(int dim, int i) { var v = new float[dim]; v[i] = 1; return v; }

    [Fact]
    public void Separates_well_apart_people_and_picks_a_medoid_member()
    {
        var rng = new Random(3);
        var vectors = new List<float[]>();
        for (int p = 0; p < 4; p++) for (int k = 0; k < 6; k++) vectors.Add(Around(Axis(16, p), rng, 0.15f));
        var clusters = FaceClustering.Cluster(vectors, null, new ClusteringOptions { Cut = 0.5, Floor = 0.2 });
        Assert.Equal(4, clusters.Count);
        foreach (var c in clusters)
        {
            Assert.Equal(6, c.Members.Length);
            Assert.Single(c.Members.Select(m => m / 6).Distinct());
            Assert.Contains(c.Medoid, c.Members);
        }
    }

    [Fact]
    public void Two_faces_of_one_photo_are_never_merged()
    {
        var a = Axis(8, 0);
        var clusters = FaceClustering.Cluster([a, a, a], ["x.jpg", "x.jpg", "y.jpg"], new ClusteringOptions { Cut = 0.5 });
        Assert.Equal(2, clusters.Count);
        Assert.All(clusters, c => Assert.True(c.Members.Count(m => m < 2) <= 1));
        var allowed = FaceClustering.Cluster([a, a, a], ["x.jpg", "x.jpg", "y.jpg"], new ClusteringOptions { Cut = 0.5, SeparateSameSource = false });
        Assert.Single(allowed);
    }

    [Fact]
    public void One_bridging_face_does_not_chain_two_people()
    {
        // Person A: 5 faces near e0; person B: 5 faces near e1; one odd face halfway links to both.
        var rng = new Random(5);
        var vectors = new List<float[]>();
        for (int k = 0; k < 5; k++) vectors.Add(Around(Axis(16, 0), rng, 0.1f));
        for (int k = 0; k < 5; k++) vectors.Add(Around(Axis(16, 1), rng, 0.1f));
        var bridge = new float[16]; bridge[0] = bridge[1] = MathF.Sqrt(0.5f);
        vectors.Add(bridge);
        var clusters = FaceClustering.Cluster(vectors, null, new ClusteringOptions { Cut = 0.6, Floor = 0.0 });
        Assert.DoesNotContain(clusters, c => c.Members.Any(m => m < 5) && c.Members.Any(m => m is >= 5 and < 10));
    }
}

public class GalleryFileTests
{
    [Fact]
    public void A_gallery_file_records_the_model_version_of_its_faces_and_one_from_before_0_2_0_has_none()
    {
        var dir = Path.Combine(Path.GetTempPath(), "facenet-versions-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var face = new GalleryEntry { Label = "ann", Path = "/p/a.jpg", Model = "Toy", Vector = [1, 0, 0] };
            using (var g = GalleryFile.Create(Path.Combine(dir, "new.faces"), "Toy", 3, "876ac1b199f5dbe9"))
            {
                Assert.Empty(g.ModelVersions());   // no face yet: nothing to say
                g.Write([new(null, [face])]);
                Assert.Equal(["876ac1b199f5dbe9"], g.ModelVersions());
            }
            using (var g = GalleryFile.Create(Path.Combine(dir, "old.faces"), "Toy", 3))   // as galleries were written before 0.2.0
                g.Write([new(null, [face])]);
            using (var g = GalleryFile.Open(Path.Combine(dir, "old.faces")))
                Assert.Equal([null], g.ModelVersions());
            using (var g = GalleryFile.Open(Path.Combine(dir, "new.faces")))
                Assert.Equal(["876ac1b199f5dbe9"], g.ModelVersions());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Round_trip_append_sources_and_model_refusal()
    {
        var file = Path.Combine(Path.GetTempPath(), "facenet-gallery-" + Guid.NewGuid().ToString("N") + ".faces");
        try
        {
            var t = new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc);
            using (var g = GalleryFile.Create(file, "Toy", 3))
            {
                g.Write([
                    new(new GallerySource("/p/a.jpg", 10, t, "ann", 1), [new GalleryEntry { Label = "ann", Path = "/p/a.jpg", FaceIndex = 1, Box = new FaceNet.Engine.Geometry.FaceBox(1, 2, 30, 40), Model = "Toy", Vector = [1, 0, 0], FileSize = 10, FileModifiedUtc = t, Landmarks = new float[10] }]),
                    new(new GallerySource("/p/none.jpg", 5, t, "ann", 0), [])]);
                Assert.Throws<GalleryModelMismatchException>(() => g.Write([new(null, [new GalleryEntry { Path = "/p/b.jpg", Model = "Other", Vector = [1, 0, 0] }])]));
                Assert.Throws<GalleryModelMismatchException>(() => g.Write([new(null, [new GalleryEntry { Path = "/p/b.jpg", Model = "Toy", Vector = [1, 0] }])]));
            }
            using (var g = GalleryFile.Open(file, writable: true))
            {
                Assert.Equal("Toy", g.Model);
                var e = Assert.Single(g.ReadEntries());
                Assert.Equal(("ann", "/p/a.jpg", 1, 30f, t), (e.Label, e.Path, e.FaceIndex, e.Box.Width, e.FileModifiedUtc));
                Assert.Equal([1f, 0, 0], e.Vector);
                Assert.Equal(2, g.ReadSources().Count);
                // A changed photo: its faces are replaced.
                Assert.True(g.HasUnchanged(new GallerySource("/p/a.jpg", 10, t, null, 0)));
                Assert.False(g.HasUnchanged(new GallerySource("/p/a.jpg", 11, t, null, 0)));
                g.Write([new(new GallerySource("/p/a.jpg", 11, t, "bob", 1), [new GalleryEntry { Label = "bob", Path = "/p/a.jpg", Model = "Toy", Vector = [0, 1, 0] }])]);
                Assert.Equal("bob", Assert.Single(g.ReadEntries()).Label);
                Assert.Equal(new GalleryCounts(1, 1, 2), g.Count());
            }
            File.WriteAllText(file + ".txt", "not a gallery");
            Assert.ThrowsAny<Exception>(() => GalleryFile.Open(file + ".txt"));
            Assert.Throws<IOException>(() => GalleryFile.Create(file, "Toy", 3));
        }
        finally
        {
            File.Delete(file);
            File.Delete(file + ".txt");
        }
    }

    [Fact]
    public void Identification_threshold_is_written_in_place_and_read_back()
    {
        var dir = Directory.CreateTempSubdirectory("facenet-manifest");
        try
        {
            var file = Path.Combine(dir.FullName, "models.json");
            File.WriteAllText(file, "{\n  \"schemaVersion\": 1,\n  \"models\": [\n    {\n      \"name\": \"A\",\n      \"kind\": \"Embedder\",\n      \"input\": { \"width\": 1 }\n    },\n    {\n      \"name\": \"B\",\n      \"kind\": \"Embedder\"\n    }\n  ]\n}\n");
            IdentificationThreshold.Write(file, "B", 0.5, "test");
            IdentificationThreshold.Write(file, "B", 0.625, "test 2");
            var text = File.ReadAllText(file);
            Assert.Contains("\"input\": { \"width\": 1 }", text);
            var m = Models.ModelManifest.Load(file);
            Assert.Equal(0.625, IdentificationThreshold.Read(m, "B"));
            Assert.Null(IdentificationThreshold.Read(m, "A"));
            Assert.Contains("test 2", text);
        }
        finally { dir.Delete(true); }
    }
}

/// <summary>The enrolment service behind Export-FaceGallery: batches, one model, unchanged photos, atomic replacement.</summary>
public class GalleryEnrolmentTests
{
    private static GalleryEntry Face(string path, float x, string? label = "ann", string model = "Toy") =>
        new() { Path = path, Label = label, Model = model, Vector = [x, 1 - x, 0], Box = new FaceNet.Engine.Geometry.FaceBox(x, 0, 10, 10) };

    private static GallerySource Photo(string path, int faces, long size = 100) => new(path, size, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), "ann", faces);

    [Fact]
    public void CreatesAppendsAndSkipsUnchangedPhotos()
    {
        var dir = Directory.CreateTempSubdirectory("facenet-enrol-").FullName;
        try
        {
            var file = Path.Combine(dir, "people.faces");
            using (var e = GalleryEnrolment.Start(file, GalleryWriteMode.Create))
            {
                Assert.False(e.HasGallery);
                e.AddPhoto(Photo("/p/a.jpg", 2), [Face("/p/a.jpg", 0.1f), Face("/p/a.jpg", 0.2f)], "Toy", 3);
                e.AddPhoto(Photo("/p/empty.jpg", 0), [], "Toy", 3);
                var s = e.Complete()!;
                Assert.Equal((2, 2, 1, "Toy"), (s.FacesAdded, s.Faces, s.People, s.Model));
            }
            using (var e = GalleryEnrolment.Start(file, GalleryWriteMode.Append))
            {
                Assert.Equal("Toy", e.Model);
                Assert.True(e.IsUnchanged(new GallerySource("/p/a.jpg", 100, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), null, 0)));
                Assert.True(e.IsUnchanged(new GallerySource("/p/empty.jpg", 100, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), null, 0)));
                Assert.False(e.IsUnchanged(new GallerySource("/p/a.jpg", 101, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), null, 0)));
                Assert.Throws<GalleryModelMismatchException>(() => e.AddFaces([Face("", 0.5f, model: "Other")]));
                // A changed photo replaces its faces instead of adding to them.
                e.AddPhoto(Photo("/p/a.jpg", 1, size: 101), [Face("/p/a.jpg", 0.3f, "bob")], "Toy", 3);
                var s = e.Complete()!;
                Assert.Equal((1, 1, 1), (s.FacesAdded, s.Faces, s.People));
            }
            Assert.Throws<GalleryModelMismatchException>(() => GalleryEnrolment.Start(file, GalleryWriteMode.Append, "Other"));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void AReplacementThatDoesNotCompleteLeavesTheOldGallery()
    {
        var dir = Directory.CreateTempSubdirectory("facenet-enrol-").FullName;
        try
        {
            var file = Path.Combine(dir, "people.faces");
            using (var e = GalleryEnrolment.Start(file, GalleryWriteMode.Create))
            {
                e.AddPhoto(Photo("/p/a.jpg", 1), [Face("/p/a.jpg", 0.1f)], "Toy", 3);
                e.Complete();
            }
            using (var e = GalleryEnrolment.Start(file, GalleryWriteMode.Replace))
            {
                e.AddPhoto(Photo("/p/b.jpg", 1), [Face("/p/b.jpg", 0.9f, "bob")], "Toy", 3);
                // stopped here: no Complete
            }
            Assert.Equal([file], Directory.GetFiles(dir)); // no temporary file left behind
            using (var g = GalleryFile.Open(file)) Assert.Equal("ann", Assert.Single(g.ReadEntries()).Label);
            using (var e = GalleryEnrolment.Start(file, GalleryWriteMode.Replace))
            {
                e.AddPhoto(Photo("/p/b.jpg", 1), [Face("/p/b.jpg", 0.9f, "bob")], "Toy", 3);
                e.Complete();
            }
            using (var g = GalleryFile.Open(file)) Assert.Equal("bob", Assert.Single(g.ReadEntries()).Label);
            Assert.Single(Directory.GetFiles(dir));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}

/// <summary>How Export-FaceReport orders people and links photos, without a browser.</summary>
public class FaceReportTests
{
    private static FaceNet.Engine.Reporting.ReportFace F(string path) => new(path, new FaceNet.Engine.Geometry.FaceBox(1, 2, 30, 40));

    [Fact]
    public void SectionsGoLargestFirstUnknownsAreNumberedAndUnnamedSingletonsGoLast()
    {
        var sections = FaceNet.Engine.Reporting.ReportSections.Arrange([
            (null, [F("/a"), F("/b")]), ("ann", [F("/c")]), (null, [F("/d")]), ("bob", [F("/e"), F("/f"), F("/g")]), (null, [F("/h")]), (null, [F("/i"), F("/j")]),
        ]);
        Assert.Equal(["bob", "Unknown 1", "Unknown 2", "ann", "Seen once"], sections.Select(s => s.Title));
        Assert.Equal([3, 2, 2, 1, 2], sections.Select(s => s.Faces.Count));
        Assert.Equal([true, false, false, true, false], sections.Select(s => s.Named));
    }

    [Fact]
    public void LinksAreRelativeBelowTheReportAndEncodedFileUrlsElsewhere()
    {
        Assert.Equal("photos/a%20b%23c.jpg", FaceNet.Engine.Reporting.FaceReportWriter.LinkTo("/r/photos/a b#c.jpg", "/r"));
        Assert.Equal("file:///p/100%25/%C3%A9t%C3%A9.jpg", FaceNet.Engine.Reporting.FaceReportWriter.LinkTo("/p/100%/été.jpg", "/r"));
        Assert.Equal("file:///r2/x.jpg", FaceNet.Engine.Reporting.FaceReportWriter.LinkTo("/r2/x.jpg", "/r"));
    }
}
