namespace FaceNet.PowerShell;

/// <summary>A landmark in upright-image pixels.</summary>
public sealed class FacePoint
{
    public FacePoint() { }
    public FacePoint(float x, float y) { X = x; Y = y; }

    public float X { get; set; }
    public float Y { get; set; }

    public override string ToString() => FormattableString.Invariant($"({X:0.#}, {Y:0.#})");
}
