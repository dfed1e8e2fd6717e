namespace FaceNet.Engine.Storage;

/// <summary>What an enrolment wrote.</summary>
/// <param name="StaleAdaptation">The gallery has an adaptation (Optimize-FaceGallery) that this run's photos made stale.</param>
public sealed record GalleryEnrolmentSummary(string Path, string Model, int FacesAdded, int Faces, int People, Adaptation.GalleryAdaptation? StaleAdaptation = null);
