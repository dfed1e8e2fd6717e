using FaceNet.Engine.Imaging;
using FaceNet.Engine.Models;

namespace FaceNet.Engine.Detection;

/// <summary>Detector names the module accepts (-Detector) and what the default is.</summary>
public static class DetectorFactory
{
    public const string UltraFace = "UltraFace";
    public const string Mtcnn = MtcnnDetector.DetectorName;
    public const string YuNet = YuNetDetector.DetectorName;
    public static readonly string[] Names = [UltraFace, YuNet, Mtcnn];

    /// <summary>
    /// null: the default, <see cref="AutoDetector"/> (the manifest's default detector, UltraFace, on photos
    /// small enough for its fixed 320x240 input to keep the smallest face asked for; YuNet on larger ones).
    /// "YuNet" or "Mtcnn": that detector on every image. Any other name: that manifest detector entry (UltraFace's
    /// kind of model) on every image.
    /// </summary>
    public static IFaceDetector Create(ModelManifest manifest, string? name)
    {
        if (name is null) return new AutoDetector(new UltraFaceDetector(manifest, manifest.Get(manifest.DefaultDetector)), new YuNetDetector(manifest, manifest.Get(YuNet)));
        if (string.Equals(name, Mtcnn, StringComparison.OrdinalIgnoreCase)) return new MtcnnDetector(manifest);
        if (string.Equals(name, YuNet, StringComparison.OrdinalIgnoreCase)) return new YuNetDetector(manifest, manifest.Get(YuNet));
        var d = manifest.Get(name);
        if (d.Kind != "Detector") throw new ArgumentException($"Model '{d.Name}' is a {d.Kind}, not a detector.");
        return new UltraFaceDetector(manifest, d);
    }
}

/// <summary>
/// The default detector. UltraFace when the photo is small enough for its fixed 320x240 view to keep a 20 px
/// face at least <see cref="SmallestUltraFaceFace"/> px (up to 400x300: LFW's 250x250 photos, on which the
/// embedders were calibrated) and no face under 20 px is asked for; YuNet otherwise, which reads the photo at
/// the face size asked for instead of shrinking the whole photo (on a 1920x1280 photo UltraFace shrinks a 20-40 px
/// face to 3-7 px and misses it). The choice depends on the photo's size, not on -MinFaceSize (a larger one drops
/// smaller faces and lets YuNet read a smaller decode, which makes it cheaper; it does not switch detectors).
/// YuNet replaced MTCNN here: on the crowd benchmark's 4000x3000 canvases it keeps at least 95% of the 20-40 px
/// faces and all larger ones in less than half MTCNN's time and memory (docs/detection.md).
/// Chosen with tools/FaceNet.DetectionBench.
/// </summary>
public sealed class AutoDetector(UltraFaceDetector small, IFaceDetector large) : IFaceDetector
{
    /// <summary>UltraFace's smallest anchor boxes are 10 and 16 px at its 320x240 input; 16 px faces are found reliably.</summary>
    public const float SmallestUltraFaceFace = 16f;

    /// <summary>The smallest face the default looks for.</summary>
    public const int DefaultMinFaceSize = 20;

    public string Name => "Auto";

    public IFaceDetector For(FaceImage image) => For(image.Width, image.Height, DetectionOptions.Default);

    public IFaceDetector For(int width, int height, DetectionOptions options) =>
        DefaultMinFaceSize * small.ViewScale(width, height) >= SmallestUltraFaceFace && (options.MinFaceSize ?? DefaultMinFaceSize) >= DefaultMinFaceSize
            ? small : large;

    public IReadOnlyList<DetectedBox> Detect(FaceImage image, DetectionOptions options) => For(image.Width, image.Height, options).Detect(image, options);

    public float DetailFor(int width, int height, DetectionOptions options) => For(width, height, options).DetailFor(width, height, options);
}
