namespace FaceNet.Engine.Verification;

/// <summary>A false match rate the table cannot honour.</summary>
public sealed class FalseMatchRateException(string model, double rate, double minimumRate, string message) : Exception(message)
{
    public string Model { get; } = model;
    public double Rate { get; } = rate;
    public double MinimumRate { get; } = minimumRate;
}
