using System.Diagnostics;
using FaceNet.Engine.Imaging;
using SkiaSharp;

namespace FaceNet.Lab;

/// <summary>
/// benchmark jpeg --dir DIR [--limit N] [--scales 1,0.5,0.25]: decodes every JPEG under DIR with SkiaSharp's codec and
/// with TurboJPEG (the module's fast path), at full size and DCT-scaled, compares the pixels byte for byte and times
/// both. The module only takes TurboJPEG's output because they agree; this is the evidence, run on real photos.
/// </summary>
internal static class JpegDecoders
{
    public static int Run(Dictionary<string, string> opts)
    {
        if (!TurboJpegDecoder.IsAvailable) { Console.Error.WriteLine("TurboJPEG (libturbojpeg) was not found on this machine."); return 1; }
        Console.WriteLine($"{MachineInfo.Describe()}; TurboJPEG from {TurboJpegDecoder.LoadedFrom}");
        var files = Directory.EnumerateFiles(opts["dir"], "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal).Take(int.Parse(opts.GetValueOrDefault("limit", "100000"))).ToList();
        var scales = opts.GetValueOrDefault("scales", "1,0.5,0.25").Split(',').Select(x => float.Parse(x, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        int compared = 0, same = 0, declined = 0;
        double skiaMs = 0, turboMs = 0;
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file);
            foreach (var scale in scales)
            {
                using var stream = new SKMemoryStream(bytes);
                using var codec = SKCodec.Create(stream);
                if (codec is null) continue;
                var size = scale >= 1 ? new SKSizeI(codec.Info.Width, codec.Info.Height) : codec.GetScaledDimensions(scale);
                var info = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
                using var a = new SKBitmap(info);
                using var b = new SKBitmap(info);
                long t0 = Stopwatch.GetTimestamp();
                var status = codec.GetPixels(info, a.GetPixels());
                skiaMs += Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                t0 = Stopwatch.GetTimestamp();
                bool ok = TurboJpegDecoder.TryDecode(bytes, b);
                turboMs += Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                if (!ok) { declined++; Console.WriteLine($"  TurboJPEG declined: {file} at {scale} (Skia: {status})"); continue; }
                compared++;
                if (a.GetPixelSpan().SequenceEqual(b.GetPixelSpan())) same++;
                else Console.WriteLine($"  DIFFERENT: {file} at {scale} ({size.Width}x{size.Height})");
            }
        }
        Console.WriteLine($"{files.Count} JPEG files, {compared} decodes compared: {same} identical to the byte, {compared - same} different; TurboJPEG declined {declined} (SkiaSharp decodes those).");
        Console.WriteLine($"Decode time, all of them: SkiaSharp {skiaMs / 1000:0.00} s, TurboJPEG {turboMs / 1000:0.00} s ({skiaMs / Math.Max(turboMs, 1e-9):0.0}x).");
        return compared > 0 && same == compared ? 0 : 1;
    }
}
