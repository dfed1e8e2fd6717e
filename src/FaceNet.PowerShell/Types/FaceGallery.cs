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

    /// <summary>What Optimize-FaceGallery learned for this gallery's people (Find-Face -Gallery uses it), or null.</summary>
    public FaceGalleryAdaptation? Adaptation { get; set; }

    public int Count => Embeddings.Length;

    // Find-Face's search index, kept while Embeddings is the same array and the space is the same (plain or adapted),
    // so repeated calls skip rebuilding it.
    internal (FaceEmbedding[] Source, string Space, FaceNet.Engine.Recognition.GalleryIndex Index)? CachedIndex;

    public override string ToString() => $"{GalleryName.Short(Path)}: {Count} faces of {Labels.Length} people [{Model}{(Adaptation is { } a ? a.Stale ? ", adapted, stale" : ", adapted" : "")}]";
}
