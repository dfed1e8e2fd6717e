using System.Management.Automation;
using FaceNet.Engine.Attributes;
using FaceNet.Engine.Detection;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Models;
using FaceNet.Engine.Pipeline;
using FaceNet.PowerShell.Internal;

namespace FaceNet.PowerShell.Commands;

/// <summary>
/// Estimates each face's apparent expression, apparent age and a gender guess: every face in each image
/// (-Path/-LiteralPath), or faces from Get-Face and the faces of embeddings (-InputObject), not detected again.
/// </summary>
[Cmdlet(VerbsCommon.Get, "FaceAttribute", DefaultParameterSetName = PathSet)]
[OutputType(typeof(FaceAttribute))]
public sealed class GetFaceAttributeCommand : PathCmdletBase
{
    private const string FaceSet = "Face";

    /// <summary>Faces from Get-Face, or embeddings (their Face property).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = FaceSet)]
    [Alias("Face")]
    [ValidateNotNull]
    public Face[] InputObject { get; set; } = [];

    /// <summary>What to estimate: Expression, Age, Gender (default: all three). Only the models that give them run.</summary>
    [Parameter]
    [ValidateSet("Expression", "Age", "Gender")]
    public string[] Attribute { get; set; } = ["Expression", "Age", "Gender"];

    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = LiteralPathSet)]
    [ValidateRange(0.0, 1.0)]
    public float MinConfidence { get; set; } = float.NaN;

    /// <summary>UltraFace, YuNet or Mtcnn. Default: YuNet on every photo, with a framed retry for face crops.</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = LiteralPathSet)]
    [ValidateSet("UltraFace", "YuNet", "Mtcnn")]
    public string? Detector { get; set; }

    /// <summary>Smallest face to look at, in pixels (the longer side of its box).</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = LiteralPathSet)]
    [ValidateRange(1, int.MaxValue)]
    public int MinFaceSize { get; set; }

    private FaceAttributeKinds _kinds;
    private FaceAnalyzer _analyzer = null!;
    private string[] _models = [];
    private ProgressReporter? _progress;
    // Faces piped from Get-Face arrive one by one; keep the last image so each file is decoded once.
    private (string Path, DateTime Stamp, FaceImage Image)? _lastImage;

    protected override void BeginProcessing()
    {
        foreach (var a in Attribute) _kinds |= Enum.Parse<FaceAttributeKinds>(a, ignoreCase: true);
        var manifest = ModelLocator.Default;
        _analyzer = Detector is null ? AnalyzerFor(manifest) : new FaceAnalyzer(manifest, Detector);
        try
        {
            var estimator = _analyzer.Attributes;
            _models = estimator.ModelsFor(_kinds).ToArray();
            // The attribute models load while the first photo is decoded and searched for faces.
            estimator.Preload(_kinds, manifest);
        }
        catch (ModelLoadException ex)
        {
            ThrowModelError(ex);
        }
        _progress = new ProgressReporter(this, "Estimating face attributes");
    }

    protected override void ProcessRecord()
    {
        try
        {
            if (ParameterSetName == FaceSet)
            {
                foreach (var face in InputObject)
                {
                    if (Stopping) return;
                    EstimateFace(face);
                }
                return;
            }
            var options = float.IsNaN(MinConfidence) ? DetectionOptions.Default : DetectionOptions.Default with { MinConfidence = MinConfidence };
            if (MinFaceSize > 0) options = options with { MinFaceSize = MinFaceSize };
            var files = SelectedPaths().ToList();
            if (files.Count > 1) _progress!.Total += files.Count;
            foreach (var (file, error) in files)
            {
                if (Stopping) return;
                if (error is not null)
                {
                    SubmitFailure(file, error);
                    DrainImages(final: false, Emit);
                    continue;
                }
                var analyzer = _analyzer;
                var kinds = _kinds;
                SubmitImage(load => ImageResult.Process(analyzer, file, options, embedModel: null, load, kinds));
                DrainImages(final: false, Emit);
            }
        }
        catch (ModelLoadException ex)
        {
            ThrowModelError(ex);
        }
    }

    private void EstimateFace(Face face)
    {
        var image = ImageFor(face.Path);
        if (image is null) return;
        _progress!.Step(face.ToString());
        try
        {
            var estimate = _analyzer.EstimateAttributes(image, [face.ToEngine()], _kinds)[0];
            WriteObject(ToAttribute(face, estimate));
        }
        catch (Exception ex) when (ex is not ModelLoadException and not PipelineStoppedException)
        {
            WriteError(new ErrorRecord(ex, ErrorIds.FaceProcessingFailed, ErrorCategory.InvalidResult, face.Path));
        }
    }

    private FaceAttribute ToAttribute(Face face, FaceAttributeEstimate e)
    {
        var result = new FaceAttribute { Face = face, Models = _models };
        if (e.Expressions is { } p && e.ExpressionIndex is int k and >= 0)
        {
            result.Expression = e.Expression;
            result.ExpressionConfidence = Math.Round(p[k], 4);
            result.Expressions = new FaceExpressionScores(p);
        }
        if (e.Age is float age) result.Age = Math.Round(age, 1);
        if (e.Gender is not null)
        {
            result.Gender = e.Gender;
            result.GenderConfidence = Math.Round(e.GenderConfidence!.Value, 4);
        }
        return result;
    }

    private FaceImage? ImageFor(string path)
    {
        DateTime stamp = File.Exists(path) ? File.GetLastWriteTimeUtc(path) : default;
        if (_lastImage is { } last && last.Path == path && last.Stamp == stamp) return last.Image;
        ReleaseImage();
        var image = TryLoad(path);
        if (image is not null) _lastImage = (path, stamp, image);
        return image;
    }

    private void ReleaseImage()
    {
        _lastImage?.Image.Dispose();
        _lastImage = null;
    }

    private void Emit(ImageResult result, object? state)
    {
        _progress!.Step(result.Path);
        if (result.Faces.Count == 0) { WriteVerbose($"No face found in '{result.Path}'."); return; }
        for (int i = 0; i < result.Faces.Count; i++)
            WriteObject(ToAttribute(new Face(result.Path, result.Faces[i], result.ImageWidth, result.ImageHeight), result.Attributes![i]));
    }

    protected override void EndProcessing()
    {
        DrainImages(final: true, Emit);
        DisposeQueue();
        ReleaseImage();
        _progress?.Complete();
    }
}
