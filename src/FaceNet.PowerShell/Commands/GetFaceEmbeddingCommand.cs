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
public sealed class GetFaceEmbeddingCommand : PathCmdletBase
{
    private const string FaceSet = "Face";

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

    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = LiteralPathSet)]
    [ValidateRange(0.0, 1.0)]
    public float MinConfidence { get; set; } = float.NaN;

    /// <summary>UltraFace, YuNet or Mtcnn. Default: YuNet on every photo, with a framed retry for face crops (see docs/detection.md).</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = LiteralPathSet)]
    [ValidateSet("UltraFace", "YuNet", "Mtcnn")]
    public string? Detector { get; set; }

    /// <summary>Smallest face to embed, in pixels (the longer side of its box).</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = LiteralPathSet)]
    [ValidateRange(1, int.MaxValue)]
    public int MinFaceSize { get; set; }

    private ModelManifest _manifest = null!;
    private string _model = "";
    private FaceAnalyzer _analyzer = null!;
    private ProgressReporter? _progress;
    // Faces piped from Get-Face arrive one by one; keep the last image so each file is decoded once.
    private (string Path, DateTime Stamp, FaceImage Image)? _lastImage;

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
        _progress = new ProgressReporter(this, "Computing face embeddings");
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
                    EmbedFace(face);
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
                var model = _model;
                // Results come back later: each image's own label travels with it.
                SubmitImage(load => ImageResult.Process(analyzer, file, options, model, load), NullIfEmpty(Label));
                DrainImages(final: false, Emit);
            }
        }
        catch (ModelLoadException ex)
        {
            ThrowModelError(ex);
        }
    }

    private void EmbedFace(Face face)
    {
        var image = ImageFor(face.Path);
        if (image is null) return;
        _progress!.Step(face.ToString());
        var vector = _analyzer.Embed(image, [face.ToEngine()], _model)[0];
        WriteObject(new FaceEmbedding(face, _model, vector) { Label = NullIfEmpty(Label) });
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

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

    private void Emit(ImageResult result, object? label)
    {
        _progress!.Step(result.Path);
        if (result.Faces.Count == 0) { WriteVerbose($"No face found in '{result.Path}'."); return; }
        for (int i = 0; i < result.Faces.Count; i++)
            WriteObject(new FaceEmbedding(new Face(result.Path, result.Faces[i], result.ImageWidth, result.ImageHeight), _model, result.Embeddings![i]) { Label = label as string });
    }

    protected override void EndProcessing()
    {
        DrainImages(final: true, Emit);
        DisposeQueue();
        ReleaseImage();
        _progress?.Complete();
    }
}
