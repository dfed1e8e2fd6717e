using System.Management.Automation;
using FaceNet.Engine.Detection;
using FaceNet.Engine.Models;
using FaceNet.Engine.Pipeline;
using FaceNet.Engine.Storage;
using FaceNet.PowerShell.Internal;

namespace FaceNet.PowerShell.Commands;

/// <summary>
/// Stores labelled embeddings in a gallery file (SQLite): from Get-FaceEmbedding, or photos directly (detected and
/// embedded here). With -Append, photos already in the gallery and unchanged since (same size and modification time)
/// are skipped, so re-enrolling a folder embeds only its new or changed photos.
/// </summary>
[Cmdlet(VerbsData.Export, "FaceGallery", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(FaceGalleryUpdate))]
public sealed class ExportFaceGalleryCommand : FaceCmdletBase, IDisposable
{
    /// <summary>The gallery file to write (as -Path of Export-Csv names the file written; photos come as -InputObject).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>The gallery file to write, taken exactly as typed (no wildcard characters are interpreted).</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet)]
    [Alias("LP")]
    [ValidateNotNullOrEmpty]
    public string LiteralPath { get; set; } = "";

    /// <summary>Embeddings (Get-FaceEmbedding, Import-Clixml, ConvertFrom-Json), or photos: files or paths.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [AllowEmptyCollection]
    public object[] InputObject { get; set; } = [];

    /// <summary>Who the faces are: a value, or a script block run per piped input ({ $_.Directory.Name }). Default: the embeddings' own Label.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Label { get; set; }

    /// <summary>Adds to an existing gallery; photos unchanged since they entered it are skipped.</summary>
    [Parameter]
    public SwitchParameter Append { get; set; }

    /// <summary>Replaces an existing gallery.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>The embedder for photos. Default: the gallery's model when appending, else the default embedder.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ModelNameCompleter))]
    public string? Model { get; set; }

    /// <summary>Writes a summary: photos embedded, photos skipped, faces added.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private string _target = "";      // the gallery file
    private string _writePath = "";   // where this run writes (a temporary file when replacing)
    private bool _replacing;
    private bool _declined;
    private GalleryFile? _gallery;
    private Dictionary<string, GallerySource> _sources = new(StringComparer.Ordinal);
    private string? _model;
    private ModelManifest? _manifest;
    private FaceAnalyzer? _analyzer;
    private readonly List<GalleryEntry> _pending = [];
    private readonly List<GallerySource> _pendingSources = [];
    private readonly List<(FaceEmbedding E, string? Label)> _embeddings = [];
    private readonly HashSet<string> _seenFiles = new(StringComparer.Ordinal);
    private int _embedded, _skipped, _added;
    private ProgressReporter? _progress;

    private sealed record FileJob(string? Label, long Size, DateTime ModifiedUtc);

