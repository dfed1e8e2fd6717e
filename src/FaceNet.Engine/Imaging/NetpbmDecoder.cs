using SkiaSharp;

namespace FaceNet.Engine.Imaging;

/// <summary>
/// Reads PGM and PPM (Netpbm P2, P3, P5, P6; 8- and 16-bit samples), the format of ORL/AT&amp;T and many research
/// face sets, which SkiaSharp does not decode. Bounded: the header is a few numbers, the pixel count is checked
/// against the limit before any pixel memory is allocated, and short data is reported as damage, not read past.
/// </summary>
public static class NetpbmDecoder
{
    /// <summary>True when the bytes start with a PGM or PPM magic number ("P2", "P3", "P5", "P6" and a space).</summary>
    public static bool CanDecode(ReadOnlySpan<byte> b) =>
        b.Length >= 3 && b[0] == 'P' && b[1] is (byte)'2' or (byte)'3' or (byte)'5' or (byte)'6' && IsSpace(b[2]);

    /// <summary>Decodes to upright RGBA. Throws ImageLoadException (Corrupt, TooLarge) for a bad header or too many pixels.</summary>
    public static FaceImage Decode(byte[] bytes, string path, long maxPixels)
    {
        if (!CanDecode(bytes))
            throw new ImageLoadException(ImageLoadFailure.NotAnImage, path, $"The file '{path}' is not a PGM or PPM image.");
        char kind = (char)bytes[1];
        bool ascii = kind is '2' or '3';
        int channels = kind is '3' or '6' ? 3 : 1;
        string format = channels == 3 ? "PPM" : "PGM";
        int pos = 2;
        long width = ReadHeaderNumber(bytes, ref pos, path, format, "width");
        long height = ReadHeaderNumber(bytes, ref pos, path, format, "height");
        long maxval = ReadHeaderNumber(bytes, ref pos, path, format, "maximum value");
        if (width <= 0 || height <= 0)
            throw new ImageLoadException(ImageLoadFailure.Corrupt, path, $"The {format} image '{path}' claims a size of {width}x{height}.");
        if (maxval < 1 || maxval > 65535)
            throw new ImageLoadException(ImageLoadFailure.Corrupt, path, $"The {format} image '{path}' has a maximum sample value of {maxval}; it must be 1 to 65535.");
        long pixels = width * height;
        if (pixels > maxPixels)
            throw new ImageLoadException(ImageLoadFailure.TooLarge, path,
                $"The image '{path}' is {width}x{height} ({pixels / 1e6:0.#} megapixels), over the limit of {maxPixels / 1e6:0.#} megapixels. " +
                "Raise the limit with $FaceNetMaxImagePixels (in pixels) if the picture is genuine.");
        // Binary data starts after exactly one whitespace character following the maximum value.
        if (!ascii) pos++;

        var bitmap = new SKBitmap();
        if (!bitmap.TryAllocPixels(new SKImageInfo((int)width, (int)height, SKColorType.Rgba8888, SKAlphaType.Unpremul)))
        {
            bitmap.Dispose();
            throw new ImageLoadException(ImageLoadFailure.TooLarge, path, $"The image '{path}' is {width}x{height}: there is not enough memory for its pixels.");
        }
        string? damage;
        try
        {
            damage = ascii
                ? FillAscii(bitmap, bytes, pos, channels, (int)maxval)
                : FillBinary(bitmap, bytes, pos, channels, (int)maxval);
        }
        catch
        {
            bitmap.Dispose();
            throw;
        }
        var image = new FaceImage(bitmap, path);
        if (damage is not null) image.ReportDamage(damage);
        return image;
    }

