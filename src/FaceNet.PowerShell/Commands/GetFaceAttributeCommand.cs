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
public sealed class GetFaceAttributeCommand : FaceSourceCmdletBase
{
    /// <summary>Faces from Get-Face, or embeddings (their Face property).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = FaceSet)]
    [Alias("Face")]
    [ValidateNotNull]
    public Face[] InputObject { get; set; } = [];

    /// <summary>What to estimate: Expression, Age, Gender (default: all three). Only the models that give them run.</summary>
    [Parameter]
    [ValidateSet("Expression", "Age", "Gender")]
    public string[] Attribute { get; set; } = ["Expression", "Age", "Gender"];

    private FaceAttributeKinds _kinds;
    private FaceAnalyzer _analyzer = null!;
    private string[] _models = [];

    protected override IEnumerable<Face> InputFaces => InputObject;

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
        Progress = new ProgressReporter(this, "Estimating face attributes");
    }

    protected override void ProcessFace(Face face, FaceImage image)
    {
        try
        {
            WriteObject(ToAttribute(face, _analyzer.EstimateAttributes(image, [face.ToEngine()], _kinds)[0]));
        }
        catch (Exception ex) when (ex is not ModelLoadException and not PipelineStoppedException)
        {
            WriteError(new ErrorRecord(ex, ErrorIds.FaceProcessingFailed, ErrorCategory.InvalidResult, face.Path));
        }
    }

    protected override FaceAnalyzer Analyzer => _analyzer;

    protected override ImageResult Analyze(FaceImage image, string file, DetectionOptions options, FaceNet.Engine.Video.FramePosition? position) =>
        ImageResult.Analyze(_analyzer, image, file, options, embedModel: null, _kinds, position);

    protected override void Emit(ImageResult result, object? state)
    {
        for (int i = 0; i < result.Faces.Count; i++)
            WriteObject(ToAttribute(new Face(result, i), result.Attributes![i]));
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
}
