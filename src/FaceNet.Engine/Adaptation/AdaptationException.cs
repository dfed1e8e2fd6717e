namespace FaceNet.Engine.Adaptation;

public enum AdaptationProblem
{
    /// <summary>Too few labelled people, or faces per person, to learn from and to measure on.</summary>
    TooFewFaces,
    /// <summary>No reference set ships for the gallery's model, so its thresholds cannot be calibrated.</summary>
    ModelNotSupported,
}

/// <summary>Why a gallery cannot be adapted; the message says what to do.</summary>
public sealed class AdaptationException(AdaptationProblem problem, string message) : Exception(message)
{
    public AdaptationProblem Problem { get; } = problem;
}
