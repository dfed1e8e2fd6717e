using FaceNet.Engine.Imaging;

namespace FaceNet.Engine.Video;

/// <summary>Where a picture came from in a video: its frame number (0-based, counted from the first frame) and its time from the start.</summary>
public readonly record struct FramePosition(long Frame, TimeSpan Time)
{
    public override string ToString() => $"{VideoTime.Format(Time)} (frame {Frame})";
}

/// <summary>One decoded frame; the reader hands over ownership of the image.</summary>
public sealed record VideoFrame(FramePosition Position, FaceImage Image);

public static class VideoTime
{
    /// <summary>h:mm:ss.fff for an hour or more, else m:ss.fff: how players show a position.</summary>
    public static string Format(TimeSpan t) => t.TotalHours >= 1
        ? t.ToString(@"h\:mm\:ss\.fff", System.Globalization.CultureInfo.InvariantCulture)
        : t.ToString(@"m\:ss\.fff", System.Globalization.CultureInfo.InvariantCulture);
}
