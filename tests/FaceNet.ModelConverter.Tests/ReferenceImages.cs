using SkiaSharp;
using Xunit;

namespace FaceNet.ModelConverter.Tests;

/// <summary>
/// The reference generators' images (tools/reference/reference-images.mjs): a deterministic size x size RGB
/// test image from a seed, integer arithmetic only so it is identical to makeImage() there (keep the two in sync): a linear colour gradient,
/// a few flat-coloured discs and a small hash noise.
/// </summary>
internal static class ReferenceImages
{
    public static byte[] Synthetic(int seed, int size)
    {
        var state = 0x9E3779B9u ^ unchecked((uint)seed * 0x85EBCA6Bu);
        uint Next()
        {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            return state;
        }

        int[] baseColour = new int[3], gx = new int[3], gy = new int[3];
        for (var c = 0; c < 3; c++)
        {
            baseColour[c] = (int)(Next() % 256);
            gx[c] = (int)(Next() % 129) - 64;
            gy[c] = (int)(Next() % 129) - 64;
        }
        var count = 3 + (int)(Next() % 5);
        var circles = new (int Cx, int Cy, int R, int[] Rgb)[count];
        for (var k = 0; k < count; k++)
        {
            int cx = (int)(Next() % size), cy = (int)(Next() % size), r = 8 + (int)(Next() % 40);
            circles[k] = (cx, cy, r, [(int)(Next() % 256), (int)(Next() % 256), (int)(Next() % 256)]);
        }

        var px = new byte[size * size * 3];
        Span<int> rgb = stackalloc int[3];
        for (var y = 0; y < size; y++)
        for (var x = 0; x < size; x++)
        {
            for (var c = 0; c < 3; c++) rgb[c] = baseColour[c] + ((gx[c] * x + gy[c] * y) >> 6);
            foreach (var ci in circles)
            {
                int dx = x - ci.Cx, dy = y - ci.Cy;
                if (dx * dx + dy * dy <= ci.R * ci.R) ci.Rgb.CopyTo(rgb);
            }
            for (var c = 0; c < 3; c++)
            {
                var h = unchecked((uint)((x + 1) * 0x27D4EB2D) ^ (uint)((y + 1) * 0x165667B1) ^ (uint)((c + seed) * 0x61C88647));
                h ^= h >> 15;
                var noise = (int)(h % 17) - 8;
                px[(y * size + x) * 3 + c] = (byte)Math.Clamp(rgb[c] + noise, 0, 255);
            }
        }
        return px;
    }

    public static uint Fnv1a(byte[] bytes)
    {
        var h = 0x811C9DC5u;
        foreach (var b in bytes) h = unchecked((h ^ b) * 0x01000193u);
        return h;
    }

    /// <summary>Lossless PNG -> HWC RGB bytes (GetPixel is independent of Skia's native colour type).</summary>
    public static byte[] DecodePng(string path, int size)
    {
        using var bitmap = SKBitmap.Decode(path) ?? throw new InvalidDataException($"cannot decode {path}");
        Assert.Equal(size, bitmap.Width);
        Assert.Equal(size, bitmap.Height);
        var hwc = new byte[size * size * 3];
        for (var y = 0; y < size; y++)
        for (var x = 0; x < size; x++)
        {
            var p = bitmap.GetPixel(x, y);
            var i = (y * size + x) * 3;
            (hwc[i], hwc[i + 1], hwc[i + 2]) = (p.Red, p.Green, p.Blue);
        }
        return hwc;
    }

    /// <summary>face-api's mean RGB (FaceRecognitionNet, FaceFeatureExtractor, TinyXception).</summary>
    public static readonly float[] FaceApiMeanRgb = [122.782f, 117.001f, 104.298f];

    /// <summary>HWC RGB bytes -> NCHW float, (p - mean_c) / <paramref name="std"/> with face-api's mean.</summary>
    public static float[] Normalise(byte[] hwc, int size, float std)
    {
        var chw = new float[3 * size * size];
        for (var i = 0; i < size * size; i++)
        for (var c = 0; c < 3; c++)
            chw[c * size * size + i] = (hwc[i * 3 + c] - FaceApiMeanRgb[c]) / std;
        return chw;
    }

    public static double MaxAbsDiff(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();
}
