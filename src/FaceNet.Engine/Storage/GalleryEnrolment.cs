using FaceNet.Engine.Platform;

namespace FaceNet.Engine.Storage;

/// <summary>
/// Enrols faces into one gallery (a file, or a shared database): photos (with their faces, or none) and loose
/// embeddings, one model per gallery, skipping photos the gallery already holds unchanged. A file gallery is created
/// when the first model is known; a file replacement is written to a temporary file and moved over the old gallery by
/// <see cref="Complete"/>, so a failed or stopped run leaves the old gallery as it was. A shared gallery writes each
/// photo in its own transaction as soon as it is embedded, so other writers see it (and skip it) at once.
/// </summary>
public sealed class GalleryEnrolment : IDisposable
{
    private const int MaxPendingFaces = 256;

    private readonly string _target;
    private readonly string? _writePath;     // file galleries: the file written (a temporary one when replacing)
    private readonly bool _replacing;
    private readonly List<GalleryPhotoWrite> _pending = [];
    private int _pendingFaces;
    private IGalleryStore? _store;
    private bool _completed;

    private GalleryEnrolment(string target, string? writePath, bool replacing, IGalleryStore? store)
    {
        _target = target;
        _writePath = writePath;
        _replacing = replacing;
        _store = store;
        Model = store?.Model;
    }

    /// <summary>
    /// Starts an enrolment into the gallery file <paramref name="target"/>. With <see cref="GalleryWriteMode.Append"/>
    /// on an existing file, its model must be <paramref name="model"/> when one is given.
    /// </summary>
    /// <exception cref="GalleryFormatException">The existing file is not a gallery.</exception>
    /// <exception cref="GalleryModelMismatchException">The existing gallery holds another model.</exception>
    public static GalleryEnrolment Start(string target, GalleryWriteMode mode, string? model = null)
    {
        bool exists = File.Exists(target);
        if (mode == GalleryWriteMode.Append && exists)
        {
            var gallery = GalleryFile.Open(target, writable: true);
            try { CheckModel(gallery, model); }
            catch { gallery.Dispose(); throw; }
            return new GalleryEnrolment(target, target, replacing: false, gallery);
        }
        bool replacing = exists && mode == GalleryWriteMode.Replace;
        return new GalleryEnrolment(target, replacing ? target + ".tmp-" + Guid.NewGuid().ToString("N")[..8] : target, replacing, null);
    }

