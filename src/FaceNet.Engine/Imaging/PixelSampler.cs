using SkiaSharp;

namespace FaceNet.Engine.Imaging;

/// <summary>
/// Affine resampling straight from an RGBA8888 bitmap's pixels into a small new bitmap: bilinear taps,
/// with n x n supersampling per output pixel when shrinking (n = ceil(shrink), at most 4) against aliasing.
/// Drawing through Skia instead copies the whole photo per crop (SKImage.FromBitmap of a mutable bitmap)
/// and builds its mipmap chain each time: over 300 ms per face on a 12 MP photo.
/// Thread-safe: reads the source, writes only the result.
/// </summary>
public static unsafe class PixelSampler
{
    /// <summary>Renders source through sourceToOutput into a width x height bitmap; outside the source is black.</summary>
    public static SKBitmap Warp(SKBitmap source, SKMatrix sourceToOutput, int width, int height)
    {
        if (source.ColorType != SKColorType.Rgba8888) throw new ArgumentException("Source must be RGBA8888.", nameof(source));
        if (!sourceToOutput.TryInvert(out var inv)) throw new ArgumentException("The transform is not invertible.", nameof(sourceToOutput));
        var result = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        // Output pixels per source pixel along each output axis; shrink factor decides the supersampling.
        float shrinkX = MathF.Sqrt(inv.ScaleX * inv.ScaleX + inv.SkewY * inv.SkewY);
        float shrinkY = MathF.Sqrt(inv.SkewX * inv.SkewX + inv.ScaleY * inv.ScaleY);
        int nx = Math.Clamp((int)MathF.Ceiling(shrinkX - 1e-3f), 1, 4);
        int ny = Math.Clamp((int)MathF.Ceiling(shrinkY - 1e-3f), 1, 4);
        float weight = 1f / (nx * ny);
        int sw = source.Width, sh = source.Height, stride = source.RowBytes;
        byte* src = (byte*)source.GetPixels();
        byte* dst = (byte*)result.GetPixels();
        int dstStride = result.RowBytes;
        for (int oy = 0; oy < height; oy++)
        {
            byte* row = dst + oy * dstStride;
            for (int ox = 0; ox < width; ox++)
            {
                float r = 0, g = 0, b = 0;
                for (int jy = 0; jy < ny; jy++)
                {
                    float py = oy + (jy + 0.5f) / ny;
                    for (int jx = 0; jx < nx; jx++)
                    {
                        float px = ox + (jx + 0.5f) / nx;
                        // Pixel centres: source sample at (x - 0.5, y - 0.5) in index space.
                        float sx = inv.ScaleX * px + inv.SkewX * py + inv.TransX - 0.5f;
                        float sy = inv.SkewY * px + inv.ScaleY * py + inv.TransY - 0.5f;
                        Bilinear(src, stride, sw, sh, sx, sy, ref r, ref g, ref b);
                    }
                }
                byte* o = row + ox * 4;
                o[0] = ToByte(r * weight);
                o[1] = ToByte(g * weight);
                o[2] = ToByte(b * weight);
                o[3] = 255;
            }
        }
        result.NotifyPixelsChanged();
        return result;
    }

    /// <summary>The whole image resized to width x height (no letterbox).</summary>
    public static SKBitmap Resize(SKBitmap source, int width, int height) =>
        Warp(source, SKMatrix.CreateScale((float)width / source.Width, (float)height / source.Height), width, height);

    private static byte ToByte(float v) => (byte)Math.Clamp((int)(v + 0.5f), 0, 255);

    private static void Bilinear(byte* px, int stride, int w, int h, float fx, float fy, ref float r, ref float g, ref float b)
    {
        int x0 = (int)MathF.Floor(fx), y0 = (int)MathF.Floor(fy);
        float ax = fx - x0, ay = fy - y0;
        // Clamp to the edge inside the image; fully outside samples stay black.
        if (x0 < -1 || y0 < -1 || x0 >= w || y0 >= h) return;
        Tap(px, stride, w, h, x0, y0, (1 - ax) * (1 - ay), ref r, ref g, ref b);
        Tap(px, stride, w, h, x0 + 1, y0, ax * (1 - ay), ref r, ref g, ref b);
        Tap(px, stride, w, h, x0, y0 + 1, (1 - ax) * ay, ref r, ref g, ref b);
        Tap(px, stride, w, h, x0 + 1, y0 + 1, ax * ay, ref r, ref g, ref b);
    }

    private static void Tap(byte* px, int stride, int w, int h, int x, int y, float weight, ref float r, ref float g, ref float b)
    {
        if (weight == 0) return;
        x = Math.Clamp(x, 0, w - 1);
        y = Math.Clamp(y, 0, h - 1);
        byte* p = px + y * stride + x * 4;
        r += weight * p[0];
        g += weight * p[1];
        b += weight * p[2];
    }
}
