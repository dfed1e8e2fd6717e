namespace FaceNet.Engine.Models;

/// <summary>The Similarity calibration of one embedder: piecewise-linear knots and where they came from.</summary>
public sealed record SimilarityCalibration
{
    /// <summary>Strictly increasing; the knot at Similarity 50 always follows DefaultThreshold.</summary>
    public SimilarityKnot[] Knots { get; init; } = [];
    public string? Dataset { get; init; }
    public double? DifferentMedian { get; init; }
    public double? SameMedian { get; init; }
    public string? Date { get; init; }
    /// <summary>Fingerprint of the embedder settings the knots were measured with (see CalibrationFingerprint).</summary>
    public string? Fingerprint { get; init; }
    public string? Notes { get; init; }
}
