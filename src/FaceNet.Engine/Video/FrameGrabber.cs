using FaceNet.Engine.Imaging;

namespace FaceNet.Engine.Video;

/// <summary>Decodes the one frame a face was found in (a face piped from Get-Face, a report's thumbnail, a drawn frame).</summary>
public static class FrameGrabber
{
    /// <summary>
    /// The frame shown at <paramref name="time"/>: ffmpeg seeks accurately to a quarter frame before it and the first
    /// frame from there is the one. Throws ImageLoadException when the video has no frame there.
    /// </summary>
    public static VideoFrame Grab(string path, TimeSpan time)
    {
        var info = VideoProbe.Probe(path);
        var start = time - TimeSpan.FromSeconds(0.25 / info.FrameRate);
        if (start < TimeSpan.Zero) start = TimeSpan.Zero;
        using var reader = new VideoReader(path, new VideoSampling { EveryFrame = true, Start = start }, maxFrames: 1);
        foreach (var frame in reader.Frames()) return frame;
        throw new ImageLoadException(ImageLoadFailure.VideoCorrupt, path,
            $"The video '{path}' has no frame at {VideoTime.Format(time)}{(info.Duration is { } d ? $" (it is {VideoTime.Format(d)} long)" : "")}.");
    }

    /// <summary>The frame numbered <paramref name="frame"/> (0-based), found by its time at the video's frame rate.</summary>
    public static VideoFrame GrabFrame(string path, long frame)
    {
        var info = VideoProbe.Probe(path);
        return Grab(path, TimeSpan.FromSeconds(frame / info.FrameRate));
    }
}
