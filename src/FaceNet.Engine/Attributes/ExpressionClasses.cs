namespace FaceNet.Engine.Attributes;

/// <summary>
/// The seven expressions every result is given in, in this order (face-api's order). A model's own class names
/// map onto these in its manifest entry; a class a model lacks stays unknown rather than zero.
/// </summary>
public static class ExpressionClasses
{
    public static readonly IReadOnlyList<string> Names = ["Neutral", "Happy", "Sad", "Angry", "Fearful", "Disgusted", "Surprised"];

    public const int Count = 7;

    /// <summary>The index of a class name in <see cref="Names"/>, case-insensitive; -1 when it is none of them.</summary>
    public static int IndexOf(string name)
    {
        for (int i = 0; i < Names.Count; i++)
            if (string.Equals(Names[i], name, StringComparison.OrdinalIgnoreCase)) return i;
        return -1;
    }
}
