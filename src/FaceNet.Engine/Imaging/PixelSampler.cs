using System.Runtime.CompilerServices;
using FaceNet.Engine.Models;
using SkiaSharp;

namespace FaceNet.Engine.Imaging;

/// <summary>
/// Affine resampling straight from an RGBA8888 bitmap's pixels: bilinear taps, with n x n supersampling
/// per output pixel when shrinking by more than a quarter (n = ceil(shrink), at most 4) against aliasing.
/// Drawing through Skia instead copies the whole photo per crop (SKImage.FromBitmap of a mutable bitmap)
/// and builds its mipmap chain each time: over 300 ms per face on a 12 MP photo.
/// Thread-safe: reads the source, writes only the result.
/// The per-pixel methods are jitted fully optimised at first call (AggressiveOptimization): under tiered
/// compilation a run of a few hundred photos spent much of itself in unoptimised sampling code (48 vs 56
/// images/s end to end on LFW).
/// </summary>
public static unsafe class PixelSampler
{
    /// <summary>Renders source through sourceToOutput into a width x height bitmap; outside the source is black.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static SKBitmap Warp(SKBitmap source, SKMatrix sourceToOutput, int width, int height)
    {
        var sampler = new Sampler(source, sourceToOutput);
        var result = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        byte* dst = (byte*)result.GetPixels();
        for (int oy = 0; oy < height; oy++)
        {
            byte* row = dst + oy * result.RowBytes;
            for (int ox = 0; ox < width; ox++)
            {
                sampler.Pixel(ox, oy, out var r, out var g, out var b);
                byte* o = row + ox * 4;
                o[0] = (byte)r; o[1] = (byte)g; o[2] = (byte)b; o[3] = 255;
            }
        }
        result.NotifyPixelsChanged();
        return result;
    }

    /// <summary>
    /// Samples source through sourceToOutput straight into a normalised NCHW block (spec's size, colour order,
    /// mean and std), and, when mirrorDestination is not empty, the left-right mirrored view too: the same
    /// samples written in reverse column order. No intermediate bitmap.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SampleToTensor(SKBitmap source, SKMatrix sourceToOutput, InputSpec spec, Span<float> destination, Span<float> mirrorDestination = default)
    {
        int width = spec.Width, height = spec.Height, plane = width * height;
        bool grey = spec.Channels == 1 || spec.ColorOrder.Equals("Grey", StringComparison.OrdinalIgnoreCase);
        bool bgr = spec.ColorOrder.Equals("BGR", StringComparison.OrdinalIgnoreCase);
        bool mirror = !mirrorDestination.IsEmpty;
        int channels = grey ? 1 : 3;
        if (destination.Length < channels * plane || (mirror && mirrorDestination.Length < channels * plane))
            throw new ArgumentException("Destination is smaller than the model input.");
        float m0 = spec.Mean[0], s0 = 1f / spec.Std[0];
        float m1 = grey ? 0 : spec.Mean[1], s1 = grey ? 0 : 1f / spec.Std[1];
        float m2 = grey ? 0 : spec.Mean[2], s2 = grey ? 0 : 1f / spec.Std[2];
        var sampler = new Sampler(source, sourceToOutput);
        fixed (float* d = destination)
        fixed (float* md = mirrorDestination)
        {
            // Loops split by colour layout so the per-pixel work has no layout branches.
            if (grey)
            {
                for (int oy = 0; oy < height; oy++)
                for (int ox = 0; ox < width; ox++)
                {
                    // Quantised to 8 bits, as a bitmap crop would be.
                    sampler.Pixel(ox, oy, out var R, out var G, out var B);
                    float v = (MathF.Round(0.299f * R + 0.587f * G + 0.114f * B) - m0) * s0;
                    d[oy * width + ox] = v;
                    if (mirror) md[oy * width + (width - 1 - ox)] = v;
                }
                return;
            }
            for (int oy = 0; oy < height; oy++)
            {
                for (int ox = 0; ox < width; ox++)
                {
                    sampler.Pixel(ox, oy, out var R, out var G, out var B);
                    int o = oy * width + ox;
                    float c0 = bgr ? B : R, c2 = bgr ? R : B;
                    float v0 = (c0 - m0) * s0, v1 = (G - m1) * s1, v2 = (c2 - m2) * s2;
                    d[o] = v0; d[plane + o] = v1; d[2 * plane + o] = v2;
                    if (mirror)
                    {
                        int om = oy * width + (width - 1 - ox);
                        md[om] = v0; md[plane + om] = v1; md[2 * plane + om] = v2;
                    }
                }
            }
        }
    }

    /// <summary>The whole image resized to width x height (no letterbox).</summary>
    public static SKBitmap Resize(SKBitmap source, int width, int height) =>
        Warp(source, SKMatrix.CreateScale((float)width / source.Width, (float)height / source.Height), width, height);

