namespace FaceNet.PowerShell;

/// <summary>
/// One (reference face, difference face) pair from Compare-Face. Similarity is the calibrated 0-100 "% match"
/// (the model's default threshold reads 50); Cosine and Distance are the raw measures it is computed from.
/// </summary>
public sealed class FaceComparison
{
    public FaceComparison() { }

    public FaceEmbedding? Reference { get; set; }
    public FaceEmbedding? Difference { get; set; }
    /// <summary>0-100, monotone in Cosine, calibrated per model (models/models.json 'similarity').</summary>
    public double Similarity { get; set; }
    /// <summary>Raw cosine similarity of the two embeddings, -1 to 1.</summary>
    public double Cosine { get; set; }
    /// <summary>Euclidean distance between the two unit vectors (sqrt(2 - 2 cosine)).</summary>
    public double Distance { get; set; }
    /// <summary>The Similarity at or above which IsMatch is true.</summary>
    public double Threshold { get; set; }
    public bool IsMatch { get; set; }
    public string Model { get; set; } = "";
    /// <summary>Where the faces were compared: "plain" (the model's space and thresholds), or a gallery's adapted space (-Gallery).</summary>
    public string Space { get; set; } = "plain";

    public string ReferencePath => Reference?.Face?.Path ?? "";
    public int ReferenceIndex => Reference?.Face?.Index ?? 0;
    public string DifferencePath => Difference?.Face?.Path ?? "";
    public int DifferenceIndex => Difference?.Face?.Index ?? 0;

    public override string ToString() =>
        FormattableString.Invariant($"{System.IO.Path.GetFileName(ReferencePath)}#{ReferenceIndex} ~ {System.IO.Path.GetFileName(DifferencePath)}#{DifferenceIndex}: {Similarity:0.0}%{(IsMatch ? " match" : "")}");
}
