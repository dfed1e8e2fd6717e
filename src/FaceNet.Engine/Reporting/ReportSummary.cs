namespace FaceNet.Engine.Reporting;

/// <summary>What writing a report did.</summary>
public sealed record ReportSummary(string HtmlPath, string FilesFolder, int Sections, int Faces, int Thumbnails, long Bytes, IReadOnlyList<string> Unreadable);
