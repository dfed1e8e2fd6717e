namespace FaceNet.Engine.Storage.Postgres;

/// <summary>
/// A shared gallery could not be opened, read or written. The message names the gallery by
/// <see cref="PostgresGalleryTarget.Display"/> and never holds the password; the driver's exception is not kept as
/// the inner exception, so nothing below it can leak the connection string either.
/// </summary>
public sealed class GalleryConnectionException(GalleryConnectionFailure failure, string gallery, string message) : Exception(message)
{
    public GalleryConnectionFailure Failure { get; } = failure;
    /// <summary>The gallery, without its password.</summary>
    public string Gallery { get; } = gallery;
}
