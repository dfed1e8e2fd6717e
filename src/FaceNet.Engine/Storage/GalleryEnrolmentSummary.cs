namespace FaceNet.Engine.Storage;

/// <summary>What an enrolment wrote.</summary>
public sealed record GalleryEnrolmentSummary(string Path, string Model, int FacesAdded, int Faces, int People);
