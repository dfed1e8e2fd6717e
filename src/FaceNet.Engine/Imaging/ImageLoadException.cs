namespace FaceNet.Engine.Imaging;

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
