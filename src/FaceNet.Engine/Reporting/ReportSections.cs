
namespace FaceNet.Engine.Reporting;

/// <summary>How a report orders its people: largest first, named or not; faces seen once and matching nobody together at the end.</summary>
public static class ReportSections
{
    public const string SeenOnceTitle = "Seen once";

    /// <summary>
    /// Sections from groups of faces, each with its label (null: a cluster without a name, titled "Unknown 1", "Unknown 2",
    /// ... in order of size). Unnamed groups of one face become one last section, "Seen once".
    /// </summary>
    public static IReadOnlyList<ReportSection> Arrange(IEnumerable<(string? Label, IReadOnlyList<ReportFace> Faces)> groups) =>
        Arrange(groups.Select(g => (g.Label, g.Faces, (IReadOnlyList<ReportTimeline>?)null)));

    /// <summary>As above, each group with the timelines of the tracks it was made of (null: photos only).</summary>
    public static IReadOnlyList<ReportSection> Arrange(IEnumerable<(string? Label, IReadOnlyList<ReportFace> Faces, IReadOnlyList<ReportTimeline>? Timelines)> groups)
    {
        var list = groups.Where(g => g.Faces.Count > 0).ToList();
        // A track is one face but a whole appearance: it keeps a section of its own, with its timeline.
        var singles = list.Where(g => g.Label is null && g.Faces.Count == 1 && g.Timelines is not { Count: > 0 }).SelectMany(g => g.Faces).ToList();
        var sections = new List<ReportSection>();
        int unknown = 0;
        foreach (var g in list.Where(g => !(g.Label is null && g.Faces.Count == 1 && g.Timelines is not { Count: > 0 }))
                     .OrderByDescending(g => g.Faces.Count).ThenByDescending(g => OnScreen(g.Timelines)).ThenBy(g => g.Label is null).ThenBy(g => g.Label, StringComparer.Ordinal))
            sections.Add(new ReportSection(g.Label ?? $"Unknown {++unknown}", g.Faces, g.Label is not null,
                g.Timelines is { Count: > 0 } t ? ReportTimeline.Merge(t) : null));
        if (singles.Count > 0) sections.Add(new ReportSection(SeenOnceTitle, singles, Named: false));
        return sections;
    }

    /// <summary>How long a person is in view over all their tracks: the longer first among groups of as many faces.</summary>
    private static TimeSpan OnScreen(IReadOnlyList<ReportTimeline>? timelines) => timelines is null ? TimeSpan.Zero
        : ReportTimeline.Merge(timelines).SelectMany(t => t.Segments).Aggregate(TimeSpan.Zero, (sum, s) => sum + (s.End - s.Start));
}