    protected override void BeginProcessing()
    {
        _target = SessionState.Path.GetUnresolvedProviderPathFromPSPath(ParameterSetName == LiteralPathSet ? LiteralPath : Path);
        _progress = new ProgressReporter(this, "Enrolling faces in the gallery", unit: "photos");
        bool exists = File.Exists(_target);
        if (Directory.Exists(_target))
            ThrowTerminatingError(new ErrorRecord(new IOException($"'{_target}' is a folder; give a gallery file name (e.g. people.faces)."),
                ErrorIds.GalleryExists, ErrorCategory.InvalidArgument, _target));
        var folder = System.IO.Path.GetDirectoryName(_target);
        if (!exists && !string.IsNullOrEmpty(folder) && !Directory.Exists(folder))
            ThrowTerminatingError(new ErrorRecord(new DirectoryNotFoundException($"Cannot write the gallery '{_target}': the folder '{folder}' does not exist (or is a file). Create it first."),
                ErrorIds.GalleryFolderNotFound, ErrorCategory.ObjectNotFound, folder));
        if (exists && !Append && !Force)
            ThrowTerminatingError(new ErrorRecord(new IOException($"The gallery '{_target}' already exists. Use -Append to add to it or -Force to replace it."),
                ErrorIds.GalleryExists, ErrorCategory.ResourceExists, _target));
        string action = exists && Append ? "Add faces to the gallery" : exists ? "Replace the gallery" : "Create a gallery";
        if (!ShouldProcess(_target, action)) { _declined = true; return; }
        _replacing = exists && !Append;
        _writePath = _replacing ? _target + ".tmp-" + Guid.NewGuid().ToString("N")[..8] : _target;
        if (exists && Append)
        {
            try
            {
                _gallery = GalleryFile.Open(_target, writable: true);
            }
            catch (GalleryFormatException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.NotAGallery, ErrorCategory.InvalidData, _target));
            }
            _sources = _gallery!.ReadSources();
            _model = _gallery.Model;
            if (Model is not null && !string.Equals(Model, _model, StringComparison.OrdinalIgnoreCase))
                ThrowMismatch(new GalleryModelMismatchException(_model, Model,
                    $"The gallery '{_target}' holds embeddings of model '{_model}'; it cannot take embeddings of model '{Model}'. Use -Model {_model}, or -Force to replace the gallery."));
        }
    }

    protected override void ProcessRecord()
    {
        if (_declined) return;
        foreach (var item in PipelineInputBinder.Flatten(InputObject))
        {
            if (Stopping) return;
            var input = PipelineInputBinder.Bind(item);
            switch (input.Kind)
            {
                case InputKind.File: AddFile(input.Path!); break;
                case InputKind.Embedding: AddEmbedding(input.Embedding!); break;
                case InputKind.Folder when MyInvocation.ExpectingInput:
                    WriteVerbose($"Skipped the folder '{input.Path}' (only files are read).");
                    break;
                case InputKind.Folder:
                    WriteError(new ErrorRecord(new ArgumentException($"'{input.Path}' is a folder; give photos (Get-ChildItem '{input.Path}' -Recurse -File)."),
                        ErrorIds.FileNotFound, ErrorCategory.InvalidArgument, input.Path));
                    break;
                case InputKind.PathText:
                    foreach (var (p, error) in ResolvePaths([input.Path!], literal: false))
                        if (error is not null) WritePathError(error); else AddFile(p);
                    break;
                default:
                    WriteError(new ErrorRecord(new ArgumentException($"Cannot store a {input.TypeName} in a gallery: give embeddings from Get-FaceEmbedding, or photos."),
                        ErrorIds.UnsupportedInputObject, ErrorCategory.InvalidArgument, item));
                    break;
            }
        }
        DrainImages(final: false, OnImage);
        if (_pending.Count >= 256 || _pendingSources.Count >= 256) Flush();
    }

    private void AddEmbedding(FaceEmbedding e)
    {
        EnsureModel(e.Model, e.Vector.Length);
        _embeddings.Add((e, string.IsNullOrEmpty(Label) ? e.Label : Label));
    }

    private void AddFile(string path)
    {
        if (!_seenFiles.Add(path)) return;
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            WriteError(new ErrorRecord(new FileNotFoundException($"Cannot find '{path}'.", path), ErrorIds.FileNotFound, ErrorCategory.ObjectNotFound, path));
            return;
        }
        if (_sources.TryGetValue(path, out var known) && known.Size == info.Length && known.ModifiedUtc == info.LastWriteTimeUtc)
        {
            _skipped++;
            WriteVerbose($"Unchanged since it entered the gallery, skipped: '{path}'.");
            return;
        }
        if (_model is null)
        {
            try
            {
                (_manifest, _model) = ModelResolver.Resolve(Model, null);
            }
            catch (ArgumentException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.UnknownModel, ErrorCategory.InvalidArgument, Model));
            }
        }
        if (_analyzer is null)
        {
            _manifest ??= ModelResolver.Shipped;
            if (!_manifest.TryGet(_model!, out _))
                ThrowTerminatingError(new ErrorRecord(new ArgumentException($"The gallery's model '{_model}' is not a shipped model, so photos cannot be embedded for it here; pipe embeddings instead."),
                    ErrorIds.UnknownModel, ErrorCategory.InvalidArgument, _model));
            _analyzer = AnalyzerFor(_manifest);
        }
        var job = new FileJob(string.IsNullOrEmpty(Label) ? null : Label, info.Length, info.LastWriteTimeUtc);
        var analyzer = _analyzer;
        var model = _model;
        SubmitImage(load => ImageResult.Process(analyzer, path, DetectionOptions.Default, model, load), job);
    }

    private void OnImage(ImageResult result, object? state)
    {
        if (state is not FileJob job) return;
        _progress?.Step(result.Path);
        _embedded++;
        if (result.Faces.Count == 0) WriteVerbose($"No face found in '{result.Path}' (recorded, so it is skipped next time).");
        for (int i = 0; i < result.Faces.Count; i++)
        {
            var e = new FaceEmbedding(new Face(result.Path, result.Faces[i], result.ImageWidth, result.ImageHeight), _model!, result.Embeddings![i]);
            EnsureModel(e.Model, e.Vector.Length);
            _pending.Add(GalleryEntryMapping.ToEntry(e, job.Label, job.Size, job.ModifiedUtc));
        }
        _pendingSources.Add(new GallerySource(result.Path, job.Size, job.ModifiedUtc, job.Label, result.Faces.Count));
    }

    private void EnsureModel(string model, int dimension)
    {
        if (_gallery is not null)
        {
            try { _gallery.EnsureModel(model, dimension); }
            catch (GalleryModelMismatchException ex) { ThrowMismatch(ex); }
            return;
        }
        _model ??= model;
        if (!string.Equals(model, _model, StringComparison.OrdinalIgnoreCase))
            ThrowMismatch(new GalleryModelMismatchException(_model, model,
                $"A gallery holds embeddings of one model: this one is of model '{_model}' and cannot take embeddings of model '{model}'. Compute them all with the same -Model."));
        _gallery = CreateGallery(model, dimension);
    }

    private GalleryFile CreateGallery(string model, int dimension)
    {
        try
        {
            return GalleryFile.Create(_writePath, model, dimension);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            ThrowTerminatingError(new ErrorRecord(new IOException($"Cannot write the gallery '{_target}': {ex.Message}", ex),
                ErrorIds.GalleryWriteFailed, ErrorCategory.WriteError, _target));
            throw; // not reached
        }
    }

    private void ThrowMismatch(GalleryModelMismatchException ex) =>
        ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.GalleryModelMismatch, ErrorCategory.InvalidData, _target));

    private void Flush()
    {
        if (_pending.Count == 0 && _pendingSources.Count == 0) return;
        _gallery!.Add(_pending, _pendingSources);
        _added += _pending.Count;
        _pending.Clear();
        _pendingSources.Clear();
    }

    protected override void EndProcessing()
    {
        if (_declined) return;
        DrainImages(final: true, OnImage);
        DisposeQueue();
        _progress?.Complete();
        if (_gallery is null && _model is null && _embeddings.Count == 0 && _pending.Count == 0 && _skipped == 0 && !_replacing)
        {
            WriteWarning("Nothing to store: no embeddings or photos came in.");
            return;
        }
        // Embeddings: per photo, skip the photo when the gallery has it unchanged, else replace its faces.
        foreach (var group in _embeddings.GroupBy(x => x.E.Path, StringComparer.Ordinal))
        {
            var info = group.Key.Length > 0 ? new FileInfo(group.Key) : null;
            long size = info is { Exists: true } ? info.Length : -1;
            DateTime mtime = info is { Exists: true } ? info.LastWriteTimeUtc : default;
            if (size >= 0 && _sources.TryGetValue(group.Key, out var known) && known.Size == size && known.ModifiedUtc == mtime)
            {
                _skipped++;
                WriteVerbose($"Unchanged since it entered the gallery, skipped: '{group.Key}'.");
                continue;
            }
            var entries = group.Select(x => GalleryEntryMapping.ToEntry(x.E, x.Label, size, mtime)).ToList();
            _pending.AddRange(entries);
            if (group.Key.Length > 0)
                _pendingSources.Add(new GallerySource(group.Key, size, mtime, entries[0].Label, entries.Count));
        }
        if (_gallery is null && _model is not null) _gallery = CreateGallery(_model, DimensionOf(_model));
        if (_gallery is null) return;
        try
        {
            Flush();
            int faces = _gallery.FaceCount;
            int people = _gallery.ReadEntries().Select(e => e.Label).Where(l => l is not null).Distinct(StringComparer.Ordinal).Count();
            var model = _gallery.Model;
            _gallery.Dispose();
            _gallery = null;
            if (_replacing) File.Move(_writePath, _target, overwrite: true);
            WriteVerbose($"Gallery '{_target}': embedded {_embedded} photos, skipped {_skipped} unchanged, added {_added} faces; {faces} faces of {people} people.");
            if (PassThru)
                WriteObject(new FaceGalleryUpdate { Path = _target, Model = model, Embedded = _embedded, Skipped = _skipped, FacesAdded = _added, Faces = faces, People = people });
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.GalleryWriteFailed, ErrorCategory.WriteError, _target));
        }
    }

    /// <summary>The output size of a shipped model (a gallery of photos without faces still records its model).</summary>
    private int DimensionOf(string model) =>
        (_manifest ?? ModelResolver.Shipped).TryGet(model, out var d) && d.OutputSize > 0 ? d.OutputSize : 0;

    /// <summary>Leaves no open file or temporary file behind when the command fails or is stopped.</summary>
    public new void Dispose()
    {
        base.Dispose();
        _gallery?.Dispose();
        _gallery = null;
        if (_replacing && _writePath.Length > 0 && File.Exists(_writePath)) try { File.Delete(_writePath); } catch (IOException) { }
    }
}
