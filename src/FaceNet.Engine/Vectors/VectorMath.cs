using System.Numerics.Tensors;

namespace FaceNet.Engine.Vectors;

public static class VectorMath
{
    /// <summary>Scales v in place to unit length (left as is if all zero).</summary>
    public static void NormalizeInPlace(Span<float> v)
    {
        float norm = TensorPrimitives.Norm(v);
        if (norm > 0) TensorPrimitives.Divide(v, norm, v);
    }

    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => TensorPrimitives.Dot(a, b);

    public static float CosineSimilarity(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => TensorPrimitives.CosineSimilarity(a, b);

    public static float EuclideanDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => TensorPrimitives.Distance(a, b);
}
