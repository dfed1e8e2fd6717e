namespace FaceNet.Engine.Reporting;

/// <summary>A span of a video in which a person is in view.</summary>
public readonly record struct ReportSegment(TimeSpan Start, TimeSpan End);

/// <summary>
/// When one person appears in one video: a bar over the video's length (<paramref name="Length"/>, or the last
/// segment's end when unknown) with their segments, merged where they overlap.
/// </summary>
public sealed record ReportTimeline(string Path, TimeSpan? Length, IReadOnlyList<ReportSegment> Segments)
{
    /// <summary>One timeline per video: the segments of the same video merged (overlapping or touching ones joined), in order.</summary>
    public static IReadOnlyList<ReportTimeline> Merge(IEnumerable<ReportTimeline> timelines) =>
        timelines.GroupBy(t => t.Path, StringComparer.Ordinal)
            .Select(g => new ReportTimeline(g.Key, g.Select(t => t.Length).Max(), Union(g.SelectMany(t => t.Segments))))
            .OrderBy(t => t.Path, StringComparer.Ordinal)
            .ToList();

    private static List<ReportSegment> Union(IEnumerable<ReportSegment> segments)
    {
        var merged = new List<ReportSegment>();
        foreach (var s in segments.OrderBy(s => s.Start))
        {
            if (merged.Count > 0 && s.Start <= merged[^1].End)
                merged[^1] = merged[^1] with { End = s.End > merged[^1].End ? s.End : merged[^1].End };
            else merged.Add(s);
        }
        return merged;
    }
}
