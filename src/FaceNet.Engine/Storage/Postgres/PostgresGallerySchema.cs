namespace FaceNet.Engine.Storage.Postgres;

/// <summary>
/// The shared gallery's tables, as numbered steps. A database is brought forward step by step, in one transaction,
/// under an advisory lock, so many writers opening a new or older gallery at once create or migrate it exactly once.
/// Vectors are <c>real[]</c>: readable in SQL, checked by length, and castable to pgvector's <c>vector</c> (docs/shared-gallery.md).
/// </summary>
internal static class PostgresGallerySchema
{
    public const string Format = "FaceNet.Gallery";

    /// <summary>The advisory lock key: "FaceNet" in ASCII, held while the schema is checked or migrated.</summary>
    public const long LockKey = 0x46_61_63_65_4E_65_74;

    /// <summary>Step N brings a version N-1 gallery to version N.</summary>
    public static readonly string[] Steps =
    [
        // 1: the gallery. A photo is its content (sha256): one row however many paths or machines it was seen on.
        // A face belongs to its photo, so deleting a photo deletes its faces, and a photo row commits with its faces.
        """
        CREATE TABLE facenet_meta (key text PRIMARY KEY, value text NOT NULL);
        CREATE TABLE facenet_photos (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            content_sha256 bytea NOT NULL CONSTRAINT facenet_photos_content_unique UNIQUE CHECK (length(content_sha256) = 32),
            path text NOT NULL,
            host text NOT NULL,
            size bigint NOT NULL,
            modified timestamptz,
            label text,
            faces integer NOT NULL CHECK (faces >= 0),
            model text NOT NULL,
            model_version text,
            enrolled timestamptz NOT NULL DEFAULT now());
        CREATE TABLE facenet_faces (
            photo_id bigint NOT NULL REFERENCES facenet_photos (id) ON DELETE CASCADE,
            position integer NOT NULL,
            face_index integer NOT NULL,
            label text,
            x real NOT NULL, y real NOT NULL, width real NOT NULL, height real NOT NULL, confidence real NOT NULL,
            image_width integer NOT NULL, image_height integer NOT NULL,
            landmarks real[],
            model text NOT NULL,
            vector real[] NOT NULL CHECK (cardinality(vector) > 0),
            PRIMARY KEY (photo_id, position));
        """,
        // 2: finding the earlier version of a changed file (same machine and path, other content) without a scan.
        """
        CREATE INDEX facenet_photos_host_path ON facenet_photos (host, path);
        """,
    ];

    public static int Version => Steps.Length;
}
