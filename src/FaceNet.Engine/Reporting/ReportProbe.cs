namespace FaceNet.Engine.Reporting;

/// <summary>
/// One identified face (Find-Face): the name given (null: unknown), its Similarity and the threshold it had to reach,
/// and for an unknown face the best candidate it fell short with.
/// </summary>
public sealed record ReportProbe(ReportFace Face, string? Name, double Similarity, double Threshold, string? BestCandidate);
