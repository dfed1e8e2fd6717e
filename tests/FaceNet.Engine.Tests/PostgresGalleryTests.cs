using FaceNet.Engine.Geometry;
using FaceNet.Engine.Storage;
using FaceNet.Engine.Storage.Postgres;
using Npgsql;
using Xunit;

namespace FaceNet.Engine.Tests;

/// <summary>Runs only against a real server: the throwaway cluster build.ps1 -Task Test starts (FACENET_TEST_PG).</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (string.IsNullOrEmpty(PostgresGalleryTests.Admin))
            Skip = "No PostgreSQL test cluster (FACENET_TEST_PG is not set): './build.ps1 -Task Test' starts one where PostgreSQL is installed.";
    }
}

public class PostgresGalleryTests
{
    internal static string? Admin => Environment.GetEnvironmentVariable("FACENET_TEST_PG") is { } s && !s.StartsWith("unavailable:", StringComparison.Ordinal) ? s : null;

    private static PostgresGalleryTarget NewDatabase()
    {
        var name = "x" + Guid.NewGuid().ToString("N")[..12];
        using (var db = new NpgsqlConnection(Admin + ";Pooling=false"))
        {
            db.Open();
            using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", db);
            cmd.ExecuteNonQuery();
        }
        return PostgresGalleryTarget.Parse(new NpgsqlConnectionStringBuilder(Admin) { Database = name }.ConnectionString);
    }

    private static object? Sql(PostgresGalleryTarget t, string sql)
    {
        using var db = new NpgsqlConnection(t.ConnectionString + ";Pooling=false");
        db.Open();
        using var cmd = new NpgsqlCommand(sql, db);
        return cmd.ExecuteScalar();
    }

