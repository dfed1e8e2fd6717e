using FaceNet.Engine.Geometry;

namespace FaceNet.Engine.Detection;

/// <summary>A face found by a detector, before landmarks.</summary>
public sealed record DetectedBox(FaceBox Box, float Confidence)
{
    /// <summary>Five landmarks when the detector gives them (MTCNN's O-Net): left eye, right eye, nose, left mouth, right mouth.</summary>
    public PointF2[]? FivePoints { get; init; }
}
