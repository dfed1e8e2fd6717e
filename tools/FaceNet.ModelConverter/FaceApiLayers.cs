using System.Runtime.InteropServices;

namespace FaceNet.ModelConverter;

/// <summary>An NCHW activation of a face-api graph: its tensor name, square spatial size and channel count.</summary>
public readonly record struct FaceApiTensor(string Name, int Size, int Channels);

/// <summary>
/// The layers face-api.js' small attribute nets (FaceExpressionNet's FaceFeatureExtractor, AgeGenderNet's
/// TinyXception) are made of, written as ONNX nodes from their tfjs weights. Facts from face-api's
/// src/common/depthwiseSeparableConv.ts, src/xception/TinyXception.ts, src/faceFeatureExtractor/denseBlock.ts
/// and src/common/fullyConnectedLayer.ts (@vladmandic/face-api 1.7.15):
///   conv          = tf.conv2d(x, filters, stride, 'same') + bias (filters HWIO);
///   separable conv = tf.separableConv2d(x, depthwise [3,3,C,1], pointwise [1,1,C,O], stride, 'same') + bias:
///                   the stride and the 'same' padding belong to the depthwise 3x3, the pointwise is 1x1/1;
///   fc            = x @ weights [in,out] + bias.
/// TF 'same' pads a total of max((ceil(n/s)-1)*s + k - n, 0) with the odd pixel at the end (bottom/right),
/// so at stride 2 on an even size a 3x3 gets pads (0 before, 1 after): ONNX's symmetric pads would shift
/// every strided layer by a pixel. Sizes are tracked here so every pad is explicit.
/// Weights are stored float32, dequantised from tfjs' uint8 exactly as tfjs does (q * scale + min).
/// </summary>
public sealed class FaceApiLayers(TfjsWeights weights)
{
    public const string InputName = "input";

    public OnnxGraphBuilder Graph { get; } = new();

    public TfjsWeights Weights { get; } = weights;

    /// <summary>The graph input "input": float32 [N,3,size,size], already normalised.</summary>
    public FaceApiTensor Input(int size)
    {
        Graph.AddInput(InputName, OnnxDataType.Float, "N", 3L, (long)size, (long)size);
        return new FaceApiTensor(InputName, size, 3);
    }

    /// <summary>[top, left, bottom, right] of TF 'same' padding for a square input.</summary>
    public static long[] SamePads(int size, int kernel, int stride)
    {
        var outSize = (size + stride - 1) / stride;
        var total = Math.Max((outSize - 1) * stride + kernel - size, 0);
        long before = total / 2, after = total - before;
        return [before, before, after, after];
    }

    private static int SameOutput(int size, int stride) => (size + stride - 1) / stride;

    /// <summary>conv2d 'same' + bias; <paramref name="prefix"/>/filters is HWIO.</summary>
    public FaceApiTensor Conv(FaceApiTensor x, string prefix, int stride)
    {
        var filters = Weights[$"{prefix}/filters"];
        int kh = filters.Shape[0], kw = filters.Shape[1], cin = filters.Shape[2], cout = filters.Shape[3];
        Expect(prefix, cin, x.Channels);
        var w = OihwFloats(filters, $"{prefix}/W");
        var y = Graph.AddNode("Conv", [x.Name, w, Bias(prefix, cout)], null,
            OnnxAttribute.Of("kernel_shape", kh, kw),
            OnnxAttribute.Of("strides", stride, stride),
            OnnxAttribute.Of("pads", SamePads(x.Size, kh, stride)));
        return new FaceApiTensor(y, SameOutput(x.Size, stride), cout);
    }

    /// <summary>tf.separableConv2d(..., stride, 'same') + bias: a depthwise 3x3 (group = C) then a pointwise 1x1.</summary>
    public FaceApiTensor SeparableConv(FaceApiTensor x, string prefix, int stride)
    {
        var depthwise = Weights[$"{prefix}/depthwise_filter"]; // [kh, kw, C, 1]
        var pointwise = Weights[$"{prefix}/pointwise_filter"]; // [1, 1, C, O]
        int kh = depthwise.Shape[0], kw = depthwise.Shape[1], c = depthwise.Shape[2], cout = pointwise.Shape[3];
        Expect(prefix, c, x.Channels);
        Expect(prefix, depthwise.Shape[3], 1);
        Expect(prefix, pointwise.Shape[2], c);

        // HWIO with O = 1 transposes to [1, C, kh, kw], which is byte for byte ONNX's grouped [C, 1, kh, kw].
        var dw = Graph.AddNode("Conv", [x.Name, OihwFloats(depthwise, $"{prefix}/depthwise", [c, 1, kh, kw])], null,
            OnnxAttribute.Of("kernel_shape", kh, kw),
            OnnxAttribute.Of("strides", stride, stride),
            OnnxAttribute.Of("pads", SamePads(x.Size, kh, stride)),
            OnnxAttribute.Of("group", (long)c));
        var y = Graph.AddNode("Conv", [dw, OihwFloats(pointwise, $"{prefix}/pointwise"), Bias(prefix, cout)], null,
            OnnxAttribute.Of("kernel_shape", 1L, 1L));
        return new FaceApiTensor(y, SameOutput(x.Size, stride), cout);
    }

