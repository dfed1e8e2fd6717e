namespace FaceNet.Engine.Verification;

/// <summary>Embeddings of different models (or lengths) are not comparable.</summary>
public sealed class ModelMismatchException(string expected, string actual, string message) : Exception(message)
{
    public string ExpectedModel { get; } = expected;
    public string ActualModel { get; } = actual;
}
