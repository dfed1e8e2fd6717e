using FaceNet.Engine.Geometry;
using FaceNet.Engine.Imaging;

namespace FaceNet.Engine.Detection;

/// <summary>A face found by a detector, before landmarks.</summary>
public sealed record DetectedBox(FaceBox Box, float Confidence)
{
    /// <summary>Five landmarks when the detector gives them (MTCNN's O-Net): left eye, right eye, nose, left mouth, right mouth.</summary>
    public PointF2[]? FivePoints { get; init; }
}

public sealed record DetectionOptions
{
    /// <summary>Minimum detector score. Null: the model's default from the manifest.</summary>
    public float? MinConfidence { get; init; }
    /// <summary>At most this many faces per image, highest scores first.</summary>
    public int MaxFaces { get; init; } = 200;
    /// <summary>Smallest face reported, in image pixels (the longer side of the box). Null: the detector's own floor (20 px for MTCNN).</summary>
    public int? MinFaceSize { get; init; }
    public static DetectionOptions Default { get; } = new();
}

public interface IFaceDetector
{
    string Name { get; }
    IReadOnlyList<DetectedBox> Detect(FaceImage image, DetectionOptions options);

    /// <summary>
    /// The image resolution detection reads (decoded pixels per image pixel, 0-1) for a width x height image,
    /// so a loader can decode just that much (JPEG DCT scaling) before <see cref="Detect"/>.
    /// </summary>
    float DetailFor(int width, int height, DetectionOptions options);
}
