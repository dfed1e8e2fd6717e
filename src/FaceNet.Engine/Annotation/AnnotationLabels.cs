using System.Globalization;

namespace FaceNet.Engine.Annotation;

/// <summary>The label texts, culture-invariant so an image reads the same on every machine.</summary>
public static class AnnotationLabels
{
    /// <summary>"#0 0.998": the face's index in its image and the detector confidence.</summary>
    public static string ForFace(int index, float confidence) =>
        string.Create(CultureInfo.InvariantCulture, $"#{index} {confidence:0.000}");

    /// <summary>"Similarity: 87.12%".</summary>
    public static string ForSimilarity(double similarityPercent) =>
        double.IsNaN(similarityPercent)
            ? "Similarity: n/a"
            : string.Create(CultureInfo.InvariantCulture, $"Similarity: {similarityPercent:0.00}%");
}
