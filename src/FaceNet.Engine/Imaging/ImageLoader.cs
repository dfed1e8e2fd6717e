using SkiaSharp;

namespace FaceNet.Engine.Imaging;

/// <summary>Decodes files into upright RGBA images with SkiaSharp (libjpeg-turbo, libpng, libwebp, ...), JPEG with TurboJPEG where present.</summary>
public static class ImageLoader
{
    public static readonly string SupportedFormats = "JPEG, PNG, BMP, GIF (first frame), WebP, ICO, WBMP, PGM/PPM";

    /// <summary>Largest file read at all (1 GiB).</summary>
    public const long MaxFileBytes = 1L << 30;

    public static FaceImage Load(string path, ImageLoadOptions? options = null)
    {
        options ??= ImageLoadOptions.Default;
        if (Directory.Exists(path))
            throw new ImageLoadException(ImageLoadFailure.NotAnImage, path, $"'{path}' is a directory, not an image file.");
        if (!File.Exists(path))
            throw new ImageLoadException(ImageLoadFailure.NotFound, path, $"The file '{path}' does not exist.");

        byte[] bytes;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
            long length = stream.Length;
            // No image format this module reads needs more than 1 GiB of compressed bytes for a picture under the
            // pixel limit; refusing here keeps a stray disk image or video from being read into memory.
            if (length > MaxFileBytes)
                throw new ImageLoadException(ImageLoadFailure.TooLarge, path,
                    $"The file '{path}' is {length / (1024.0 * 1024 * 1024):0.#} GiB, more than the {MaxFileBytes / (1024 * 1024 * 1024)} GiB an image file may have.");
            bytes = new byte[length];
            int read = 0;
            while (read < bytes.Length)
            {
                int n = stream.Read(bytes, read, bytes.Length - read);
                if (n == 0) break; // the file shrank while we read it: decode what is there
                read += n;
            }
            if (read < bytes.Length) Array.Resize(ref bytes, read);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ImageLoadException(ImageLoadFailure.Unreadable, path, $"The file '{path}' cannot be read: {ex.Message}", ex);
        }
        return Decode(bytes, path, options);
    }

    public static FaceImage Decode(byte[] bytes, string path, ImageLoadOptions? options = null)
    {
        options ??= ImageLoadOptions.Default;
        if (bytes.Length == 0)
            throw new ImageLoadException(ImageLoadFailure.EmptyFile, path, $"The file '{path}' is empty (0 bytes).");

        try
        {
            return DecodeCore(bytes, path, options);
        }
        catch (ImageLoadException)
        {
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A decoder surprise (SkiaSharp argument checks, a codec refusing a conversion) is still a bad file,
            // not a reason to end the caller's run.
            throw new ImageLoadException(ImageLoadFailure.Corrupt, path, $"The image '{path}' could not be decoded: {ex.Message}", ex);
        }
        catch (OutOfMemoryException ex)
        {
            throw new ImageLoadException(ImageLoadFailure.TooLarge, path, $"The image '{path}' needs more memory than is available to decode.", ex);
        }
    }

    private static FaceImage DecodeCore(byte[] bytes, string path, ImageLoadOptions options)
    {
        if (NetpbmDecoder.CanDecode(bytes)) return NetpbmDecoder.Decode(bytes, path, options.MaxPixels);
        int width, height;
        SKEncodedOrigin origin;
        using (var stream = new SKMemoryStream(bytes))
        using (var codec = SKCodec.Create(stream, out var result))
        {
            if (codec is null) throw Unrecognised(bytes, path, result);

            // The codec has read only the header: refuse big pictures before a single pixel is allocated.
            var info = codec.Info;
            long pixels = (long)info.Width * info.Height;
            if (info.Width <= 0 || info.Height <= 0)
                throw new ImageLoadException(ImageLoadFailure.Corrupt, path, $"The image '{path}' claims a size of {info.Width}x{info.Height}.");
            if (pixels > options.MaxPixels)
                throw new ImageLoadException(ImageLoadFailure.TooLarge, path,
                    $"The image '{path}' is {info.Width}x{info.Height} ({pixels / 1e6:0.#} megapixels), over the limit of {options.MaxPixels / 1e6:0.#} megapixels. " +
                    "Raise the limit with $FaceNetMaxImagePixels (in pixels) if the picture is genuine.");
            origin = codec.EncodedOrigin;
            bool swap = Swaps(origin);
            width = swap ? info.Height : info.Width;
            height = swap ? info.Width : info.Height;
        }

        var image = new FaceImage(width, height, path, detail => DecodeLevel(bytes, path, detail, width, height));
        try
        {
            // Decode now, at the detail the caller asked for, so a corrupt file fails here, where the caller expects it.
            image.LevelFor(options.InitialDetail?.Invoke(width, height) ?? 1f);
            return image;
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    /// <summary>Decodes bytes at the codec's supported scale nearest above detail (JPEG: n/8), upright.</summary>
    private static ImageLevel DecodeLevel(byte[] bytes, string path, float detail, int uprightWidth, int uprightHeight)
    {
        using var stream = new SKMemoryStream(bytes);
        using var codec = SKCodec.Create(stream, out var created) ?? throw new ImageLoadException(ImageLoadFailure.Corrupt, path, $"The image '{path}' could not be decoded: {InWords(created)}.");
        var full = codec.Info;
        var size = detail >= 1 ? new SKSizeI(full.Width, full.Height) : codec.GetScaledDimensions(detail);
        if (size.Width <= 0 || size.Height <= 0 || size.Width > full.Width || size.Height > full.Height) size = new SKSizeI(full.Width, full.Height);
        var decodeInfo = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var bitmap = PixelBufferPool.TryAllocate(decodeInfo);
        if (bitmap is null)
        {
            throw new ImageLoadException(ImageLoadFailure.TooLarge, path,
                $"The image '{path}' is {full.Width}x{full.Height}: there is not enough memory for its {(long)size.Width * size.Height * 4 / (1024.0 * 1024):0} MiB of pixels.");
        }
        SKCodecResult status;
        try
        {
            // TurboJPEG's SIMD decode where the machine has it (the same pixels, 8x faster on a 12 MP photo); SkiaSharp otherwise.
            status = TurboJpegDecoder.TryDecode(bytes, bitmap) ? SKCodecResult.Success : codec.GetPixels(decodeInfo, bitmap.GetPixels());
            if (status == SKCodecResult.InvalidScale && (size.Width != full.Width || size.Height != full.Height))
            {
                // A codec that reports scaled dimensions it then refuses: decode in full instead.
                bitmap.Dispose();
                return DecodeLevel(bytes, path, 1f, uprightWidth, uprightHeight);
            }
        }
        catch
        {
            bitmap.Dispose();
            throw;
        }
        // A truncated file still yields the rows decoded so far (the rest stays blank); anything else is corrupt.
        if (status != SKCodecResult.Success && status != SKCodecResult.IncompleteInput && status != SKCodecResult.ErrorInInput)
        {
            bitmap.Dispose();
            throw new ImageLoadException(ImageLoadFailure.Corrupt, path, $"The image '{path}' could not be decoded: {InWords(status)}.");
        }
        string? damage = status switch
        {
            SKCodecResult.IncompleteInput => "the file ends early (it is cut short), so part of the picture is blank",
            SKCodecResult.ErrorInInput => "its data is damaged (a checksum or the compressed data is wrong), so part of the picture may be garbled or blank",
            _ => null,
        };

        try
        {
            var upright = ApplyOrientation(bitmap, codec.EncodedOrigin);
            return new ImageLevel(upright, (float)upright.Width / uprightWidth, (float)upright.Height / uprightHeight) { Damage = damage };
        }
        catch
        {
            bitmap.Dispose();
            throw;
        }
    }

    private static bool Swaps(SKEncodedOrigin origin) =>
        origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;

    /// <summary>Rotates/flips so that the pixels are upright as a viewer shows them (EXIF orientation 1-8).</summary>
    internal static SKBitmap ApplyOrientation(SKBitmap bitmap, SKEncodedOrigin origin)
    {
        if (origin == SKEncodedOrigin.TopLeft || origin == SKEncodedOrigin.Default)
            return bitmap;
        bool swap = Swaps(origin);
        int w = swap ? bitmap.Height : bitmap.Width;
        int h = swap ? bitmap.Width : bitmap.Height;
        var rotated = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        using (var canvas = new SKCanvas(rotated))
        {
            canvas.SetMatrix(OriginMatrix(origin, bitmap.Width, bitmap.Height));
            using var image = SKImage.FromBitmap(bitmap);
            canvas.DrawImage(image, 0, 0, SKSamplingOptions.Default, null);
        }
        bitmap.Dispose();
        return rotated;
    }

    // Maps stored pixels to display pixels for each EXIF orientation.
    private static SKMatrix OriginMatrix(SKEncodedOrigin origin, int w, int h) => origin switch
    {
        SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1),
        SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1),
        SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1),
        SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightTop => new SKMatrix(0, -1, h, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, h, -1, 0, w, 0, 0, 1),
        SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, w, 0, 0, 1),
        _ => SKMatrix.Identity,
    };

    /// <summary>No codec took the bytes: name the format when its signature is known, else say what the decoder said, in words.</summary>
    private static ImageLoadException Unrecognised(byte[] bytes, string path, SKCodecResult result)
    {
        if (FileSignature.Identify(bytes) is { } known)
            return known.IsImage
                ? new ImageLoadException(ImageLoadFailure.UnsupportedFormat, path,
                    $"The file '{path}' is {known.Name}, a format this module does not decode. {known.Advice} Supported formats: {SupportedFormats}.")
                : new ImageLoadException(ImageLoadFailure.NotAnImage, path,
                    $"The file '{path}' is {known.Name}, not an image. {known.Advice}");
        // Skia reports IncompleteInput when the first bytes look like the start of a format it knows but stop short.
        string why = result == SKCodecResult.IncompleteInput && LooksLikeSkiaFormat(bytes)
            ? "the file ends before its image header is complete (it is cut short)"
            : "its content is not in any image format this module knows";
        return new ImageLoadException(ImageLoadFailure.NotAnImage, path,
            $"The file '{path}' is not a recognised image: {why}. Supported formats: {SupportedFormats}; videos (MP4, MOV, WebM, MKV, AVI) through ffmpeg.");
    }

    // The signatures of the formats Skia decodes, so a cut-short file of one is told apart from junk.
    private static bool LooksLikeSkiaFormat(ReadOnlySpan<byte> b) =>
        b.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8]) || b.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G']) || b.StartsWith("GIF8"u8) ||
        b.StartsWith("BM"u8) || (b.StartsWith("RIFF"u8) && b.Length >= 12 && b.Slice(8, 4).SequenceEqual("WEBP"u8)) || b.StartsWith((ReadOnlySpan<byte>)[0, 0, 1, 0]);

    /// <summary>SkiaSharp's codec results as a user would say them (never the enum name).</summary>
    internal static string InWords(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput => "the file ends early (it is cut short)",
        SKCodecResult.ErrorInInput => "its data is damaged",
        SKCodecResult.InvalidInput => "its data is not valid for its format",
        SKCodecResult.InvalidScale or SKCodecResult.InvalidConversion or SKCodecResult.InvalidParameters => "the decoder cannot produce pixels of the kind asked for",
        SKCodecResult.Unimplemented => "it uses a variant of its format that the decoder does not support",
        SKCodecResult.CouldNotRewind => "the decoder could not re-read it",
        SKCodecResult.InternalError => "the decoder failed",
        _ => "the decoder refused it",
    };
}
