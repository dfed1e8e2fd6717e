namespace FaceNet.Engine.Storage;

/// <summary>
/// The file or database exists but holds no FaceNet gallery (or a damaged one). <see cref="NewerSchema"/>: it is a
/// gallery, written by a newer FaceNet whose schema this module cannot read.
/// </summary>
public sealed class GalleryFormatException(string path, string message, Exception? inner = null, bool newerSchema = false) : Exception(message, inner)
{
    public string Path { get; } = path;
    public bool NewerSchema { get; } = newerSchema;
}
