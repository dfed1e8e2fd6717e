using System.Management.Automation;
using FaceNet.Engine.Detection;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Models;
using FaceNet.Engine.Pipeline;
using FaceNet.PowerShell.Internal;

namespace FaceNet.PowerShell.Commands;

/// <summary>
/// Turns faces into embeddings: every face in each image (-Path/-LiteralPath), or faces from Get-Face
/// (-InputObject), which are not detected again.
/// </summary>
[Cmdlet(VerbsCommon.Get, "FaceEmbedding", DefaultParameterSetName = PathSet)]
[OutputType(typeof(FaceEmbedding))]
public sealed class GetFaceEmbeddingCommand : FaceSourceCmdletBase
{
    /// <summary>Faces from Get-Face.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = FaceSet)]
    [ValidateNotNull]
    public Face[] InputObject { get; set; } = [];

    /// <summary>The embedder: Ensemble (default), MobileFaceNet, Dlib, or a name from a user descriptor.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ModelNameCompleter))]
    public string? Model { get; set; }

    /// <summary>Your own ONNX embedder, described by a JSON file of the same name beside it.</summary>
    [Parameter]
    public string? ModelPath { get; set; }

    /// <summary>Who the faces are: a value, or a script block run per piped input (e.g. { $_.Directory.Name }).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Label { get; set; }

    private ModelManifest _manifest = null!;
    private string _model = "";
    private FaceAnalyzer _analyzer = null!;

    protected override IEnumerable<Face> InputFaces => InputObject;

    protected override void BeginProcessing()
    {
        try
        {
            var resolvedModelPath = ModelPath is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(ModelPath);
            (_manifest, _model) = ModelResolver.Resolve(Model, resolvedModelPath);
        }
        catch (Exception ex) when (ex is ArgumentException or FileNotFoundException or InvalidDataException or System.Text.Json.JsonException)
        {
            ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.UnknownModel, ErrorCategory.InvalidArgument, (object?)ModelPath ?? Model));
        }
        _analyzer = Detector is null ? AnalyzerFor(_manifest) : new FaceAnalyzer(_manifest, Detector);
        // The embedder's models load while the first photo is decoded and searched for faces.
        _analyzer.PreloadEmbedder(_model);
        Progress = new ProgressReporter(this, "Computing face embeddings");
    }

    protected override void ProcessFace(Face face, FaceImage image)
    {
        var vector = _analyzer.Embed(image, [face.ToEngine()], _model)[0];
        WriteObject(new FaceEmbedding(face, _model, vector) { Label = NullIfEmpty(Label) });
    }

    // Results come back later: each image's own label travels with it.
    protected override object? StateFor(string file) => NullIfEmpty(Label);

    protected override FaceAnalyzer Analyzer => _analyzer;

    protected override ImageResult Analyze(FaceImage image, string file, DetectionOptions options, FaceNet.Engine.Video.FramePosition? position) =>
        ImageResult.Analyze(_analyzer, image, file, options, _model, position: position);

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    protected override void Emit(ImageResult result, object? label)
    {
        for (int i = 0; i < result.Faces.Count; i++)
            WriteObject(new FaceEmbedding(new Face(result, i), _model, result.Embeddings![i]) { Label = label as string });
    }
}
