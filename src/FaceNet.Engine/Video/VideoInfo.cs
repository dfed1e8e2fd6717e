namespace FaceNet.Engine.Video;

/// <summary>A video's first video stream as ffprobe reports it. Width and Height are as displayed (rotation applied).</summary>
public sealed record VideoInfo(
    int Width,
    int Height,
    double FrameRate,
    TimeSpan? Duration,
    long? FrameCount,
    string Codec,
    string Container,
    int Rotation);
