namespace FaceNet.Engine.Verification;

/// <summary>A face to compare: its embedding and the model that made it.</summary>
public sealed record ComparableFace(string Model, float[] Vector);
