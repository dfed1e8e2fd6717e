using FaceNet.Engine.Adaptation;

namespace FaceNet.PowerShell;

/// <summary>
/// A gallery's adaptation (Optimize-FaceGallery's output, and FaceGallery.Adaptation): who it was learned from, the
/// held-out figures before and after (its photos split by person, 70% learned from, 30% measured), and the thresholds
/// of the adapted space. Thresholds are cosines (their Similarity reads 50 in each space).
/// </summary>
public sealed class FaceGalleryAdaptation
{
    public FaceGalleryAdaptation() { }

    internal FaceGalleryAdaptation(string gallery, GalleryAdaptation a)
    {
        Engine = a;
        Gallery = gallery;
        Model = a.Model;
        People = a.People;
        Faces = a.Faces;
        HeldOutFaces = a.HeldOutFaces;
        Created = a.Created;
        Seconds = a.Seconds;
        Stale = a.Stale;
        Dimension = a.OutputDimension;
        PlainThreshold = a.PlainDefaultThreshold;
        Threshold = a.DefaultThreshold;
        IdentificationThreshold = a.IdentificationThreshold;
        if (a.Before is { } b && a.After is { } f)
        {
            DifferentPairs = b.DifferentPairs;
            SamePairs = b.SamePairs;
            FalseMatchesBefore = b.FalseMatches;
            FalseMatchesAfter = f.FalseMatches;
            FalseMatchRateBefore = b.FalseMatchRate;
            FalseMatchRateAfter = f.FalseMatchRate;
            AcceptanceBefore = b.Acceptance;
            AcceptanceAfter = f.Acceptance;
        }
    }

    /// <summary>The gallery: its file, or the database without its password.</summary>
    public string Gallery { get; set; } = "";
    public string Model { get; set; } = "";
    /// <summary>People and faces (labelled) learned from.</summary>
    public int People { get; set; }
    public int Faces { get; set; }
    /// <summary>Faces held out to measure (the adaptation measured was learned without them; the stored one uses all).</summary>
    public int HeldOutFaces { get; set; }
    /// <summary>Different-person and same-person pairs with a held-out face.</summary>
    public long DifferentPairs { get; set; }
    public long SamePairs { get; set; }
    /// <summary>False matches among the gallery's people: plain space at the model's default, adapted space at its own default.</summary>
    public long FalseMatchesBefore { get; set; }
    public long FalseMatchesAfter { get; set; }
    public double FalseMatchRateBefore { get; set; }
    public double FalseMatchRateAfter { get; set; }
    /// <summary>Same-person pairs accepted, before and after.</summary>
    public double AcceptanceBefore { get; set; }
    public double AcceptanceAfter { get; set; }
    /// <summary>The model's default threshold (cosine) and the adapted space's, set on the shipped reference set (people not in the gallery).</summary>
    public double PlainThreshold { get; set; }
    public double Threshold { get; set; }
    /// <summary>Find-Face's open-set threshold in the adapted space (cosine).</summary>
    public double? IdentificationThreshold { get; set; }
    public int Dimension { get; set; }
    public DateTime Created { get; set; }
    /// <summary>Seconds the optimisation took (both trainings and calibrations).</summary>
    public double Seconds { get; set; }
    /// <summary>Faces were enrolled after it was learned: run Optimize-FaceGallery again.</summary>
    public bool Stale { get; set; }

    /// <summary>The stored adaptation (null after a Clixml round trip, which keeps the figures only).</summary>
    internal GalleryAdaptation? Engine { get; }

    public override string ToString() => FormattableString.Invariant(
        $"{GalleryName.Short(Gallery)}: adapted to {People} people ({Faces} faces); held-out false matches {FalseMatchRateBefore:P3} -> {FalseMatchRateAfter:P3}, acceptance {AcceptanceBefore:P1} -> {AcceptanceAfter:P1}{(Stale ? " [stale]" : "")}");
}
