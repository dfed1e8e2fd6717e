namespace FaceNet.Engine.Storage;

/// <summary>
/// Where a gallery lives: one SQLite file (<see cref="GalleryFile"/>) or a PostgreSQL database many machines share
/// (<see cref="Postgres.PostgresGallery"/>). Enrolment and reading go through this, so both behave alike.
/// </summary>
public interface IGalleryStore : IDisposable
{
    /// <summary>What users see as the gallery's name: the file path, or the database without its password.</summary>
    string Name { get; }
    /// <summary>The model of every vector; null while a shared gallery is still empty.</summary>
    string? Model { get; }
    int Dimension { get; }
    /// <summary>
    /// True when photos are known by their content (sha256): the same file under another path or on another machine
    /// is the same photo. False when they are known by path, size and modification time.
    /// </summary>
    bool KeysPhotosByContent { get; }
    /// <summary>Photos written per call of <see cref="Write"/> that the enrolment should gather first (1: write at once).</summary>
    int PreferredBatchSize { get; }

    /// <summary>Fixes the model of an empty gallery, or checks that <paramref name="model"/> is the gallery's.</summary>
    /// <exception cref="GalleryModelMismatchException">Another model or length than the gallery's.</exception>
    void EnsureModel(string model, int dimension);

    /// <summary>True when the gallery already holds this photo as it is now (so it need not be embedded again).</summary>
    bool HasUnchanged(GallerySource photo);

    /// <summary>
    /// Writes photos with their faces (a photo's earlier faces are replaced). Each photo is all or nothing.
    /// Returns, per item, whether it was written: false when another writer stored the same photo first.
    /// </summary>
    IReadOnlyList<bool> Write(IReadOnlyList<GalleryPhotoWrite> photos);

    /// <summary>Removes every photo and face, and the model, so the gallery can start again (-Force on a shared gallery).</summary>
    void Clear();

    GalleryCounts Count();

    /// <summary>The gallery's adaptation (Optimize-FaceGallery), with its stale mark; null when it has none.</summary>
    /// <exception cref="GalleryFormatException">The stored adaptation is damaged or from a newer FaceNet.</exception>
    Adaptation.GalleryAdaptation? ReadAdaptation();

    /// <summary>Stores the adaptation in place of any earlier one, not stale. Writing faces afterwards marks it stale.</summary>
    void WriteAdaptation(Adaptation.GalleryAdaptation adaptation);

    /// <summary>
    /// The distinct model versions (CalibrationFingerprint) the gallery's faces were embedded with; null stands for faces
    /// whose version was not recorded (file galleries from before module 0.2.0). Empty while the gallery holds no face.
    /// </summary>
    IReadOnlyList<string?> ModelVersions();

    IReadOnlyList<GalleryEntry> ReadEntries();
}
