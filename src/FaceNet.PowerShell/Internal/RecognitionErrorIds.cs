namespace FaceNet.PowerShell.Internal;

/// <summary>ErrorIds of the gallery, Find-Face and Group-Face cmdlets (stable: scripts and tests match on them).</summary>
internal static class RecognitionErrorIds
{
    /// <summary>Export-FaceGallery without -Append or -Force on an existing file.</summary>
    public const string GalleryExists = "GalleryExists";
    /// <summary>Embeddings of another model (or length) than the gallery's.</summary>
    public const string GalleryModelMismatch = "GalleryModelMismatch";
    /// <summary>The file is not a FaceNet gallery, or is damaged.</summary>
    public const string NotAGallery = "NotAGallery";
    /// <summary>Find-Face -Gallery holds no embeddings.</summary>
    public const string EmptyGallery = "EmptyGallery";
    /// <summary>An input that is neither a photo nor a face nor an embedding.</summary>
    public const string UnsupportedInputObject = "UnsupportedInputObject";
    public const string GalleryWriteFailed = "GalleryWriteFailed";
    /// <summary>Export-FaceGallery -Path names a file in a folder that does not exist.</summary>
    public const string GalleryFolderNotFound = "GalleryFolderNotFound";
}
