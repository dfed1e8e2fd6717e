using System.Runtime.CompilerServices;
using FaceNet.Engine.Models;
using SkiaSharp;

namespace FaceNet.Engine.Imaging;

/// <summary>Turns RGBA pixels into a normalised NCHW float block as an InputSpec describes.</summary>
public static class TensorFiller
{
    /// <summary>Fills one image's CHW block. The bitmap must already have the spec's size. Mirror flips left-right.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Fill(SKBitmap bitmap, InputSpec spec, Span<float> destination, bool mirror = false)
    {
        int w = bitmap.Width, h = bitmap.Height;
        if (w != spec.Width || h != spec.Height)
            throw new ArgumentException($"Bitmap is {w}x{h}, the model wants {spec.Width}x{spec.Height}.");
        var pixels = bitmap.GetPixelSpan();
        int plane = w * h;
        if (spec.ColorOrder.Equals("Grey", StringComparison.OrdinalIgnoreCase) || spec.Channels == 1)
        {
            float mean = spec.Mean[0], inv = 1f / spec.Std[0];
            for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int sx = mirror ? w - 1 - x : x;
                int i = (y * w + sx) * 4;
                // Same weights as OpenCV's RGB->grey, which the landmark model was trained with.
                float g = 0.299f * pixels[i] + 0.587f * pixels[i + 1] + 0.114f * pixels[i + 2];
                destination[y * w + x] = (MathF.Round(g) - mean) * inv;
            }
            return;
        }
        bool bgr = spec.ColorOrder.Equals("BGR", StringComparison.OrdinalIgnoreCase);
        int c0 = bgr ? 2 : 0, c2 = bgr ? 0 : 2;
        float m0 = spec.Mean[0], m1 = spec.Mean[1], m2 = spec.Mean[2];
        float s0 = 1f / spec.Std[0], s1 = 1f / spec.Std[1], s2 = 1f / spec.Std[2];
        var d0 = destination.Slice(0, plane);
        var d1 = destination.Slice(plane, plane);
        var d2 = destination.Slice(2 * plane, plane);
        for (int y = 0; y < h; y++)
        {
            int row = y * w;
            for (int x = 0; x < w; x++)
            {
                int sx = mirror ? w - 1 - x : x;
                int i = (row + sx) * 4;
                d0[row + x] = (pixels[i + c0] - m0) * s0;
                d1[row + x] = (pixels[i + 1] - m1) * s1;
                d2[row + x] = (pixels[i + c2] - m2) * s2;
            }
        }
    }

    /// <summary>Resizes the whole image to width x height (no letterbox), area-filtered when shrinking.</summary>
    public static SKBitmap Resize(SKBitmap source, int width, int height) => PixelSampler.Resize(source, width, height);

    /// <summary>Renders the source through a transform (source -> output pixels) into a new width x height bitmap; outside is black.</summary>
    public static SKBitmap Warp(SKBitmap source, SKMatrix sourceToOutput, int width, int height) =>
        PixelSampler.Warp(source, sourceToOutput, width, height);
}
