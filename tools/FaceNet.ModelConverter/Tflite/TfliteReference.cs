namespace FaceNet.ModelConverter.Tflite;

/// <summary>A dense NHWC (or [N,C]) float tensor for the reference interpreter.</summary>
public sealed record NdArray(int[] Shape, float[] Data);

/// <summary>
/// A deliberately naive TFLite interpreter for the operators the MTCNN nets use. It executes the
/// TFLite graph as stored (NHWC layout, OHWI weights, the unfused PReLU and softmax expansions,
/// TensorFlow's SAME padding rule), straight from the flatbuffer's weights, so it shares no code
/// path with the ONNX emitter and serves as the independent reference for the conversion check.
/// Shapes are re-derived from the actual input, so P-Net runs at any size.
/// </summary>
public static class TfliteReference
{
    public static Dictionary<string, NdArray> Run(TfliteModel m, NdArray input)
    {
        var values = new Dictionary<int, NdArray> { [m.Inputs[0]] = input };
        NdArray Get(int i) => values.TryGetValue(i, out var v) ? v
            : m.Tensor(i).Data is { } d ? new NdArray(m.Tensor(i).Shape, d) : throw new InvalidOperationException($"tensor {i} not computed");

        foreach (var op in m.Operators)
        {
            NdArray result = op.Code switch
            {
                3 => Conv(Get(op.Inputs[0]), m.Tensor(op.Inputs[1]), m.Tensor(op.Inputs[2]), op),
                17 => MaxPool(Get(op.Inputs[0]), op),
                9 => FullyConnected(Get(op.Inputs[0]), m.Tensor(op.Inputs[1]), m.Tensor(op.Inputs[2])),
                19 => Map(Get(op.Inputs[0]), v => v > 0 ? v : 0),
                59 => Map(Get(op.Inputs[0]), v => -v),
                47 => Map(Get(op.Inputs[0]), MathF.Exp),
                0 => Binary(Get(op.Inputs[0]), Get(op.Inputs[1]), (a, b) => a + b),
                18 => Binary(Get(op.Inputs[0]), Get(op.Inputs[1]), (a, b) => a * b),
                41 => Binary(Get(op.Inputs[0]), Get(op.Inputs[1]), (a, b) => a - b),
                42 => Binary(Get(op.Inputs[0]), Get(op.Inputs[1]), (a, b) => a / b),
                82 => ReduceLast(Get(op.Inputs[0]), m.Tensor(op.Inputs[1]).IntData!, float.NegativeInfinity, MathF.Max),
                74 => ReduceLast(Get(op.Inputs[0]), m.Tensor(op.Inputs[1]).IntData!, 0f, (a, b) => a + b),
                _ => throw new NotSupportedException($"reference: operator {op.Code}"),
            };
            if (op.Activation == 1) result = Map(result, v => v > 0 ? v : 0);
            else if (op.Activation != 0) throw new NotSupportedException($"reference: activation {op.Activation}");
            values[op.Outputs[0]] = result;
        }
        return m.Outputs.ToDictionary(o => m.Tensor(o).Name, o => values[o]);
    }

    // TensorFlow SAME: out = ceil(in/stride), total pad = max((out-1)*stride + k - in, 0), before = total/2.
    private static (int Out, int PadBefore) Spatial(int size, int k, int stride, bool same) =>
        same ? ((size + stride - 1) / stride, Math.Max(((size + stride - 1) / stride - 1) * stride + k - size, 0) / 2)
             : ((size - k) / stride + 1, 0);

