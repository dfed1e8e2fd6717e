namespace FaceNet.Engine.Models;

/// <summary>One measured false match rate: at Threshold (cosine), FalseMatches of the calibration's Pairs scored at or above it.</summary>
public sealed record FalseMatchRow
{
    /// <summary>The nominal rate this row answers (the measured rate is at most this).</summary>
    public double Rate { get; init; }
    /// <summary>Cosine threshold: a pair matches when its cosine is at or above it.</summary>
    public double Threshold { get; init; }
    public long FalseMatches { get; init; }
    public double MeasuredRate { get; init; }
    /// <summary>One-sided 95% Clopper-Pearson upper bound on the true rate.</summary>
    public double Upper95 { get; init; }
    /// <summary>The domain whose own threshold for this rate is the highest, and so set Threshold (null: one domain only).</summary>
    public string? GovernedBy { get; init; }
    /// <summary>The rate at Threshold on each domain measured (FalseMatches, MeasuredRate and Upper95 above are the worst of them).</summary>
    public DomainFalseMatches[]? Domains { get; init; }
}
