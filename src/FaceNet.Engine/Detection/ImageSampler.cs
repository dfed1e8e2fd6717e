using FaceNet.Engine.Geometry;
using SkiaSharp;

namespace FaceNet.Engine.Detection;

/// <summary>
/// Fast crops and pyramid levels for the detectors, straight from an RGBA8888 bitmap's pixels
/// (no per-crop copy of the whole image, which SKImage.FromBitmap would make).
/// </summary>
internal static class ImageSampler
{
    /// <summary>
    /// Samples the square/rect <paramref name="box"/> (may extend past the image: outside is black)
    /// into a size x size NCHW block normalised as (v - mean) / std, averaging n x n bilinear
    /// sub-samples per output pixel when shrinking (n = ceil(shrink), at most 4) to avoid aliasing.
    /// </summary>
    public static void CropToTensor(SKBitmap bitmap, FaceBox box, int width, int height, float mean, float std, Span<float> destination)
    {
        var pixels = bitmap.GetPixelSpan();
        int iw = bitmap.Width, ih = bitmap.Height, plane = width * height;
        float sx = box.Width / width, sy = box.Height / height;
        int nx = Math.Clamp((int)MathF.Ceiling(sx), 1, 4), ny = Math.Clamp((int)MathF.Ceiling(sy), 1, 4);
        float inv = 1f / (nx * ny), invStd = 1f / std;
        for (int oy = 0; oy < height; oy++)
        for (int ox = 0; ox < width; ox++)
        {
            float r = 0, g = 0, b = 0;
            for (int jy = 0; jy < ny; jy++)
            for (int jx = 0; jx < nx; jx++)
            {
                float fx = box.X + (ox + (jx + 0.5f) / nx) * sx - 0.5f;
                float fy = box.Y + (oy + (jy + 0.5f) / ny) * sy - 0.5f;
                Bilinear(pixels, iw, ih, fx, fy, ref r, ref g, ref b);
            }
            int o = oy * width + ox;
            destination[o] = (r * inv - mean) * invStd;
            destination[plane + o] = (g * inv - mean) * invStd;
            destination[2 * plane + o] = (b * inv - mean) * invStd;
        }
    }

    private static void Bilinear(ReadOnlySpan<byte> px, int w, int h, float fx, float fy, ref float r, ref float g, ref float b)
    {
        int x0 = (int)MathF.Floor(fx), y0 = (int)MathF.Floor(fy);
        float ax = fx - x0, ay = fy - y0;
        Accumulate(px, w, h, x0, y0, (1 - ax) * (1 - ay), ref r, ref g, ref b);
        Accumulate(px, w, h, x0 + 1, y0, ax * (1 - ay), ref r, ref g, ref b);
        Accumulate(px, w, h, x0, y0 + 1, (1 - ax) * ay, ref r, ref g, ref b);
        Accumulate(px, w, h, x0 + 1, y0 + 1, ax * ay, ref r, ref g, ref b);
    }

    private static void Accumulate(ReadOnlySpan<byte> px, int w, int h, int x, int y, float weight, ref float r, ref float g, ref float b)
    {
        if (weight == 0 || (uint)x >= (uint)w || (uint)y >= (uint)h) return; // outside: black
        int i = (y * w + x) * 4;
        r += weight * px[i];
        g += weight * px[i + 1];
        b += weight * px[i + 2];
    }

    /// <summary>Draws a region of an image (source pixels) scaled into a new width x height bitmap, linear + mipmaps.</summary>
    public static SKBitmap Render(SKImage source, SKRect sourceRect, int width, int height)
    {
        var result = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        using var canvas = new SKCanvas(result);
        canvas.Clear(SKColors.Black);
        var sampling = new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear);
        canvas.DrawImage(source, sourceRect, new SKRect(0, 0, width, height), sampling, null);
        return result;
    }

    /// <summary>NCHW RGB (v - mean) / std of a whole bitmap.</summary>
    public static void Fill(SKBitmap bitmap, float mean, float std, Span<float> destination)
    {
        var px = bitmap.GetPixelSpan();
        int plane = bitmap.Width * bitmap.Height;
        float inv = 1f / std;
        for (int i = 0; i < plane; i++)
        {
            destination[i] = (px[4 * i] - mean) * inv;
            destination[plane + i] = (px[4 * i + 1] - mean) * inv;
            destination[2 * plane + i] = (px[4 * i + 2] - mean) * inv;
        }
    }
}
