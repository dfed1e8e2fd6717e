using System.Runtime.CompilerServices;
namespace FaceNet.Engine.Detection;

public static class NonMaxSuppression
{
    /// <summary>Greedy NMS: keeps the best-scoring boxes, dropping any that overlap a kept one above iouThreshold.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static List<DetectedBox> Apply(List<DetectedBox> candidates, float iouThreshold, int maxResults)
    {
        candidates.Sort((a, b) => b.Confidence.CompareTo(a.Confidence));
        var kept = new List<DetectedBox>();
        foreach (var c in candidates)
        {
            bool overlaps = false;
            foreach (var k in kept)
            {
                if (k.Box.IntersectionOverUnion(c.Box) > iouThreshold) { overlaps = true; break; }
            }
            if (!overlaps)
            {
                kept.Add(c);
                if (kept.Count >= maxResults) break;
            }
        }
        return kept;
    }
}
