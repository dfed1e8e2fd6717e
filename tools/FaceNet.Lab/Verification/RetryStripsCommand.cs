using FaceNet.Engine.Detection;
using FaceNet.Engine.Imaging;
using SkiaSharp;

namespace FaceNet.Lab;

/// <summary>
/// retry-strips: what the framed retry (<see cref="PaddedRetryDetector"/>) costs in faces that are not there. The left
/// and right quarters of photos whose face is centred (LFW, Caltech) are pictures without a whole face; each is read
/// by the default detector alone and with its retry, and the strips where only the retry found something are listed
/// (most are half faces cut by the strip's edge: look at them with --save DIR).
/// </summary>
public static class RetryStripsCommand
{
    public static int Run(CommandLine cl, TextWriter o)
    {
        var dataset = cl.Get("dataset", Path.Combine(CommandLine.SharedRoot(), "data", "caltech-faces"));
        int every = cl.Int("every", 1);
        var save = cl.Get("save");
        var manifest = cl.LoadManifest();
        cl.RejectUnknown();
        var retry = (PaddedRetryDetector)DetectorFactory.Create(manifest, null);
        if (!string.IsNullOrEmpty(save)) Directory.CreateDirectory(save);

        int strips = 0, before = 0, after = 0;
        var photos = Directory.EnumerateFiles(dataset, "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Where((_, i) => i % every == 0);
        foreach (var path in photos)
        {
            using var image = ImageLoader.Load(path);
            foreach (var (from, to) in new[] { (0.0, 0.25), (0.75, 1.0) })
            {
                int x = (int)(from * image.Width), w = (int)((to - from) * image.Width);
                using var strip = FaceImage.FromBitmap(PixelSampler.Warp(image.Bitmap, SKMatrix.CreateTranslation(-x, 0), w, image.Height));
                strips++;
                bool alone = retry.Inner.Detect(strip, DetectionOptions.Default).Count > 0;
                var found = retry.Detect(strip, DetectionOptions.Default);
                if (alone) before++;
                if (found.Count > 0) after++;
                if (alone || found.Count == 0) continue;
                o.WriteLine($"  retry only: {Path.GetRelativePath(dataset, path)} {(from == 0 ? "left" : "right")} quarter: " +
                            string.Join(" ", found.Select(d => $"{d.Confidence:0.00} at ({d.Box.X:0},{d.Box.Y:0}) {d.Box.Width:0}x{d.Box.Height:0}")));
                if (!string.IsNullOrEmpty(save))
                {
                    using var vis = strip.Bitmap.Copy();
                    using (var canvas = new SKCanvas(vis))
                    using (var red = new SKPaint { Color = SKColors.Red, Style = SKPaintStyle.Stroke, StrokeWidth = 2 })
                        foreach (var d in found) canvas.DrawRect(d.Box.X, d.Box.Y, d.Box.Width, d.Box.Height, red);
                    using var png = vis.Encode(SKEncodedImageFormat.Png, 100);
                    File.WriteAllBytes(Path.Combine(save, $"{after:0000}.png"), png.ToArray());
                }
            }
        }
        o.WriteLine($"{strips} strips (left and right quarters of every {(every == 1 ? "" : $"{every}th ")}photo of {dataset}): " +
                    $"a face in {before} by {retry.Inner.Name} alone, in {after} with the framed retry");
        return 0;
    }
}
