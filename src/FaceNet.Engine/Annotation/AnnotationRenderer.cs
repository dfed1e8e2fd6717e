using FaceNet.Engine.Geometry;
using FaceNet.Engine.Imaging;
using SkiaSharp;

namespace FaceNet.Engine.Annotation;

/// <summary>
/// Draws face boxes, labels and landmarks onto a copy of an upright image, or two images side by side.
/// Boxes are drawn without anti-aliasing so their pixels carry the exact box colour; labels are black
/// text on a filled patch of the box colour, under the box (above it when there is no room below).
/// </summary>
public static class AnnotationRenderer
{
    /// <summary>The source image with its marks drawn on it, at the source size.</summary>
    public static SKBitmap Render(FaceImage image, IReadOnlyList<AnnotationMark> marks)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(marks);
        var output = NewCanvasBitmap(image.Width, image.Height);
        using var canvas = new SKCanvas(output);
        canvas.Clear(SKColors.Black);
        using (var source = SKImage.FromBitmap(image.Bitmap))
            canvas.DrawImage(source, 0, 0, SKSamplingOptions.Default, null);
        var style = AnnotationStyle.ForSize(image.Width, image.Height);
        var panel = SKRect.Create(0, 0, image.Width, image.Height);
        DrawMarks(canvas, marks, panel, 1, 1, style);
        return output;
    }

    /// <summary>
    /// Both images scaled to the same height (<see cref="SideBySideLayout.For"/>), left then right, each
    /// with its own marks (given in its own source pixels) and an optional caption in its top-left corner.
    /// </summary>
    public static SKBitmap RenderSideBySide(FaceImage left, IReadOnlyList<AnnotationMark> leftMarks,
        FaceImage right, IReadOnlyList<AnnotationMark> rightMarks, string? leftCaption = null, string? rightCaption = null)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        var layout = SideBySideLayout.For(left.Width, left.Height, right.Width, right.Height);
        var output = NewCanvasBitmap(layout.Width, layout.Height);
        using var canvas = new SKCanvas(output);
        canvas.Clear(SKColors.Black);
        var leftPanel = SKRect.Create(0, 0, layout.LeftWidth, layout.Height);
        var rightPanel = SKRect.Create(layout.LeftWidth, 0, layout.RightWidth, layout.Height);
        DrawScaled(canvas, left, leftPanel);
        DrawScaled(canvas, right, rightPanel);
        var style = AnnotationStyle.ForSize(layout.Width, layout.Height);
        DrawMarks(canvas, leftMarks, leftPanel, leftPanel.Width / left.Width, leftPanel.Height / left.Height, style);
        DrawMarks(canvas, rightMarks, rightPanel, rightPanel.Width / right.Width, rightPanel.Height / right.Height, style);
        if (!string.IsNullOrEmpty(leftCaption)) DrawCaption(canvas, leftCaption!, leftPanel, style);
        if (!string.IsNullOrEmpty(rightCaption)) DrawCaption(canvas, rightCaption!, rightPanel, style);
        return output;
    }

    private static SKBitmap NewCanvasBitmap(int width, int height) =>
        new(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));

    private static void DrawScaled(SKCanvas canvas, FaceImage image, SKRect panel)
    {
        // The engine's sampler: an area average when shrinking keeps a strong downscale (a 4000 px photo next to a
        // 250 px crop) free of aliasing; enlarging is bilinear.
        int w = Math.Max(1, (int)MathF.Round(panel.Width)), h = Math.Max(1, (int)MathF.Round(panel.Height));
        using var scaled = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        PixelSampler.ResizeArea(image.Bitmap, scaled, parallel: false);
        using var source = SKImage.FromBitmap(scaled);
        canvas.DrawImage(source, panel.Left, panel.Top);
    }

    private static void DrawMarks(SKCanvas canvas, IReadOnlyList<AnnotationMark> marks, SKRect panel, float sx, float sy, AnnotationStyle style)
    {
        if (marks is null) return;
        canvas.Save();
        canvas.ClipRect(panel);
        using var boxPaint = new SKPaint { Style = SKPaintStyle.Stroke, StrokeWidth = style.LineWidth, IsAntialias = false, StrokeJoin = SKStrokeJoin.Miter };
        foreach (var mark in marks)
        {
            var box = Snap(SKRect.Create(panel.Left + mark.Box.X * sx, panel.Top + mark.Box.Y * sy, mark.Box.Width * sx, mark.Box.Height * sy));
            boxPaint.Color = mark.Color;
            canvas.DrawRect(box, boxPaint);
            if (mark.Points is { Count: > 0 } points)
                DrawPoints(canvas, points, panel, sx, sy, mark.Color, style);
        }
        // Labels last, so no box of a neighbouring face cuts through one.
        foreach (var mark in marks)
        {
            if (string.IsNullOrEmpty(mark.Label)) continue;
            var box = Snap(SKRect.Create(panel.Left + mark.Box.X * sx, panel.Top + mark.Box.Y * sy, mark.Box.Width * sx, mark.Box.Height * sy));
            DrawLabel(canvas, mark.Label!, box, panel, mark.Color, style);
        }
        canvas.Restore();
    }

    // Whole-pixel box edges: a non-anti-aliased stroke then covers the same pixels on every side.
    private static SKRect Snap(SKRect r) => new(MathF.Round(r.Left), MathF.Round(r.Top), MathF.Round(r.Right), MathF.Round(r.Bottom));

    private static void DrawPoints(SKCanvas canvas, IReadOnlyList<PointF2> points, SKRect panel, float sx, float sy, SKColor color, AnnotationStyle style)
    {
        using var fill = new SKPaint { Style = SKPaintStyle.Fill, Color = color, IsAntialias = true };
        using var outline = new SKPaint { Style = SKPaintStyle.Stroke, Color = SKColors.Black, StrokeWidth = MathF.Max(1, style.PointRadius / 3), IsAntialias = true };
        foreach (var p in points)
        {
            float x = panel.Left + p.X * sx, y = panel.Top + p.Y * sy;
            canvas.DrawCircle(x, y, style.PointRadius, fill);
            canvas.DrawCircle(x, y, style.PointRadius, outline);
        }
    }

    /// <summary>Where a label patch goes: under the box, left-aligned with its outer edge, kept inside the panel.</summary>
    internal static SKRect LabelRect(SKRect box, SKRect panel, float textWidth, float textHeight, float padding, float lineWidth)
    {
        float w = textWidth + 2 * padding, h = textHeight + 2 * padding;
        float half = lineWidth / 2;
        float x = box.Left - half;
        float y = box.Bottom + half;
        if (y + h > panel.Bottom) y = box.Top - half - h;      // no room below: above the box
        if (y < panel.Top) y = System.Math.Min(box.Bottom - half - h, panel.Bottom - h); // no room either: inside the box's bottom
        x = System.Math.Clamp(x, panel.Left, System.Math.Max(panel.Left, panel.Right - w));
        y = System.Math.Max(y, panel.Top);
        return SKRect.Create(x, y, w, h);
    }

    /// <summary>White text on a black patch at the panel's top-left corner, clipped to the panel (a long file name is cut, not spilled).</summary>
    private static void DrawCaption(SKCanvas canvas, string text, SKRect panel, AnnotationStyle style)
    {
        using var font = new SKFont(FontProvider.Typeface, style.FontSize) { Edging = SKFontEdging.Antialias, Subpixel = true };
        font.GetFontMetrics(out var metrics);
        float padding = MathF.Max(2, MathF.Round(style.FontSize * 0.2f));
        var rect = SKRect.Create(panel.Left, panel.Top, MathF.Min(panel.Width, font.MeasureText(text) + 2 * padding), metrics.Descent - metrics.Ascent + 2 * padding);
        canvas.Save();
        canvas.ClipRect(panel);
        using (var background = new SKPaint { Style = SKPaintStyle.Fill, Color = new SKColor(0, 0, 0, 200), IsAntialias = false })
            canvas.DrawRect(rect, background);
        using var ink = new SKPaint { Style = SKPaintStyle.Fill, Color = SKColors.White, IsAntialias = true };
        canvas.DrawText(text, rect.Left + padding, rect.Top + padding - metrics.Ascent, SKTextAlign.Left, font, ink);
        canvas.Restore();
    }

    private static void DrawLabel(SKCanvas canvas, string text, SKRect box, SKRect panel, SKColor color, AnnotationStyle style)
    {
        using var font = new SKFont(FontProvider.Typeface, style.FontSize) { Edging = SKFontEdging.Antialias, Subpixel = true };
        font.GetFontMetrics(out var metrics);
        float textWidth = font.MeasureText(text);
        float textHeight = metrics.Descent - metrics.Ascent;
        float padding = MathF.Max(2, MathF.Round(style.FontSize * 0.2f));
        var rect = LabelRect(box, panel, textWidth, textHeight, padding, style.LineWidth);
        using (var background = new SKPaint { Style = SKPaintStyle.Fill, Color = color, IsAntialias = false })
            canvas.DrawRect(rect, background);
        using var ink = new SKPaint { Style = SKPaintStyle.Fill, Color = SKColors.Black, IsAntialias = true };
        canvas.DrawText(text, rect.Left + padding, rect.Top + padding - metrics.Ascent, SKTextAlign.Left, font, ink);
    }
}
