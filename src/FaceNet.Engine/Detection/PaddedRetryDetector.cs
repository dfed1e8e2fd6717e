using FaceNet.Engine.Geometry;
using FaceNet.Engine.Imaging;
using SkiaSharp;

namespace FaceNet.Engine.Detection;

/// <summary>
/// Finds the face in a face crop. Detectors are trained on scenes (WIDER FACE), where a face is a part of the
/// picture; when the face fills the picture (ID photos, badge crops, dataset crops such as 92x112 faces) they
/// often find nothing. So when the inner detector finds nothing, the picture is shrunk to
/// <see cref="RetrySide"/> px on its longer side, framed by a border half that wide on every side, and read
/// again; boxes found there map back to the picture (they may reach past its edges, as the face does). The
/// retry reads a small picture, so it costs a few milliseconds, and only on pictures without a detection.
/// With a second detector (the default's UltraFace beside YuNet) the framed picture is read by both, and where
/// neither is sure, a face both find in the same place (the first at <see cref="AgreedConfidence"/> or more, the
/// second at <see cref="SecondOpinionConfidence"/>) is taken: two detectors trained apart rarely agree on a face that
/// is not there (sunglasses and turned heads, in tests on 92x112 LFW crops, reached only 0.2-0.6). That face keeps
/// its own, lower confidence, and the agreement is asked only at the detectors' own thresholds: with an explicit
/// minimum confidence nothing under it is returned.
/// </summary>
public sealed class PaddedRetryDetector(IFaceDetector inner, IFaceDetector? second = null) : IFaceDetector
{
    /// <summary>
    /// The picture's longer side in the retry. With the border the retry reads at most 300x300, where a filling
    /// face is 100-150 px tall: well inside what YuNet and UltraFace (at its 320x240 view) find.
    /// </summary>
    public const int RetrySide = 150;

    /// <summary>The border on each side, as a share of the shrunk picture's longer side.</summary>
    public const float BorderShare = 0.5f;

    /// <summary>The lowest confidence taken in the framed picture when both detectors find the face (boxes overlapping by IoU 0.5).</summary>
    public const float AgreedConfidence = 0.4f;

    /// <summary>The lowest confidence of the second detector's agreeing box in that case.</summary>
    public const float SecondOpinionConfidence = 0.2f;

    /// <summary>
    /// A face from the retry is kept only when its box's longer side is at least this share of the picture's
    /// shorter side: the retry is for pictures a face fills. A smaller face is one the first read could have found;
    /// if it did not (a strict -MinConfidence on a group photo), the shrunk picture must not overrule it.
    /// </summary>
    public const float FillShare = 0.33f;

    public IFaceDetector Inner => inner;

    public string Name => inner.Name;

    public float DetailFor(int width, int height, DetectionOptions options) => inner.DetailFor(width, height, options);

    public IReadOnlyList<DetectedBox> Detect(FaceImage image, DetectionOptions options)
    {
        var boxes = inner.Detect(image, options);
        return boxes.Count > 0 ? boxes : DetectFramed(image, options);
    }

    /// <summary>The retry on its own: the picture shrunk, framed and read again (boxes in picture pixels).</summary>
    public IReadOnlyList<DetectedBox> DetectFramed(FaceImage image, DetectionOptions options)
    {
        float k = MathF.Min(1f, RetrySide / (float)Math.Max(image.Width, image.Height));
        int w = Math.Max(1, (int)MathF.Round(image.Width * k)), h = Math.Max(1, (int)MathF.Round(image.Height * k));
        int border = (int)MathF.Ceiling(BorderShare * Math.Max(w, h));
        var toCanvas = SKMatrix.CreateTranslation(border, border).PreConcat(SKMatrix.CreateScale(k, k));
        var level = image.LevelFor(k);
        var bitmap = PixelSampler.Warp(level.Bitmap, level.FromLevel(toCanvas), w + 2 * border, h + 2 * border);
        FillBorder(bitmap, border, w, h);
        using var framed = FaceImage.FromBitmap(bitmap);
        // The smallest-face floor is applied to the picture's own pixels by the caller (FaceAnalyzer); here every
        // face found is a filling one.
        var framedOptions = options with { MinFaceSize = null };
        var found = inner.Detect(framed, framedOptions);
        if (found.Count == 0 && second is not null)
        {
            found = second.Detect(framed, framedOptions);
            // Only at the detectors' own thresholds: an explicit -MinConfidence is kept, so nothing under it comes back.
            if (found.Count == 0 && options.MinConfidence is null)
            {
                // Neither is sure. The first detector's candidates come from the framed picture and from the shrunk
                // picture without its frame (a face with sunglasses in a tight crop: YuNet 0.62 there, nothing framed);
                // the second detector's opinion, read framed, may be weaker.
                var low = framedOptions with { MinConfidence = AgreedConfidence };
                var others = second.Detect(framed, framedOptions with { MinConfidence = SecondOpinionConfidence });
                if (others.Count > 0)
                {
                    using var unframed = FaceImage.FromBitmap(PixelSampler.Warp(bitmap, SKMatrix.CreateTranslation(-border, -border), w, h));
                    var mine = inner.Detect(framed, low).Concat(inner.Detect(unframed, low).Select(d => d with
                    {
                        Box = new FaceBox(d.Box.X + border, d.Box.Y + border, d.Box.Width, d.Box.Height),
                        FivePoints = d.FivePoints?.Select(p => new PointF2(p.X + border, p.Y + border)).ToArray(),
                    }));
                    found = mine.Where(d => others.Any(x => x.Box.IntersectionOverUnion(d.Box) >= 0.5f))
                        .OrderByDescending(d => d.Confidence).Take(1).ToList();
                }
            }
        }
        var result = new List<DetectedBox>(found.Count);
        float fills = FillShare * Math.Min(image.Width, image.Height);
        foreach (var d in found)
        {
            var b = d.Box;
            var box = new FaceBox((b.X - border) / k, (b.Y - border) / k, b.Width / k, b.Height / k);
            if (Math.Max(box.Width, box.Height) < fills) continue;
            result.Add(new DetectedBox(box, d.Confidence)
            {
                FivePoints = d.FivePoints?.Select(p => new PointF2((p.X - border) / k, (p.Y - border) / k)).ToArray(),
            });
        }
        return result;
    }

    /// <summary>The border in the picture's mean colour: a flat frame, so no edge looks like a face's outline.</summary>
    private static unsafe void FillBorder(SKBitmap bitmap, int border, int w, int h)
    {
        byte* px = (byte*)bitmap.GetPixels();
        int stride = bitmap.RowBytes;
        long r = 0, g = 0, b = 0;
        for (int y = border; y < border + h; y++)
            for (int x = border; x < border + w; x++)
            {
                byte* p = px + y * stride + 4 * x;
                r += p[0]; g += p[1]; b += p[2];
            }
        long n = Math.Max(1L, (long)w * h);
        byte mr = (byte)(r / n), mg = (byte)(g / n), mb = (byte)(b / n);
        for (int y = 0; y < bitmap.Height; y++)
        {
            bool inside = y >= border && y < border + h;
            for (int x = 0; x < bitmap.Width; x++)
            {
                if (inside && x >= border && x < border + w) continue;
                byte* p = px + y * stride + 4 * x;
                p[0] = mr; p[1] = mg; p[2] = mb; p[3] = 255;
            }
        }
        bitmap.NotifyPixelsChanged();
    }
}
