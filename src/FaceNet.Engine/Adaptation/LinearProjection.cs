using System.Numerics.Tensors;
using FaceNet.Engine.Vectors;

namespace FaceNet.Engine.Adaptation;

/// <summary>
/// A gallery's learned map: y = W x, then L2-normalised, so adapted vectors compare by cosine as plain ones do.
/// W is row-major, <see cref="OutputDimension"/> rows of <see cref="InputDimension"/>.
/// </summary>
public sealed class LinearProjection
{
    public LinearProjection(int outputDimension, int inputDimension, float[] matrix)
    {
        if (outputDimension <= 0 || inputDimension <= 0 || matrix.Length != outputDimension * inputDimension)
            throw new ArgumentException($"A {outputDimension}x{inputDimension} projection needs {outputDimension * inputDimension} values, not {matrix.Length}.");
        OutputDimension = outputDimension;
        InputDimension = inputDimension;
        Matrix = matrix;
    }

    public int OutputDimension { get; }
    public int InputDimension { get; }
    public float[] Matrix { get; }

    /// <summary>The first <paramref name="outputDimension"/> rows of the identity: at full size, exactly the plain space.</summary>
    public static LinearProjection Identity(int outputDimension, int inputDimension)
    {
        var m = new float[outputDimension * inputDimension];
        for (int i = 0; i < Math.Min(outputDimension, inputDimension); i++) m[i * inputDimension + i] = 1;
        return new LinearProjection(outputDimension, inputDimension, m);
    }

    public ReadOnlySpan<float> Row(int r) => Matrix.AsSpan(r * InputDimension, InputDimension);

    /// <summary>The adapted, L2-normalised vector of a plain embedding.</summary>
    public float[] Apply(ReadOnlySpan<float> x)
    {
        if (x.Length != InputDimension)
            throw new ArgumentException($"The projection takes {InputDimension}-d embeddings, not {x.Length}-d ones.");
        var y = new float[OutputDimension];
        for (int r = 0; r < OutputDimension; r++) y[r] = TensorPrimitives.Dot(Row(r), x);
        VectorMath.NormalizeInPlace(y);
        return y;
    }

    public float[][] Apply(IReadOnlyList<float[]> xs)
    {
        var result = new float[xs.Count][];
        Parallel.For(0, xs.Count, i => result[i] = Apply(xs[i]));
        return result;
    }
}
