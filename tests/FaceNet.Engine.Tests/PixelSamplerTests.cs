using FaceNet.Engine.Imaging;
using FaceNet.Engine.Models;
using SkiaSharp;
using Xunit;

namespace FaceNet.Engine.Tests;

/// <summary>
/// PixelSampler against a plain one-float-per-channel statement of its rules (bilinear taps at pixel centres,
/// n x n taps when shrinking, edge clamping, black outside, 8-bit rounding, mean/std). The sampler's
/// vector lanes and its whole-image resize path must give the same floats bit for bit, so a faster
/// sampler cannot move a detection box or an embedding.
/// </summary>
public class PixelSamplerTests
{
    private static readonly InputSpec Rgb = new() { Width = 40, Height = 30, ColorOrder = "RGB", Mean = [127, 127, 127], Std = [128, 128, 128] };
    private static readonly InputSpec Bgr = new() { Width = 36, Height = 36, ColorOrder = "BGR", Mean = [127.5f, 127.5f, 127.5f], Std = [127.5f, 127.5f, 127.5f] };
    private static readonly InputSpec Dlib = new() { Width = 50, Height = 50, ColorOrder = "RGB", Mean = [122.782f, 117.001f, 104.298f], Std = [256, 256, 256] };
    private static readonly InputSpec Grey = new() { Width = 32, Height = 32, Channels = 1, ColorOrder = "Grey", Mean = [0], Std = [256] };

    public static TheoryData<string> Transforms() => new()
    {
        "enlarge", "enlarge-shifted-off-edge", "mild-shrink", "shrink-3x", "rotate-enlarge", "rotate-shrink", "outside",
    };

