namespace FaceNet.Engine.Imaging;

/// <summary>Why an image could not be loaded; each maps to a stable PowerShell ErrorId.</summary>
public enum ImageLoadFailure
{
    NotFound,
    Unreadable,
    EmptyFile,
    NotAnImage,
    UnsupportedFormat,
    TooLarge,
    Corrupt,
    /// <summary>A video, and the program that decodes videos (ffmpeg) is not installed.</summary>
    ToolMissing,
    /// <summary>A video ffmpeg cannot read at all (no frame decodes).</summary>
    VideoCorrupt,
}
