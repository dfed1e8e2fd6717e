using FaceNet.Engine.Geometry;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace FaceNet.Engine.Storage;

/// <summary>
/// A face gallery stored in one SQLite file: labelled embeddings of one model with their face boxes, plus the size and
/// modification time of every source photo (including photos without faces), so an append embeds only new or
/// changed photos. Every write is one transaction. Connections are not pooled, so the file is free once disposed.
/// </summary>
public sealed class GalleryFile : IGalleryStore
{
    public const string Format = "FaceNet.Gallery";
    public const int SchemaVersion = 1;

    private readonly SqliteConnection _db;

    private GalleryFile(string path, SqliteConnection db, string model, int dimension, bool adaptationFresh = false)
    {
        Path = path; _db = db; Model = model; Dimension = dimension; _adaptationFresh = adaptationFresh;
    }

    // The meta keys of an adaptation: the record (JSON) and its stale mark, apart so marking it is one small update.
    internal const string AdaptationKey = "adaptation", AdaptationStaleKey = "adaptationStale";
    private bool _adaptationFresh;   // an adaptation that enrolling faces must mark stale

    public string Path { get; }
    public string Model { get; }
    public int Dimension { get; }

    string IGalleryStore.Name => Path;
    string? IGalleryStore.Model => Model;
    /// <summary>A file gallery serves one machine: photos are known by path, size and modification time.</summary>
    public bool KeysPhotosByContent => false;
    /// <summary>Photos are gathered into transactions of this many (one file, one writer: fewer commits).</summary>
    public int PreferredBatchSize => 256;
    private Dictionary<string, GallerySource>? _sources;

    // The fingerprint (CalibrationFingerprint) of the model version that embedded the faces; galleries written before
    // module 0.2.0 have none.
    internal const string ModelVersionKey = "modelVersion";

