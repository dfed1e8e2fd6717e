namespace FaceNet.ModelConverter;

/// <summary>
/// Builds the dlib face-recognition ResNet (dlib_face_recognition_resnet_model_v1, as ported to
/// tfjs by face-api.js "FaceRecognitionNet") as an ONNX graph.
///
/// Contract of the produced model:
///   input  "input"     float32 [N,3,150,150], RGB, already normalised as (pixel - mean_c) / 256
///                      with mean (R,G,B) = (122.782, 117.001, 104.298) — dlib's own input layer.
///   output "embedding" float32 [N,128], the raw descriptor (NOT L2-normalised).
///
/// Network facts (from face-api.js FaceRecognitionNet.ts / convLayer.ts / residualLayer.ts):
///   conv layer = conv2d + bias, then a per-channel affine "scale" layer (x*w + b), optional ReLU;
///   "down" convs are stride 2 with VALID padding, others 3x3 stride 1 SAME (= symmetric pad 1);
///   stem: 7x7/2 valid conv (150 -> 72) then 3x3/2 valid max-pool (-> 35);
///   residual: relu(conv2(relu(conv1(x))) + x);
///   residual-down: shortcut is 2x2/2 avg-pool of x, zero-padded in channels when widths differ;
///   when the strided conv comes out one pixel smaller than the pooled shortcut (3 vs 4, 1 vs 2)
///   the conv branch is zero-padded by one row at the bottom and one column at the right;
///   head: mean over H,W then x @ fc (256 x 128), no normalisation.
/// </summary>
public sealed class DlibResNetConverter
{
    public const int InputSize = 150;
    public const string InputName = "input";
    public const string OutputName = "embedding";

    private readonly TfjsWeights _weights;
    private readonly OnnxGraphBuilder _g = new();
    private readonly bool _keepUInt8;

    /// <param name="keepUInt8">Store uint8-quantised tensors as uint8 and dequantise in-graph (Cast, Mul, Add)
    /// — about 4x smaller. Cast/Mul/Add on initializers are constant-folded by ONNX Runtime at load, so runtime
    /// cost is the same as float32 storage. (DequantizeLinear is avoided: it cannot express a non-integer
    /// zero point, and ORT deliberately does not constant-fold it.)</param>
    public DlibResNetConverter(TfjsWeights weights, bool keepUInt8 = true)
    {
        _weights = weights;
        _keepUInt8 = keepUInt8;
    }

    public byte[] Convert()
    {
        _g.AddInput(InputName, OnnxDataType.Float, "N", 3L, (long)InputSize, (long)InputSize);

        var x = ConvLayer(InputName, "conv32_down", stride: 2, relu: true);
        var size = (InputSize - 7) / 2 + 1; // 72
        x = _g.AddNode("MaxPool", [x], null,
            OnnxAttribute.Of("kernel_shape", 3L, 3L), OnnxAttribute.Of("strides", 2L, 2L), OnnxAttribute.Of("pads", 0L, 0L, 0L, 0L));
        size = (size - 3) / 2 + 1; // 35

        var channels = 32;
        foreach (var block in new[] { "conv32_1", "conv32_2", "conv32_3" }) x = Residual(x, block);

        (x, size, channels) = ResidualDown(x, "conv64_down", size, channels);
        foreach (var block in new[] { "conv64_1", "conv64_2", "conv64_3" }) x = Residual(x, block);

        (x, size, channels) = ResidualDown(x, "conv128_down", size, channels);
        foreach (var block in new[] { "conv128_1", "conv128_2" }) x = Residual(x, block);

        (x, size, channels) = ResidualDown(x, "conv256_down", size, channels);
        foreach (var block in new[] { "conv256_1", "conv256_2" }) x = Residual(x, block);

        (x, _, channels) = ResidualDown(x, "conv256_down_out", size, channels);

        var pooled = _g.AddNode("ReduceMean", [x], null, OnnxAttribute.Of("axes", 2L, 3L), OnnxAttribute.Of("keepdims", 0L));
        var fc = _weights["fc"]; // tfjs layout [in=256, out=128] is already what MatMul wants
        if (fc.Shape[0] != channels) throw new InvalidDataException($"fc expects {fc.Shape[0]} inputs, network has {channels}.");
        _g.AddNode("MatMul", [pooled, Weight(fc, fc.Shape.Select(d => (long)d).ToArray(), fc.Stored, "fc")], OutputName);
        _g.AddOutput(OutputName, OnnxDataType.Float, "N", (long)fc.Shape[1]);

        return _g.ToModelBytes(
            graphName: "dlib_face_recognition_resnet_v1",
            irVersion: 8,
            opsetVersion: 13,
            producer: "FaceNet.ModelConverter",
            producerVersion: "1.0",
            docString: "dlib_face_recognition_resnet_model_v1 (public domain, Davis King) via @vladmandic/face-api 1.7.15 " +
                       "face_recognition_model. input: float32 [N,3,150,150] RGB, (pixel - (122.782,117.001,104.298)) / 256. " +
                       "output: float32 [N,128] raw descriptor (not L2-normalised); same person if Euclidean distance < 0.6.");
    }

