using FaceNet.Engine.Models;

namespace FaceNet.Engine.Verification;

/// <summary>
/// One place for the threshold rules of verification and identification: an explicit Similarity, a false match rate
/// looked up in the model's measured table (refused when the table was measured with other model settings), or the
/// model's default. Engine code with no PowerShell in it, so xunit tests it.
/// </summary>
public static class ThresholdPolicy
{
    public const string ConflictMessage = "Give -Threshold or -FalseMatchRate, not both: each sets the match threshold.";

    /// <summary>
    /// The threshold for <paramref name="model"/>: <paramref name="similarity"/> (0-100) when given, else the one for
    /// <paramref name="falseMatchRate"/>, else the model's default (which reads Similarity 50).
    /// </summary>
    /// <exception cref="ThresholdPolicyException">Both were given, the model is not calibrated for rates, or the rate is too low.</exception>
    public static MatchThreshold Resolve(ModelManifest manifest, string model, double? similarity = null, double? falseMatchRate = null)
    {
        if (similarity is not null && falseMatchRate is not null)
            throw new ThresholdPolicyException(ThresholdProblem.Conflict, ConflictMessage);
        var descriptor = manifest.TryGet(model, out var d) ? d : null;
        var scale = descriptor is null ? SimilarityScale.Linear(0.5) : SimilarityScale.For(descriptor);
        if (falseMatchRate is { } rate)
        {
            var table = descriptor is null ? null : FalseMatchTable.For(descriptor);
            if (table is null)
                throw new ThresholdPolicyException(ThresholdProblem.Uncalibrated,
                    $"Model '{model}' has no false match rate table in the manifest; use -Threshold instead.");
            if (table.Calibration.Fingerprint is { } fp && fp != CalibrationFingerprint.Of(manifest, descriptor!))
                throw new ThresholdPolicyException(ThresholdProblem.Uncalibrated,
                    $"The false match rate table of model '{model}' was measured with different model settings (fingerprint {fp}); " +
                    "it must be measured again (tools/FaceNet.Lab calibrate similarity). Use -Threshold meanwhile.");
            FalseMatchRow row;
            try { row = table.Lookup(rate); }
            catch (FalseMatchRateException ex) { throw new ThresholdPolicyException(ThresholdProblem.RateTooLow, ex.Message, ex); }
            return new MatchThreshold(row.Threshold, scale.ToSimilarity(row.Threshold), scale, FalseMatchTable.Describe(row, table.Calibration));
        }
        if (similarity is { } s)
            return new MatchThreshold(scale.ToCosine(s), s, scale);
        return new MatchThreshold(scale.ThresholdCosine, SimilarityScale.ThresholdSimilarity, scale);
    }
}
