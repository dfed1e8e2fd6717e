namespace FaceNet.Engine.Reporting;

/// <summary>One person or cluster: its title (a name, or "Unknown 3") and its faces.</summary>
public sealed record ReportSection(string Title, IReadOnlyList<ReportFace> Faces, bool Named);
