namespace FaceNet.Engine.Storage;

/// <summary>
/// Enrols faces into one gallery file: photos (with their faces, or none) and loose embeddings, in batches, one model
/// per gallery, skipping photos that are unchanged since they entered it (same size and modification time). The
/// gallery is created when the first model is known; a replacement is written to a temporary file and moved over the
/// old gallery by <see cref="Complete"/>, so a failed or stopped run leaves the old gallery as it was.
/// </summary>
public sealed class GalleryEnrolment : IDisposable
{
    private const int BatchSize = 256;

    private readonly string _target;
    private readonly string _writePath;
    private readonly bool _replacing;
    private readonly Dictionary<string, GallerySource> _sources;
    private readonly List<GalleryEntry> _pending = [];
    private readonly List<GallerySource> _pendingSources = [];
    private GalleryFile? _gallery;
    private bool _completed;

    private GalleryEnrolment(string target, string writePath, bool replacing, GalleryFile? gallery)
    {
        _target = target;
        _writePath = writePath;
        _replacing = replacing;
        _gallery = gallery;
        _sources = gallery?.ReadSources() ?? new(StringComparer.Ordinal);
        Model = gallery?.Model;
    }

    /// <summary>
    /// Starts an enrolment into <paramref name="target"/>. With <see cref="GalleryWriteMode.Append"/> on an existing file,
    /// its model must be <paramref name="model"/> when one is given.
    /// </summary>
    /// <exception cref="GalleryFormatException">The existing file is not a gallery.</exception>
    /// <exception cref="GalleryModelMismatchException">The existing gallery holds another model.</exception>
    public static GalleryEnrolment Start(string target, GalleryWriteMode mode, string? model = null)
    {
        bool exists = File.Exists(target);
        if (mode == GalleryWriteMode.Append && exists)
        {
            var gallery = GalleryFile.Open(target, writable: true);
            if (model is not null && !string.Equals(model, gallery.Model, StringComparison.OrdinalIgnoreCase))
            {
                var galleryModel = gallery.Model;
                gallery.Dispose();
                throw new GalleryModelMismatchException(galleryModel, model,
                    $"The gallery '{target}' holds embeddings of model '{galleryModel}'; it cannot take embeddings of model '{model}'. Use -Model {galleryModel}, or -Force to replace the gallery.");
            }
            return new GalleryEnrolment(target, target, replacing: false, gallery);
        }
        bool replacing = exists && mode == GalleryWriteMode.Replace;
        return new GalleryEnrolment(target, replacing ? target + ".tmp-" + Guid.NewGuid().ToString("N")[..8] : target, replacing, null);
    }

    /// <summary>The gallery's model: the existing gallery's, or the first one given.</summary>
    public string? Model { get; private set; }

    /// <summary>True when something will be written even if nothing is added (a replacement, or an existing gallery).</summary>
    public bool HasGallery => _gallery is not null || _replacing;

    /// <summary>True when the gallery holds <paramref name="path"/> with this size and modification time.</summary>
    public bool IsUnchanged(string path, long size, DateTime modifiedUtc) =>
        size >= 0 && _sources.TryGetValue(path, out var known) && known.Size == size && known.ModifiedUtc == modifiedUtc;

    /// <summary>Fixes the gallery's model (creating the file), or checks that <paramref name="model"/> is the gallery's.</summary>
    /// <exception cref="GalleryModelMismatchException">Another model than the gallery's.</exception>
    public void EnsureModel(string model, int dimension)
    {
        if (_gallery is not null)
        {
            _gallery.EnsureModel(model, dimension);
            return;
        }
        if (Model is not null && !string.Equals(model, Model, StringComparison.OrdinalIgnoreCase))
            throw new GalleryModelMismatchException(Model, model,
                $"A gallery holds embeddings of one model: this one is of model '{Model}' and cannot take embeddings of model '{model}'. Compute them all with the same -Model.");
        Model ??= model;
        _gallery = GalleryFile.Create(_writePath, Model, dimension);
    }

    /// <summary>
    /// Records a photo embedded with <paramref name="model"/> and its faces (none is fine: the photo is then skipped
    /// next time), replacing what the gallery had for it.
    /// </summary>
    public void AddPhoto(GallerySource photo, IReadOnlyList<GalleryEntry> faces, string model, int dimension)
    {
        EnsureModel(model, dimension);
        foreach (var f in faces) EnsureModel(f.Model, f.Vector.Length);
        _pending.AddRange(faces);
        _pendingSources.Add(photo);
        if (_pending.Count >= BatchSize || _pendingSources.Count >= BatchSize) Flush();
    }

    /// <summary>Embeddings with no photo behind them (no path): added as they are.</summary>
    public void AddFaces(IReadOnlyList<GalleryEntry> faces)
    {
        foreach (var f in faces) EnsureModel(f.Model, f.Vector.Length);
        _pending.AddRange(faces);
        if (_pending.Count >= BatchSize) Flush();
    }

    /// <summary>Added so far (written or pending).</summary>
    public int FacesAdded { get; private set; }

    private void Flush()
    {
        if (_pending.Count == 0 && _pendingSources.Count == 0) return;
        _gallery!.Add(_pending, _pendingSources);
        FacesAdded += _pending.Count;
        _pending.Clear();
        _pendingSources.Clear();
    }

    /// <summary>Writes what is pending and, for a replacement, moves the new gallery into place. Null when there was nothing to write.</summary>
    public GalleryEnrolmentSummary? Complete()
    {
        if (_gallery is null) return null;
        Flush();
        int faces = _gallery.FaceCount;
        int people = _gallery.ReadEntries().Select(e => e.Label).Where(l => l is not null).Distinct(StringComparer.Ordinal).Count();
        var model = _gallery.Model;
        _gallery.Dispose();
        _gallery = null;
        if (_replacing) File.Move(_writePath, _target, overwrite: true);
        _completed = true;
        return new GalleryEnrolmentSummary(_target, model, FacesAdded, faces, people);
    }

    /// <summary>Closes the file; an unfinished replacement's temporary file is deleted, so the old gallery stays.</summary>
    public void Dispose()
    {
        _gallery?.Dispose();
        _gallery = null;
        if (_replacing && !_completed && File.Exists(_writePath))
            try { File.Delete(_writePath); } catch (IOException) { }
    }
}
