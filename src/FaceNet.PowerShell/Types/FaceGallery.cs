namespace FaceNet.PowerShell;

/// <summary>
/// A gallery read by Import-FaceGallery: labelled embeddings of one model. Give it to Find-Face -Gallery.
/// </summary>
public sealed class FaceGallery
{
    public FaceGallery() { }

    /// <summary>The gallery file it was read from.</summary>
    public string Path { get; set; } = "";
    public string Model { get; set; } = "";
    public int Dimension { get; set; }
    /// <summary>Every enrolled face, with its Label.</summary>
    public FaceEmbedding[] Embeddings { get; set; } = [];
    /// <summary>The distinct labels, sorted.</summary>
    public string[] Labels { get; set; } = [];
    /// <summary>Source photos the gallery has seen (including photos without a face).</summary>
    public int Photos { get; set; }

    public int Count => Embeddings.Length;

    // Find-Face's search index, kept while Embeddings is the same array, so repeated calls skip rebuilding it.
    internal (FaceEmbedding[] Source, FaceNet.Engine.Recognition.GalleryIndex Index)? CachedIndex;

    public override string ToString() => $"{System.IO.Path.GetFileName(Path)}: {Count} faces of {Labels.Length} people [{Model}]";
}

/// <summary>What Export-FaceGallery did (-PassThru): photos embedded now, photos skipped as unchanged, faces written.</summary>
public sealed class FaceGalleryUpdate
{
    public string Path { get; set; } = "";
    public string Model { get; set; } = "";
    /// <summary>Photos detected and embedded by this command (new or changed since they entered the gallery).</summary>
    public int Embedded { get; set; }
    /// <summary>Photos (or embeddings' photos) left as they were: unchanged since they entered the gallery.</summary>
    public int Skipped { get; set; }
    /// <summary>Faces written by this command.</summary>
    public int FacesAdded { get; set; }
    /// <summary>Faces in the gallery afterwards.</summary>
    public int Faces { get; set; }
    /// <summary>Distinct labels in the gallery afterwards.</summary>
    public int People { get; set; }

    public override string ToString() => $"{System.IO.Path.GetFileName(Path)}: embedded {Embedded}, skipped {Skipped}, added {FacesAdded} faces; {Faces} faces of {People} people";
}
