namespace FaceNet.Engine.Reporting;

/// <summary>Everything a report shows.</summary>
public sealed record FaceReport(string Title, IReadOnlyList<ReportSection> Sections, IReadOnlyList<ReportProbe> Probes);
