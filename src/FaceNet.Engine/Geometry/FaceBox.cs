namespace FaceNet.Engine.Geometry;

/// <summary>An axis-aligned face box in upright-image pixel coordinates.</summary>
public readonly record struct FaceBox(float X, float Y, float Width, float Height)
{
    public float Right => X + Width;
    public float Bottom => Y + Height;
    public float Area => MathF.Max(0, Width) * MathF.Max(0, Height);
    public PointF2 Center => new(X + Width / 2, Y + Height / 2);

    public static FaceBox FromCorners(float x1, float y1, float x2, float y2) => new(x1, y1, x2 - x1, y2 - y1);

    public float IntersectionOverUnion(FaceBox other)
    {
        float ix = MathF.Max(0, MathF.Min(Right, other.Right) - MathF.Max(X, other.X));
        float iy = MathF.Max(0, MathF.Min(Bottom, other.Bottom) - MathF.Max(Y, other.Y));
        float inter = ix * iy;
        float union = Area + other.Area - inter;
        return union <= 0 ? 0 : inter / union;
    }

    public FaceBox ClampTo(int width, int height)
    {
        float x1 = System.Math.Clamp(X, 0, width), y1 = System.Math.Clamp(Y, 0, height);
        float x2 = System.Math.Clamp(Right, 0, width), y2 = System.Math.Clamp(Bottom, 0, height);
        return FromCorners(x1, y1, x2, y2);
    }
}
