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

    /// <summary>h:mm:ss for an hour or more, else m:ss (whole seconds, as a timeline's ticks show them).</summary>
    public static string FormatSeconds(TimeSpan t) => t.TotalHours >= 1
        ? t.ToString(@"h\:mm\:ss", System.Globalization.CultureInfo.InvariantCulture)
        : t.ToString(@"m\:ss", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// A time for a file name, sortable and free of ':' (which Windows forbids): 0m01.200s, 12m03.040s, 1h02m03.000s.
    /// </summary>
    public static string ForFileName(TimeSpan t) => t.TotalHours >= 1
        ? t.ToString(@"h\hmm\mss\.fff\s", System.Globalization.CultureInfo.InvariantCulture)
        : ((int)t.TotalMinutes).ToString(System.Globalization.CultureInfo.InvariantCulture) + t.ToString(@"\mss\.fff\s", System.Globalization.CultureInfo.InvariantCulture);
}
