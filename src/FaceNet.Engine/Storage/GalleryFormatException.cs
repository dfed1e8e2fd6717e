namespace FaceNet.Engine.Storage;

/// <summary>The file exists but is not a FaceNet gallery (or is damaged).</summary>
public sealed class GalleryFormatException(string path, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Path { get; } = path;
}
