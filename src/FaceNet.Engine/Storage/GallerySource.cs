namespace FaceNet.Engine.Storage;

/// <summary>A source file as the gallery last saw it: size, modification time and how many faces it gave.</summary>
public sealed record GallerySource(string Path, long Size, DateTime ModifiedUtc, string? Label, int Faces);
