using FaceNet.Engine.Geometry;

namespace FaceNet.Engine.Storage;

/// <summary>One labelled face of a gallery file, with the state of its source file when it was embedded.</summary>
public sealed record GalleryEntry
{
    public string? Label { get; init; }
    /// <summary>Full path of the source photo.</summary>
    public string Path { get; init; } = "";
    public int FaceIndex { get; init; }
    /// <summary>The face box in the photo's upright pixels (the engine's one box shape).</summary>
    public FaceBox Box { get; init; }
    public float Confidence { get; init; }
    public int ImageWidth { get; init; }
    public int ImageHeight { get; init; }
    /// <summary>Five landmarks (left eye, right eye, nose, mouth left, mouth right) as x,y pairs; may be null.</summary>
    public float[]? Landmarks { get; init; }
    public string Model { get; init; } = "";
    public float[] Vector { get; init; } = [];
    /// <summary>Source file size in bytes and last write time (UTC) when embedded; -1 / default when unknown.</summary>
    public long FileSize { get; init; } = -1;
    public DateTime FileModifiedUtc { get; init; }
}
