using System.Runtime.InteropServices;
using FaceNet.Engine.Platform;
using SkiaSharp;

namespace FaceNet.Engine.Imaging;

/// <summary>
/// JPEG decoding through libjpeg-turbo's TurboJPEG library, with its SIMD code, where the machine has it: a 12 MP photo
/// in 26 ms, where SkiaSharp's own libjpeg-turbo (built without SIMD) took 210-270 ms on the same AMD EPYC. Both are
/// libjpeg-turbo with the same defaults (accurate integer IDCT, smooth chroma upsampling), and the pixels came out the
/// same to the byte on the photos compared (4:2:0, 4:2:2, grey, progressive, DCT-scaled; see ImageFormatTests), so a
/// photo gives the same faces and vectors whichever decoder read it. Anything TurboJPEG does not decode cleanly (a
/// warning, a cut-short or damaged file, CMYK) goes to SkiaSharp, which reports damage as before.
/// </summary>
/// <remarks>
/// Looked for in the module's <c>runtimes/&lt;rid&gt;/native</c> folder, then as the system's library (Debian and
/// Ubuntu: the libturbojpeg0 package; Fedora: turbojpeg). Set FACENET_JPEG_DECODER=skia to decode with SkiaSharp only.
/// </remarks>
internal static unsafe class TurboJpegDecoder
{
    private const int PixelFormatRgba = 7;          // TJPF_RGBA
    private const int ColorspaceYCbCr = 1, ColorspaceGray = 2;   // TJCS_YCbCr, TJCS_GRAY (TJCS_RGB 0 is rare; CMYK 3, YCCK 4 go to Skia)

    private static readonly Api? s_api = Load();

    /// <summary>Whether TurboJPEG was found and is used.</summary>
    public static bool IsAvailable => s_api is not null;

    /// <summary>Where the library was loaded from, for the benchmark's machine line; null when it is not used.</summary>
    public static string? LoadedFrom { get; private set; }

    private sealed class Api
    {
        public delegate* unmanaged<IntPtr> InitDecompress;
        public delegate* unmanaged<IntPtr, byte*, nuint, int*, int*, int*, int*, int> DecompressHeader3;
        public delegate* unmanaged<IntPtr, byte*, nuint, byte*, int, int, int, int, int, int> Decompress2;
        public delegate* unmanaged<IntPtr, int> Destroy;
    }

    private static Api? Load()
    {
        if (string.Equals(Environment.GetEnvironmentVariable("FACENET_JPEG_DECODER"), "skia", StringComparison.OrdinalIgnoreCase)) return null;
        string[] names = OperatingSystem.IsWindows() ? ["turbojpeg.dll"]
            : OperatingSystem.IsMacOS() ? ["libturbojpeg.0.dylib", "libturbojpeg.dylib"]
            : ["libturbojpeg.so.0", "libturbojpeg.so"];
        var candidates = new List<string>();
        if (NativeLibraryResolver.Root is { } root)
            foreach (var folder in NativeLibraryResolver.NativeFolders(root))
                candidates.AddRange(names.Select(n => Path.Combine(folder, n)).Where(File.Exists));
        candidates.AddRange(names);
        foreach (var candidate in candidates)
        {
            if (!NativeLibrary.TryLoad(candidate, out var handle)) continue;
            if (NativeLibrary.TryGetExport(handle, "tjInitDecompress", out var init)
                && NativeLibrary.TryGetExport(handle, "tjDecompressHeader3", out var header)
                && NativeLibrary.TryGetExport(handle, "tjDecompress2", out var decompress)
                && NativeLibrary.TryGetExport(handle, "tjDestroy", out var destroy))
            {
                LoadedFrom = candidate;
                return new Api
                {
                    InitDecompress = (delegate* unmanaged<IntPtr>)init,
                    DecompressHeader3 = (delegate* unmanaged<IntPtr, byte*, nuint, int*, int*, int*, int*, int>)header,
                    Decompress2 = (delegate* unmanaged<IntPtr, byte*, nuint, byte*, int, int, int, int, int, int>)decompress,
                    Destroy = (delegate* unmanaged<IntPtr, int>)destroy,
                };
            }
            NativeLibrary.Free(handle);
        }
        return null;
    }

    public static bool IsJpeg(byte[] bytes) => bytes.Length > 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF;

    /// <summary>
    /// Decodes <paramref name="bytes"/> into <paramref name="bitmap"/> (RGBA, its size the JPEG's, or a DCT-scaled size
    /// n/8 of it, as SkiaSharp's codec computes it). False, with the bitmap's contents undefined, when TurboJPEG is
    /// missing, the colour space is one it is not trusted with here, or it reported anything at all.
    /// </summary>
    public static bool TryDecode(byte[] bytes, SKBitmap bitmap)
    {
        var api = s_api;
        if (api is null || !IsJpeg(bytes) || bitmap.ColorType != SKColorType.Rgba8888) return false;
        var handle = api.InitDecompress();
        if (handle == IntPtr.Zero) return false;
        try
        {
            fixed (byte* source = bytes)
            {
                int width, height, subsampling, colorspace;
                if (api.DecompressHeader3(handle, source, (nuint)bytes.Length, &width, &height, &subsampling, &colorspace) != 0) return false;
                if (colorspace is not (ColorspaceYCbCr or ColorspaceGray)) return false;
                // Only the sizes libjpeg's n/8 scaling gives (ceil(size * n / 8)); TurboJPEG picks the same factor from them.
                if (!IsScaledSize(width, height, bitmap.Width, bitmap.Height)) return false;
                return api.Decompress2(handle, source, (nuint)bytes.Length, (byte*)bitmap.GetPixels(), bitmap.Width, bitmap.RowBytes, bitmap.Height, PixelFormatRgba, 0) == 0;
            }
        }
        finally
        {
            api.Destroy(handle);
        }
    }

    private static bool IsScaledSize(int width, int height, int scaledWidth, int scaledHeight)
    {
        for (int n = 1; n <= 8; n++)
            if ((width * n + 7) / 8 == scaledWidth && (height * n + 7) / 8 == scaledHeight) return true;
        return false;
    }
}