    /// <summary>One output pixel's colour: the inverse-mapped source area, bilinear, supersampled when shrinking.</summary>
    private readonly struct Sampler
    {
        private readonly byte* _src;
        private readonly int _stride, _w, _h, _nx, _ny;
        private readonly float _weight;
        private readonly SKMatrix _inv;

        public Sampler(SKBitmap source, SKMatrix sourceToOutput)
        {
            if (source.ColorType != SKColorType.Rgba8888) throw new ArgumentException("Source must be RGBA8888.", nameof(source));
            if (!sourceToOutput.TryInvert(out _inv)) throw new ArgumentException("The transform is not invertible.", nameof(sourceToOutput));
            _src = (byte*)source.GetPixels();
            _stride = source.RowBytes;
            _w = source.Width;
            _h = source.Height;
            // Source pixels per output pixel along each output axis decide the supersampling.
            _nx = SamplesFor(MathF.Sqrt(_inv.ScaleX * _inv.ScaleX + _inv.SkewY * _inv.SkewY));
            _ny = SamplesFor(MathF.Sqrt(_inv.SkewX * _inv.SkewX + _inv.ScaleY * _inv.ScaleY));
            _weight = 1f / (_nx * _ny);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Pixel(int ox, int oy, out float r, out float g, out float b)
        {
            float sr = 0, sg = 0, sb = 0;
            if (_nx == 1 && _ny == 1)
            {
                // The common case (enlarging or a mild shrink): one bilinear tap at the pixel centre.
                float px = ox + 0.5f, py = oy + 0.5f;
                Bilinear(_src, _stride, _w, _h, _inv.ScaleX * px + _inv.SkewX * py + _inv.TransX - 0.5f,
                    _inv.SkewY * px + _inv.ScaleY * py + _inv.TransY - 0.5f, ref sr, ref sg, ref sb);
                r = ToByte(sr);
                g = ToByte(sg);
                b = ToByte(sb);
                return;
            }
            for (int jy = 0; jy < _ny; jy++)
            {
                float py = oy + (jy + 0.5f) / _ny;
                for (int jx = 0; jx < _nx; jx++)
                {
                    float px = ox + (jx + 0.5f) / _nx;
                    // Pixel centres: the source sample sits at (x - 0.5, y - 0.5) in index space.
                    float sx = _inv.ScaleX * px + _inv.SkewX * py + _inv.TransX - 0.5f;
                    float sy = _inv.SkewY * px + _inv.ScaleY * py + _inv.TransY - 0.5f;
                    Bilinear(_src, _stride, _w, _h, sx, sy, ref sr, ref sg, ref sb);
                }
            }
            r = ToByte(sr * _weight);
            g = ToByte(sg * _weight);
            b = ToByte(sb * _weight);
        }
    }

    /// <summary>Samples per output pixel along an axis: bilinear alone up to a 1.25x shrink, then one per source pixel (at most 4).</summary>
    private static int SamplesFor(float shrink) => shrink <= 1.25f ? 1 : Math.Clamp((int)MathF.Ceiling(shrink - 1e-3f), 1, 4);

    private static float ToByte(float v) => Math.Clamp((int)(v + 0.5f), 0, 255);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Bilinear(byte* px, int stride, int w, int h, float fx, float fy, ref float r, ref float g, ref float b)
    {
        int x0 = (int)MathF.Floor(fx), y0 = (int)MathF.Floor(fy);
        float ax = fx - x0, ay = fy - y0;
        if ((uint)x0 < (uint)(w - 1) && (uint)y0 < (uint)(h - 1))
        {
            // Fast path: all four taps inside the image.
            byte* p0 = px + y0 * stride + x0 * 4, p1 = p0 + stride;
            float w00 = (1 - ax) * (1 - ay), w10 = ax * (1 - ay), w01 = (1 - ax) * ay, w11 = ax * ay;
            r += w00 * p0[0] + w10 * p0[4] + w01 * p1[0] + w11 * p1[4];
            g += w00 * p0[1] + w10 * p0[5] + w01 * p1[1] + w11 * p1[5];
            b += w00 * p0[2] + w10 * p0[6] + w01 * p1[2] + w11 * p1[6];
            return;
        }
        // Clamp to the edge inside the image; fully outside samples stay black.
        if (x0 < -1 || y0 < -1 || x0 >= w || y0 >= h) return;
        Tap(px, stride, w, h, x0, y0, (1 - ax) * (1 - ay), ref r, ref g, ref b);
        Tap(px, stride, w, h, x0 + 1, y0, ax * (1 - ay), ref r, ref g, ref b);
        Tap(px, stride, w, h, x0, y0 + 1, (1 - ax) * ay, ref r, ref g, ref b);
        Tap(px, stride, w, h, x0 + 1, y0 + 1, ax * ay, ref r, ref g, ref b);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