    private static NdArray Conv(NdArray x, TflTensor w, TflTensor b, TflOperator op)
    {
        int n = x.Shape[0], ih = x.Shape[1], iw = x.Shape[2], ic = x.Shape[3];
        int oc = w.Shape[0], kh = w.Shape[1], kw = w.Shape[2];
        if (w.Shape[3] != ic) throw new InvalidDataException("conv channel mismatch");
        var (oh, pt) = Spatial(ih, kh, op.StrideH, op.SamePadding);
        var (ow, pl) = Spatial(iw, kw, op.StrideW, op.SamePadding);
        var y = new float[n * oh * ow * oc];
        var wd = w.Data!;
        for (int bi = 0; bi < n; bi++)
        for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
        for (int o = 0; o < oc; o++)
        {
            double acc = b.Data![o];
            for (int ky = 0; ky < kh; ky++)
            {
                int sy = oy * op.StrideH + ky - pt;
                if (sy < 0 || sy >= ih) continue;
                for (int kx = 0; kx < kw; kx++)
                {
                    int sx = ox * op.StrideW + kx - pl;
                    if (sx < 0 || sx >= iw) continue;
                    int xBase = ((bi * ih + sy) * iw + sx) * ic, wBase = ((o * kh + ky) * kw + kx) * ic;
                    for (int c = 0; c < ic; c++) acc += (double)x.Data[xBase + c] * wd[wBase + c];
                }
            }
            y[((bi * oh + oy) * ow + ox) * oc + o] = (float)acc;
        }
        return new NdArray([n, oh, ow, oc], y);
    }

    private static NdArray MaxPool(NdArray x, TflOperator op)
    {
        int n = x.Shape[0], ih = x.Shape[1], iw = x.Shape[2], c = x.Shape[3];
        var (oh, pt) = Spatial(ih, op.FilterH, op.StrideH, op.SamePadding);
        var (ow, pl) = Spatial(iw, op.FilterW, op.StrideW, op.SamePadding);
        var y = new float[n * oh * ow * c];
        for (int bi = 0; bi < n; bi++)
        for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
        for (int ch = 0; ch < c; ch++)
        {
            float best = float.NegativeInfinity; // padding never wins (TF ignores padded cells)
            for (int ky = 0; ky < op.FilterH; ky++)
            for (int kx = 0; kx < op.FilterW; kx++)
            {
                int sy = oy * op.StrideH + ky - pt, sx = ox * op.StrideW + kx - pl;
                if (sy < 0 || sy >= ih || sx < 0 || sx >= iw) continue;
                best = MathF.Max(best, x.Data[((bi * ih + sy) * iw + sx) * c + ch]);
            }
            y[((bi * oh + oy) * ow + ox) * c + ch] = best;
        }
        return new NdArray([n, oh, ow, c], y);
    }

    private static NdArray FullyConnected(NdArray x, TflTensor w, TflTensor b)
    {
        int outs = w.Shape[0], ins = w.Shape[1];
        int n = x.Data.Length / ins;
        var y = new float[n * outs];
        for (int bi = 0; bi < n; bi++)
        for (int o = 0; o < outs; o++)
        {
            double acc = b.Data![o];
            for (int k = 0; k < ins; k++) acc += (double)x.Data[bi * ins + k] * w.Data![o * ins + k];
            y[bi * outs + o] = (float)acc;
        }
        return new NdArray([n, outs], y);
    }

    private static NdArray Map(NdArray x, Func<float, float> f) => new(x.Shape, x.Data.Select(f).ToArray());

    /// <summary>Elementwise with broadcasting of a trailing-axis vector or a keep-dims [.., 1] tensor.</summary>
    private static NdArray Binary(NdArray a, NdArray b, Func<float, float, float> f)
    {
        if (a.Data.Length < b.Data.Length) return Binary(b, a, (p, q) => f(q, p));
        int last = a.Shape[^1];
        var y = new float[a.Data.Length];
        for (int i = 0; i < y.Length; i++)
        {
            float bv = b.Data.Length == a.Data.Length ? b.Data[i]
                : b.Data.Length == last ? b.Data[i % last]
                : b.Data.Length * last == a.Data.Length ? b.Data[i / last]
                : b.Data.Length == 1 ? b.Data[0]
                : throw new InvalidDataException("reference: unsupported broadcast");
            y[i] = f(a.Data[i], bv);
        }
        return new NdArray(a.Shape, y);
    }

    private static NdArray ReduceLast(NdArray x, int[] axes, float seed, Func<float, float, float> f)
    {
        if (axes is not [var axis] || axis != x.Shape.Length - 1) throw new NotSupportedException("reference: reduction over a non-last axis");
        int last = x.Shape[^1];
        var y = new float[x.Data.Length / last];
        for (int i = 0; i < y.Length; i++)
        {
            float acc = seed;
            for (int k = 0; k < last; k++) acc = f(acc, x.Data[i * last + k]);
            y[i] = acc;
        }
        return new NdArray([.. x.Shape[..^1], 1], y);
    }
}
