using System.Buffers;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace FaceNet.Engine.Models;

/// <summary>
/// A model input tensor over an array rented from the shared pool, returned on Dispose. Inputs of a few
/// hundred KB per photo (UltraFace's 320x240x3 floats, a batch of face crops) would otherwise be fresh
/// large-object-heap allocations for every photo, and the full collections they cause showed up as lost
/// throughput. The contents are stale: callers overwrite every element.
/// </summary>
internal readonly struct PooledTensor : IDisposable
{
    private readonly float[] _array;

    public PooledTensor(params int[] dimensions)
    {
        int length = 1;
        foreach (int d in dimensions) length = checked(length * d);
        _array = ArrayPool<float>.Shared.Rent(length);
        Tensor = new DenseTensor<float>(_array.AsMemory(0, length), dimensions);
    }

    public DenseTensor<float> Tensor { get; }

    public void Dispose() => ArrayPool<float>.Shared.Return(_array);
}
