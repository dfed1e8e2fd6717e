using FaceNet.Engine.Geometry;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Landmarks;
using FaceNet.Engine.Models;
using SkiaSharp;

namespace FaceNet.Engine.Alignment;

/// <summary>Cuts a face out of an image the way an embedder's manifest entry asks.</summary>
public static class FaceAligner
{
    /// <summary>The source-to-crop transform for this face and alignment.</summary>
    public static SKMatrix TransformFor(FaceLandmarks landmarks, AlignmentSpec alignment, int width, int height)
    {
        switch (alignment.Method)
        {
            case "Similarity5":
            {
                var template = alignment.Template ?? throw new InvalidDataException("Similarity5 alignment needs a template.");
                // Templates are given for a 112x112 crop; scale them if a model uses another size.
                var dst = template.Select(t => new PointF2(t[0] * width / 112f, t[1] * height / 112f)).ToArray();
                return SimilarityTransform.Estimate(landmarks.FivePoints, dst);
            }
            case "DlibChip":
            {
                var points = landmarks.Points68 ?? throw new InvalidOperationException("DlibChip alignment needs 68 landmarks.");
                return DlibFaceChip.Transform(points, width, alignment.Padding);
            }
            default:
                throw new InvalidDataException($"Unknown alignment method '{alignment.Method}'.");
        }
    }

    /// <summary>The crop an embedder sees, from the full-resolution pixels as the embedders sample.</summary>
    public static SKBitmap Crop(FaceImage image, FaceLandmarks landmarks, AlignmentSpec alignment, int width, int height) =>
        PixelSampler.Warp(image.Bitmap, TransformFor(landmarks, alignment, width, height), width, height);
}
