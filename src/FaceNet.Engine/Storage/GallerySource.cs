namespace FaceNet.Engine.Storage;

/// <summary>
/// A source file as the gallery last saw it: size, modification time and how many faces it gave. A shared gallery
/// also keys it by <see cref="ContentSha256"/> and records the <see cref="ModelVersion"/> it was embedded with.
/// </summary>
public sealed record GallerySource(string Path, long Size, DateTime ModifiedUtc, string? Label, int Faces)
{
    /// <summary>SHA-256 of the file's bytes (of the vectors, for embeddings without a file); null when not computed.</summary>
    public byte[]? ContentSha256 { get; init; }
    /// <summary>The fingerprint of everything that shapes the model's vectors (CalibrationFingerprint); null when unknown.</summary>
    public string? ModelVersion { get; init; }
}
