using System.Runtime.CompilerServices;
using FaceNet.Engine.Alignment;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Landmarks;
using FaceNet.Engine.Vectors;
using FaceNet.Engine.Models;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SkiaSharp;

namespace FaceNet.Engine.Embedding;

/// <summary>
/// One ONNX embedder, entirely described by its manifest entry: alignment, input size, colour order,
/// normalisation, output size, mirroring and optional centring.
/// </summary>
public sealed class OnnxFaceEmbedder : OnnxModelRunner, IFaceEmbedder
{
    private readonly AlignmentSpec _alignment;

    public OnnxFaceEmbedder(ModelManifest manifest, ModelDescriptor model, bool? mirror = null) : base(manifest, model)
    {
        _alignment = model.Alignment ?? throw new InvalidDataException($"Model '{model.Name}' has no alignment spec.");
        Mirror = mirror ?? model.Mirror;
        if (model.OutputSize <= 0) throw new InvalidDataException($"Model '{model.Name}' has no output size.");
    }

    public int Dimension => _model.OutputSize;
    public float DefaultThreshold => _model.DefaultThreshold ?? 0.5f;
    public bool Mirror { get; }

    /// <summary>
    /// A dynamic-batch graph runs at most this many views (faces times mirror images) per pass: two faces and their
    /// mirror images. Larger batches are no faster per view (MobileFaceNet 4.5 ms per view at 4, 4.2 at 8; Dlib 2.8
    /// and 2.7), and every new batch size makes ONNX Runtime plan and keep another arena layout: embedding every
    /// face of a photo at once held about 40 MB more over 1,500 LFW photos.
    /// </summary>
    public const int MaxBatchViews = 4;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public float[][] Embed(FaceImage image, IReadOnlyList<FaceLandmarks> faces)
    {
        var result = new float[faces.Count][];
        if (faces.Count == 0) return result;
        var session = OnnxSessionCache.Get(_manifest, _model);
        for (int i = 0; i < faces.Count; i++) result[i] = new float[Dimension];
        // Always the full-resolution pixels (decoded now if detection read a smaller JPEG decode): a face gives the
        // same vector whatever was decoded before it (a path, a Face from Get-Face, a Face read back from a file).
        var pixels = image.Bitmap;
        // Graphs with a dynamic batch run faces and their views together; others (a final Reshape fixed to batch 1,
        // as in the published MobileFaceNet) one view at a time. A batch gives the same vectors bit for bit.
        if (_model.DynamicBatch) EmbedInBatches(session, pixels, faces, result);
        else EmbedOneViewAtATime(session, pixels, faces, result);
        foreach (var vector in result)
        {
            if (_model.Center is { } center)
                System.Numerics.Tensors.TensorPrimitives.Subtract(vector, center, vector);
            VectorMath.NormalizeInPlace(vector);
        }
        return result;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EmbedInBatches(ModelSession session, SKBitmap pixels, IReadOnlyList<FaceLandmarks> faces, float[][] result)
    {
        int views = Mirror ? 2 : 1;
        int size = _input.Channels * _input.Height * _input.Width;
        int perBatch = Math.Max(1, MaxBatchViews / views);
        for (int first = 0; first < faces.Count; first += perBatch)
        {
            int count = Math.Min(perBatch, faces.Count - first), batch = count * views;
            using var pooled = new PooledTensor(batch, _input.Channels, _input.Height, _input.Width);
            var buffer = pooled.Tensor.Buffer.Span;
            for (int i = 0; i < count; i++)
            {
                var transform = FaceAligner.TransformFor(faces[first + i], _alignment, _input.Width, _input.Height);
                var view = buffer.Slice(i * views * size, size);
                var mirrored = views == 2 ? buffer.Slice((i * views + 1) * size, size) : default;
                PixelSampler.SampleToTensor(pixels, transform, _input, view, mirrored);
            }
            using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(_input.Name, pooled.Tensor) });
            var output = (DenseTensor<float>)Output(results).AsTensor<float>();
            if (output.Length != (long)batch * Dimension)
                throw new InvalidDataException($"Model '{Name}' returned {output.Length / System.Math.Max(batch, 1)} values per face, the manifest says {Dimension}.");
            var flat = output.Buffer.Span;
            for (int i = 0; i < count; i++)
                for (int v = 0; v < views; v++)
                    System.Numerics.Tensors.TensorPrimitives.Add(result[first + i], flat.Slice((i * views + v) * Dimension, Dimension), result[first + i]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EmbedOneViewAtATime(ModelSession session, SKBitmap pixels, IReadOnlyList<FaceLandmarks> faces, float[][] result)
    {
        int size = _input.Channels * _input.Height * _input.Width;
        using var pooled = new PooledTensor(1, _input.Channels, _input.Height, _input.Width);
        var tensor = pooled.Tensor;
        var buffer = tensor.Buffer.Span;
        for (int i = 0; i < faces.Count; i++)
        {
            var transform = FaceAligner.TransformFor(faces[i], _alignment, _input.Width, _input.Height);
            // The mirrored view is sampled in the same pass into a pooled scratch block, then run second.
            var scratch = Mirror ? System.Buffers.ArrayPool<float>.Shared.Rent(size) : null;
            try
            {
                PixelSampler.SampleToTensor(pixels, transform, _input, buffer[..size], scratch.AsSpan(0, scratch is null ? 0 : size));
                Accumulate(session, tensor, result[i]);
                if (scratch is not null)
                {
                    scratch.AsSpan(0, size).CopyTo(buffer);
                    Accumulate(session, tensor, result[i]);
                }
            }
            finally
            {
                if (scratch is not null) System.Buffers.ArrayPool<float>.Shared.Return(scratch);
            }
        }
    }

    /// <summary>
    /// The model's raw outputs for one face and for its mirror image, before they are summed, centred and normalised:
    /// what calibration needs to try mirroring and centring without running the model again. Embed returns
    /// Normalize(plain + (Mirror ? mirrored : 0) - Center).
    /// </summary>
    public (float[] Plain, float[] Mirrored) EmbedRaw(FaceImage image, FaceLandmarks face)
    {
        var session = OnnxSessionCache.Get(_manifest, _model);
        int size = _input.Channels * _input.Height * _input.Width;
        using var pooled = new PooledTensor(1, _input.Channels, _input.Height, _input.Width);
        var buffer = pooled.Tensor.Buffer.Span;
        var mirrored = new float[size];
        PixelSampler.SampleToTensor(image.Bitmap, FaceAligner.TransformFor(face, _alignment, _input.Width, _input.Height), _input, buffer[..size], mirrored);
        var plain = new float[Dimension];
        Accumulate(session, pooled.Tensor, plain);
        mirrored.AsSpan().CopyTo(buffer);
        var flipped = new float[Dimension];
        Accumulate(session, pooled.Tensor, flipped);
        return (plain, flipped);
    }

    private DisposableNamedOnnxValue Output(IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results) =>
        _model.OutputName is null ? results[0] : results.First(r => r.Name == _model.OutputName);

    /// <summary>Runs one batch-1 tensor and adds its output to the face's vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Accumulate(ModelSession session, DenseTensor<float> tensor, float[] vector)
    {
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(_input.Name, tensor) });
        int k = 0;
        foreach (var x in Output(results).AsEnumerable<float>())
        {
            if (k >= Dimension) throw new InvalidDataException($"Model '{Name}' returned more than {Dimension} values.");
            vector[k++] += x;
        }
        if (k != Dimension) throw new InvalidDataException($"Model '{Name}' returned {k} values, the manifest says {Dimension}.");
    }
}
