using FaceNet.Engine.Geometry;

namespace FaceNet.Engine.Reporting;

/// <summary>
/// One face to show: where it is, the line its tooltip adds (a Similarity, for example), and its attributes as a
/// caption ("Happy 96%, 26 y, Female", from Get-FaceAttribute) when they were given. A face from a video has the
/// <paramref name="Time"/> of its frame (its thumbnail is cut from that frame; null for a photo).
/// </summary>
public sealed record ReportFace(string Path, FaceBox Box, string? Note = null, string? Attributes = null, TimeSpan? Time = null);
