using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;
using FaceNet.Engine.Geometry;
using Npgsql;
using NpgsqlTypes;

namespace FaceNet.Engine.Storage.Postgres;

/// <summary>
/// A gallery in a PostgreSQL database that many machines write to and read from at once. Photos are keyed by the
/// sha256 of their bytes (a unique constraint), so the same file seen under two paths or by two machines is enrolled
/// once; each photo and its faces are written in one transaction, so a killed writer leaves no half-written photo.
/// Every failure comes out as a <see cref="GalleryConnectionException"/> or <see cref="GalleryFormatException"/>
/// whose message names the gallery without its password.
/// </summary>
public sealed class PostgresGallery : IGalleryStore
{
    private readonly PostgresGalleryTarget _target;
    private readonly NpgsqlConnection _db;
    private readonly string _host = Environment.MachineName;

    private PostgresGallery(PostgresGalleryTarget target, NpgsqlConnection db)
    {
        _target = target;
        _db = db;
    }

    /// <summary>
    /// Connects and checks the gallery's schema. With <paramref name="create"/>, a database without a gallery gets
    /// one; either way an older schema is migrated forward.
    /// </summary>
    /// <exception cref="GalleryConnectionException">Unreachable, refused login, no rights, or another database error.</exception>
    /// <exception cref="GalleryFormatException">No gallery there (and not <paramref name="create"/>), or a newer schema.</exception>
    public static PostgresGallery Open(PostgresGalleryTarget target, bool create)
    {
        var db = new NpgsqlConnection(target.ConnectionString);
        try
        {
            Run(target, "connect to", db.Open);
            var gallery = new PostgresGallery(target, db);
            gallery.Run("open the gallery in", () => gallery.PrepareSchema(create));
            return gallery;
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    public string Name => _target.Display;
    public string? Model { get; private set; }
    public int Dimension { get; private set; }
    /// <summary>The schema version the gallery was at when opened (before any migration).</summary>
    public int OpenedAtVersion { get; private set; }
    public bool KeysPhotosByContent => true;
    /// <summary>One photo per transaction, written at once, so other writers see it and skip it.</summary>
    public int PreferredBatchSize => 1;

    private void PrepareSchema(bool create)
    {
        using var tx = _db.BeginTransaction();
        Exec("SELECT pg_advisory_xact_lock(@k)", tx, ("k", PostgresGallerySchema.LockKey));
        bool exists = Scalar("SELECT to_regclass('facenet_meta') IS NOT NULL", tx) is true;
        if (!exists && !create)
            throw new GalleryFormatException(Name, $"The database '{Name}' holds no FaceNet gallery (no facenet_meta table in its search path). " +
                "Enrol faces with Export-FaceGallery -ConnectionString first, or check Database= and Search Path=.");
        var meta = exists ? ReadMeta(tx) : new Dictionary<string, string>();
        if (exists && meta.GetValueOrDefault("format") != PostgresGallerySchema.Format)
            throw new GalleryFormatException(Name, $"The database '{Name}' has a facenet_meta table that is not a FaceNet gallery's.");
        int version = exists ? int.Parse(meta.GetValueOrDefault("schemaVersion", "0"), CultureInfo.InvariantCulture) : 0;
        OpenedAtVersion = version;
        if (version > PostgresGallerySchema.Version)
            throw new GalleryFormatException(Name, $"The gallery '{Name}' was written by a newer FaceNet (schema {version}; this module reads up to " +
                $"{PostgresGallerySchema.Version}). Update the FaceNet module on this machine.", newerSchema: true);
        for (int step = version + 1; step <= PostgresGallerySchema.Version; step++)
            Exec(PostgresGallerySchema.Steps[step - 1], tx);
        if (!exists)
        {
            Exec("INSERT INTO facenet_meta (key, value) VALUES ('format', @f), ('created', @c)", tx,
                ("f", PostgresGallerySchema.Format), ("c", DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture)));
        }
        if (version < PostgresGallerySchema.Version)
            Exec("INSERT INTO facenet_meta (key, value) VALUES ('schemaVersion', @v) ON CONFLICT (key) DO UPDATE SET value = excluded.value", tx,
                ("v", PostgresGallerySchema.Version.ToString(CultureInfo.InvariantCulture)));
        tx.Commit();
        LoadModel(meta);
    }

    private Dictionary<string, string> ReadMeta(NpgsqlTransaction? tx)
    {
        using var cmd = new NpgsqlCommand("SELECT key, value FROM facenet_meta", _db, tx);
        using var r = cmd.ExecuteReader();
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        while (r.Read()) meta[r.GetString(0)] = r.GetString(1);
        return meta;
    }

    private bool _adaptationFresh;   // an adaptation that enrolling faces must mark stale

    private void LoadModel(Dictionary<string, string> meta)
    {
        _adaptationFresh = meta.ContainsKey(GalleryFile.AdaptationKey) && meta.GetValueOrDefault(GalleryFile.AdaptationStaleKey) == "false";
        Model = meta.GetValueOrDefault("model");
        Dimension = int.TryParse(meta.GetValueOrDefault("dimension"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var d) ? d : 0;
    }

    public void EnsureModel(string model, int dimension)
    {
        if (Model is null || (Dimension == 0 && dimension > 0 && string.Equals(model, Model, StringComparison.OrdinalIgnoreCase)))
        {
            // The first writer fixes the model; a writer racing it reads the winner's and is checked against it.
            Run("set the model of", () =>
            {
                using var tx = _db.BeginTransaction();
                Exec("INSERT INTO facenet_meta (key, value) VALUES ('model', @m) ON CONFLICT (key) DO NOTHING", tx, ("m", model));
                Exec("INSERT INTO facenet_meta (key, value) VALUES ('dimension', @d) ON CONFLICT (key) DO UPDATE SET value = excluded.value " +
                     "WHERE facenet_meta.value = '0' AND (SELECT lower(value) FROM facenet_meta WHERE key = 'model') = lower(@m)", tx,
                    ("d", dimension.ToString(CultureInfo.InvariantCulture)), ("m", model));
                tx.Commit();
                LoadModel(ReadMeta(null));
            });
        }
        if (!string.Equals(model, Model, StringComparison.OrdinalIgnoreCase) || (Dimension > 0 && dimension > 0 && dimension != Dimension))
            throw new GalleryModelMismatchException(Model!, model,
                $"The gallery '{Name}' holds {Dimension}-d embeddings of model '{Model}'; it cannot take {dimension}-d embeddings of model '{model}'. " +
                $"Compute them with -Model {Model}, or empty the gallery first (-Force).");
    }

    public bool HasUnchanged(GallerySource photo) =>
        photo.ContentSha256 is { } sha && Run("read", () =>
            Scalar("SELECT EXISTS (SELECT 1 FROM facenet_photos WHERE content_sha256 = @s)", null, ("s", sha)) is true);

    public IReadOnlyList<bool> Write(IReadOnlyList<GalleryPhotoWrite> photos)
    {
        foreach (var e in photos.SelectMany(p => p.Faces)) EnsureModel(e.Model, e.Vector.Length);
        return Run("write to", () => photos.Select(WriteOne).ToArray());
    }

    private bool WriteOne(GalleryPhotoWrite write)
    {
        // Embeddings without a file (or whose file is not on this machine) are keyed by their vectors and labels.
        var photo = write.Photo ?? new GallerySource("", -1, default, write.Faces.FirstOrDefault()?.Label, write.Faces.Count);
        var sha = photo.ContentSha256 ?? GalleryContentHash.OfFaces(write.Faces);
        using var tx = _db.BeginTransaction();
        if (photo.Path.Length > 0)
        {
            // The same file on this machine with other content: its earlier version leaves the gallery.
            Exec("DELETE FROM facenet_photos WHERE host = @h AND path = @p AND content_sha256 <> @s", tx, ("h", _host), ("p", photo.Path), ("s", sha));
        }
        using var insert = new NpgsqlCommand("""
            INSERT INTO facenet_photos (content_sha256, path, host, size, modified, label, faces, model, model_version)
            VALUES (@s, @p, @h, @size, @m, @l, @f, @model, @v)
            ON CONFLICT (content_sha256) DO NOTHING
            RETURNING id
            """, _db, tx);
        insert.Parameters.AddWithValue("s", sha);
        insert.Parameters.AddWithValue("p", photo.Path);
        insert.Parameters.AddWithValue("h", _host);
        insert.Parameters.AddWithValue("size", photo.Size);
        insert.Parameters.AddWithValue("m", NpgsqlDbType.TimestampTz, photo.ModifiedUtc == default ? DBNull.Value : DateTime.SpecifyKind(photo.ModifiedUtc, DateTimeKind.Utc));
        insert.Parameters.AddWithValue("l", NpgsqlDbType.Text, (object?)photo.Label ?? DBNull.Value);
        insert.Parameters.AddWithValue("f", write.Faces.Count);
        insert.Parameters.AddWithValue("model", Model!);
        insert.Parameters.AddWithValue("v", NpgsqlDbType.Text, (object?)photo.ModelVersion ?? DBNull.Value);
        if (insert.ExecuteScalar() is not long id)
        {
            tx.Commit(); // another writer holds this content: keep the deletion of our stale version, add nothing
            return false;
        }
        if (write.Faces.Count > 0)
        {
            using var batch = new NpgsqlBatch(_db, tx);
            for (int i = 0; i < write.Faces.Count; i++)
            {
                var e = write.Faces[i];
                var c = new NpgsqlBatchCommand("""
                    INSERT INTO facenet_faces (photo_id, position, face_index, label, x, y, width, height, confidence, image_width, image_height, landmarks, model, vector)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
                    """);
                c.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
                c.Parameters.Add(new NpgsqlParameter<int> { TypedValue = i });
                c.Parameters.Add(new NpgsqlParameter<int> { TypedValue = e.FaceIndex });
                c.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)e.Label ?? DBNull.Value });
                foreach (var v in new[] { e.Box.X, e.Box.Y, e.Box.Width, e.Box.Height, e.Confidence }) c.Parameters.Add(new NpgsqlParameter<float> { TypedValue = v });
                c.Parameters.Add(new NpgsqlParameter<int> { TypedValue = e.ImageWidth });
                c.Parameters.Add(new NpgsqlParameter<int> { TypedValue = e.ImageHeight });
                c.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Real, Value = (object?)e.Landmarks ?? DBNull.Value });
                c.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.Model });
                c.Parameters.Add(new NpgsqlParameter<float[]> { TypedValue = e.Vector });
                batch.BatchCommands.Add(c);
            }
            batch.ExecuteNonQuery();
        }
        // Only while the adaptation is fresh, so writers without UPDATE on facenet_meta are not stopped otherwise.
        if (_adaptationFresh)
        {
            Exec("UPDATE facenet_meta SET value = 'true' WHERE key = @k", tx, ("k", GalleryFile.AdaptationStaleKey));
            _adaptationFresh = false;
        }
        tx.Commit();
        return true;
    }

    public void Clear() => Run("empty", () =>
    {
        using var tx = _db.BeginTransaction();
        Exec("TRUNCATE facenet_faces, facenet_photos; DELETE FROM facenet_meta WHERE key IN ('model', 'dimension', @a, @s)", tx,
            ("a", GalleryFile.AdaptationKey), ("s", GalleryFile.AdaptationStaleKey));
        tx.Commit();
        Model = null;
        Dimension = 0;
        _adaptationFresh = false;
    });

    public Adaptation.GalleryAdaptation? ReadAdaptation()
    {
        var meta = Run("read", () => ReadMeta(null));
        if (!meta.TryGetValue(GalleryFile.AdaptationKey, out var json)) return null;
        try { return Adaptation.GalleryAdaptation.FromJson(json, meta.GetValueOrDefault(GalleryFile.AdaptationStaleKey) != "false"); }
        catch (InvalidDataException ex) { throw new GalleryFormatException(Name, $"The gallery '{Name}': {ex.Message}", ex); }
    }

    public void WriteAdaptation(Adaptation.GalleryAdaptation adaptation) => Run("store the adaptation in", () =>
    {
        using var tx = _db.BeginTransaction();
        foreach (var (k, v) in new[] { (GalleryFile.AdaptationKey, adaptation.ToJson()), (GalleryFile.AdaptationStaleKey, "false") })
            Exec("INSERT INTO facenet_meta (key, value) VALUES (@k, @v) ON CONFLICT (key) DO UPDATE SET value = excluded.value", tx, ("k", k), ("v", v));
        tx.Commit();
        _adaptationFresh = true;
    });

    public GalleryCounts Count() => Run("count", () =>
    {
        using var cmd = new NpgsqlCommand("""
            SELECT (SELECT count(*) FROM facenet_faces), (SELECT count(DISTINCT label) FROM facenet_faces), (SELECT count(*) FROM facenet_photos WHERE path <> '')
            """, _db);
        using var r = cmd.ExecuteReader();
        r.Read();
        return new GalleryCounts(checked((int)r.GetInt64(0)), checked((int)r.GetInt64(1)), checked((int)r.GetInt64(2)));
    });

    /// <summary>
    /// The versions recorded with the photos that have faces (model_version). Loose embeddings (written without a
    /// photo) record none and are left out: a shared gallery has always recorded the version of the photos it embedded.
    /// </summary>
    public IReadOnlyList<string?> ModelVersions() => Run("read", () =>
    {
        using var cmd = new NpgsqlCommand("SELECT DISTINCT model_version FROM facenet_photos WHERE faces > 0 AND model_version IS NOT NULL ORDER BY 1", _db);
        using var r = cmd.ExecuteReader();
        var list = new List<string?>();
        while (r.Read()) list.Add(r.GetString(0));
        return (IReadOnlyList<string?>)list;
    });

    /// <summary>Every face, in enrolment order, read with one binary COPY (the fastest way out of PostgreSQL).</summary>
    public IReadOnlyList<GalleryEntry> ReadEntries() => Run("read", () =>
    {
        var list = new List<GalleryEntry>();
        var strings = new Dictionary<string, string>(StringComparer.Ordinal); // labels and models repeat: one copy each
        string Shared(string s) => strings.TryGetValue(s, out var x) ? x : strings[s] = s;
        // Faces are stored in enrolment order and their primary key (photo_id, position) walks it: read along that
        // index instead of sorting a million wide rows on disk (9 s against 13-16 s at 1,000,000 faces), and
        // without JIT compilation, which costs more than it saves on one scan.
        using var tx = _db.BeginTransaction();
        Exec("SET LOCAL enable_sort = off; SET LOCAL jit = off", tx);
        using var export = _db.BeginBinaryExport("""
            COPY (SELECT f.label, p.path, f.face_index, f.x, f.y, f.width, f.height, f.confidence, f.image_width, f.image_height,
                         f.landmarks, f.model, array_send(f.vector), p.size, p.modified
                  FROM facenet_faces f JOIN facenet_photos p ON p.id = f.photo_id ORDER BY f.photo_id, f.position) TO STDOUT (FORMAT BINARY)
            """);
        while (export.StartRow() >= 0)
        {
            string? label = export.IsNull ? Skip<string?>(export) : Shared(export.Read<string>(NpgsqlDbType.Text));
            string path = export.Read<string>(NpgsqlDbType.Text);
            int index = export.Read<int>(NpgsqlDbType.Integer);
            var box = new FaceBox(export.Read<float>(NpgsqlDbType.Real), export.Read<float>(NpgsqlDbType.Real), export.Read<float>(NpgsqlDbType.Real), export.Read<float>(NpgsqlDbType.Real));
            float confidence = export.Read<float>(NpgsqlDbType.Real);
            int w = export.Read<int>(NpgsqlDbType.Integer), h = export.Read<int>(NpgsqlDbType.Integer);
            float[]? landmarks = export.IsNull ? Skip<float[]?>(export) : export.Read<float[]>(NpgsqlDbType.Array | NpgsqlDbType.Real);
            string model = Shared(export.Read<string>(NpgsqlDbType.Text));
            float[] vector;
            try { vector = DecodeRealArray(export.Read<byte[]>(NpgsqlDbType.Bytea)); }
            catch (InvalidDataException ex) { throw new GalleryFormatException(Name, $"The gallery '{Name}' is damaged: {ex.Message}", ex); }
            long size = export.Read<long>(NpgsqlDbType.Bigint);
            DateTime modified = export.IsNull ? Skip<DateTime>(export) : export.Read<DateTime>(NpgsqlDbType.TimestampTz);
            if (Dimension > 0 && vector.Length != Dimension)
                throw new GalleryFormatException(Name, $"The gallery '{Name}' has a {vector.Length}-d vector in a {Dimension}-d gallery: it is damaged.");
            list.Add(new GalleryEntry
            {
                Label = label, Path = path, FaceIndex = index, Box = box, Confidence = confidence, ImageWidth = w, ImageHeight = h,
                Landmarks = landmarks, Model = model, Vector = vector, FileSize = size, FileModifiedUtc = modified,
            });
        }
        export.Dispose(); // the COPY is done; the transaction can end
        tx.Commit();
        return (IReadOnlyList<GalleryEntry>)list;
    });

    /// <summary>
    /// A real[] in PostgreSQL's binary array format (array_send): decoding it here is several times faster than the
    /// driver's element-by-element array reader, which was most of the time of loading a large gallery.
    /// Layout: dimensions, null flag, element type, then per dimension its length and lower bound, then per element
    /// a 4-byte length and a big-endian float.
    /// </summary>
    internal static float[] DecodeRealArray(byte[] data)
    {
        var span = data.AsSpan();
        int dims = BinaryPrimitives.ReadInt32BigEndian(span);
        if (dims == 0) return [];
        if (dims != 1 || BinaryPrimitives.ReadInt32BigEndian(span[4..]) != 0)
            throw new InvalidDataException("A vector is not a one-dimensional real[] without nulls.");
        int count = BinaryPrimitives.ReadInt32BigEndian(span[12..]);
        var result = new float[count];
        int offset = 20;
        for (int i = 0; i < count; i++, offset += 8)
        {
            if (BinaryPrimitives.ReadInt32BigEndian(span[offset..]) != 4) throw new InvalidDataException("A vector element is not a 4-byte real.");
            result[i] = BinaryPrimitives.ReadSingleBigEndian(span[(offset + 4)..]);
        }
        return result;
    }

    private static T Skip<T>(NpgsqlBinaryExporter export)
    {
        export.Skip();
        return default!;
    }

    public void Dispose() => _db.Dispose();

    private void Exec(string sql, NpgsqlTransaction? tx, params (string Name, object Value)[] args)
    {
        using var cmd = new NpgsqlCommand(sql, _db, tx);
        foreach (var (n, v) in args) cmd.Parameters.AddWithValue(n, v);
        cmd.ExecuteNonQuery();
    }

    private object? Scalar(string sql, NpgsqlTransaction? tx, params (string Name, object Value)[] args)
    {
        using var cmd = new NpgsqlCommand(sql, _db, tx);
        foreach (var (n, v) in args) cmd.Parameters.AddWithValue(n, v);
        return cmd.ExecuteScalar();
    }

    private void Run(string action, Action work) => Run(action, () => { work(); return 0; });
    private T Run<T>(string action, Func<T> work) => Run(_target, action, work);
    private static void Run(PostgresGalleryTarget target, string action, Action work) => Run(target, action, () => { work(); return 0; });

    /// <summary>Runs a database step; driver failures become one exception with a message in words and no password.</summary>
    private static T Run<T>(PostgresGalleryTarget target, string action, Func<T> work)
    {
        try
        {
            return work();
        }
        catch (PostgresException ex)
        {
            throw Translate(target, action, ex);
        }
        catch (NpgsqlException ex)
        {
            throw Translate(target, action, ex);
        }
        catch (Exception ex) when (ex is SocketException or TimeoutException or IOException)
        {
            throw Translate(target, action, ex);
        }
    }

    private static GalleryConnectionException Translate(PostgresGalleryTarget t, string action, Exception ex)
    {
        string where = $"{t.Host}:{t.Port}";
        (GalleryConnectionFailure failure, string message) = ex switch
        {
            PostgresException { SqlState: "28P01" or "28000" } p => (GalleryConnectionFailure.Authentication,
                $"PostgreSQL at {where} refused the login of user '{t.Username}' to database '{t.Database}': {p.MessageText}. " +
                "Check the user name and password (-Credential), and the server's pg_hba.conf."),
            PostgresException { SqlState: "42501" } p => (GalleryConnectionFailure.PermissionDenied,
                $"User '{t.Username}' may not {action} the gallery '{t.Display}': {p.MessageText}. " +
                "Enrolling needs CREATE on the schema (first use) and INSERT, SELECT, DELETE on the facenet_ tables; reading needs SELECT."),
            PostgresException { SqlState: "3D000" } p => (GalleryConnectionFailure.Unreachable,
                $"The database '{t.Database}' does not exist at {where}: {p.MessageText}. Create it (createdb) or fix Database=."),
            PostgresException { SqlState: "3F000" } p => (GalleryConnectionFailure.Failed,
                $"The gallery '{t.Display}' names a schema that does not exist: {p.MessageText}. Create it, or fix Search Path=."),
            PostgresException { SqlState: "53300" } p => (GalleryConnectionFailure.Unreachable,
                $"PostgreSQL at {where} has no free connection: {p.MessageText}. Use fewer writers or raise max_connections."),
            PostgresException p => (GalleryConnectionFailure.Failed,
                $"Cannot {action} the gallery '{t.Display}': PostgreSQL said {p.SqlState}: {p.MessageText}."),
            NpgsqlException { InnerException: SocketException or TimeoutException or IOException } or SocketException or TimeoutException or IOException
                or NpgsqlException { IsTransient: true } => (GalleryConnectionFailure.Unreachable,
                $"Cannot {action} the gallery at {where} (database '{t.Database}'): {Innermost(ex)}. " +
                "Check the host name and port, that PostgreSQL accepts TCP connections there (listen_addresses, firewall), and Timeout=."),
            _ when ex.Message.Contains("password", StringComparison.OrdinalIgnoreCase) => (GalleryConnectionFailure.Authentication,
                $"PostgreSQL at {where} asks user '{t.Username}' for a password and none was accepted: {ex.Message}. Give it with -Credential."),
            _ => (GalleryConnectionFailure.Failed, $"Cannot {action} the gallery '{t.Display}': {ex.Message}"),
        };
        return new GalleryConnectionException(failure, t.Display, t.Mask(message));
    }

    private static string Innermost(Exception ex)
    {
        while (ex.InnerException is not null) ex = ex.InnerException;
        return ex.Message.TrimEnd('.');
    }
}
