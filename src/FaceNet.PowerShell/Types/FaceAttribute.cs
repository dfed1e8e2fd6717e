namespace FaceNet.PowerShell;

/// <summary>
/// What one face looks like it shows: its apparent expression, apparent age and a binary gender guess from appearance,
/// as Get-FaceAttribute estimates them. Properties that were not asked for (-Attribute) are null. Settable, with a
/// parameterless constructor, so it survives Clixml and JSON round trips.
/// </summary>
public sealed class FaceAttribute
{
    public FaceAttribute() { }

    /// <summary>The face the attributes were estimated from.</summary>
    public Face? Face { get; set; }
    public string Path => Face?.Path ?? "";
    public int Index => Face?.Index ?? 0;
    /// <summary>Neutral, Happy, Sad, Angry, Fearful, Disgusted or Surprised: the most probable of Expressions.</summary>
    public string? Expression { get; set; }
    /// <summary>The probability of Expression (0-1).</summary>
    public double? ExpressionConfidence { get; set; }
    public FaceExpressionScores? Expressions { get; set; }
    /// <summary>Apparent age in years.</summary>
    public double? Age { get; set; }
    /// <summary>Female or Male: a guess from appearance.</summary>
    public string? Gender { get; set; }
    /// <summary>The probability of Gender (0.5-1).</summary>
    public double? GenderConfidence { get; set; }
    /// <summary>The attribute models that gave these values (models/models.json).</summary>
    public string[] Models { get; set; } = [];

    public override string ToString()
    {
        var parts = new List<string>();
        if (Expression is not null) parts.Add(Expression);
        if (Age is double a) parts.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{a:0} years"));
        if (Gender is not null) parts.Add(Gender);
        return $"{Face}: {string.Join(", ", parts)}";
    }
}