    /// <summary>
    /// Creates a new empty gallery (the file must not exist). <paramref name="modelVersion"/>: the fingerprint of the
    /// model version whose vectors it will hold, so a later module whose model gives other vectors can say so.
    /// </summary>
    public static GalleryFile Create(string path, string model, int dimension, string? modelVersion = null)
    {
        if (File.Exists(path)) throw new IOException($"The gallery '{path}' already exists.");
        var db = OpenConnection(path, SqliteOpenMode.ReadWriteCreate);
        try
        {
            using var tx = db.BeginTransaction();
            Exec(db, """
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE sources (path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime INTEGER NOT NULL, label TEXT, faces INTEGER NOT NULL);
                CREATE TABLE faces (
                    id INTEGER PRIMARY KEY, label TEXT, path TEXT NOT NULL, face_index INTEGER NOT NULL,
                    x REAL, y REAL, width REAL, height REAL, confidence REAL, image_width INTEGER, image_height INTEGER,
                    landmarks BLOB, model TEXT NOT NULL, vector BLOB NOT NULL, file_size INTEGER NOT NULL, file_mtime INTEGER NOT NULL);
                CREATE INDEX faces_path ON faces(path);
                """, tx);
            foreach (var (k, v) in new[] { ("format", Format), ("schemaVersion", SchemaVersion.ToString(CultureInfo.InvariantCulture)), ("model", model),
                         ("dimension", dimension.ToString(CultureInfo.InvariantCulture)), ("created", DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture)) })
                Exec(db, "INSERT INTO meta(key, value) VALUES ($k, $v)", tx, ("$k", k), ("$v", v));
            if (modelVersion is not null) Exec(db, "INSERT INTO meta(key, value) VALUES ($k, $v)", tx, ("$k", ModelVersionKey), ("$v", modelVersion));
            tx.Commit();
            return new GalleryFile(path, db, model, dimension);
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    /// <summary>Opens an existing gallery.</summary>
    public static GalleryFile Open(string path, bool writable = false)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"The gallery '{path}' does not exist.", path);
        SqliteConnection? db = null;
        try
        {
            db = OpenConnection(path, writable ? SqliteOpenMode.ReadWrite : SqliteOpenMode.ReadOnly);
            var meta = new Dictionary<string, string>(StringComparer.Ordinal);
            using (var cmd = db.CreateCommand())
            {
                cmd.CommandText = "SELECT key, value FROM meta";
                using var r = cmd.ExecuteReader();
                while (r.Read()) meta[r.GetString(0)] = r.GetString(1);
            }
            if (!meta.TryGetValue("format", out var f) || f != Format || !meta.TryGetValue("model", out var model) || !meta.TryGetValue("dimension", out var dim))
                throw new GalleryFormatException(path, $"'{path}' is not a FaceNet gallery.");
            if (int.Parse(meta.GetValueOrDefault("schemaVersion", "0"), CultureInfo.InvariantCulture) > SchemaVersion)
                throw new GalleryFormatException(path, $"The gallery '{path}' was written by a newer FaceNet (schema {meta["schemaVersion"]}, this module reads up to {SchemaVersion}); update the module.", newerSchema: true);
            return new GalleryFile(path, db, model, int.Parse(dim, CultureInfo.InvariantCulture),
                meta.ContainsKey(AdaptationKey) && meta.GetValueOrDefault(AdaptationStaleKey) == "false");
        }
        catch (SqliteException ex)
        {
            db?.Dispose();
            throw new GalleryFormatException(path, $"'{path}' is not a FaceNet gallery: {ex.Message}", ex);
        }
        catch
        {
            db?.Dispose();
            throw;
        }
    }

    /// <summary>Checks that embeddings of this model and length may be added.</summary>
    public void EnsureModel(string model, int dimension)
    {
        if (!string.Equals(model, Model, StringComparison.OrdinalIgnoreCase) || (Dimension > 0 && dimension != Dimension))
            throw new GalleryModelMismatchException(Model, model,
                $"The gallery '{Path}' holds {Dimension}-d embeddings of model '{Model}'; it cannot take {dimension}-d embeddings of model '{model}'. " +
                $"Compute them with -Model {Model}, or write a new gallery (-Force replaces this one).");
    }

    /// <summary>
    /// The model versions (fingerprints) its faces were embedded with: the one recorded when the file was created, or
    /// null for a gallery from before module 0.2.0, which recorded none; empty while it holds no face.
    /// </summary>
    public IReadOnlyList<string?> ModelVersions() => Reading<IReadOnlyList<string?>>(() =>
        Convert.ToInt64(Scalar("SELECT COUNT(*) FROM faces"), CultureInfo.InvariantCulture) == 0
            ? []
            : [Scalar($"SELECT value FROM meta WHERE key = '{ModelVersionKey}'") as string]);

    /// <summary>A file whose meta reads but whose tables do not (a damaged gallery) is a GalleryFormatException, as at Open.</summary>
    private T Reading<T>(Func<T> read)
    {
        try { return read(); }
        catch (SqliteException ex) { throw new GalleryFormatException(Path, $"The gallery '{Path}' is damaged: {ex.Message}", ex); }
    }

    public IReadOnlyList<GalleryEntry> ReadEntries() => Reading(ReadEntriesCore);

    private IReadOnlyList<GalleryEntry> ReadEntriesCore()
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "SELECT label, path, face_index, x, y, width, height, confidence, image_width, image_height, landmarks, model, vector, file_size, file_mtime FROM faces ORDER BY id";
        using var r = cmd.ExecuteReader();
        var list = new List<GalleryEntry>();
        while (r.Read())
        {
            var vector = Floats((byte[])r.GetValue(12))!;
            if (Dimension > 0 && vector.Length != Dimension) throw new GalleryFormatException(Path, $"The gallery '{Path}' has a {vector.Length}-d vector in a {Dimension}-d gallery: it is damaged.");
            list.Add(new GalleryEntry
            {
                Label = r.IsDBNull(0) ? null : r.GetString(0),
                Path = r.GetString(1),
                FaceIndex = r.GetInt32(2),
                Box = new FaceBox(r.GetFloat(3), r.GetFloat(4), r.GetFloat(5), r.GetFloat(6)),
                Confidence = r.GetFloat(7), ImageWidth = r.GetInt32(8), ImageHeight = r.GetInt32(9),
                Landmarks = r.IsDBNull(10) ? null : Floats((byte[])r.GetValue(10)),
                Model = r.GetString(11),
                Vector = vector,
                FileSize = r.GetInt64(13),
                FileModifiedUtc = new DateTime(r.GetInt64(14), DateTimeKind.Utc),
            });
        }
        return list;
    }

    /// <summary>Every source photo the gallery has seen, by full path.</summary>
    public Dictionary<string, GallerySource> ReadSources()
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "SELECT path, size, mtime, label, faces FROM sources";
        using var r = cmd.ExecuteReader();
        var map = new Dictionary<string, GallerySource>(StringComparer.Ordinal);
        while (r.Read())
            map[r.GetString(0)] = new GallerySource(r.GetString(0), r.GetInt64(1), new DateTime(r.GetInt64(2), DateTimeKind.Utc), r.IsDBNull(3) ? null : r.GetString(3), r.GetInt32(4));
        return map;
    }

    /// <summary>True when the gallery holds the photo's path with the same size and modification time.</summary>
    public bool HasUnchanged(GallerySource photo)
    {
        _sources ??= ReadSources();
        return photo.Size >= 0 && _sources.TryGetValue(photo.Path, out var known) && known.Size == photo.Size && known.ModifiedUtc == photo.ModifiedUtc;
    }

    public GalleryCounts Count() => new(
        Convert.ToInt32(Scalar("SELECT COUNT(*) FROM faces"), CultureInfo.InvariantCulture),
        Convert.ToInt32(Scalar("SELECT COUNT(DISTINCT label) FROM faces"), CultureInfo.InvariantCulture),
        Convert.ToInt32(Scalar("SELECT COUNT(*) FROM sources"), CultureInfo.InvariantCulture));

    /// <summary>
    /// Writes the photos in one transaction: each named photo's earlier faces are removed first and the photo is recorded
    /// with its size, time and face count (also when it has no faces). Loose embeddings (no photo) are added as they are.
    /// </summary>
    public IReadOnlyList<bool> Write(IReadOnlyList<GalleryPhotoWrite> photos)
    {
        foreach (var e in photos.SelectMany(p => p.Faces)) EnsureModel(e.Model, e.Vector.Length);
        using var tx = _db.BeginTransaction();
        using var cmd = _db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = """
            INSERT INTO faces(label, path, face_index, x, y, width, height, confidence, image_width, image_height, landmarks, model, vector, file_size, file_mtime)
            VALUES ($label, $path, $index, $x, $y, $w, $h, $conf, $iw, $ih, $lm, $model, $vector, $size, $mtime)
            """;
        var names = new[] { "$label", "$path", "$index", "$x", "$y", "$w", "$h", "$conf", "$iw", "$ih", "$lm", "$model", "$vector", "$size", "$mtime" };
        var p = names.Select(n => cmd.Parameters.Add(new SqliteParameter { ParameterName = n })).ToArray();
        foreach (var (s, faces) in photos)
        {
            if (s is not null)
            {
                Exec(_db, "DELETE FROM faces WHERE path = $p", tx, ("$p", s.Path));
                Exec(_db, "INSERT OR REPLACE INTO sources(path, size, mtime, label, faces) VALUES ($p, $s, $m, $l, $f)", tx,
                    ("$p", s.Path), ("$s", s.Size), ("$m", s.ModifiedUtc.Ticks), ("$l", (object?)s.Label ?? DBNull.Value), ("$f", s.Faces));
            }
            foreach (var e in faces)
            {
                p[0].Value = (object?)e.Label ?? DBNull.Value; p[1].Value = e.Path; p[2].Value = e.FaceIndex;
                p[3].Value = e.Box.X; p[4].Value = e.Box.Y; p[5].Value = e.Box.Width; p[6].Value = e.Box.Height; p[7].Value = e.Confidence;
                p[8].Value = e.ImageWidth; p[9].Value = e.ImageHeight;
                p[10].Value = e.Landmarks is null ? DBNull.Value : Bytes(e.Landmarks);
                p[11].Value = e.Model; p[12].Value = Bytes(e.Vector); p[13].Value = e.FileSize; p[14].Value = e.FileModifiedUtc.Ticks;
                cmd.ExecuteNonQuery();
            }
        }
        if (_adaptationFresh && photos.Count > 0)
        {
            Exec(_db, "UPDATE meta SET value = 'true' WHERE key = $k", tx, ("$k", AdaptationStaleKey));
            _adaptationFresh = false;
        }
        tx.Commit();
        if (_sources is not null)
            foreach (var s in photos.Select(x => x.Photo).OfType<GallerySource>()) _sources[s.Path] = s;
        return photos.Select(_ => true).ToArray();
    }

    /// <summary>Removes every face and photo (the model stays: a file gallery is replaced whole, not cleared).</summary>
    public void Clear()
    {
        using var tx = _db.BeginTransaction();
        Exec(_db, "DELETE FROM faces; DELETE FROM sources; DELETE FROM meta WHERE key IN ($a, $s);", tx, ("$a", AdaptationKey), ("$s", AdaptationStaleKey));
        tx.Commit();
        _sources = null;
        _adaptationFresh = false;
    }

    public Adaptation.GalleryAdaptation? ReadAdaptation()
    {
        var json = Scalar($"SELECT value FROM meta WHERE key = '{AdaptationKey}'") as string;
        if (json is null) return null;
        bool stale = Scalar($"SELECT value FROM meta WHERE key = '{AdaptationStaleKey}'") as string != "false";
        try { return Adaptation.GalleryAdaptation.FromJson(json, stale); }
        catch (InvalidDataException ex) { throw new GalleryFormatException(Path, $"The gallery '{Path}': {ex.Message}", ex); }
    }

    public void WriteAdaptation(Adaptation.GalleryAdaptation adaptation)
    {
        using var tx = _db.BeginTransaction();
        foreach (var (k, v) in new[] { (AdaptationKey, adaptation.ToJson()), (AdaptationStaleKey, "false") })
            Exec(_db, "INSERT OR REPLACE INTO meta(key, value) VALUES ($k, $v)", tx, ("$k", k), ("$v", v));
        tx.Commit();
        _adaptationFresh = true;
    }

    public void Dispose() => _db.Dispose();

    private static SqliteConnection OpenConnection(string path, SqliteOpenMode mode)
    {
        var cs = new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false }.ToString();
        var db = new SqliteConnection(cs);
        db.Open();
        return db;
    }

    private object? Scalar(string sql)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }

    private static void Exec(SqliteConnection db, string sql, SqliteTransaction? tx, params (string Name, object Value)[] args)
    {
        using var cmd = db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (n, v) in args) cmd.Parameters.AddWithValue(n, v);
        cmd.ExecuteNonQuery();
    }

    // Vectors are stored as little-endian float32 blobs.
    private static byte[] Bytes(float[] v)
    {
        var b = MemoryMarshal.AsBytes(v.AsSpan()).ToArray();
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Big-endian platforms are not supported.");
        return b;
    }

    private static float[]? Floats(byte[]? b) => b is null ? null : MemoryMarshal.Cast<byte, float>(b).ToArray();
}
