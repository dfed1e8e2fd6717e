namespace FaceNet.Engine.Attributes;

/// <summary>
/// What the attribute models say of one face. Expressions holds a probability per <see cref="ExpressionClasses"/>
/// name (NaN for a class no model in use gives); null members were not asked for.
/// </summary>
public sealed record FaceAttributeEstimate(float[]? Expressions, float? Age, float? FemaleProbability)
{
    /// <summary>The most probable expression's index in <see cref="ExpressionClasses.Names"/>, or -1.</summary>
    public int ExpressionIndex
    {
        get
        {
            if (Expressions is null) return -1;
            int best = -1;
            for (int i = 0; i < Expressions.Length; i++)
                if (!float.IsNaN(Expressions[i]) && (best < 0 || Expressions[i] > Expressions[best])) best = i;
            return best;
        }
    }

    public string? Expression => ExpressionIndex is int i and >= 0 ? ExpressionClasses.Names[i] : null;

    public string? Gender => FemaleProbability is float f ? (f >= 0.5f ? "Female" : "Male") : null;

    /// <summary>The probability of the gender given: at least 0.5.</summary>
    public float? GenderConfidence => FemaleProbability is float f ? MathF.Max(f, 1 - f) : null;
}
