using FaceNet.Engine.Models;

namespace FaceNet.Engine.Detection;

/// <summary>Detector names the module accepts (-Detector) and what the default is.</summary>
public static class DetectorFactory
{
    public const string UltraFace = "UltraFace";
    public const string Mtcnn = MtcnnDetector.DetectorName;
    public const string YuNet = YuNetDetector.DetectorName;
    public static readonly string[] Names = [UltraFace, YuNet, Mtcnn];

    /// <summary>The smallest face the default looks for, in image pixels.</summary>
    public const int DefaultMinFaceSize = 20;

    /// <summary>
    /// null: the manifest's default detector (YuNet, on photos of every size). "YuNet", "UltraFace" or "Mtcnn":
    /// that detector. Any other name: that manifest detector entry (UltraFace's kind of model).
    /// Each is wrapped in <see cref="PaddedRetryDetector"/>, so a face crop whose face fills the picture still gives
    /// its face; the default's retry asks UltraFace too, and takes a face both find where neither is sure.
    /// YuNet became the default for small photos too when it was measured against UltraFace on LFW View 1
    /// (docs/detection.md): with its boxes, verification was as good on the photos and better on the same photos cut
    /// to 92x112 grey face crops, where UltraFace's boxes cut off chins and misplace the 68 landmarks.
    /// </summary>
    public static IFaceDetector Create(ModelManifest manifest, string? name)
    {
        var inner = CreateInner(manifest, name ?? manifest.DefaultDetector);
        IFaceDetector? second = name is null && inner is YuNetDetector && manifest.TryGet(UltraFace, out var u) && u.Kind == "Detector"
            ? new UltraFaceDetector(manifest, u) : null;
        return new PaddedRetryDetector(inner, second);
    }

    private static IFaceDetector CreateInner(ModelManifest manifest, string name)
    {
        if (string.Equals(name, Mtcnn, StringComparison.OrdinalIgnoreCase)) return new MtcnnDetector(manifest);
        if (string.Equals(name, YuNet, StringComparison.OrdinalIgnoreCase)) return new YuNetDetector(manifest, manifest.Get(YuNet));
        var d = manifest.Get(name);
        if (d.Kind != "Detector") throw new ArgumentException($"Model '{d.Name}' is a {d.Kind}, not a detector.");
        return new UltraFaceDetector(manifest, d);
    }

    /// <summary>The detector that reads a picture first (the one inside the padded retry).</summary>
    public static IFaceDetector ReaderFor(IFaceDetector detector) => detector is PaddedRetryDetector retry ? retry.Inner : detector;
}
