using System.Runtime.CompilerServices;
using FaceNet.Engine.Alignment;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Landmarks;
using FaceNet.Engine.Models;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SkiaSharp;

namespace FaceNet.Engine.Attributes;

/// <summary>
/// One ONNX attribute model (kind "Attributes"), entirely described by its manifest entry: the crop (alignment),
/// the input, and per output which attribute it gives and how to read it. Returns each output's numbers per face,
/// activated (softmax where asked) and, with Mirror, averaged over the face and its mirror image.
/// </summary>
public sealed class OnnxAttributeModel : OnnxModelRunner
{
    private readonly AlignmentSpec _alignment;

    public OnnxAttributeModel(ModelManifest manifest, ModelDescriptor model) : base(manifest, model)
    {
        _alignment = model.Alignment ?? throw new InvalidDataException($"Model '{model.Name}' has no alignment spec.");
        Outputs = model.Outputs is { Length: > 0 } outputs ? outputs : throw new InvalidDataException($"Attribute model '{model.Name}' names no outputs.");
        foreach (var o in Outputs)
        {
            Provides |= o.Attribute switch
            {
                "Expression" => FaceAttributeKinds.Expression,
                "Age" => FaceAttributeKinds.Age,
                "Gender" => FaceAttributeKinds.Gender,
                _ => throw new InvalidDataException($"Attribute model '{model.Name}': output '{o.Name}' gives '{o.Attribute}'; use Expression, Age or Gender."),
            };
        }
    }

    public IReadOnlyList<AttributeOutput> Outputs { get; }
    public FaceAttributeKinds Provides { get; }

    /// <summary>Faces per pass for graphs with a dynamic batch; as for the embedders, larger batches buy nothing.</summary>
    public const int MaxBatchViews = 4;

    /// <summary>For each face, each output's values (Outputs' order), activated and averaged over views.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public float[][][] Run(FaceImage image, IReadOnlyList<FaceLandmarks> faces)
    {
        var result = new float[faces.Count][][];
        if (faces.Count == 0) return result;
        var session = OnnxSessionCache.Get(_manifest, _model);
        var pixels = image.Bitmap;
        int views = _model.Mirror ? 2 : 1;
        // A fixed-batch graph (batch 1) takes one face at a time and runs its views one by one.
        int perPass = _model.DynamicBatch ? Math.Max(1, MaxBatchViews / views) : 1;
        int size = _input.Channels * _input.Height * _input.Width;
        for (int first = 0; first < faces.Count; first += perPass)
        {
            int count = Math.Min(perPass, faces.Count - first);
            using var pooled = new PooledTensor(count * views, _input.Channels, _input.Height, _input.Width);
            var buffer = pooled.Tensor.Buffer.Span;
            for (int i = 0; i < count; i++)
                Fill(pixels, faces[first + i], buffer.Slice(i * views * size, size), views == 2 ? buffer.Slice((i * views + 1) * size, size) : default);
            var outputs = _model.DynamicBatch || views == 1 ? RunBatch(session, pooled.Tensor, count * views) : RunViewsAlone(session, pooled.Tensor, views, size);
            for (int i = 0; i < count; i++)
            {
                var plain = Activate(outputs[i * views]);
                result[first + i] = views == 2 ? Average(plain, Activate(outputs[i * views + 1])) : plain;
            }
        }
        return result;
    }

    /// <summary>Samples one face into its input block (and its mirror image); outside LandmarkBox's box is black, as face-api pads.</summary>
    private void Fill(SKBitmap pixels, FaceLandmarks face, Span<float> view, Span<float> mirrored)
    {
        PixelSampler.SampleToTensor(pixels, FaceAligner.TransformFor(face, _alignment, _input.Width, _input.Height), _input, view, mirrored);
        if (FaceAligner.ContentRect(face, _alignment, _input.Width, _input.Height) is not { } rect) return;
        BlackOutside(view, rect);
        if (!mirrored.IsEmpty) BlackOutside(mirrored, (_input.Width - rect.X1, rect.Y0, _input.Width - rect.X0, rect.Y1));
    }

    private void BlackOutside(Span<float> block, (int X0, int Y0, int X1, int Y1) rect)
    {
        int w = _input.Width, h = _input.Height, plane = w * h;
        for (int c = 0; c < _input.Channels; c++)
        {
            float black = -_input.Mean[c] / _input.Std[c];
            var channel = block.Slice(c * plane, plane);
            for (int y = 0; y < h; y++)
            {
                var row = channel.Slice(y * w, w);
                if (y < rect.Y0 || y >= rect.Y1) { row.Fill(black); continue; }
                if (rect.X0 > 0) row[..Math.Min(rect.X0, w)].Fill(black);
                if (rect.X1 < w) row[Math.Max(rect.X1, 0)..].Fill(black);
            }
        }
    }

    /// <summary>One face's views, each in its own batch-1 pass.</summary>
    private float[][][] RunViewsAlone(ModelSession session, DenseTensor<float> views, int count, int size)
    {
        var outputs = new float[count][][];
        using var single = new PooledTensor(1, _input.Channels, _input.Height, _input.Width);
        for (int v = 0; v < count; v++)
        {
            views.Buffer.Span.Slice(v * size, size).CopyTo(single.Tensor.Buffer.Span);
            outputs[v] = RunBatch(session, single.Tensor, 1)[0];
        }
        return outputs;
    }

    /// <summary>Runs a batch; returns per view each output's raw values, in Outputs' order.</summary>
    private float[][][] RunBatch(ModelSession session, DenseTensor<float> tensor, int batch)
    {
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(_input.Name, tensor) });
        var perView = new float[batch][][];
        for (int v = 0; v < batch; v++) perView[v] = new float[Outputs.Count][];
        for (int o = 0; o < Outputs.Count; o++)
        {
            var named = results.FirstOrDefault(r => r.Name == Outputs[o].Name)
                ?? throw new InvalidDataException($"Model '{Name}' has no output '{Outputs[o].Name}'.");
            var values = named.AsTensor<float>().ToArray();
            if (values.Length % batch != 0) throw new InvalidDataException($"Model '{Name}' output '{Outputs[o].Name}' has {values.Length} values for {batch} faces.");
            int per = values.Length / batch;
            int expected = Outputs[o].Classes?.Length ?? 1;
            if (per != expected) throw new InvalidDataException($"Model '{Name}' output '{Outputs[o].Name}' gives {per} values per face, the manifest says {expected}.");
            for (int v = 0; v < batch; v++) perView[v][o] = values.AsSpan(v * per, per).ToArray();
        }
        return perView;
    }

    private float[][] Activate(float[][] outputs)
    {
        for (int o = 0; o < outputs.Length; o++)
        {
            var spec = Outputs[o];
            if (string.Equals(spec.Activation, "Softmax", StringComparison.OrdinalIgnoreCase)) Softmax(outputs[o]);
            if (spec.Scale != 1) System.Numerics.Tensors.TensorPrimitives.Multiply(outputs[o], spec.Scale, outputs[o]);
        }
        return outputs;
    }

    private static float[][] Average(float[][] a, float[][] b)
    {
        for (int o = 0; o < a.Length; o++)
            for (int k = 0; k < a[o].Length; k++) a[o][k] = (a[o][k] + b[o][k]) / 2;
        return a;
    }

    internal static void Softmax(Span<float> x)
    {
        float max = System.Numerics.Tensors.TensorPrimitives.Max(x), sum = 0;
        for (int i = 0; i < x.Length; i++) { x[i] = MathF.Exp(x[i] - max); sum += x[i]; }
        for (int i = 0; i < x.Length; i++) x[i] /= sum;
    }
}
