using FaceNet.Engine.Geometry;

namespace FaceNet.Engine.Landmarks;

/// <summary>
/// Landmarks of one face in upright-image pixels. "Left" and "Right" are as seen in the image
/// (LeftEye is the eye nearer the image's left edge), matching the ArcFace template order.
/// </summary>
public sealed record FaceLandmarks(
    PointF2 LeftEye, PointF2 RightEye, PointF2 Nose, PointF2 MouthLeft, PointF2 MouthRight,
    IReadOnlyList<PointF2>? Points68)
{
    public PointF2[] FivePoints => [LeftEye, RightEye, Nose, MouthLeft, MouthRight];

    /// <summary>The five alignment points from the 68-point (iBUG 300-W) layout, 0-based indexes.</summary>
    public static FaceLandmarks From68(IReadOnlyList<PointF2> p)
    {
        if (p.Count != 68) throw new ArgumentException("Expected 68 points.", nameof(p));
        static PointF2 Avg(params PointF2[] q) => PointF2.Mean(q);
        return new FaceLandmarks(
            Avg(p[37], p[38], p[40], p[41]),
            Avg(p[43], p[44], p[46], p[47]),
            p[30],
            Avg(p[48], p[60]),
            Avg(p[54], p[64]),
            p);
    }
}
