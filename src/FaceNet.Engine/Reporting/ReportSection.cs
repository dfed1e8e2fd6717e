namespace FaceNet.Engine.Reporting;

/// <summary>One person or cluster: its title (a name, or "Unknown 3"), its faces, and when it appears in videos (tracks).</summary>
public sealed record ReportSection(string Title, IReadOnlyList<ReportFace> Faces, bool Named, IReadOnlyList<ReportTimeline>? Timelines = null);
