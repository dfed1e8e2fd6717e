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
            case "LandmarkBox":
            {
                var (box, side) = LandmarkSquare(landmarks, alignment.Padding);
                float scale = width / side;
                return SKMatrix.CreateScaleTranslation(scale, height / side, -(box.Center.X - side / 2) * scale, -(box.Center.Y - side / 2) * height / side);
            }
            default:
                throw new InvalidDataException($"Unknown alignment method '{alignment.Method}'.");
        }
    }

    /// <summary>
    /// LandmarkBox (face-api's crop for its expression and age/gender nets): the smallest box around the landmarks,
    /// grown by Padding of its size, then centred in a square whose sides outside that box are black. This is the
    /// part of the crop, in output pixels, that shows the image; null for methods that fill the whole crop.
    /// </summary>
    public static (int X0, int Y0, int X1, int Y1)? ContentRect(FaceLandmarks landmarks, AlignmentSpec alignment, int width, int height)
    {
        if (alignment.Method != "LandmarkBox") return null;
        var (box, side) = LandmarkSquare(landmarks, alignment.Padding);
        float sx = width / side, sy = height / side;
        float left = box.Center.X - side / 2, top = box.Center.Y - side / 2;
        return ((int)MathF.Round((box.X - left) * sx), (int)MathF.Round((box.Y - top) * sy),
                (int)MathF.Round((box.Right - left) * sx), (int)MathF.Round((box.Bottom - top) * sy));
    }

    private static (FaceBox Box, float Side) LandmarkSquare(FaceLandmarks landmarks, float padding)
    {
        IReadOnlyList<PointF2> points = landmarks.Points68 ?? landmarks.FivePoints;
        float x0 = float.MaxValue, y0 = float.MaxValue, x1 = float.MinValue, y1 = float.MinValue;
        foreach (var p in points)
        {
            x0 = MathF.Min(x0, p.X); y0 = MathF.Min(y0, p.Y);
            x1 = MathF.Max(x1, p.X); y1 = MathF.Max(y1, p.Y);
        }
        float w = MathF.Max(x1 - x0, 1), h = MathF.Max(y1 - y0, 1);
        var box = new FaceBox(x0 - w * padding / 2, y0 - h * padding / 2, w * (1 + padding), h * (1 + padding));
        return (box, MathF.Max(box.Width, box.Height));
    }

    /// <summary>The crop an embedder sees, from the full-resolution pixels as the embedders sample.</summary>
    public static SKBitmap Crop(FaceImage image, FaceLandmarks landmarks, AlignmentSpec alignment, int width, int height) =>
        PixelSampler.Warp(image.Bitmap, TransformFor(landmarks, alignment, width, height), width, height);
}
