namespace FaceNet.Engine.Verification;

/// <summary>One (reference, difference) pair, by index into the two lists.</summary>
public sealed record FaceComparison(int Reference, int Difference, double Cosine, double Distance, double Similarity, bool IsMatch);
