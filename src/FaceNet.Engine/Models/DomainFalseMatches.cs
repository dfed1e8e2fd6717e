namespace FaceNet.Engine.Models;

/// <summary>One domain's false matches at a row's threshold.</summary>
public sealed record DomainFalseMatches
{
    public string Domain { get; init; } = "";
    /// <summary>The domain's own threshold for the row's rate; null where its pairs are too few to set one.</summary>
    public double? OwnThreshold { get; init; }
    public long FalseMatches { get; init; }
    public double MeasuredRate { get; init; }
    public double Upper95 { get; init; }
}
