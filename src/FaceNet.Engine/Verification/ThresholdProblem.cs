namespace FaceNet.Engine.Verification;

/// <summary>Why a threshold cannot be had: each maps to a stable PowerShell ErrorId.</summary>
public enum ThresholdProblem
{
    /// <summary>Both a Similarity threshold and a false match rate were given.</summary>
    Conflict,
    /// <summary>The model has no false match rate table, or one measured with other model settings.</summary>
    Uncalibrated,
    /// <summary>The rate asked for is below what the calibration data can support.</summary>
    RateTooLow,
}
