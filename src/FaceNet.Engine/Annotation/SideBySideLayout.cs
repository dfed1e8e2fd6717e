namespace FaceNet.Engine.Annotation;

/// <summary>How a side-by-side picture is laid out: both photos scaled to one height, left then right.</summary>
public readonly record struct SideBySideLayout(int Height, int LeftWidth, int RightWidth)
{
    public int Width => LeftWidth + RightWidth;

    /// <summary>
    /// The common height is the smaller of the two heights (no photo is enlarged); each width is its
    /// photo's width scaled by the same factor as its height, rounded, at least 1.
    /// </summary>
    public static SideBySideLayout For(int leftWidth, int leftHeight, int rightWidth, int rightHeight)
    {
        if (leftWidth <= 0 || leftHeight <= 0 || rightWidth <= 0 || rightHeight <= 0)
            throw new ArgumentOutOfRangeException(nameof(leftWidth), "Image sizes must be positive.");
        int h = System.Math.Min(leftHeight, rightHeight);
        return new SideBySideLayout(h, ScaledWidth(leftWidth, leftHeight, h), ScaledWidth(rightWidth, rightHeight, h));
    }

    private static int ScaledWidth(int w, int h, int targetHeight) =>
        System.Math.Max(1, (int)System.Math.Round((double)w * targetHeight / h, MidpointRounding.AwayFromZero));
}
