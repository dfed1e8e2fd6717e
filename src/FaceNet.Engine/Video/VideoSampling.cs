namespace FaceNet.Engine.Video;

/// <summary>
/// Which frames of a video are read: every frame, or the first frame of each 1/FramesPerSecond slot of time; from
/// Start, for Duration. Options as a record so each command states its own.
/// </summary>
public sealed record VideoSampling
{
    /// <summary>Five frames a second: a person in view for a fifth of a second is seen, at a sixth of the cost of every frame at 30 fps.</summary>
    public const double DefaultFramesPerSecond = 5;

    public double FramesPerSecond { get; init; } = DefaultFramesPerSecond;
    /// <summary>Read every frame (FramesPerSecond is ignored).</summary>
    public bool EveryFrame { get; init; }
    public TimeSpan Start { get; init; }
    public TimeSpan? Duration { get; init; }

    public static VideoSampling Default { get; } = new();
}
