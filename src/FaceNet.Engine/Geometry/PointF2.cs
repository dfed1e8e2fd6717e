namespace FaceNet.Engine.Geometry;

/// <summary>A point in upright-image pixel coordinates.</summary>
public readonly record struct PointF2(float X, float Y)
{
    public static PointF2 Mean(ReadOnlySpan<PointF2> points)
    {
        float x = 0, y = 0;
        foreach (var p in points) { x += p.X; y += p.Y; }
        return new PointF2(x / points.Length, y / points.Length);
    }
}
