namespace FaceNet.PowerShell;

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

    public override string ToString() => $"{GalleryName.Short(Path)}: embedded {Embedded}, skipped {Skipped}, added {FacesAdded} faces; {Faces} faces of {People} people";
}
