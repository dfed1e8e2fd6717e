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

    /// <summary>
    /// "#0 Similarity: 87.12% to #2": for a picture of several compared faces, the face's own index and the index of
    /// the face on the other photo that it matches best, so every score can be traced to its pair.
    /// </summary>
    public static string ForSimilarity(double similarityPercent, int index, int partnerIndex) =>
        string.Create(CultureInfo.InvariantCulture, $"#{index} {ForSimilarity(similarityPercent)} to #{partnerIndex}");

    /// <summary>
    /// "#0 Happy 97%, 31 y, Female": a face's index and the attributes Get-FaceAttribute gave it (those it was asked for).
    /// </summary>
    public static string ForAttributes(int index, string? expression, double? expressionConfidence, double? age, string? gender) =>
        string.Create(CultureInfo.InvariantCulture, $"#{index} {DescribeAttributes(expression, expressionConfidence, age, gender)}");

    /// <summary>"Happy 97%, 31 y, Female": the attributes given, in that order.</summary>
    public static string DescribeAttributes(string? expression, double? expressionConfidence, double? age, string? gender)
    {
        var parts = new List<string>();
        if (expression is not null)
            parts.Add(expressionConfidence is double c ? string.Create(CultureInfo.InvariantCulture, $"{expression} {c * 100:0}%") : expression);
        if (age is double a) parts.Add(string.Create(CultureInfo.InvariantCulture, $"{a:0} y"));
        if (gender is not null) parts.Add(gender);
        return string.Join(", ", parts);
    }

    /// <summary>"Reference: badge.jpg" / "Compared: hr.jpg": the caption of each photo of a side-by-side picture.</summary>
    public static string ForPhoto(bool reference, string fileName) => (reference ? "Reference: " : "Compared: ") + fileName;
}
