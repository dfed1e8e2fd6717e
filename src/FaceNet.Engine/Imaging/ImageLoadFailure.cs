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
}
