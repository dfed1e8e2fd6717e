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

public sealed class ImageLoadException : Exception
{
    public ImageLoadException(ImageLoadFailure failure, string path, string message, Exception? inner = null)
        : base(message, inner)
    {
        Failure = failure;
        Path = path;
    }

    public ImageLoadFailure Failure { get; }
    public string Path { get; }
}