    private static GalleryPhotoWrite Photo(string path, byte seed, int faces) => new(
        new GallerySource(path, 100 + seed, new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), "ann", faces) { ContentSha256 = Enumerable.Repeat(seed, 32).ToArray(), ModelVersion = "v1" },
        Enumerable.Range(0, faces).Select(i => new GalleryEntry
        {
            Label = "ann", Path = path, FaceIndex = i, Box = new FaceBox(i, 2, 30, 40), Confidence = 0.9f, ImageWidth = 640, ImageHeight = 480,
            Landmarks = new float[10], Model = "Toy", Vector = [seed, i, 1], FileSize = 100 + seed,
        }).ToArray());

    [PostgresFact]
    public void AGalleryAtSchemaOneIsMigratedForwardWithItsPhotosKept()
    {
        var t = NewDatabase();
        Sql(t, PostgresGallerySchema.Steps[0] + "INSERT INTO facenet_meta VALUES ('format', 'FaceNet.Gallery'), ('schemaVersion', '1'), ('model', 'Toy'), ('dimension', '3');");
        Sql(t, "INSERT INTO facenet_photos (content_sha256, path, host, size, faces, model) VALUES (decode(repeat('ab', 32), 'hex'), '/p/old.jpg', 'h', 1, 0, 'Toy')");
        using var g = PostgresGallery.Open(t, create: false);
        Assert.Equal(1, g.OpenedAtVersion);
        Assert.Equal("2", Sql(t, "SELECT value FROM facenet_meta WHERE key = 'schemaVersion'"));
        Assert.Equal(true, Sql(t, "SELECT to_regclass('facenet_photos_host_path') IS NOT NULL"));
        Assert.Equal(1, g.Count().Photos);
        Assert.Equal("Toy", g.Model);
    }

    [PostgresFact]
    public void ManyWritersOpeningANewDatabaseAtOnceCreateTheGalleryOnce()
    {
        var t = NewDatabase();
        var opened = new PostgresGallery[8];
        Parallel.For(0, opened.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => opened[i] = PostgresGallery.Open(t, create: true));
        foreach (var g in opened) g.Dispose();
        Assert.Equal(1, opened.Count(g => g.OpenedAtVersion == 0));
        Assert.Equal(7, opened.Count(g => g.OpenedAtVersion == PostgresGallerySchema.Version));
        Assert.Equal(3L, Sql(t, "SELECT count(*) FROM facenet_meta")); // format, created, schemaVersion: nothing twice
    }

    [PostgresFact]
    public void APhotoIsWrittenOnceWithAllItsFacesAndTheSecondWriterIsToldSo()
    {
        var t = NewDatabase();
        using var a = PostgresGallery.Open(t, create: true);
        using var b = PostgresGallery.Open(t, create: true);
        a.EnsureModel("Toy", 3);
        Assert.Equal([true, true], a.Write([Photo("/a/1.jpg", 1, 3), Photo("/a/none.jpg", 2, 0)]));
        Assert.False(b.HasUnchanged(new GallerySource("/b/x.jpg", 1, default, null, 0) { ContentSha256 = Enumerable.Repeat((byte)9, 32).ToArray() }));
        Assert.True(b.HasUnchanged(Photo("/b/copy.jpg", 1, 0).Photo!));
        Assert.Equal([false], b.Write([Photo("/b/copy.jpg", 1, 3)]));
        Assert.Equal(new GalleryCounts(3, 1, 2), b.Count());
        var read = b.ReadEntries();
        Assert.Equal(["/a/1.jpg", "/a/1.jpg", "/a/1.jpg"], read.Select(e => e.Path));
        Assert.Equal([1f, 2, 1], read[2].Vector);
        Assert.Equal(new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), read[0].FileModifiedUtc);
        Assert.Throws<GalleryModelMismatchException>(() => b.Write([new(null, [new GalleryEntry { Model = "Other", Vector = [1, 2, 3] }])]));
        Assert.Throws<GalleryModelMismatchException>(() => b.EnsureModel("Toy", 4));
    }

    [PostgresFact]
    public void AGalleryOfUnknownLengthLearnsItOnlyFromItsOwnModel()
    {
        var t = NewDatabase();
        using var g = PostgresGallery.Open(t, create: true);
        g.EnsureModel("Toy", 0); // photos without a face, of a model whose length is not known yet
        Assert.Throws<GalleryModelMismatchException>(() => g.EnsureModel("Other", 3));
        Assert.Equal("0", Sql(t, "SELECT value FROM facenet_meta WHERE key = 'dimension'"));
        g.EnsureModel("toy", 3);
        Assert.Equal("3", Sql(t, "SELECT value FROM facenet_meta WHERE key = 'dimension'"));
        Assert.Equal(3, g.Dimension);
    }

    [PostgresFact]
    public void AFaceThatCannotBeWrittenLeavesNoneOfItsPhoto()
    {
        var t = NewDatabase();
        using var g = PostgresGallery.Open(t, create: true);
        g.EnsureModel("Toy", 3);
        var bad = Photo("/a/bad.jpg", 5, 2);
        // An empty vector breaks the table's check on the second face: the photo row and its first face roll back too.
        var faces = bad.Faces.ToArray();
        faces[1] = faces[1] with { Vector = [] };
        Assert.Throws<GalleryConnectionException>(() => g.Write([bad with { Faces = faces }]));
        Assert.Equal(0L, Sql(t, "SELECT count(*) FROM facenet_photos"));
        Assert.Equal(0L, Sql(t, "SELECT count(*) FROM facenet_faces"));
    }

    [Fact]
    public void TheDisplayNameAndEveryMessageHideThePassword()
    {
        var t = PostgresGalleryTarget.Parse("Host=db1;Port=5433;Database=faces;Username=enrol;Password=hunter2-secret");
        Assert.Equal("postgresql://enrol@db1:5433/faces", t.Display);
        Assert.Equal("login hunter2... ******** failed", t.Mask("login hunter2... hunter2-secret failed"));
        var withCredential = PostgresGalleryTarget.Parse("Host=db1;Username=x;Password=old", "enrol", "new-secret");
        Assert.Equal("postgresql://enrol@db1:5432/enrol", withCredential.Display);
        var ex = Assert.Throws<GalleryConnectionException>(() => PostgresGalleryTarget.Parse("Hots=db1;Password=hunter2-secret"));
        Assert.Equal(GalleryConnectionFailure.InvalidConnectionString, ex.Failure);
        Assert.DoesNotContain("hunter2", ex.ToString());
        Assert.Equal(GalleryConnectionFailure.InvalidConnectionString, Assert.Throws<GalleryConnectionException>(() => PostgresGalleryTarget.Parse("Database=faces")).Failure);
    }
}
