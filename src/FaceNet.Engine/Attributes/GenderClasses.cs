namespace FaceNet.Engine.Attributes;

/// <summary>The two classes a gender output is mapped onto, in this order.</summary>
public static class GenderClasses
{
    public static readonly IReadOnlyList<string> Names = ["Female", "Male"];

    public static int IndexOf(string name) =>
        string.Equals(name, "Female", StringComparison.OrdinalIgnoreCase) ? 0
        : string.Equals(name, "Male", StringComparison.OrdinalIgnoreCase) ? 1 : -1;
}
