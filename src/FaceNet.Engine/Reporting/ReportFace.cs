using FaceNet.Engine.Geometry;

namespace FaceNet.Engine.Reporting;

/// <summary>One face to show: where it is, and the line its tooltip adds (a Similarity, for example).</summary>
public sealed record ReportFace(string Path, FaceBox Box, string? Note = null);
