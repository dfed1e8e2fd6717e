using FaceNet.Engine.Imaging;
using FaceNet.Engine.Landmarks;

namespace FaceNet.Engine.Embedding;

/// <summary>Maps aligned faces to L2-normalised vectors. Only vectors of the same embedder are comparable.</summary>
public interface IFaceEmbedder
{
    string Name { get; }
    int Dimension { get; }
    /// <summary>Cosine similarity at or above which two faces are the same person.</summary>
    float DefaultThreshold { get; }
    float[][] Embed(FaceImage image, IReadOnlyList<FaceLandmarks> faces);
}
