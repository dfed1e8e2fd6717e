namespace FaceNet.Engine.Models;

/// <summary>An embedder's false match rate table and its provenance.</summary>
public sealed record FalseMatchCalibration
{
    public string Dataset { get; init; } = "";
    public int Photos { get; init; }
    /// <summary>Photos with a detected face (the others cannot occur in a comparison and are left out).</summary>
    public int PhotosUsed { get; init; }
    /// <summary>Different-person pairs the rates are measured on (after exclusions).</summary>
    public long Pairs { get; init; }
    public string Date { get; init; } = "";
    public string Confidence { get; init; } = "";
    /// <summary>Pairs left out (mislabelled or duplicate photos), with reasons.</summary>
    public string[]? Excluded { get; init; }
    public string? Fingerprint { get; init; }
    public string? Notes { get; init; }
    /// <summary>How the rows' thresholds combine the domains (for example the worst domain's threshold per rate).</summary>
    public string? Method { get; init; }
    /// <summary>Every domain measured, the primary one (Dataset, Photos, Pairs above) first.</summary>
    public FalseMatchDomain[]? Domains { get; init; }
    public FalseMatchRow[] Rows { get; init; } = [];
}
