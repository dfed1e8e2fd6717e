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
    /// null: the default, <see cref="AutoDetector"/> (the manifest's default detector, UltraFace, on
    /// ordinary photos; MTCNN on large ones, where UltraFace's fixed 320x240 input loses small faces).
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
/// The default detector: UltraFace when the image's longer side is at most <see cref="SwitchSide"/>
/// pixels, MTCNN above it. UltraFace sees every photo at 320x240, so in a large photo a face of a
/// few dozen pixels shrinks below what it can find; MTCNN's pyramid starts at the face size
/// instead. The switch point was chosen with tools/FaceNet.DetectionBench (see docs/detection.md).
/// </summary>
public sealed class AutoDetector(IFaceDetector small, IFaceDetector large) : IFaceDetector
{
    public const int SwitchSide = 2048;
    public string Name => "Auto";

    public IFaceDetector For(FaceImage image) => Math.Max(image.Width, image.Height) > SwitchSide ? large : small;

    public IReadOnlyList<DetectedBox> Detect(FaceImage image, DetectionOptions options) => For(image).Detect(image, options);
}
