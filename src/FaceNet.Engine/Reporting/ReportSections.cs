
namespace FaceNet.Engine.Reporting;

/// <summary>How a report orders its people: largest first, named or not; faces seen once and matching nobody together at the end.</summary>
public static class ReportSections
{
    public const string SeenOnceTitle = "Seen once";

    /// <summary>
    /// Sections from groups of faces, each with its label (null: a cluster without a name, titled "Unknown 1", "Unknown 2",
    /// ... in order of size). Unnamed groups of one face become one last section, "Seen once".
    /// </summary>
    public static IReadOnlyList<ReportSection> Arrange(IEnumerable<(string? Label, IReadOnlyList<ReportFace> Faces)> groups)
    {
        var list = groups.Where(g => g.Faces.Count > 0).ToList();
        var singles = list.Where(g => g.Label is null && g.Faces.Count == 1).SelectMany(g => g.Faces).ToList();
        var sections = new List<ReportSection>();
        int unknown = 0;
        foreach (var g in list.Where(g => !(g.Label is null && g.Faces.Count == 1))
                     .OrderByDescending(g => g.Faces.Count).ThenBy(g => g.Label is null).ThenBy(g => g.Label, StringComparer.Ordinal))
            sections.Add(new ReportSection(g.Label ?? $"Unknown {++unknown}", g.Faces, g.Label is not null));
        if (singles.Count > 0) sections.Add(new ReportSection(SeenOnceTitle, singles, Named: false));
        return sections;
    }
}
