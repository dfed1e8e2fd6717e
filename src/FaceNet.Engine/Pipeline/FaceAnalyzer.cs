using FaceNet.Engine.Detection;
using FaceNet.Engine.Embedding;
using FaceNet.Engine.Geometry;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Landmarks;
using FaceNet.Engine.Models;

namespace FaceNet.Engine.Pipeline;

/// <summary>Detection plus landmarks, then embedding: the engine's whole pipeline behind one object.</summary>
public sealed class FaceAnalyzer
{
    public FaceAnalyzer(ModelManifest manifest, string? detector = null, string? landmarks = null)
    {
        Manifest = manifest;
        // null: the default (UltraFace, MTCNN on large photos); "UltraFace" or "Mtcnn" to force one.
        Detector = DetectorFactory.Create(manifest, detector);
        Landmarker = new Landmark68Detector(manifest, manifest.Get(landmarks ?? manifest.DefaultLandmarks));
    }

    public ModelManifest Manifest { get; }
    public IFaceDetector Detector { get; }
    public ILandmarkDetector Landmarker { get; }

    private static readonly Lazy<FaceAnalyzer> s_default = new(() => new FaceAnalyzer(ModelLocator.Default));
    public static FaceAnalyzer Default => s_default.Value;

    /// <summary>
    /// Loads a photo to detect faces in: decoded at the resolution the detector reads (a JPEG at 1/8-5/8 scale
    /// when the photo is large); landmarks and embeddings decode more later only when they need it. Every
    /// command loads through here, so the same photo gives the same faces whichever cmdlet reads it.
    /// </summary>
    public FaceImage Load(string path, DetectionOptions? options = null, ImageLoadOptions? loadOptions = null)
    {
        options ??= DetectionOptions.Default;
        var detector = Detector;
        return ImageLoader.Load(path, (loadOptions ?? ImageLoadOptions.Default) with { InitialDetail = (w, h) => detector.DetailFor(w, h, options) });
    }

    public IReadOnlyList<AnalyzedFace> Detect(FaceImage image, DetectionOptions? options = null)
    {
        options ??= DetectionOptions.Default;
        var boxes = Detector.Detect(image, options);
        if (options.MinFaceSize is int minSize)
            boxes = boxes.Where(b => MathF.Max(b.Box.Width, b.Box.Height) >= minSize).ToList();
        var faces = new AnalyzedFace[boxes.Count];
        for (int i = 0; i < boxes.Count; i++)
        {
            var landmarks = Landmarker.Detect(image, boxes[i].Box);
            // MTCNN: its O-Net five points for 5-point alignment; the 68 points (dlib chip) still come from the landmark model in MTCNN's box.
            if (boxes[i].FivePoints is [var le, var re, var nose, var ml, var mr])
                landmarks = new FaceLandmarks(le, re, nose, ml, mr, landmarks.Points68);
            faces[i] = new AnalyzedFace(i, boxes[i].Box, boxes[i].Confidence, landmarks);
        }
        return faces;
    }

    /// <summary>Starts loading, in the background, the sessions an embedder needs (an ensemble's members each on their own).</summary>
    public void PreloadEmbedder(string? model = null)
    {
        var d = Manifest.Get(model ?? Manifest.DefaultEmbedder);
        var models = d.Kind == "Ensemble" ? (d.Members ?? []).Select(m => Manifest.Get(m.Model)) : [d];
        foreach (var m in models) OnnxSessionCache.Preload(Manifest, m);
    }

    public IFaceEmbedder Embedder(string? model = null) => EmbedderFactory.Create(Manifest, model ?? Manifest.DefaultEmbedder);

    /// <summary>The manifest's attribute models (expression, age, gender), shared by every command.</summary>
    public Engine.Attributes.AttributeEstimator Attributes => Engine.Attributes.AttributeEstimator.For(Manifest);

    public Engine.Attributes.FaceAttributeEstimate[] EstimateAttributes(FaceImage image, IReadOnlyList<AnalyzedFace> faces, Engine.Attributes.FaceAttributeKinds kinds) =>
        Attributes.Estimate(image, faces.Select(f => f.Landmarks).ToList(), kinds);

    public float[][] Embed(FaceImage image, IReadOnlyList<AnalyzedFace> faces, string? model = null) =>
        Embedder(model).Embed(image, faces.Select(f => f.Landmarks).ToList());
}
