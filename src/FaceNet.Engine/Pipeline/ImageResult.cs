using FaceNet.Engine.Imaging;

namespace FaceNet.Engine.Pipeline;

/// <summary>
/// What the pipeline made of one image, computed on a worker thread and reported on the caller's:
/// either faces (with embeddings when asked) or the reason the image failed.
/// </summary>
public sealed record ImageResult(
    string Path,
    int ImageWidth,
    int ImageHeight,
    IReadOnlyList<AnalyzedFace> Faces,
    float[][]? Embeddings,
    Exception? Error)
{
    /// <summary>The decoder's report of a cut-short or damaged file that still gave pixels (FaceImage.Damage), else null.</summary>
    public string? Damage { get; init; }

    /// <summary>Each face's expression, age and gender when asked for (Get-FaceAttribute), else null.</summary>
    public Engine.Attributes.FaceAttributeEstimate[]? Attributes { get; init; }

    /// <summary>For a video frame: its frame number and time; null for a photo.</summary>
    public Video.FramePosition? Position { get; init; }

    /// <summary>For tracking: the frame's thumbnail (cut detection) and each face's quality (FaceQuality); else null.</summary>
    public Tracking.FrameSignature? Signature { get; init; }
    public float[]? Qualities { get; init; }

    public static ImageResult Failed(string path, Exception error) => new(path, 0, 0, [], null, error);

    /// <summary>
    /// Decode, detect and (with a model name) embed one file, and estimate the attributes asked for. Never throws
    /// for a bad image.
    /// </summary>
    public static ImageResult Process(FaceAnalyzer analyzer, string path, Detection.DetectionOptions options, string? embedModel, ImageLoadOptions? loadOptions = null,
        Engine.Attributes.FaceAttributeKinds attributes = Engine.Attributes.FaceAttributeKinds.None)
    {
        FaceImage image;
        try { image = analyzer.Load(path, options, loadOptions); }
        catch (ImageLoadException ex) { return Failed(path, ex); }
        using (image) return Analyze(analyzer, image, path, options, embedModel, attributes);
    }

    /// <summary>Detect, embed and estimate on an image already decoded (a photo, a video frame); never throws for a bad image.</summary>
    public static ImageResult Analyze(FaceAnalyzer analyzer, FaceImage image, string path, Detection.DetectionOptions options, string? embedModel,
        Engine.Attributes.FaceAttributeKinds attributes = Engine.Attributes.FaceAttributeKinds.None, Video.FramePosition? position = null)
    {
        Platform.NativeHeap.ImageDone();
        try
        {
            var faces = analyzer.Detect(image, options);
            var embeddings = embedModel is not null && faces.Count > 0 ? analyzer.Embed(image, faces, embedModel) : null;
            var estimates = attributes != Engine.Attributes.FaceAttributeKinds.None ? analyzer.EstimateAttributes(image, faces, attributes) : null;
            return new ImageResult(path, image.Width, image.Height, faces, embeddings, null) { Damage = image.Damage, Attributes = estimates, Position = position };
        }
        catch (Exception ex) when (ex is not Models.ModelLoadException and not OperationCanceledException)
        {
            // One strange image must not end a run over thousands; the caller reports it.
            return Failed(path, ex) with { Position = position };
        }
    }
}
