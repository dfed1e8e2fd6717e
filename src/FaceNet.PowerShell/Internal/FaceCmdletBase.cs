using System.Collections.ObjectModel;
using System.Management.Automation;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Models;
using FaceNet.Engine.Pipeline;
using FaceNet.Engine.Detection;

namespace FaceNet.PowerShell.Internal;

/// <summary>
/// Shared plumbing for cmdlets that read images: -Path/-LiteralPath resolution, error records that never
/// stop the pipeline, and one analyzer per manifest.
/// </summary>
public abstract class FaceCmdletBase : PSCmdlet, IDisposable
{
    protected const string PathSet = "Path";
    protected const string LiteralPathSet = "LiteralPath";

    /// <summary>Images processed at once. Default: one per core (each ONNX session runs single-threaded).</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = Environment.ProcessorCount;

    /// <summary>One image's result and what the cmdlet queued with it (a label, a file's size and time): explicit values, no side tables.</summary>
    protected readonly record struct QueuedImage(ImageResult Result, object? State);

    private OrderedWorkQueue<QueuedImage>? _queue;

    /// <summary>The preference variable that overrides the pixel limit (ImageLoadOptions.MaxPixels) for every cmdlet.</summary>
    public const string MaxImagePixelsVariable = "FaceNetMaxImagePixels";
    private const string InvalidMaxImagePixelsErrorId = "InvalidMaxImagePixels";

    private ImageLoadOptions? _loadOptions;

    /// <summary>
    /// Decoding options for this command: the engine defaults, with $FaceNetMaxImagePixels (a positive number of
    /// pixels, looked up like any preference variable) as the pixel limit when it is set.
    /// </summary>
    protected ImageLoadOptions LoadOptions => _loadOptions ??= ReadLoadOptions();

    private ImageLoadOptions ReadLoadOptions()
    {
        var value = SessionState.PSVariable.GetValue(MaxImagePixelsVariable);
        if (value is null) return ImageLoadOptions.Default;
        if (LanguagePrimitives.TryConvertTo<double>(value, out var d) && d >= 1 && d <= long.MaxValue)
            return ImageLoadOptions.Default with { MaxPixels = (long)d };
        ThrowTerminatingError(new ErrorRecord(
            new ArgumentException($"${MaxImagePixelsVariable} must be a positive number of pixels, such as 250e6; it is '{value}'. Remove the variable to use the default of {ImageLoadOptions.Default.MaxPixels / 1e6:0} megapixels."),
            InvalidMaxImagePixelsErrorId, ErrorCategory.InvalidArgument, value));
        return ImageLoadOptions.Default;
    }

    /// <summary>
    /// Queues one image's work, given this command's decoding options (pass them on to ImageResult.Process); its
    /// result comes back, in input order and with <paramref name="state"/>, through DrainImages.
    /// </summary>
    protected void SubmitImage(Func<ImageLoadOptions, ImageResult> work, object? state = null)
    {
        _queue ??= new OrderedWorkQueue<QueuedImage>(ThrottleLimit);
        var options = LoadOptions;
        _queue.Submit(_ => new QueuedImage(work(options), state));
    }

    /// <summary>Queues an input that is already known to fail (a path that names no file), so its error keeps its turn.</summary>
    protected void SubmitFailure(string path, Exception error) => SubmitImage(_ => ImageResult.Failed(path, error));

    /// <summary>Hands finished results to emit on the pipeline thread; bad images become non-terminating errors.</summary>
    protected void DrainImages(bool final, Action<ImageResult, object?> emit)
    {
        if (_queue is null) return;
        try
        {
            foreach (var (result, state) in _queue.Drain(final))
            {
                if (result.Error is ImageLoadException load) WriteError(ErrorIds.ForImage(load));
                else if (result.Error is not null)
                    WriteError(new ErrorRecord(result.Error, ErrorIds.FaceProcessingFailed, ErrorCategory.InvalidResult, result.Path));
                else
                {
                    WarnIfDamaged(result.Path, result.Damage);
                    WarnIfFaceLimitReached(result);
                    emit(result, state);
                }
            }
        }
        catch (ModelLoadException ex)
        {
            ThrowModelError(ex);
        }
        catch (OperationCanceledException) when (Stopping)
        {
        }
    }

    protected override void StopProcessing() => _queue?.Cancel();

    /// <summary>The detectors stop at DetectionOptions.MaxFaces: say so instead of silently dropping faces.</summary>
    protected void WarnIfFaceLimitReached(ImageResult result)
    {
        int max = DetectionOptions.Default.MaxFaces;
        if (result.Faces.Count >= max)
            WriteWarning($"'{result.Path}' has at least {max} faces, the most reported for one image (DetectionOptions.MaxFaces); faces beyond the {max} most confident were not reported.");
    }

    /// <summary>Releases worker state; called from EndProcessing and when the command is torn down early.</summary>
    protected void DisposeQueue()
    {
        _queue?.Dispose();
        _queue = null;
    }

    public void Dispose() => DisposeQueue();

    /// <summary>One path given by the user, resolved: a file to read, or the reason it names none.</summary>
    protected readonly record struct ResolvedPath(string Path, ImageLoadException? Error);

