namespace FaceNet.PowerShell;

/// <summary>
/// The embedding of one face: an L2-normalised vector from one model. Only embeddings of the same
/// model are comparable.
/// </summary>
public sealed class FaceEmbedding
{
    public FaceEmbedding() { }

    internal FaceEmbedding(Face face, string model, float[] vector)
    {
        Face = face;
        Model = model;
        Vector = vector;
    }

    /// <summary>
    /// The track this is the embedding of (Get-FaceTrack), so that Find-Face and Group-Face results made from it lead
    /// back to when the person is in view (Export-FaceReport's timelines). Not a public property: kept out of
    /// formatting and serialization, it links live objects only.
    /// </summary>
    internal FaceTrack? Track { get; set; }

    /// <summary>The face the vector was computed from.</summary>
    public Face? Face { get; set; }
    public string Path => Face?.Path ?? "";
    public int Index => Face?.Index ?? 0;
    public string Model { get; set; } = "";
    /// <summary>Who the face is (Get-FaceEmbedding -Label, galleries); null when unknown.</summary>
    public string? Label { get; set; }
    public int Dimension => Vector.Length;
    public float[] Vector { get; set; } = [];

    public override string ToString() => $"{Face} [{Model} {Dimension}-d]";
}
