namespace FaceNet.Engine.Verification;

/// <summary>The match threshold a comparison uses, in both units, with the scale that maps between them.</summary>
/// <param name="Cosine">Cosine at or above which a pair matches.</param>
/// <param name="Similarity">The same threshold in Similarity units (0-100), as FaceComparison.Threshold shows it.</param>
/// <param name="Scale">The model's Similarity scale (linear around 0.5 for a model the manifest does not describe).</param>
/// <param name="Explanation">For a threshold picked by false match rate: what the table measured, in words.</param>
public sealed record MatchThreshold(double Cosine, double Similarity, SimilarityScale Scale, string? Explanation = null);
