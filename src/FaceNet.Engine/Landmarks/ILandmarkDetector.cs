using FaceNet.Engine.Geometry;
using FaceNet.Engine.Imaging;

namespace FaceNet.Engine.Landmarks;

public interface ILandmarkDetector
{
    string Name { get; }
    FaceLandmarks Detect(FaceImage image, FaceBox box);
}
