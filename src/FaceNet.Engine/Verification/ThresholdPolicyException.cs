namespace FaceNet.Engine.Verification;

public sealed class ThresholdPolicyException(ThresholdProblem problem, string message, Exception? inner = null) : Exception(message, inner)
{
    public ThresholdProblem Problem { get; } = problem;
}
