using FaceNet.Engine.Geometry;
using FaceNet.Engine.Imaging;

namespace FaceNet.Engine.Detection;

/// <summary>A face found by a detector, before landmarks.</summary>
public sealed record DetectedBox(FaceBox Box, float Confidence);

public sealed record DetectionOptions
{
    /// <summary>Minimum detector score. Null: the model's default from the manifest.</summary>
    public float? MinConfidence { get; init; }
    /// <summary>At most this many faces per image, highest scores first.</summary>
    public int MaxFaces { get; init; } = 200;
    public static DetectionOptions Default { get; } = new();
}

public interface IFaceDetector
{
    string Name { get; }
    IReadOnlyList<DetectedBox> Detect(FaceImage image, DetectionOptions options);
}
