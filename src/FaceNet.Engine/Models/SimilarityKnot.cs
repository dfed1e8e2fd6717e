namespace FaceNet.Engine.Models;

/// <summary>One point of the cosine -> Similarity (0-100) map.</summary>
public sealed record SimilarityKnot(double Cosine, double Similarity);