    /// <summary>tf.maxPool(x, k, stride, 'same'): the padded cells never win (ONNX MaxPool ignores its pads too).</summary>
    public FaceApiTensor MaxPoolSame(FaceApiTensor x, int kernel, int stride)
    {
        var y = Graph.AddNode("MaxPool", [x.Name], null,
            OnnxAttribute.Of("kernel_shape", kernel, kernel),
            OnnxAttribute.Of("strides", stride, stride),
            OnnxAttribute.Of("pads", SamePads(x.Size, kernel, stride)));
        return x with { Name = y, Size = SameOutput(x.Size, stride) };
    }

    /// <summary>tf.avgPool(x, k, stride, 'valid') followed by face-api's as2D(batch, -1); the pool must leave 1x1.</summary>
    public string AvgPoolValidToVector(FaceApiTensor x, int kernel, int stride)
    {
        var outSize = (x.Size - kernel) / stride + 1;
        if (outSize != 1) throw new InvalidDataException($"avg pool {kernel}/{stride} on {x.Size} leaves {outSize}x{outSize}, expected 1x1.");
        var pooled = Graph.AddNode("AveragePool", [x.Name], null,
            OnnxAttribute.Of("kernel_shape", kernel, kernel),
            OnnxAttribute.Of("strides", stride, stride),
            OnnxAttribute.Of("pads", 0L, 0L, 0L, 0L));
        return Graph.AddNode("Flatten", [pooled], null, OnnxAttribute.Of("axis", 1L));
    }

    public FaceApiTensor Relu(FaceApiTensor x) => x with { Name = Graph.AddNode("Relu", [x.Name]) };

    /// <summary>Element-wise sum of equally shaped activations, folded left to right.</summary>
    public FaceApiTensor Add(FaceApiTensor first, params FaceApiTensor[] rest)
    {
        var sum = first;
        foreach (var t in rest)
        {
            if (t.Size != sum.Size || t.Channels != sum.Channels)
                throw new InvalidDataException($"cannot add {t.Channels}x{t.Size}x{t.Size} to {sum.Channels}x{sum.Size}x{sum.Size}.");
            sum = sum with { Name = Graph.AddNode("Add", [sum.Name, t.Name]) };
        }
        return sum;
    }

    /// <summary>
    /// x [N,in] @ weights [in,out] + bias, as face-api's fullyConnectedLayer. <paramref name="columnOrder"/>, when
    /// given, picks and orders the output columns (weights and bias together), so a class order can be changed
    /// without any node at run time.
    /// </summary>
    public string FullyConnected(string x, int inputs, string prefix, string? output = null, int[]? columnOrder = null)
    {
        var w = Weights[$"{prefix}/weights"];
        Expect(prefix, w.Shape[0], inputs);
        int rows = w.Shape[0], cols = w.Shape[1];
        var order = columnOrder ?? Enumerable.Range(0, cols).ToArray();
        var source = w.ToFloat32();
        var bias = Weights[$"{prefix}/bias"].ToFloat32();
        var picked = new float[rows * order.Length];
        for (var r = 0; r < rows; r++)
        for (var j = 0; j < order.Length; j++)
            picked[r * order.Length + j] = source[r * cols + order[j]];

        var product = Graph.AddNode("MatMul", [x, Graph.AddFloats($"{prefix}/W", [rows, order.Length], picked)]);
        return Graph.AddNode("Add", [product, Graph.AddFloats($"{prefix}/b", [order.Length], order.Select(j => bias[j]).ToArray())], output);
    }

    public byte[] ToModelBytes(string graphName, string docString) =>
        Graph.ToModelBytes(graphName, irVersion: 8, opsetVersion: 13, producer: "FaceNet.ModelConverter", producerVersion: "1.0", docString);

    private string Bias(string prefix, int count)
    {
        var bias = Weights[$"{prefix}/bias"];
        Expect(prefix, bias.ElementCount, count);
        return Graph.AddFloats($"{prefix}/b", [count], bias.ToFloat32());
    }

    /// <summary>An HWIO tfjs filter as a float32 OIHW initializer (or <paramref name="dims"/> when the bytes already fit them).</summary>
    private string OihwFloats(TfjsTensor hwio, string name, long[]? dims = null)
    {
        int kh = hwio.Shape[0], kw = hwio.Shape[1], cin = hwio.Shape[2], cout = hwio.Shape[3];
        var bytes = MemoryMarshal.AsBytes<float>(hwio.ToFloat32()).ToArray();
        var oihw = TfjsLayout.HwioToOihw(bytes, kh, kw, cin, cout, sizeof(float));
        return Graph.AddInitializer(name, OnnxDataType.Float, dims ?? [cout, cin, kh, kw], oihw);
    }

    private static void Expect(string prefix, int actual, int expected)
    {
        if (actual != expected) throw new InvalidDataException($"{prefix}: weight dimension {actual}, the network needs {expected}.");
    }
}
