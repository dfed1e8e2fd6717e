namespace FaceNet.Engine.Detection;

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
