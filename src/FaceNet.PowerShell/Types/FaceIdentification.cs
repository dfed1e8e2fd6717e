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

/// <summary>
/// Find-Face's answer for one probe face: the best gallery person (Label) if any reaches the threshold, else
/// Label is null (shown as unknown), with the Similarity and the candidates considered.
/// </summary>
public sealed class FaceIdentification
{
    public FaceIdentification() { }
    /// <summary>The probe face's embedding.</summary>
    public FaceEmbedding? Probe { get; set; }
    /// <summary>The identified person, or null when no gallery person reaches the threshold.</summary>
    public string? Label { get; set; }
    /// <summary>Similarity (0-100) of the best candidate, whether or not it reaches the threshold.</summary>
    public double Similarity { get; set; }
    public double Cosine { get; set; }
    /// <summary>The matching gallery face (of the identified person); null when unknown.</summary>
    public FaceEmbedding? Match { get; set; }
    /// <summary>The -Top best people, best first (also below the threshold).</summary>
    public FaceCandidate[] Candidates { get; set; } = [];
    /// <summary>The Similarity a person had to reach.</summary>
    public double Threshold { get; set; }
    /// <summary>True when a gallery face reached the threshold (Match is set).</summary>
    public bool IsKnown => Match is not null;
    public string Path => Probe?.Face?.Path ?? "";
    public int Index => Probe?.Face?.Index ?? 0;

    public override string ToString() => FormattableString.Invariant($"{Probe?.Face}: {Label ?? "unknown"} ({Similarity:0.0})");
}

/// <summary>One cluster from Group-Face: faces of (probably) one person.</summary>
public sealed class FaceGroup
{
    public FaceGroup() { }
    /// <summary>1-based, largest group first.</summary>
    public int Id { get; set; }
    public int Count { get; set; }
    public FaceEmbedding[] Faces { get; set; } = [];
    /// <summary>The medoid: the member most similar to all the others.</summary>
    public FaceEmbedding? Representative { get; set; }
    /// <summary>The most common Label among members (null when none has one).</summary>
    public string? Label { get; set; }

    public override string ToString() => $"Group {Id}: {Count} faces{(Label is null ? "" : " of " + Label)}";
}
