namespace FaceNet.Engine.Video;

public static class VideoDefaults
{
    /// <summary>
    /// The smallest face searched for in a video's frames unless asked otherwise: a 27th of the frame's shorter side,
    /// from 20 px (the photo default, frames of 540 rows and fewer) to 40 px (1080p and larger). Detection reads the
    /// frame at 20/MinFaceSize of its size, so 1080p is read at 960x540: fast enough to keep up with the video.
    /// </summary>
    public static int MinFaceSize(VideoInfo info) => Math.Clamp(Math.Min(info.Width, info.Height) / 27, 20, 40);
}
