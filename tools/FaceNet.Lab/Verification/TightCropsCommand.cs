using FaceNet.Engine.Annotation;
using FaceNet.Engine.Detection;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Pipeline;
using SkiaSharp;

namespace FaceNet.Lab;

/// <summary>
/// tight-crops: makes a tight-crop copy of an LFW-layout dataset, the kind of picture ID badges and face datasets
/// hold (AT&amp;T's 92x112 grey faces): each photo cut to the detected face's box, widened to the output's aspect
/// about the box centre (no margin beyond that), scaled to --width x --height and turned grey (Rec. 601 luma),
/// saved as JPEG under the same Name/Name_NNNN.jpg path, with the pairs files copied beside them. The source is
/// read with the detector the module uses by default on such photos. Photos where nothing is detected are cut
/// from the central box <see cref="FaceLocator.FallbackFraction"/>, so every pair stays in the set.
/// </summary>
public static class TightCropsCommand
{
    public static int Run(CommandLine cl, TextWriter o)
    {
        var dataset = cl.Get("dataset", Path.Combine(CommandLine.SharedRoot(), "data", "lfw-view1"));
        var output = Path.GetFullPath(cl.Get("out", Path.Combine(CommandLine.RepoRoot(), "out", "lfw-tight")));
        int width = cl.Int("width", 92), height = cl.Int("height", 112);
        bool colour = cl.Flag("colour");
        double margin = cl.Double("margin") ?? 0;
        var manifest = cl.LoadManifest();
        int workers = cl.Workers();
        cl.RejectUnknown();
        if (width < 16 || height < 16) throw new ArgumentException("--width and --height must be at least 16.");

        var root = PairsFile.FindImageRoot(dataset);
        var photos = Directory.EnumerateDirectories(root).SelectMany(d => Directory.EnumerateFiles(d, "*.jpg"))
            .OrderBy(p => p, StringComparer.Ordinal).ToList();
        var analyzer = new FaceAnalyzer(manifest);
        var locator = new FaceLocator(analyzer);
        int notDetected = 0;
        Parallel.ForEach(photos, new ParallelOptions { MaxDegreeOfParallelism = workers }, path =>
        {
            using var image = ImageLoader.Load(path);
            var face = locator.Locate(image);
            if (!face.Detected) Interlocked.Increment(ref notDetected);
            var box = face.Box;
            float mx = (float)(margin * box.Width), my = (float)(margin * box.Height);
            var bytes = Crop(image, new Engine.Geometry.FaceBox(box.X - mx, box.Y - my, box.Width + 2 * mx, box.Height + 2 * my), width, height, colour);
            var target = Path.Combine(output, Path.GetRelativePath(root, path));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllBytes(target, bytes);
        });
        foreach (var pairs in Directory.EnumerateFiles(dataset, "pairs*.txt"))
            File.Copy(pairs, Path.Combine(output, Path.GetFileName(pairs)), overwrite: true);
        o.WriteLine($"tight crops: {photos.Count} photos from {root} -> {output} ({width}x{height} {(colour ? "colour" : "grey")} JPEG, margin {margin:0.##} of the box); " +
                    $"{notDetected} without a detection were cut from the central box");
        return 0;
    }

    /// <summary>The face box widened (or heightened) to width:height about its centre, scaled to width x height, grey.</summary>
    public static byte[] Crop(FaceImage image, Engine.Geometry.FaceBox box, int width, int height, bool colour = false)
    {
        float aspect = (float)width / height;
        float w = box.Width, h = box.Height;
        if (w / h < aspect) w = h * aspect; else h = w / aspect;
        float cx = box.X + box.Width / 2, cy = box.Y + box.Height / 2;
        var matrix = SKMatrix.CreateScale(width / w, height / h).PreConcat(SKMatrix.CreateTranslation(-(cx - w / 2), -(cy - h / 2)));
        using var rgb = PixelSampler.Warp(image.Bitmap, matrix, width, height);
        if (colour) return AnnotationWriter.Encode(rgb, SKEncodedImageFormat.Jpeg);
        using var grey = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        var src = rgb.Bytes;
        var row = new byte[width];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int i = y * rgb.RowBytes + 4 * x;
                row[x] = (byte)Math.Clamp(MathF.Round(0.299f * src[i] + 0.587f * src[i + 1] + 0.114f * src[i + 2]), 0, 255);
            }
            System.Runtime.InteropServices.Marshal.Copy(row, 0, grey.GetPixels() + y * grey.RowBytes, width);
        }
        return AnnotationWriter.Encode(grey, SKEncodedImageFormat.Jpeg);
    }
}
