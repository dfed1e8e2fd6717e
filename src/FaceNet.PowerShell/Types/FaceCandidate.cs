namespace FaceNet.PowerShell;

/// <summary>One identity a probe face resembles: a person of the gallery, scored by that person's best face.</summary>
public sealed class FaceCandidate
{
    public FaceCandidate() { }
    public int Rank { get; set; }
    /// <summary>The person's label; null for an unlabelled gallery face.</summary>
    public string? Label { get; set; }
    /// <summary>0-100, on the same calibrated scale as Compare-Face.</summary>
    public double Similarity { get; set; }
    public double Cosine { get; set; }
    /// <summary>The gallery face that gave the score (the person's best photo).</summary>
    public FaceEmbedding? Match { get; set; }
    /// <summary>How many gallery faces the person has.</summary>
    public int GalleryFaces { get; set; }
    public bool IsMatch { get; set; }

    public override string ToString() => FormattableString.Invariant($"{Label ?? "(unlabelled)"} {Similarity:0.0}");
}
