namespace FaceNet.Engine.Storage;

/// <summary>One photo and its faces (none is fine), or loose embeddings when <see cref="Photo"/> is null.</summary>
public sealed record GalleryPhotoWrite(GallerySource? Photo, IReadOnlyList<GalleryEntry> Faces);
