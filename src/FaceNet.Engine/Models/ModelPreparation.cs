namespace FaceNet.Engine.Models;

/// <summary>
/// The preparation step our tools applied to a published model file (tools/FaceNet.ModelConverter prepare):
/// tiny weights flushed to zero, an optional symbolic batch, and what that changed on real faces.
/// </summary>
public sealed record ModelPreparation
{
    /// <summary>The command that turns the original into the shipped file.</summary>
    public string Tool { get; init; } = "";
    /// <summary>sha256 of the published file the step starts from.</summary>
    public string OriginalSha256 { get; init; } = "";
    /// <summary>Weights with 0 &lt; |w| &lt; FlushBelow were set to zero; no shipped weight is nonzero below it.</summary>
    public double FlushBelow { get; init; }
    public long FlushedWeights { get; init; }
    /// <summary>Of those, how many were denormal (below 1.2e-38).</summary>
    public long DenormalWeights { get; init; }
    public string[]? GraphChanges { get; init; }
    /// <summary>The largest change of the model's output over the real faces it was checked on.</summary>
    public double MaxOutputDifference { get; init; }
    public string? CheckedOn { get; init; }
    /// <summary>
    /// Set when this file is a later preparation of the same original that gives the same vectors up to float rounding
    /// (MaxOutputDifference): the sha256 of the prepared file the manifest's calibrations were measured with. The
    /// calibration fingerprint names that file, so those calibrations, and galleries and adaptations users made with
    /// it, stay valid.
    /// </summary>
    public string? CalibratedSha256 { get; init; }
    public string? Notes { get; init; }
}
