using FaceNet.Engine.Imaging;
using FaceNet.Engine.Models;

namespace FaceNet.Engine.Detection;

/// <summary>Detector names the module accepts (-Detector) and what the default is.</summary>
public static class DetectorFactory
{
    public const string UltraFace = "UltraFace";
    public const string Mtcnn = MtcnnDetector.DetectorName;
    public static readonly string[] Names = [UltraFace, Mtcnn];

    /// <summary>
    /// null: the default, <see cref="AutoDetector"/> (the manifest's default detector, UltraFace, on photos
    /// small enough for its fixed 320x240 input to keep the smallest face asked for; MTCNN on larger ones).
    /// "Mtcnn": MTCNN on every image. Any other name: that manifest detector entry on every image.
    /// </summary>
    public static IFaceDetector Create(ModelManifest manifest, string? name)
    {
        if (name is null) return new AutoDetector(new UltraFaceDetector(manifest, manifest.Get(manifest.DefaultDetector)), new MtcnnDetector(manifest));
        if (string.Equals(name, Mtcnn, StringComparison.OrdinalIgnoreCase)) return new MtcnnDetector(manifest);
        var d = manifest.Get(name);
        if (d.Kind != "Detector") throw new ArgumentException($"Model '{d.Name}' is a {d.Kind}, not a detector.");
        return new UltraFaceDetector(manifest, d);
    }
}

/// <summary>
/// The default detector. UltraFace when the photo is small enough for its fixed 320x240 view to keep a 20 px
/// face at least <see cref="SmallestUltraFaceFace"/> px (up to 400x300: LFW's 250x250 photos, on which the
/// embedders were calibrated) and no face under 20 px is asked for; MTCNN otherwise, whose pyramid starts
/// at the face size instead of the photo size (on a 1920x1280 photo UltraFace shrinks a 20-40 px face to
/// 3-7 px and misses it). The choice depends on the photo's size, not on -MinFaceSize (a larger one drops
/// smaller faces and starts MTCNN's pyramid there, which makes it cheaper; it does not switch detectors).
/// MTCNN here reports faces from O-Net score <see cref="MtcnnMinConfidence"/> up: the cascade's own 0.7 let
/// through a dress pattern (0.72) on a demo photo; 0.8 keeps all 43 faces of dlib's detection set, 0.85
/// lost one. -MinConfidence overrides it.
/// Chosen with tools/FaceNet.DetectionBench (docs/detection.md).
/// </summary>
public sealed class AutoDetector(UltraFaceDetector small, IFaceDetector large) : IFaceDetector
{
    /// <summary>UltraFace's smallest anchor boxes are 10 and 16 px at its 320x240 input; 16 px faces are found reliably.</summary>
    public const float SmallestUltraFaceFace = 16f;

    /// <summary>The smallest face the default looks for (MTCNN's usual 20 px).</summary>
    public const int DefaultMinFaceSize = 20;

    /// <summary>The O-Net score the default asks of MTCNN faces.</summary>
    public const float MtcnnMinConfidence = 0.8f;

    public string Name => "Auto";

    public IFaceDetector For(FaceImage image) => For(image.Width, image.Height, DetectionOptions.Default);

    public IFaceDetector For(int width, int height, DetectionOptions options) =>
        DefaultMinFaceSize * small.ViewScale(width, height) >= SmallestUltraFaceFace && (options.MinFaceSize ?? DefaultMinFaceSize) >= DefaultMinFaceSize
            ? small : large;

    public IReadOnlyList<DetectedBox> Detect(FaceImage image, DetectionOptions options) => Detect(image, options, null);

    /// <summary>Detect, filling <paramref name="timings"/> when the photo goes to MTCNN (for the benchmarks).</summary>
    public IReadOnlyList<DetectedBox> Detect(FaceImage image, DetectionOptions options, MtcnnTimings? timings)
    {
        var detector = For(image.Width, image.Height, options);
        if (!ReferenceEquals(detector, large)) return detector.Detect(image, options);
        if (options.MinConfidence is null) options = options with { MinConfidence = MtcnnMinConfidence };
        return detector is MtcnnDetector mtcnn ? mtcnn.Detect(image, options, timings) : detector.Detect(image, options);
    }

    public float DetailFor(int width, int height, DetectionOptions options) => For(width, height, options).DetailFor(width, height, options);
}
