namespace FaceNet.Engine.Storage;

/// <summary>What a gallery holds: faces, distinct labels, and source photos seen (photos without a face included).</summary>
public sealed record GalleryCounts(int Faces, int People, int Photos);
