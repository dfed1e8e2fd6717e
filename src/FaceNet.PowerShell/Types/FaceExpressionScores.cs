using System.Globalization;

namespace FaceNet.PowerShell;

/// <summary>
/// The probability of each of the seven expressions for one face (they sum to 1). Null for a class that no model in
/// use can give. Settable, with a parameterless constructor, so it survives Clixml and JSON round trips.
/// </summary>
public sealed class FaceExpressionScores
{
    public FaceExpressionScores() { }

    internal FaceExpressionScores(float[] p)
    {
        static double? V(float x) => float.IsNaN(x) ? null : Math.Round(x, 4);
        Neutral = V(p[0]); Happy = V(p[1]); Sad = V(p[2]); Angry = V(p[3]); Fearful = V(p[4]); Disgusted = V(p[5]); Surprised = V(p[6]);
    }

    public double? Neutral { get; set; }
    public double? Happy { get; set; }
    public double? Sad { get; set; }
    public double? Angry { get; set; }
    public double? Fearful { get; set; }
    public double? Disgusted { get; set; }
    public double? Surprised { get; set; }

    /// <summary>The classes and their probabilities, most probable first.</summary>
    public IEnumerable<KeyValuePair<string, double>> Ranked() =>
        new (string Name, double? P)[] { ("Neutral", Neutral), ("Happy", Happy), ("Sad", Sad), ("Angry", Angry), ("Fearful", Fearful), ("Disgusted", Disgusted), ("Surprised", Surprised) }
            .Where(x => x.P is not null).OrderByDescending(x => x.P).Select(x => new KeyValuePair<string, double>(x.Name, x.P!.Value));

    /// <summary>The three most probable, e.g. "Happy 0.91, Neutral 0.06, Surprised 0.02".</summary>
    public override string ToString() =>
        string.Join(", ", Ranked().Take(3).Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value:0.00}")));
}
