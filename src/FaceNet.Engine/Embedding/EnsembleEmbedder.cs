using FaceNet.Engine.Imaging;
using FaceNet.Engine.Landmarks;

namespace FaceNet.Engine.Embedding;

/// <summary>
/// Concatenates members' unit vectors, each scaled by sqrt(weight), with weights summing to 1:
/// the dot product of two ensemble vectors is then the weighted sum of the members' cosines, and each vector stays unit length.
/// </summary>
public sealed class EnsembleEmbedder : IFaceEmbedder
{
    private readonly (IFaceEmbedder Embedder, float Scale)[] _members;

    public EnsembleEmbedder(string name, float defaultThreshold, IReadOnlyList<(IFaceEmbedder Embedder, float Weight)> members)
    {
        Name = name;
        DefaultThreshold = defaultThreshold;
        float total = members.Sum(m => m.Weight);
        if (total <= 0) throw new ArgumentException("Ensemble weights must sum to more than 0.");
        _members = members.Select(m => (m.Embedder, MathF.Sqrt(m.Weight / total))).ToArray();
        Dimension = members.Sum(m => m.Embedder.Dimension);
    }

    public string Name { get; }
    public int Dimension { get; }
    public float DefaultThreshold { get; }

    public float[][] Embed(FaceImage image, IReadOnlyList<FaceLandmarks> faces)
    {
        var result = new float[faces.Count][];
        for (int i = 0; i < faces.Count; i++) result[i] = new float[Dimension];
        int offset = 0;
        foreach (var (embedder, scale) in _members)
        {
            var parts = embedder.Embed(image, faces);
            for (int i = 0; i < faces.Count; i++)
                System.Numerics.Tensors.TensorPrimitives.Multiply(parts[i], scale, result[i].AsSpan(offset, embedder.Dimension));
            offset += embedder.Dimension;
        }
        return result;
    }
}
