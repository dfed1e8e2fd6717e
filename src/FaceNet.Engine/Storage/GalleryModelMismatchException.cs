namespace FaceNet.Engine.Storage;

/// <summary>The gallery holds another model's embeddings (or another length) than those being added.</summary>
public sealed class GalleryModelMismatchException(string galleryModel, string model, string message) : Exception(message)
{
    public string GalleryModel { get; } = galleryModel;
    public string Model { get; } = model;
}
