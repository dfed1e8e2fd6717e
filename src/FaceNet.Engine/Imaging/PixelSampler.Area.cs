using System.Runtime.CompilerServices;
using SkiaSharp;

namespace FaceNet.Engine.Imaging;

/// <summary>Whole-image area resizes (detector pyramids), part of the one sampler.</summary>
public static unsafe partial class PixelSampler
{
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
