namespace FaceNet.Engine.Models;

/// <summary>One set of photos a false match table was measured on.</summary>
public sealed record FalseMatchDomain
{
    public string Name { get; init; } = "";
    public string Dataset { get; init; } = "";
    public int Photos { get; init; }
    public int PhotosUsed { get; init; }
    public long Pairs { get; init; }
    /// <summary>Which detection is the photo's face.</summary>
    public string? Face { get; init; }
    /// <summary>Rates at or above this rest on enough of the domain's pairs for it to set thresholds.</summary>
    public double SetsThresholdsDownTo { get; init; }
    public string[]? Excluded { get; init; }
}
