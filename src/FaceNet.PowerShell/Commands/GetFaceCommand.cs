using System.Management.Automation;
using FaceNet.Engine.Detection;
using FaceNet.Engine.Models;
using FaceNet.Engine.Pipeline;
using FaceNet.PowerShell.Internal;

namespace FaceNet.PowerShell.Commands;

/// <summary>Finds the faces in images: one Face object per face, with box, confidence and landmarks.</summary>
[Cmdlet(VerbsCommon.Get, "Face", DefaultParameterSetName = PathSet)]
[OutputType(typeof(Face))]
public sealed class GetFaceCommand : MediaCmdletBase
{
    /// <summary>Minimum detector score, 0 to 1. Default: the detector's own (0.7 for UltraFace).</summary>
    [Parameter]
    [ValidateRange(0.0, 1.0)]
    public float MinConfidence { get; set; } = float.NaN;

    /// <summary>UltraFace, YuNet or Mtcnn. Default: YuNet on every photo, with a framed retry for face crops (see docs/detection.md).</summary>
    [Parameter]
    [ValidateSet("UltraFace", "YuNet", "Mtcnn")]
    public string? Detector { get; set; }

    private ProgressReporter? _progress;

    protected override void BeginProcessing() => _progress = new ProgressReporter(this, "Finding faces");

    protected override void ProcessRecord()
    {
        var options = DetectionOptionsFor(MinConfidence);
        var analyzer = Detector is null ? AnalyzerFor(ModelResolver.Shipped) : new FaceNet.Engine.Pipeline.FaceAnalyzer(ModelResolver.Shipped, Detector);
        var files = SelectedPaths().ToList();
        if (files.Count > 1) _progress!.Total += files.Count;
        foreach (var (file, error) in files)
        {
            if (Stopping) return;
            if (error is not null) SubmitFailure(file, error);
            else SubmitMedia(file, analyzer, options, (image, o, at, _) => ImageResult.Analyze(analyzer, image, file, o, embedModel: null, position: at), null, Emit);
            DrainImages(final: false, Emit);
        }
    }

    private void Emit(ImageResult result, object? state)
    {
        if (state is VideoEnd end)
        {
            _progress!.Step(result.Path);
            WriteVerbose($"Read {end.Frames} frames of '{result.Path}'.");
            return;
        }
        if (result.Position is null) _progress!.Step(result.Path);
        if (result.Faces.Count == 0 && result.Position is null) WriteVerbose($"No face found in '{result.Path}'.");
        for (int i = 0; i < result.Faces.Count; i++)
            WriteObject(new Face(result, i));
    }

    protected override void EndProcessing()
    {
        DrainImages(final: true, Emit);
        DisposeQueue();
        _progress?.Complete();
    }
}