    private static string? FillBinary(SKBitmap bitmap, byte[] b, int pos, int channels, int maxval)
    {
        int bytesPerSample = maxval > 255 ? 2 : 1;
        long samples = (long)bitmap.Width * bitmap.Height * channels;
        long available = Math.Max(0, (b.Length - (long)pos) / bytesPerSample);
        long usable = Math.Min(samples, available);
        var pixels = bitmap.GetPixelSpan();
        int outIndex = 0;
        Span<byte> px = stackalloc byte[3];
        for (long s = 0; s + channels <= usable; s += channels)
        {
            for (int c = 0; c < channels; c++)
            {
                int at = pos + (int)((s + c) * bytesPerSample);
                int v = bytesPerSample == 1 ? b[at] : (b[at] << 8) | b[at + 1];
                px[c] = Scale(v, maxval);
            }
            WritePixel(pixels, ref outIndex, px, channels);
        }
        // The rest stays black, as a truncated JPEG's does.
        pixels[outIndex..].Clear();
        return usable < samples ? EndsEarly(usable / channels, (long)bitmap.Width * bitmap.Height) : null;
    }

    private static string? FillAscii(SKBitmap bitmap, byte[] b, int pos, int channels, int maxval)
    {
        long total = (long)bitmap.Width * bitmap.Height;
        var pixels = bitmap.GetPixelSpan();
        int outIndex = 0;
        Span<byte> px = stackalloc byte[3];
        long done = 0;
        bool overflow = false;
        while (done < total)
        {
            int c = 0;
            for (; c < channels; c++)
            {
                if (!TryReadAsciiSample(b, ref pos, out long v)) break;
                if (v > maxval) { overflow = true; v = maxval; }
                px[c] = Scale((int)v, maxval);
            }
            if (c < channels) break;
            WritePixel(pixels, ref outIndex, px, channels);
            done++;
        }
        pixels[outIndex..].Clear();
        SkipSpaceAndComments(b, ref pos);
        if (done < total)
            return pos < b.Length
                ? $"its pixel data is damaged at byte {pos}: only {done * 100.0 / total:0.#}% of its pixels could be read, the rest is left black"
                : EndsEarly(done, total);
        return overflow ? $"some samples are larger than the file's maximum value {maxval} (clamped)" : null;
    }

    private static string EndsEarly(long decoded, long total) =>
        $"the file ends early: only {decoded * 100.0 / total:0.#}% of its pixels are there, the rest is left black";

    private static void WritePixel(Span<byte> pixels, ref int at, ReadOnlySpan<byte> px, int channels)
    {
        pixels[at] = px[0];
        pixels[at + 1] = channels == 3 ? px[1] : px[0];
        pixels[at + 2] = channels == 3 ? px[2] : px[0];
        pixels[at + 3] = 255;
        at += 4;
    }

    private static byte Scale(int v, int maxval) =>
        maxval == 255 ? (byte)v : (byte)Math.Min(255, (v * 255L + maxval / 2) / maxval);

    private static bool IsSpace(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or 0x0B or 0x0C;

    /// <summary>Skips whitespace and '#' comments, then reads a decimal number of at most 9 digits.</summary>
    private static long ReadHeaderNumber(byte[] b, ref int pos, string path, string format, string what)
    {
        SkipSpaceAndComments(b, ref pos);
        if (pos >= b.Length)
            throw new ImageLoadException(ImageLoadFailure.Corrupt, path, $"The {format} image '{path}' ends inside its header, before its {what}.");
        if (!TryReadDigits(b, ref pos, out long v))
            throw new ImageLoadException(ImageLoadFailure.Corrupt, path, $"The {format} image '{path}' has a damaged header: its {what} is not a number.");
        return v;
    }

    private static bool TryReadAsciiSample(byte[] b, ref int pos, out long v)
    {
        SkipSpaceAndComments(b, ref pos);
        v = 0;
        return pos < b.Length && TryReadDigits(b, ref pos, out v);
    }

    private static bool TryReadDigits(byte[] b, ref int pos, out long v)
    {
        v = 0;
        int start = pos;
        while (pos < b.Length && b[pos] >= '0' && b[pos] <= '9')
        {
            if (pos - start >= 9) return false; // over 999,999,999: no sane size or sample
            v = v * 10 + (b[pos] - '0');
            pos++;
        }
        return pos > start;
    }

    private static void SkipSpaceAndComments(byte[] b, ref int pos)
    {
        while (pos < b.Length)
        {
            if (IsSpace(b[pos])) pos++;
            else if (b[pos] == '#') { while (pos < b.Length && b[pos] != '\n' && b[pos] != '\r') pos++; }
            else break;
        }
    }
}
