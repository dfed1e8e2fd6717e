using System.Management.Automation;
using FaceNet.Engine.Detection;
using FaceNet.Engine.Models;
using FaceNet.Engine.Pipeline;
using FaceNet.Engine.Storage;
using FaceNet.Engine.Storage.Postgres;
using FaceNet.Engine.Verification;
using FaceNet.PowerShell.Internal;

namespace FaceNet.PowerShell.Commands;

/// <summary>
/// Stores labelled embeddings in a gallery: a file (SQLite), or a PostgreSQL database many machines share
/// (-ConnectionString). Input is embeddings from Get-FaceEmbedding, or photos (detected and embedded here). With
/// -Append, photos the gallery already holds unchanged are skipped (a file gallery knows them by path, size and time;
/// a shared gallery by content, so a copy under another path or on another machine is skipped too), and each photo
/// of a shared gallery is written in its own transaction.
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

    /// <summary>A PostgreSQL gallery: an Npgsql connection string (Host=...;Database=...;Username=...). Tables are created on first use.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SharedGalleryConnection.ConnectionSet)]
    [ValidateNotNullOrEmpty]
    public string ConnectionString { get; set; } = "";

    /// <summary>The user name and password for -ConnectionString; they win over any in the string.</summary>
    [Parameter(ParameterSetName = SharedGalleryConnection.ConnectionSet)]
    [Credential]
    public PSCredential? Credential { get; set; }

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

    private string _target = "";
    private bool _declined;
    private GalleryEnrolment? _enrolment;
    private string? _photoModel;   // the embedder for photos: the gallery's model, -Model, or the default
    private string? _modelVersion; // what shapes its vectors (CalibrationFingerprint), recorded by shared galleries
    private ModelManifest? _manifest;
    private FaceAnalyzer? _analyzer;
    private readonly List<(FaceEmbedding E, string? Label)> _embeddings = [];
    private readonly HashSet<string> _seenFiles = new(StringComparer.Ordinal);
    private int _embedded, _skipped;
    private ProgressReporter? _progress;

    private sealed record FileJob(string? Label, GallerySource Source);

    protected override void BeginProcessing()
    {
        _progress = new ProgressReporter(this, "Enrolling faces in the gallery", unit: "photos");
        if (ParameterSetName == SharedGalleryConnection.ConnectionSet)
        {
            BeginShared();
            return;
        }
        _target = SessionState.Path.GetUnresolvedProviderPathFromPSPath(ParameterSetName == LiteralPathSet ? LiteralPath : Path);
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
        try
        {
            _enrolment = GalleryEnrolment.Start(_target, Append ? GalleryWriteMode.Append : exists ? GalleryWriteMode.Replace : GalleryWriteMode.Create, Model);
            _enrolment.ModelVersionOf = ModelVersionCheck.Current;
            WarnOfOtherModelVersion();
        }
        catch (GalleryFormatException ex)
        {
            ThrowTerminatingError(ErrorIds.ForGallery(ex, _target));
        }
        catch (GalleryModelMismatchException ex)
        {
            ThrowMismatch(ex);
        }
        _photoModel = _enrolment!.Model;
    }

    /// <summary>-Append to a gallery whose faces another version of the model embedded: the faces added now will not match them exactly.</summary>
    private void WarnOfOtherModelVersion()
    {
        if (ModelVersionCheck.Warning(_target, _enrolment!.Model, _enrolment.ExistingModelVersions) is { } w)
            WriteWarning(w + " Faces added now hold this version's vectors.");
    }

    /// <summary>A PostgreSQL gallery: connect (creating the tables on first use), then enrol as into a file.</summary>
    private void BeginShared()
    {
        var mode = Append ? GalleryWriteMode.Append : Force ? GalleryWriteMode.Replace : GalleryWriteMode.Create;
        try
        {
            var target = SharedGalleryConnection.Target(ConnectionString, Credential);
            _target = target.Display;
            string action = mode switch
            {
                GalleryWriteMode.Append => "Add faces to the shared gallery",
                GalleryWriteMode.Replace => "Empty the shared gallery (every machine's faces) and enrol anew",
                _ => "Create a gallery",
            };
            if (!ShouldProcess(_target, action)) { _declined = true; return; }
            WriteVerbose($"Connecting to {_target}.");
            _enrolment = GalleryEnrolment.Start(PostgresGallery.Open(target, create: true), mode, Model);
            WarnOfOtherModelVersion();
        }
        catch (GalleryConnectionException ex)
        {
            ThrowTerminatingError(ErrorIds.ForGallery(ex));
        }
        catch (GalleryFormatException ex)
        {
            ThrowTerminatingError(ErrorIds.ForGallery(ex, _target));
        }
        catch (GalleryExistsException ex)
        {
            ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.GalleryExists, ErrorCategory.ResourceExists, _target));
        }
        catch (GalleryModelMismatchException ex)
        {
            ThrowMismatch(ex);
        }
        _photoModel = _enrolment!.Model;
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
    }

    private void AddEmbedding(FaceEmbedding e)
    {
        Write(() => _enrolment!.EnsureModel(e.Model, e.Vector.Length));
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
        GallerySource source = new(path, info.Length, info.LastWriteTimeUtc, string.IsNullOrEmpty(Label) ? null : Label, 0);
        try
        {
            source = _enrolment!.Identify(source);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            WriteError(new ErrorRecord(ex, ErrorIds.FileUnreadable, ErrorCategory.ReadError, path));
            return;
        }
        bool unchanged = false;
        Write(() => unchanged = _enrolment.IsUnchanged(source));
        if (unchanged)
        {
            _skipped++;
            WriteVerbose($"Unchanged since it entered the gallery, skipped: '{path}'.");
            return;
        }
        _photoModel ??= _enrolment.Model; // embeddings piped first fix the gallery's model, and so the photos'
        if (_photoModel is null)
        {
            try
            {
                (_manifest, _photoModel) = ModelResolver.Resolve(Model, null);
            }
            catch (ArgumentException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.UnknownModel, ErrorCategory.InvalidArgument, Model));
            }
        }
        if (_analyzer is null)
        {
            _manifest ??= ModelResolver.Shipped;
            if (!_manifest.TryGet(_photoModel!, out _))
                ThrowTerminatingError(new ErrorRecord(new ArgumentException($"The gallery's model '{_photoModel}' is not a shipped model, so photos cannot be embedded for it here; pipe embeddings instead."),
                    ErrorIds.UnknownModel, ErrorCategory.InvalidArgument, _photoModel));
            _analyzer = AnalyzerFor(_manifest);
            _modelVersion = _manifest.TryGet(_photoModel!, out var descriptor) ? CalibrationFingerprint.Of(_manifest, descriptor) : null;
        }
        var job = new FileJob(source.Label, source with { ModelVersion = _modelVersion });
        var analyzer = _analyzer;
        var model = _photoModel!;
        SubmitImage(load => ImageResult.Process(analyzer, path, DetectionOptions.Default, model, load), job);
    }

    private void OnImage(ImageResult result, object? state)
    {
        if (state is not FileJob job) return;
        _progress?.Step(result.Path);
        _embedded++;
        if (result.Faces.Count == 0) WriteVerbose($"No face found in '{result.Path}' (recorded, so it is skipped next time).");
        var entries = new List<GalleryEntry>(result.Faces.Count);
        for (int i = 0; i < result.Faces.Count; i++)
        {
            var e = new FaceEmbedding(new Face(result, i), _photoModel!, result.Embeddings![i]);
            entries.Add(GalleryEntryMapping.ToEntry(e, job.Label, job.Source.Size, job.Source.ModifiedUtc));
        }
        Write(() => _enrolment!.AddPhoto(job.Source with { Faces = entries.Count }, entries, _photoModel!, DimensionOf(_photoModel!)));
    }

    /// <summary>Runs a gallery write: a model mismatch or a write failure ends the command with its own ErrorId.</summary>
    private void Write(Action write)
    {
        try
        {
            write();
        }
        catch (GalleryModelMismatchException ex)
        {
            ThrowMismatch(ex);
        }
        catch (GalleryConnectionException ex)
        {
            ThrowTerminatingError(ErrorIds.ForGallery(ex));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            ThrowTerminatingError(new ErrorRecord(new IOException($"Cannot write the gallery '{_target}': {ex.Message}", ex),
                ErrorIds.GalleryWriteFailed, ErrorCategory.WriteError, _target));
        }
    }

    private void ThrowMismatch(GalleryModelMismatchException ex) =>
        ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.GalleryModelMismatch, ErrorCategory.InvalidData, _target));

    protected override void EndProcessing()
    {
        if (_declined) return;
        DrainImages(final: true, OnImage);
        DisposeQueue();
        _progress?.Complete();
        var enrolment = _enrolment!;
        if (!enrolment.HasGallery && enrolment.Model is null && _photoModel is null && _embeddings.Count == 0 && _skipped == 0)
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
            var photo = new GallerySource(group.Key, size, mtime, group.First().Label, group.Count());
            try
            {
                photo = enrolment.Identify(photo);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(ex, ErrorIds.FileUnreadable, ErrorCategory.ReadError, group.Key));
                continue;
            }
            bool unchanged = false;
            Write(() => unchanged = enrolment.IsUnchanged(photo));
            if (unchanged)
            {
                _skipped++;
                WriteVerbose($"Unchanged since it entered the gallery, skipped: '{group.Key}'.");
                continue;
            }
            var entries = group.Select(x => GalleryEntryMapping.ToEntry(x.E, x.Label, size, mtime)).ToList();
            var model = entries[0].Model;
            if (group.Key.Length > 0)
                Write(() => enrolment.AddPhoto(photo with { Label = entries[0].Label }, entries, model, entries[0].Vector.Length));
            else
                Write(() => enrolment.AddFaces(entries));
        }
        // A run of photos without a face still makes the gallery, of the model they were embedded for.
        if (enrolment.Model is null && _photoModel is not null) Write(() => enrolment.EnsureModel(_photoModel, DimensionOf(_photoModel)));
        GalleryEnrolmentSummary? summary = null;
        Write(() => summary = enrolment.Complete());
        if (summary is null) return;
        if (summary.StaleAdaptation is { } a)
            WriteWarning($"The gallery '{_target}' was adapted to its {a.People} people on {a.Created:yyyy-MM-dd} ({a.Faces} faces); the faces added since make that adaptation stale. " +
                         "Find-Face, Compare-Face and Test-FaceMatch -Gallery still use it (with a warning) until you run Optimize-FaceGallery again.");
        if (enrolment.PhotosStoredElsewhere > 0)
            WriteVerbose($"{enrolment.PhotosStoredElsewhere} photos were stored by another writer while this one embedded them; they were not added twice.");
        WriteVerbose($"Gallery '{_target}': embedded {_embedded} photos, skipped {_skipped} unchanged, added {summary.FacesAdded} faces; {summary.Faces} faces of {summary.People} people.");
        if (PassThru)
            WriteObject(new FaceGalleryUpdate { Path = _target, Model = summary.Model, Embedded = _embedded, Skipped = _skipped, FacesAdded = summary.FacesAdded, Faces = summary.Faces, People = summary.People });
    }

    /// <summary>The output size of a shipped model (a gallery of photos without faces still records its model).</summary>
    private int DimensionOf(string model) =>
        (_manifest ?? ModelResolver.Shipped).TryGet(model, out var d) && d.OutputSize > 0 ? d.OutputSize : 0;

    /// <summary>Leaves no open file or temporary file behind when the command fails or is stopped.</summary>
    public new void Dispose()
    {
        base.Dispose();
        _enrolment?.Dispose();
        _enrolment = null;
    }
}
