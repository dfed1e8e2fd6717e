using FaceNet.Engine.Geometry;
using FaceNet.Engine.Imaging;

namespace FaceNet.Engine.Detection;

public interface IFaceDetector
{
    string Name { get; }
    IReadOnlyList<DetectedBox> Detect(FaceImage image, DetectionOptions options);

    /// <summary>
    /// The image resolution detection reads (decoded pixels per image pixel, 0-1) for a width x height image,
    /// so a loader can decode just that much (JPEG DCT scaling) before <see cref="Detect"/>.
    /// </summary>
    float DetailFor(int width, int height, DetectionOptions options);
}
