namespace FaceNet.Engine.Models;

/// <summary>
/// models.json "adaptationReferences": embeddings (never photos) of people no gallery is trained on, whose pair scores
/// set an adapted gallery's thresholds for strangers. Written by tools/FaceNet.Lab adapt reference.
/// </summary>
public sealed record AdaptationReference
{
    public string Model { get; init; } = "";
    public string File { get; init; } = "";
    public string Sha256 { get; init; } = "";
    /// <summary>The CalibrationFingerprint of the model when the embeddings were computed.</summary>
    public string Fingerprint { get; init; } = "";
    public int Faces { get; init; }
    public int People { get; init; }
    public long DifferentPairs { get; init; }
    public string Dataset { get; init; } = "";
    public string Format { get; init; } = "";
    public string Date { get; init; } = "";
    public string? Notes { get; init; }
}
