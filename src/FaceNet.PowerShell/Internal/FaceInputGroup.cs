using System.IO;

namespace FaceNet.PowerShell.Internal;

/// <summary>
/// One input of Compare-Face/Test-FaceMatch: an image (every face in it), or faces/embeddings that came from one
/// image. Faces still to be embedded are kept as Face objects until the model is known.
/// </summary>
internal sealed class FaceInputGroup(string key, string? imagePath)
{
    public string Key { get; } = key;
    /// <summary>Set when the group is an image to detect faces in.</summary>
    public string? ImagePath { get; } = imagePath;
    public List<Face> PendingFaces { get; } = [];
    public List<FaceEmbedding> Embeddings { get; } = [];
    /// <summary>The image could not be read (an error was written already).</summary>
    public bool LoadFailed { get; set; }
    public string DisplayName => System.IO.Path.GetFileName(Key) is { Length: > 0 } n ? n : Key;
}
