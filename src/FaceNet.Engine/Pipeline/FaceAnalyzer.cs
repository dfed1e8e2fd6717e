using FaceNet.Engine.Detection;
using FaceNet.Engine.Embedding;
using FaceNet.Engine.Geometry;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Landmarks;
using FaceNet.Engine.Models;

namespace FaceNet.Engine.Pipeline;

/// <summary>A detected face with its landmarks, in upright-image pixels. Index is the detection rank (0 = most confident).</summary>
public sealed record AnalyzedFace(int Index, FaceBox Box, float Confidence, FaceLandmarks Landmarks);

/// <summary>Detection plus landmarks, then embedding: the engine's whole pipeline behind one object.</summary>
public sealed class FaceAnalyzer
{
    public FaceAnalyzer(ModelManifest manifest, string? detector = null, string? landmarks = null)
    {
        Manifest = manifest;
        var det = manifest.Get(detector ?? manifest.DefaultDetector);
        Detector = new UltraFaceDetector(manifest, det);
        Landmarker = new Landmark68Detector(manifest, manifest.Get(landmarks ?? manifest.DefaultLandmarks));
    }

    public ModelManifest Manifest { get; }
    public IFaceDetector Detector { get; }
    public ILandmarkDetector Landmarker { get; }

    private static readonly Lazy<FaceAnalyzer> s_default = new(() => new FaceAnalyzer(ModelLocator.Default));
    public static FaceAnalyzer Default => s_default.Value;

    public IReadOnlyList<AnalyzedFace> Detect(FaceImage image, DetectionOptions? options = null)
    {
        var boxes = Detector.Detect(image, options ?? DetectionOptions.Default);
        var faces = new AnalyzedFace[boxes.Count];
        for (int i = 0; i < boxes.Count; i++)
            faces[i] = new AnalyzedFace(i, boxes[i].Box, boxes[i].Confidence, Landmarker.Detect(image, boxes[i].Box));
        return faces;
    }

    public IFaceEmbedder Embedder(string? model = null) => EmbedderFactory.Create(Manifest, model ?? Manifest.DefaultEmbedder);

    public float[][] Embed(FaceImage image, IReadOnlyList<AnalyzedFace> faces, string? model = null) =>
        Embedder(model).Embed(image, faces.Select(f => f.Landmarks).ToList());
}
