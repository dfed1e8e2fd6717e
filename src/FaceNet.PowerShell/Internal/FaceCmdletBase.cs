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

    private OrderedWorkQueue<ImageResult>? _queue;

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

    /// <summary>Queues one image's work; its result comes back, in input order, through DrainImages.</summary>
    protected void SubmitImage(Func<CancellationToken, ImageResult> work)
    {
        _queue ??= new OrderedWorkQueue<ImageResult>(ThrottleLimit);
        var options = LoadOptions;
        // Loads inside the work (ImageResult.Process) use this command's options without each cmdlet passing them.
        _queue.Submit(token => { using (ImageLoadOptions.Use(options)) return work(token); });
    }

    /// <summary>Hands finished results to emit on the pipeline thread; bad images become non-terminating errors.</summary>
    protected void DrainImages(bool final, Action<ImageResult> emit)
    {
        if (_queue is null) return;
        try
        {
            foreach (var result in _queue.Drain(final))
            {
                if (result.Error is ImageLoadException load) WriteError(ErrorIds.ForImage(load));
                else if (result.Error is not null)
                    WriteError(new ErrorRecord(result.Error, ErrorIds.FaceProcessingFailed, ErrorCategory.InvalidResult, result.Path));
                else
                {
                    WarnIfFaceLimitReached(result);
                    emit(result);
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

    /// <summary>Expands -Path (wildcards) or -LiteralPath to provider paths; unresolvable ones become errors.</summary>
    protected IEnumerable<string> ResolvePaths(string[]? paths, bool literal)
    {
        if (paths is null) yield break;
        foreach (var p in paths)
        {
            if (literal)
            {
                yield return SessionState.Path.GetUnresolvedProviderPathFromPSPath(p);
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
                // Passed on unresolved: loading it reports FileNotFound in input order, like every other bad file.
            }
            if (resolved is null)
            {
                yield return SessionState.Path.GetUnresolvedProviderPathFromPSPath(p);
                continue;
            }
            if (provider?.Name != "FileSystem")
            {
                WriteError(new ErrorRecord(new ArgumentException($"'{p}' is not a file system path."), ErrorIds.FileNotFound, ErrorCategory.InvalidArgument, p));
                continue;
            }
            if (resolved.Count == 0 && WildcardPattern.ContainsWildcardCharacters(p))
                WriteVerbose($"No files match '{p}'.");
            foreach (var r in resolved) yield return r;
        }
    }

    /// <summary>
    /// Loads an image, or writes a non-terminating error and returns null. With an analyzer, the image is
    /// loaded to detect faces in (FaceAnalyzer.Load: the same decode every command uses for detection).
    /// </summary>
    protected FaceImage? TryLoad(string path, FaceAnalyzer? forDetection = null)
    {
        try
        {
            return forDetection is null ? ImageLoader.Load(path, LoadOptions) : forDetection.Load(path, null, LoadOptions);
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
