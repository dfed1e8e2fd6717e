using System.Runtime.CompilerServices;
using FaceNet.Engine.Geometry;
using SkiaSharp;

namespace FaceNet.Engine.Alignment;

/// <summary>
/// Least-squares similarity transform (rotation, uniform scale, translation) mapping source points
/// onto destination points (Umeyama 1991, 2-D closed form).
/// </summary>
public static class SimilarityTransform
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static SKMatrix Estimate(ReadOnlySpan<PointF2> source, ReadOnlySpan<PointF2> destination)
    {
        if (source.Length != destination.Length || source.Length < 2)
            throw new ArgumentException("Need at least two matching point pairs.");
        int n = source.Length;
        double sx = 0, sy = 0, dx = 0, dy = 0;
        for (int i = 0; i < n; i++) { sx += source[i].X; sy += source[i].Y; dx += destination[i].X; dy += destination[i].Y; }
        sx /= n; sy /= n; dx /= n; dy /= n;

        // With centred points, the best a = s*cos, b = s*sin solve a 2x2 normal system in closed form.
        double num_a = 0, num_b = 0, den = 0;
        for (int i = 0; i < n; i++)
        {
            double px = source[i].X - sx, py = source[i].Y - sy;
            double qx = destination[i].X - dx, qy = destination[i].Y - dy;
            num_a += px * qx + py * qy;
            num_b += px * qy - py * qx;
            den += px * px + py * py;
        }
        if (den <= 1e-12) throw new ArgumentException("Source points are degenerate.");
        double a = num_a / den, b = num_b / den;
        double tx = dx - (a * sx - b * sy);
        double ty = dy - (b * sx + a * sy);
        return new SKMatrix((float)a, (float)-b, (float)tx, (float)b, (float)a, (float)ty, 0, 0, 1);
    }
}