    private string Residual(string x, string prefix)
    {
        var h = ConvLayer(x, $"{prefix}/conv1", stride: 1, relu: true);
        h = ConvLayer(h, $"{prefix}/conv2", stride: 1, relu: false);
        return _g.AddNode("Relu", [_g.AddNode("Add", [h, x])]);
    }

    private (string Output, int Size, int Channels) ResidualDown(string x, string prefix, int inSize, int inChannels)
    {
        var h = ConvLayer(x, $"{prefix}/conv1", stride: 2, relu: true);
        h = ConvLayer(h, $"{prefix}/conv2", stride: 1, relu: false);
        var convSize = (inSize - 3) / 2 + 1;
        var outChannels = _weights[$"{prefix}/conv2/conv/filters"].Shape[3];

        var shortcut = _g.AddNode("AveragePool", [x], null,
            OnnxAttribute.Of("kernel_shape", 2L, 2L), OnnxAttribute.Of("strides", 2L, 2L), OnnxAttribute.Of("pads", 0L, 0L, 0L, 0L));
        var poolSize = inSize / 2;

        var grow = poolSize - convSize;
        if (grow < 0 || grow > 1) throw new InvalidOperationException($"{prefix}: unexpected spatial mismatch {convSize} vs {poolSize}.");
        if (grow == 1)
        {
            // face-api appends one zero row (bottom) and one zero column (right) to the conv branch.
            h = Pad(h, [0, 0, 0, 0, 0, 0, 1, 1], $"{prefix}/pad_hw");
        }
        if (outChannels != inChannels)
        {
            // Shortcut gets zero channels appended at the end (tf.concat([pooled, zeros], 3)).
            shortcut = Pad(shortcut, [0, 0, 0, 0, 0, outChannels - inChannels, 0, 0], $"{prefix}/pad_c");
        }

        var y = _g.AddNode("Relu", [_g.AddNode("Add", [shortcut, h])]);
        return (y, poolSize, outChannels);
    }

    // Pad-13 defaults to mode "constant" with value 0, which is exactly the zeros face-api concatenates.
    private string Pad(string x, long[] pads, string name) =>
        _g.AddNode("Pad", [x, _g.AddInt64s(name, [pads.Length], pads)]);

    /// <summary>conv2d(+bias) -> per-channel scale (mul, add) -> optional ReLU, in NCHW.</summary>
    private string ConvLayer(string x, string prefix, int stride, bool relu)
    {
        var filters = _weights[$"{prefix}/conv/filters"]; // tfjs HWIO: [kh, kw, in, out]
        int kh = filters.Shape[0], kw = filters.Shape[1], cin = filters.Shape[2], cout = filters.Shape[3];

        // tfjs 'same' at stride 1 with odd kernels pads symmetrically; 'valid' pads nothing.
        var pad = stride == 1 ? (long)(kh / 2) : 0L;
        var w = Weight(filters, [cout, cin, kh, kw], TfjsLayout.HwioToOihw(filters.Stored, kh, kw, cin, cout, filters.IsUInt8Quantized ? 1 : 4), $"{prefix}/W");
        var b = _g.AddFloats($"{prefix}/b", [cout], _weights[$"{prefix}/conv/bias"].ToFloat32());

        var y = _g.AddNode("Conv", [x, w, b], null,
            OnnxAttribute.Of("kernel_shape", kh, kw),
            OnnxAttribute.Of("strides", stride, stride),
            OnnxAttribute.Of("pads", pad, pad, pad, pad));

        // Kept as separate Mul/Add (not folded into W) so uint8 weight storage stays exact; ORT fuses these anyway.
        var scale = _g.AddFloats($"{prefix}/scale/w", [1, cout, 1, 1], _weights[$"{prefix}/scale/weights"].ToFloat32());
        var shift = _g.AddFloats($"{prefix}/scale/b", [1, cout, 1, 1], _weights[$"{prefix}/scale/biases"].ToFloat32());
        y = _g.AddNode("Add", [_g.AddNode("Mul", [y, scale]), shift]);
        return relu ? _g.AddNode("Relu", [y]) : y;
    }

    /// <summary>
    /// Emits a weight tensor in the given (already re-laid-out) element order. uint8-quantised tensors are
    /// stored as uint8 and dequantised in-graph as Cast -> Mul(scale) -> Add(min), reproducing tfjs' q*scale+min.
    /// </summary>
    private string Weight(TfjsTensor t, long[] dims, byte[] storedInOrder, string name)
    {
        if (_keepUInt8 && t.IsUInt8Quantized)
        {
            var q = _g.AddInitializer($"{name}_q", OnnxDataType.UInt8, dims, storedInOrder);
            var asFloat = _g.AddNode("Cast", [q], null, OnnxAttribute.Of("to", (long)OnnxDataType.Float));
            var scale = _g.AddFloats($"{name}_scale", [], [(float)t.Quantization!.Scale]);
            var min = _g.AddFloats($"{name}_min", [], [(float)t.Quantization.Min]);
            return _g.AddNode("Add", [_g.AddNode("Mul", [asFloat, scale]), min]);
        }

        var relaid = new TfjsTensor { Name = t.Name, Shape = dims.Select(d => (int)d).ToArray(), DType = t.DType, Quantization = t.Quantization, Stored = storedInOrder };
        return _g.AddFloats(name, dims, relaid.ToFloat32());
    }
}