    /// <summary>
    /// Expands -Path (wildcards) or -LiteralPath to provider paths. A pattern that matches nothing is a FileNotFound
    /// error (saying when its folder does not exist), as Resolve-Path does; a pattern with brackets that matches
    /// nothing but names an existing file (photo [1].jpg) is taken literally. Folders matched by a wildcard, or
    /// bound to -LiteralPath from the pipeline (the DirectoryInfo objects of Get-ChildItem -Recurse), are skipped
    /// with a verbose message; a folder named by a path goes on, so that reading it reports the error.
    /// </summary>
    protected IEnumerable<ResolvedPath> ResolvePaths(string[]? paths, bool literal)
    {
        if (paths is null) yield break;
        foreach (var p in paths)
        {
            if (literal)
            {
                var full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(p);
                if (Directory.Exists(full) && MyInvocation.ExpectingInput)
                {
                    WriteVerbose($"Skipped the folder '{full}' (only files are read).");
                    continue;
                }
                yield return new ResolvedPath(full, null);
                continue;
            }
            Collection<string>? resolved = null;
            ProviderInfo? provider = null;
            try
            {
                resolved = GetResolvedProviderPathFromPSPath(p, out provider);
            }
            catch (ItemNotFoundException)
            {
                // Unresolved: passed on, so that loading reports FileNotFound in input order, like every other bad file.
            }
            catch (System.Management.Automation.DriveNotFoundException ex)
            {
                WriteError(new ErrorRecord(ex, ErrorIds.FileNotFound, ErrorCategory.ObjectNotFound, p));
                continue;
            }
            if (resolved is { Count: > 0 } && provider?.Name != "FileSystem")
            {
                WriteError(new ErrorRecord(new ArgumentException($"'{p}' is not a file system path."), ErrorIds.FileNotFound, ErrorCategory.InvalidArgument, p));
                continue;
            }
            bool wildcard = WildcardPattern.ContainsWildcardCharacters(p);
            if (resolved is not { Count: > 0 })
            {
                string unresolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(p);
                if (!wildcard) { yield return new ResolvedPath(unresolved, null); continue; }
                if (File.Exists(unresolved))
                {
                    WriteVerbose($"'{p}' matches no file as a wildcard pattern; reading the file of that exact name. Use -LiteralPath for names with [ ] * ?.");
                    yield return new ResolvedPath(unresolved, null);
                    continue;
                }
                yield return new ResolvedPath(p, NoMatch(p, unresolved));
                continue;
            }
            foreach (var r in resolved)
            {
                if (wildcard && Directory.Exists(r))
                {
                    WriteVerbose($"Skipped the folder '{r}', which '{p}' matches (only files are read).");
                    continue;
                }
                yield return new ResolvedPath(r, null);
            }
        }
    }

    /// <summary>FileNotFound for a wildcard pattern that matches nothing: names the folder when it does not exist.</summary>
    private static ImageLoadException NoMatch(string pattern, string unresolved)
    {
        int wild = unresolved.IndexOfAny(['*', '?', '[']);
        string prefix = wild < 0 ? unresolved : unresolved[..wild];
        string? folder = prefix.EndsWith(System.IO.Path.DirectorySeparatorChar) ? prefix : System.IO.Path.GetDirectoryName(prefix);
        if (!string.IsNullOrEmpty(folder) && !Directory.Exists(folder))
            return new ImageLoadException(ImageLoadFailure.NotFound, pattern,
                $"Cannot find '{pattern}': the folder '{folder.TrimEnd(System.IO.Path.DirectorySeparatorChar)}' does not exist.");
        return new ImageLoadException(ImageLoadFailure.NotFound, pattern, $"No files match '{pattern}'.");
    }

    /// <summary>Writes the error of a path that names no file.</summary>
    protected void WritePathError(ImageLoadException ex) => WriteError(ErrorIds.ForImage(ex));

    /// <summary>A cut-short or damaged photo still gives what could be decoded; say so instead of losing faces silently.</summary>
    protected void WarnIfDamaged(string path, string? damage)
    {
        if (damage is not null)
            WriteWarning($"'{path}' is damaged: {damage}. Faces were searched for in what could be decoded; some may be missing.");
    }

    /// <summary>
    /// Loads an image, or writes a non-terminating error and returns null. With an analyzer, the image is
    /// loaded to detect faces in (FaceAnalyzer.Load: the same decode every command uses for detection).
    /// </summary>
    protected FaceImage? TryLoad(string path, FaceAnalyzer? forDetection = null)
    {
        try
        {
            var image = forDetection is null ? ImageLoader.Load(path, LoadOptions) : forDetection.Load(path, null, LoadOptions);
            WarnIfDamaged(path, image.Damage);
            return image;
        }
        catch (ImageLoadException ex)
        {
            WriteError(ErrorIds.ForImage(ex));
            return null;
        }
    }

    /// <summary>The frame of a video a face was found in (faces piped from Get-Face), or a non-terminating error and null.</summary>
    protected FaceImage? TryLoadFrame(string path, TimeSpan time)
    {
        try
        {
            return FaceNet.Engine.Video.FrameGrabber.Grab(path, time).Image;
        }
        catch (ImageLoadException ex)
        {
            WriteError(ErrorIds.ForImage(ex));
            return null;
        }
    }

    /// <summary>A broken model ends the command: every later input would fail the same way.</summary>
    protected void ThrowModelError(ModelLoadException ex) => ThrowTerminatingError(ErrorIds.ForModel(ex));

    protected static FaceAnalyzer AnalyzerFor(ModelManifest manifest) =>
        ReferenceEquals(manifest, ModelLocator.Default) ? FaceAnalyzer.Default : new FaceAnalyzer(manifest);
}
