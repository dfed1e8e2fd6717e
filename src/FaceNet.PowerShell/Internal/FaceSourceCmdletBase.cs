using System.Management.Automation;
using FaceNet.Engine.Detection;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Models;
using FaceNet.Engine.Pipeline;
using FaceNet.Engine.Video;

namespace FaceNet.PowerShell.Internal;

/// <summary>
/// Cmdlets that work on faces from either source: photo files (-Path/-LiteralPath), whose faces are found first and
/// processed in parallel in input order, or faces found already (Get-Face's, an embedding's), which are not detected
/// again and whose photo is decoded once for all its faces. Get-FaceEmbedding and Get-FaceAttribute.
/// </summary>
public abstract class FaceSourceCmdletBase : MediaCmdletBase
{
    protected const string FaceSet = "Face";

    /// <summary>With -Path or -LiteralPath: the lowest detector confidence for a face to be used.</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = LiteralPathSet)]
    [ValidateRange(0.0, 1.0)]
    public float MinConfidence { get; set; } = float.NaN;

    /// <summary>UltraFace, YuNet or Mtcnn. Default: YuNet on every photo, with a framed retry for face crops (see docs/detection.md).</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = LiteralPathSet)]
    [ValidateSet("UltraFace", "YuNet", "Mtcnn")]
    public string? Detector { get; set; }

    /// <summary>This record's faces (the Face parameter set).</summary>
    protected abstract IEnumerable<Face> InputFaces { get; }

    /// <summary>Set in BeginProcessing: one step per photo or face.</summary>
    private protected ProgressReporter? Progress { get; set; }

    /// <summary>One face found already, with its decoded photo.</summary>
    protected abstract void ProcessFace(Face face, FaceImage image);

    /// <summary>The analyzer photos and frames are read with (set in BeginProcessing).</summary>
    protected abstract FaceAnalyzer Analyzer { get; }

    /// <summary>One photo's or video frame's work, run on a worker thread: it may read the cmdlet's settings, never write them.</summary>
    protected abstract ImageResult Analyze(FaceImage image, string file, DetectionOptions options, FramePosition? position);

    /// <summary>What travels with a photo's result back to Emit (a label, for example).</summary>
    protected virtual object? StateFor(string file) => null;

    /// <summary>One photo's result, on the pipeline thread, in input order.</summary>
    protected abstract void Emit(ImageResult result, object? state);

    // Faces piped from Get-Face arrive one by one; keep the last image so each file is decoded once.
    private (string Path, DateTime Stamp, TimeSpan? Time, FaceImage Image)? _lastImage;

    protected override void ProcessRecord()
    {
        try
        {
            if (ParameterSetName == FaceSet)
            {
                foreach (var face in InputFaces)
                {
                    if (Stopping) return;
                    if (ImageFor(face) is not { } image) continue;
                    Progress?.Step(face.ToString());
                    ProcessFace(face, image);
                }
                return;
            }
            var options = DetectionOptionsFor(MinConfidence);
            var files = SelectedPaths().ToList();
            if (files.Count > 1 && Progress is not null) Progress.Total += files.Count;
            foreach (var (file, error) in files)
            {
                if (Stopping) return;
                if (error is not null) SubmitFailure(file, error);
                else SubmitMedia(file, Analyzer, options, (image, o, at, _) => Analyze(image, file, o, at), StateFor(file), EmitStep);
                DrainImages(final: false, EmitStep);
            }
        }
        catch (ModelLoadException ex)
        {
            ThrowModelError(ex);
        }
    }

    private void EmitStep(ImageResult result, object? state)
    {
        if (state is VideoEnd end)
        {
            Progress?.Step(result.Path);
            WriteVerbose($"Read {end.Frames} frames of '{result.Path}'.");
            return;
        }
        if (result.Position is null) Progress?.Step(result.Path);
        if (result.Faces.Count == 0)
        {
            if (result.Position is null) WriteVerbose($"No face found in '{result.Path}'.");
            return;
        }
        Emit(result, state);
    }

    private FaceImage? ImageFor(Face face)
    {
        string path = face.Path;
        DateTime stamp = File.Exists(path) ? File.GetLastWriteTimeUtc(path) : default;
        var at = face.Time;
        if (_lastImage is { } last && last.Path == path && last.Stamp == stamp && last.Time == at) return last.Image;
        ReleaseImage();
        var image = at is { } t ? TryLoadFrame(path, t) : TryLoad(path);
        if (image is not null) _lastImage = (path, stamp, at, image);
        return image;
    }

    private void ReleaseImage()
    {
        _lastImage?.Image.Dispose();
        _lastImage = null;
    }

    protected override void EndProcessing()
    {
        DrainImages(final: true, EmitStep);
        DisposeQueue();
        ReleaseImage();
        Progress?.Complete();
    }
}
