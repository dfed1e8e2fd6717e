namespace FaceNet.Engine.Models;

/// <summary>Where a shipped model came from; recorded, never used to download anything.</summary>
public sealed record ModelSource
{
    public string Package { get; init; } = "";
    public string Version { get; init; } = "";
    public string PathInPackage { get; init; } = "";
    public string Upstream { get; init; } = "";
    public string Licence { get; init; } = "";
    public string TrainingData { get; init; } = "";
    public string Notes { get; init; } = "";
}
