namespace FaceNet.Engine.Reporting;

/// <summary>
/// One identified face (Find-Face): the name given (null: unknown), its Similarity and the threshold it had to reach,
/// and for an unknown face the best candidate it fell short with; for a probe that was a video track (Get-FaceTrack),
/// when the track is in view.
/// </summary>
public sealed record ReportProbe(ReportFace Face, string? Name, double Similarity, double Threshold, string? BestCandidate, ReportTimeline? Timeline = null);
