namespace FaceNet.PowerShell;

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
    /// <summary>Where the probe was searched: "plain", or the gallery's adapted space (Optimize-FaceGallery).</summary>
    public string Space { get; set; } = "plain";
    /// <summary>True when a gallery face reached the threshold (Match is set).</summary>
    public bool IsKnown => Match is not null;
    /// <summary>The video track the probe stands for (Get-FaceTrack | Find-Face), else null.</summary>
    public FaceTrack? Track { get; set; }
    /// <summary>For a track: when the person is first and last seen.</summary>
    public TimeSpan? Start => Track?.Start;
    public TimeSpan? End => Track?.End;
    public string Path => Probe?.Face?.Path ?? "";
    public int Index => Probe?.Face?.Index ?? 0;

    public override string ToString() => FormattableString.Invariant($"{Probe?.Face}: {Label ?? "unknown"} ({Similarity:0.0})");
}