    /// <summary>
    /// Starts an enrolment into an opened shared gallery, which the enrolment then owns. Create refuses a gallery that
    /// already holds something; Replace empties it first (other writers' photos included).
    /// </summary>
    /// <exception cref="GalleryExistsException">Create, and the gallery is not empty.</exception>
    /// <exception cref="GalleryModelMismatchException">Append, and the gallery holds another model.</exception>
    public static GalleryEnrolment Start(IGalleryStore store, GalleryWriteMode mode, string? model = null)
    {
        try
        {
            if (mode == GalleryWriteMode.Create && (store.Model is not null || store.Count().Photos > 0))
                throw new GalleryExistsException(store.Name);
            if (mode == GalleryWriteMode.Replace) store.Clear();
            else CheckModel(store, model);
            return new GalleryEnrolment(store.Name, null, replacing: false, store);
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    private static void CheckModel(IGalleryStore gallery, string? model)
    {
        if (model is not null && gallery.Model is { } galleryModel && !string.Equals(model, galleryModel, StringComparison.OrdinalIgnoreCase))
            throw new GalleryModelMismatchException(galleryModel, model,
                $"The gallery '{gallery.Name}' holds embeddings of model '{galleryModel}'; it cannot take embeddings of model '{model}'. Use -Model {galleryModel}, or -Force to replace the gallery.");
    }

    /// <summary>The gallery's model: the existing gallery's, or the first one given.</summary>
    public string? Model { get; private set; }

    /// <summary>
    /// Gives a model's version (CalibrationFingerprint) for a new gallery file to record; null: record none. Set it
    /// before the first face.
    /// </summary>
    public Func<string, string?>? ModelVersionOf { get; set; }

    /// <summary>The model versions the existing gallery's faces hold (<see cref="IGalleryStore.ModelVersions"/>); empty for a new gallery.</summary>
    public IReadOnlyList<string?> ExistingModelVersions => _store is not null && !_replacing ? _store.ModelVersions() : [];

    /// <summary>True when something will be written even if nothing is added (a replacement, or an existing gallery).</summary>
    public bool HasGallery => _store is not null || _replacing;

    /// <summary>True when photos are known by content, so the caller must fill <see cref="GallerySource.ContentSha256"/>.</summary>
    public bool KeysPhotosByContent => _store?.KeysPhotosByContent ?? false;

    /// <summary>
    /// The photo as the gallery knows it: with the SHA-256 of its file when the gallery keys photos by content (and
    /// the file is there to read), else unchanged.
    /// </summary>
    public GallerySource Identify(GallerySource photo) =>
        KeysPhotosByContent && photo.ContentSha256 is null && photo.Path.Length > 0 && File.Exists(photo.Path)
            ? photo with { ContentSha256 = GalleryContentHash.OfFile(photo.Path) }
            : photo;

    /// <summary>True when the gallery holds this photo as it is now (same content, or same path, size and time).</summary>
    public bool IsUnchanged(GallerySource photo) => _store is not null && !_replacing && _store.HasUnchanged(photo);

    /// <summary>Fixes the gallery's model (creating a file gallery), or checks that <paramref name="model"/> is the gallery's.</summary>
    /// <exception cref="GalleryModelMismatchException">Another model than the gallery's.</exception>
    public void EnsureModel(string model, int dimension)
    {
        if (_store is not null)
        {
            _store.EnsureModel(model, dimension);
            Model = _store.Model;
            return;
        }
        if (Model is not null && !string.Equals(model, Model, StringComparison.OrdinalIgnoreCase))
            throw new GalleryModelMismatchException(Model, model,
                $"A gallery holds embeddings of one model: this one is of model '{Model}' and cannot take embeddings of model '{model}'. Compute them all with the same -Model.");
        Model ??= model;
        _store = GalleryFile.Create(_writePath!, Model, dimension, ModelVersionOf?.Invoke(Model));
    }

    /// <summary>
    /// Records a photo embedded with <paramref name="model"/> and its faces (none is fine: the photo is then skipped
    /// next time), replacing what the gallery had for it.
    /// </summary>
    public void AddPhoto(GallerySource photo, IReadOnlyList<GalleryEntry> faces, string model, int dimension)
    {
        EnsureModel(model, dimension);
        Queue(new GalleryPhotoWrite(photo, faces));
    }

    /// <summary>Embeddings with no photo behind them (no path): added as they are.</summary>
    public void AddFaces(IReadOnlyList<GalleryEntry> faces) => Queue(new GalleryPhotoWrite(null, faces));

    private void Queue(GalleryPhotoWrite write)
    {
        foreach (var f in write.Faces) EnsureModel(f.Model, f.Vector.Length);
        _pending.Add(write);
        _pendingFaces += write.Faces.Count;
        if (_pendingFaces >= MaxPendingFaces || _pending.Count >= _store!.PreferredBatchSize) Flush();
    }

    /// <summary>Faces written so far.</summary>
    public int FacesAdded { get; private set; }

    /// <summary>Photos (and groups of loose embeddings) written so far.</summary>
    public int PhotosWritten { get; private set; }

    /// <summary>Photos not written because another writer stored the same photo first (shared galleries).</summary>
    public int PhotosStoredElsewhere { get; private set; }

    private void Flush()
    {
        if (_pending.Count == 0) return;
        var written = _store!.Write(_pending);
        for (int i = 0; i < _pending.Count; i++)
        {
            if (written[i]) PhotosWritten++;
            if (written[i]) FacesAdded += _pending[i].Faces.Count;
            else PhotosStoredElsewhere++;
        }
        _pending.Clear();
        _pendingFaces = 0;
    }

    /// <summary>Writes what is pending and, for a file replacement, moves the new gallery into place. Null when there was nothing to write.</summary>
    public GalleryEnrolmentSummary? Complete()
    {
        if (_store is null) return null;
        Flush();
        var counts = _store.Count();
        var model = _store.Model ?? Model ?? "";
        // A replacement starts a new file without one; otherwise what was written marked it stale in the same transaction.
        var stale = PhotosWritten > 0 && !_replacing ? _store.ReadAdaptation() : null;
        _store.Dispose();
        _store = null;
        if (_replacing) FileReplace.Move(_writePath!, _target);
        _completed = true;
        return new GalleryEnrolmentSummary(_target, model, FacesAdded, counts.Faces, counts.People, stale is { Stale: true } ? stale : null);
    }

    /// <summary>Closes the gallery; an unfinished file replacement's temporary file is deleted, so the old gallery stays.</summary>
    public void Dispose()
    {
        _store?.Dispose();
        _store = null;
        if (_replacing && !_completed && _writePath is not null && File.Exists(_writePath))
            try { File.Delete(_writePath); } catch (IOException) { }
    }
}