    private static SKMatrix TransformFor(string name, InputSpec spec, int w, int h) => name switch
    {
        // The detectors' whole-image resize: a pure scale.
        "enlarge" => SKMatrix.CreateScale((float)spec.Width / w * 1.7f, (float)spec.Height / h * 1.3f),
        "enlarge-shifted-off-edge" => SKMatrix.CreateScale(2.3f, 2.1f).PreConcat(SKMatrix.CreateTranslation(-w + 9.3f, 4.6f)),
        "mild-shrink" => SKMatrix.CreateScale(0.85f, 0.83f).PreConcat(SKMatrix.CreateTranslation(-3.2f, -2.7f)),
        "shrink-3x" => SKMatrix.CreateScale(1 / 2.7f, 1 / 3.1f).PreConcat(SKMatrix.CreateTranslation(-5, -4)),
        // The embedders' aligned crops: rotation, scale, shift.
        "rotate-enlarge" => SKMatrix.CreateRotationDegrees(11, spec.Width / 2f, spec.Height / 2f).PreConcat(SKMatrix.CreateScale(1.6f, 1.6f)).PreConcat(SKMatrix.CreateTranslation(-7.5f, -3.25f)),
        "rotate-shrink" => SKMatrix.CreateRotationDegrees(-23, spec.Width / 2f, spec.Height / 2f).PreConcat(SKMatrix.CreateScale(0.45f, 0.45f)).PreConcat(SKMatrix.CreateTranslation(8, -12)),
        "outside" => SKMatrix.CreateTranslation(500, 500),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Transforms))]
    public void Samples_equal_the_per_channel_rules_bit_for_bit(string transform)
    {
        using var source = Noise(61, 47, seed: transform.Length);
        foreach (var spec in new[] { Rgb, Bgr, Dlib, Grey })
        foreach (bool mirror in new[] { false, true })
        {
            var m = TransformFor(transform, spec, source.Width, source.Height);
            int size = spec.Channels * spec.Width * spec.Height;
            var actual = new float[size];
            var actualMirror = mirror ? new float[size] : null;
            PixelSampler.SampleToTensor(source, m, spec, actual, actualMirror);
            var expected = Reference(source, m, spec);
            Assert.Equal(Bits(expected), Bits(actual));
            if (mirror) Assert.Equal(Bits(Mirror(expected, spec)), Bits(actualMirror!));
        }
    }

    [Theory]
    [MemberData(nameof(Transforms))]
    public void Warp_holds_the_same_rounded_pixels(string transform)
    {
        using var source = Noise(53, 59, seed: 100 + transform.Length);
        var spec = Rgb with { Mean = [0, 0, 0], Std = [1, 1, 1] };
        var m = TransformFor(transform, spec, source.Width, source.Height);
        using var warped = PixelSampler.Warp(source, m, spec.Width, spec.Height);
        var expected = Reference(source, m, spec);
        int plane = spec.Width * spec.Height;
        for (int y = 0; y < spec.Height; y++)
        for (int x = 0; x < spec.Width; x++)
        {
            var c = warped.GetPixel(x, y);
            int o = y * spec.Width + x;
            Assert.Equal((expected[o], expected[plane + o], expected[2 * plane + o], (byte)255), ((float)c.Red, (float)c.Green, (float)c.Blue, c.Alpha));
        }
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

    private static SKBitmap Noise(int w, int h, int seed)
    {
        var rnd = new Random(seed);
        var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            bitmap.SetPixel(x, y, new SKColor((byte)rnd.Next(256), (byte)rnd.Next(256), (byte)rnd.Next(256), 255));
        return bitmap;
    }

    private static float[] Mirror(float[] planes, InputSpec spec)
    {
        var result = new float[planes.Length];
        for (int c = 0; c < spec.Channels; c++)
        for (int y = 0; y < spec.Height; y++)
        for (int x = 0; x < spec.Width; x++)
        {
            int row = c * spec.Width * spec.Height + y * spec.Width;
            result[row + spec.Width - 1 - x] = planes[row + x];
        }
        return result;
    }

    /// <summary>The rules, one float per channel, in the order of operations the sampler promises.</summary>
    private static float[] Reference(SKBitmap source, SKMatrix sourceToOutput, InputSpec spec)
    {
        Assert.True(sourceToOutput.TryInvert(out var inv));
        int w = source.Width, h = source.Height;
        static int SamplesFor(float shrink) => shrink <= 1.25f ? 1 : Math.Clamp((int)MathF.Ceiling(shrink - 1e-3f), 1, 4);
        int nx = SamplesFor(MathF.Sqrt(inv.ScaleX * inv.ScaleX + inv.SkewY * inv.SkewY));
        int ny = SamplesFor(MathF.Sqrt(inv.SkewX * inv.SkewX + inv.ScaleY * inv.ScaleY));
        float weight = 1f / (nx * ny);
        var pixels = new (byte R, byte G, byte B)[w * h];
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
        {
            var c = source.GetPixel(x, y);
            pixels[y * w + x] = (c.Red, c.Green, c.Blue);
        }

        void Tap(int x, int y, float tapWeight, ref float r, ref float g, ref float b)
        {
            if (tapWeight == 0) return;
            var p = pixels[Math.Clamp(y, 0, h - 1) * w + Math.Clamp(x, 0, w - 1)];
            r += tapWeight * p.R; g += tapWeight * p.G; b += tapWeight * p.B;
        }

        void Bilinear(float fx, float fy, ref float r, ref float g, ref float b)
        {
            int x0 = (int)MathF.Floor(fx), y0 = (int)MathF.Floor(fy);
            float ax = fx - x0, ay = fy - y0;
            if ((uint)x0 < (uint)(w - 1) && (uint)y0 < (uint)(h - 1))
            {
                var p00 = pixels[y0 * w + x0]; var p10 = pixels[y0 * w + x0 + 1];
                var p01 = pixels[(y0 + 1) * w + x0]; var p11 = pixels[(y0 + 1) * w + x0 + 1];
                float w00 = (1 - ax) * (1 - ay), w10 = ax * (1 - ay), w01 = (1 - ax) * ay, w11 = ax * ay;
                r += w00 * p00.R + w10 * p10.R + w01 * p01.R + w11 * p11.R;
                g += w00 * p00.G + w10 * p10.G + w01 * p01.G + w11 * p11.G;
                b += w00 * p00.B + w10 * p10.B + w01 * p01.B + w11 * p11.B;
                return;
            }
            if (x0 < -1 || y0 < -1 || x0 >= w || y0 >= h) return;
            Tap(x0, y0, (1 - ax) * (1 - ay), ref r, ref g, ref b);
            Tap(x0 + 1, y0, ax * (1 - ay), ref r, ref g, ref b);
            Tap(x0, y0 + 1, (1 - ax) * ay, ref r, ref g, ref b);
            Tap(x0 + 1, y0 + 1, ax * ay, ref r, ref g, ref b);
        }

        static float ToByte(float v) => Math.Clamp((int)(v + 0.5f), 0, 255);

        int plane = spec.Width * spec.Height;
        var result = new float[spec.Channels * plane];
        for (int oy = 0; oy < spec.Height; oy++)
        for (int ox = 0; ox < spec.Width; ox++)
        {
            float r = 0, g = 0, b = 0;
            for (int jy = 0; jy < ny; jy++)
            for (int jx = 0; jx < nx; jx++)
            {
                float px = nx == 1 ? ox + 0.5f : ox + (jx + 0.5f) / nx;
                float py = ny == 1 ? oy + 0.5f : oy + (jy + 0.5f) / ny;
                Bilinear(inv.ScaleX * px + inv.SkewX * py + inv.TransX - 0.5f, inv.SkewY * px + inv.ScaleY * py + inv.TransY - 0.5f, ref r, ref g, ref b);
            }
            if (nx * ny > 1) { r *= weight; g *= weight; b *= weight; }
            float R = ToByte(r), G = ToByte(g), B = ToByte(b);
            int o = oy * spec.Width + ox;
            if (spec.Channels == 1)
            {
                result[o] = (MathF.Round(0.299f * R + 0.587f * G + 0.114f * B) - spec.Mean[0]) * (1f / spec.Std[0]);
                continue;
            }
            bool bgr = spec.ColorOrder == "BGR";
            result[o] = ((bgr ? B : R) - spec.Mean[0]) * (1f / spec.Std[0]);
            result[plane + o] = (G - spec.Mean[1]) * (1f / spec.Std[1]);
            result[2 * plane + o] = ((bgr ? R : B) - spec.Mean[2]) * (1f / spec.Std[2]);
        }
        return result;
    }

    [Theory]
    [InlineData("BGR", 0, 37)]   // YuNet's input: a band that runs past the bottom, a width padded past the right edge
    [InlineData("RGB", 5, 36)]
    public void Copy_to_tensor_equals_the_per_channel_rules_bit_for_bit(string order, int y0, int width)
    {
        // 33 columns (not a multiple of the four-pixel vector step), 20 rows, random pixels.
        using var bitmap = new SKBitmap(new SKImageInfo(33, 20, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var rnd = new Random(11);
        for (int y = 0; y < bitmap.Height; y++)
            for (int x = 0; x < bitmap.Width; x++)
                bitmap.SetPixel(x, y, new SKColor((byte)rnd.Next(256), (byte)rnd.Next(256), (byte)rnd.Next(256), (byte)rnd.Next(256)));
        var spec = new InputSpec { Width = width, Height = 24, ColorOrder = order, Mean = [0.5f, 12f, 255f], Std = [1f, 3f, 0.7f] };
        var actual = new float[3 * width * 24];
        PixelSampler.CopyToTensor(bitmap, 0, y0, width, 24, spec, actual);
        int plane = width * 24;
        for (int oy = 0; oy < 24; oy++)
            for (int ox = 0; ox < width; ox++)
            {
                int sy = y0 + oy;
                var c = ox < bitmap.Width && sy < bitmap.Height ? bitmap.GetPixel(ox, sy) : SKColors.Black;
                float[] channels = order == "BGR" ? [c.Blue, c.Green, c.Red] : [c.Red, c.Green, c.Blue];
                for (int k = 0; k < 3; k++)
                {
                    float expected = (channels[k] - spec.Mean[k]) * (1f / spec.Std[k]);
                    Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(actual[k * plane + oy * width + ox]));
                }
            }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Whole_number_area_resize_equals_the_weighted_one(int factor)
    {
        using var source = new SKBitmap(new SKImageInfo(29 * factor, 17 * factor, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var rnd = new Random(factor);
        for (int y = 0; y < source.Height; y++)
            for (int x = 0; x < source.Width; x++)
                source.SetPixel(x, y, new SKColor((byte)rnd.Next(256), (byte)rnd.Next(256), (byte)rnd.Next(256)));
        using var whole = new SKBitmap(new SKImageInfo(29, 17, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        using var weighted = new SKBitmap(new SKImageInfo(29, 17, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        PixelSampler.ResizeAreaWhole(source, whole, factor, parallel: false);
        PixelSampler.ResizeAreaWeighted(source, weighted, parallel: false);
        Assert.Equal(weighted.Pixels, whole.Pixels);
    }
}
