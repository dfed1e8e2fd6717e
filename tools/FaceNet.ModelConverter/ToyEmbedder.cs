namespace FaceNet.ModelConverter;

/// <summary>
/// A tiny, deterministic stand-in for a real face embedder, for testing the "bring your own model"
/// plumbing without shipping or downloading third-party weights. It has the same contract as
/// facenet-pytorch's InceptionResnetV1 exported to ONNX: input float32 [N,3,size,size] (normalised by
/// the caller), output float32 [N,dim]. The graph is
/// <c>AveragePool(k×k, stride k) → Flatten → MatMul(W)</c>, so every output depends on the face's pixels
/// (on a coarse g×g grid per channel). W comes from a seeded SplitMix64 generator and is mirror-symmetric
/// (grid column x and g-1-x share weights), so a face and its horizontal mirror give the same vector.
/// It recognises nobody: it only proves that descriptors, alignment, normalisation and output handling work.
/// </summary>
public static class ToyEmbedder
{
    public const string InputName = "input";
    public const string OutputName = "embedding";
    /// <summary>The pooled grid is about this many cells on a side.</summary>
    public const int TargetGrid = 8;

    public static byte[] Build(int size, int dim, ulong seed = 1)
    {
        if (size < TargetGrid) throw new ArgumentOutOfRangeException(nameof(size), size, $"size must be at least {TargetGrid}.");
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be positive.");
        int k = size / TargetGrid;
        int grid = (size - k) / k + 1; // AveragePool output side without padding
        int features = 3 * grid * grid;

        var g = new OnnxGraphBuilder();
        g.AddInput(InputName, OnnxDataType.Float, "N", 3L, (long)size, (long)size);
        var pooled = g.AddNode("AveragePool", [InputName], null,
            OnnxAttribute.Of("kernel_shape", (long)k, (long)k), OnnxAttribute.Of("strides", (long)k, (long)k));
        var flat = g.AddNode("Flatten", [pooled], null, OnnxAttribute.Of("axis", 1L));
        var w = g.AddFloats("toy_weight", [features, dim], Weights(grid, dim, seed));
        g.AddNode("MatMul", [flat, w], OutputName);
        g.AddOutput(OutputName, OnnxDataType.Float, "N", (long)dim);

        return g.ToModelBytes(
            graphName: "toy_embedder",
            irVersion: 8,
            opsetVersion: 13,
            producer: "FaceNet.ModelConverter",
            producerVersion: "1.0",
            docString: $"Toy embedder for tests (seed {seed}); recognises nobody. input: float32 [N,3,{size},{size}] normalised by the caller. " +
                       $"output: float32 [N,{dim}] = AveragePool({k}x{k}, stride {k}) -> {grid}x{grid} grid -> Flatten -> MatMul with a seeded, mirror-symmetric weight matrix.");
    }

    /// <summary>Row-major [3*grid*grid, dim]; row (c,y,x) equals row (c,y,grid-1-x).</summary>
    private static float[] Weights(int grid, int dim, ulong seed)
    {
        int features = 3 * grid * grid;
        var w = new float[features * dim];
        var state = seed;
        float scale = 1f / MathF.Sqrt(features);
        for (int c = 0; c < 3; c++)
        for (int y = 0; y < grid; y++)
        for (int x = 0; x < (grid + 1) / 2; x++)
        {
            int row = (c * grid + y) * grid + x;
            int mirrored = (c * grid + y) * grid + (grid - 1 - x);
            for (int j = 0; j < dim; j++)
            {
                float v = (float)(NextDouble(ref state) * 2 - 1) * scale;
                w[row * dim + j] = v;
                w[mirrored * dim + j] = v;
            }
        }
        return w;
    }

    /// <summary>SplitMix64: fixed algorithm, so the weights never change with the runtime version.</summary>
    private static double NextDouble(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }
}
