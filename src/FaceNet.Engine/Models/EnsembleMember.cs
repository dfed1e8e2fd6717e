namespace FaceNet.Engine.Models;

/// <summary>One member of an ensemble embedder.</summary>
public sealed record EnsembleMember
{
    public string Model { get; init; } = "";
    /// <summary>The member's normalised vector is scaled by sqrt(Weight), so dot products sum as Weight*cos.</summary>
    public float Weight { get; init; } = 1;
    public bool? Mirror { get; init; }
}
