using System.Runtime.CompilerServices;
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Bilinear(ReadOnlySpan<byte> px, int w, int h, float fx, float fy, ref float r, ref float g, ref float b)
    {
        int x0 = (int)MathF.Floor(fx), y0 = (int)MathF.Floor(fy);
        float ax = fx - x0, ay = fy - y0;
        Accumulate(px, w, h, x0, y0, (1 - ax) * (1 - ay), ref r, ref g, ref b);
        Accumulate(px, w, h, x0 + 1, y0, ax * (1 - ay), ref r, ref g, ref b);
        Accumulate(px, w, h, x0, y0 + 1, (1 - ax) * ay, ref r, ref g, ref b);
        Accumulate(px, w, h, x0 + 1, y0 + 1, ax * ay, ref r, ref g, ref b);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Accumulate(ReadOnlySpan<byte> px, int w, int h, int x, int y, float weight, ref float r, ref float g, ref float b)
    {
        if (weight == 0 || (uint)x >= (uint)w || (uint)y >= (uint)h) return; // outside: black
        int i = (y * w + x) * 4;
        r += weight * px[i];
        g += weight * px[i + 1];
        b += weight * px[i + 2];
    }

    /// <summary>NCHW RGB (v - mean) / std of a whole bitmap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    /// <summary>
    /// Resizes RGBA8888 <paramref name="source"/> into <paramref name="destination"/>: when shrinking, each output
    /// pixel is the mean of the source area it covers (OpenCV's INTER_AREA, which the MTCNN reference pipelines
    /// use for their pyramids); bilinear sampling misses detail and a faint face at 1/10 scale with it.
    /// Enlarging falls back to Skia's bilinear scaler. Rows run in parallel when <paramref name="parallel"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void ResizeArea(SKBitmap source, SKBitmap destination, bool parallel = true)
    {
        int sw = source.Width, sh = source.Height, dw = destination.Width, dh = destination.Height;
        if (dw >= sw || dh >= sh)
        {
            if (!source.ScalePixels(destination, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.None)))
                throw new InvalidOperationException($"Could not resize {sw}x{sh} to {dw}x{dh}.");
            return;
        }
        if (sw % dw == 0 && sh % dh == 0 && sw / dw == sh / dh) ResizeAreaWhole(source, destination, sw / dw, parallel);
        else ResizeAreaWeighted(source, destination, parallel);
    }

    /// <summary>The general area resize: per output pixel, the source area it covers, weighted by overlap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void ResizeAreaWeighted(SKBitmap source, SKBitmap destination, bool parallel = true)
    {
        int sw = source.Width, sh = source.Height, dw = destination.Width, dh = destination.Height;
        var (xStart, xCount, xWeights, maxX) = AreaWeights(sw, dw);
        var (yStart, yCount, yWeights, maxY) = AreaWeights(sh, dh);
        byte* src = (byte*)source.GetPixels(), dst = (byte*)destination.GetPixels();
        int srcStride = source.RowBytes, dstStride = destination.RowBytes;
        Parallel.For(0, dh, new ParallelOptions { MaxDegreeOfParallelism = parallel ? Environment.ProcessorCount : 1 }, () => new float[sw * 3], [MethodImpl(MethodImplOptions.AggressiveOptimization)] (y, _, row) =>
        {
            // Vertical: the weighted sum of the source rows this output row covers, then horizontal over that row.
            Array.Clear(row);
            for (int k = 0; k < yCount[y]; k++)
            {
                float wy = yWeights[y * maxY + k];
                byte* s = src + (yStart[y] + k) * srcStride;
                for (int x = 0; x < sw; x++)
                {
                    row[3 * x] += wy * s[4 * x];
                    row[3 * x + 1] += wy * s[4 * x + 1];
                    row[3 * x + 2] += wy * s[4 * x + 2];
                }
            }
            byte* d = dst + y * dstStride;
            for (int x = 0; x < dw; x++)
            {
                float r = 0, g = 0, b = 0;
                int x0 = xStart[x];
                for (int k = 0; k < xCount[x]; k++)
                {
                    float wx = xWeights[x * maxX + k];
                    int i = 3 * (x0 + k);
                    r += wx * row[i]; g += wx * row[i + 1]; b += wx * row[i + 2];
                }
                d[4 * x] = (byte)Math.Clamp((int)(r + 0.5f), 0, 255);
                d[4 * x + 1] = (byte)Math.Clamp((int)(g + 0.5f), 0, 255);
                d[4 * x + 2] = (byte)Math.Clamp((int)(b + 0.5f), 0, 255);
                d[4 * x + 3] = 255;
            }
            return row;
        }, _ => { });
        destination.NotifyPixelsChanged();
    }

    /// <summary>
    /// A whole-number shrink (YuNet's quarter-size levels): each output pixel is the rounded mean of an f x f block,
    /// summed in integers, which equals the weighted path's result (its weights are then 1/f each) at a third of its time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void ResizeAreaWhole(SKBitmap source, SKBitmap destination, int f, bool parallel)
    {
        int dw = destination.Width, dh = destination.Height;
        byte* src = (byte*)source.GetPixels(), dst = (byte*)destination.GetPixels();
        int srcStride = source.RowBytes, dstStride = destination.RowBytes;
        int area = f * f, half = area / 2;
        Parallel.For(0, dh, new ParallelOptions { MaxDegreeOfParallelism = parallel ? Environment.ProcessorCount : 1 }, () => new int[dw * 3], [MethodImpl(MethodImplOptions.AggressiveOptimization)] (y, _, sums) =>
        {
            Array.Clear(sums);
            fixed (int* acc = sums)
            {
                for (int k = 0; k < f; k++)
                {
                    byte* s = src + (long)(y * f + k) * srcStride;
                    for (int x = 0; x < dw; x++)
                    {
                        int r = 0, g = 0, b = 0;
                        byte* p = s + 4 * f * x;
                        for (int j = 0; j < f; j++, p += 4) { r += p[0]; g += p[1]; b += p[2]; }
                        acc[3 * x] += r; acc[3 * x + 1] += g; acc[3 * x + 2] += b;
                    }
                }
                byte* d = dst + (long)y * dstStride;
                for (int x = 0; x < dw; x++)
                {
                    d[4 * x] = (byte)((acc[3 * x] + half) / area);
                    d[4 * x + 1] = (byte)((acc[3 * x + 1] + half) / area);
                    d[4 * x + 2] = (byte)((acc[3 * x + 2] + half) / area);
                    d[4 * x + 3] = 255;
                }
            }
            return sums;
        }, _ => { });
        destination.NotifyPixelsChanged();
    }

    /// <summary>
    /// For each output index: the first source index, how many it covers, and their weights (summing to 1), stored
    /// Stride apart. The stride is the bound, not the largest count: at a whole-number ratio (4000 to 1000) the two
    /// differ, and reading with the count striped the output with a grid of dark pixels.
    /// </summary>
    internal static (int[] Start, int[] Count, float[] Weights, int Stride) AreaWeights(int sourceSize, int outputSize)
    {
        double scale = (double)sourceSize / outputSize;
        int max = (int)Math.Ceiling(scale) + 1;
        var start = new int[outputSize];
        var count = new int[outputSize];
        var weights = new float[outputSize * max];
        for (int o = 0; o < outputSize; o++)
        {
            double a = o * scale, b = Math.Min(sourceSize, (o + 1) * scale);
            int first = (int)Math.Floor(a), last = Math.Min(sourceSize - 1, (int)Math.Ceiling(b) - 1);
            start[o] = first;
            count[o] = last - first + 1;
            for (int s = first; s <= last; s++)
                weights[o * max + (s - first)] = (float)((Math.Min(b, s + 1) - Math.Max(a, s)) / (b - a));
        }
        return (start, count, weights, max);
    }
}
