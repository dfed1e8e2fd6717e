namespace FaceNet.ModelConverter.OpenVino;

/// <summary>
/// A naive interpreter of the IR graph as stored, batch 1, float32, in OpenVINO's own terms: GroupConvolution with its
/// [G, O/G, I/G, kh, kw] weights, the bias as the separate Add it is in the IR, PReLU's slope on axis 1, AvgPool with
/// exclude-pad. It shares no code with <see cref="IrToOnnx"/>, so agreement between the two is evidence that the
/// conversion computes what the IR computes (tests/FaceNet.Engine.Tests/FaceReidConversionTests.cs).
/// </summary>
public static class IrReference
{
    private sealed record T(int[] Shape, float[] V)
    {
        public int C => Shape[1];
        public int H => Shape[2];
        public int W => Shape[3];
    }

    /// <summary>Runs the graph on one NCHW input and returns the Result's values.</summary>
    public static float[] Run(IrModel ir, float[] input, int channels, int height, int width)
    {
        var values = new Dictionary<(int, int), T>();
        T In(IrLayer l, int i)
        {
            var (_, from, port) = l.Inputs[i];
            if (ir.Constants.TryGetValue(from, out var c)) return new T(c.Shape, c.Values);
            return values[(from, port)];
        }
        float[]? result = null;
        foreach (var l in ir.Layers)
        {
            if (ir.Constants.ContainsKey(l.Id)) continue;
            int port = l.Outputs.Count > 0 ? l.Outputs[0].Port : -1;
            switch (l.Type)
            {
                case "Parameter": values[(l.Id, port)] = new T([1, channels, height, width], input); break;
                case "Convolution": values[(l.Id, port)] = Convolution(In(l, 0), In(l, 1), groups: 1, l.Ints("strides"), l.Ints("pads_begin"), l.Ints("dilations"), l.Outputs[0].Dims); break;
                case "GroupConvolution":
                {
                    var w = In(l, 1); // [G, O/G, I/G, kh, kw]
                    var flat = new T([w.Shape[0] * w.Shape[1], w.Shape[2], w.Shape[3], w.Shape[4]], w.V);
                    values[(l.Id, port)] = Convolution(In(l, 0), flat, w.Shape[0], l.Ints("strides"), l.Ints("pads_begin"), l.Ints("dilations"), l.Outputs[0].Dims);
                    break;
                }
                case "Add": values[(l.Id, port)] = Broadcast(In(l, 0), In(l, 1), (a, b) => a + b); break;
                case "Multiply": values[(l.Id, port)] = Broadcast(In(l, 0), In(l, 1), (a, b) => a * b); break;
                case "Sigmoid": values[(l.Id, port)] = Map(In(l, 0), v => 1f / (1f + MathF.Exp(-v))); break;
                case "PReLU":
                {
                    var x = In(l, 0);
                    var s = In(l, 1).V;
                    var y = new float[x.V.Length];
                    int plane = x.H * x.W;
                    for (int i = 0; i < y.Length; i++)
                    {
                        float slope = s.Length == 1 ? s[0] : s[i / plane % x.C];
                        y[i] = x.V[i] >= 0 ? x.V[i] : slope * x.V[i];
                    }
                    values[(l.Id, port)] = new T(x.Shape, y);
                    break;
                }
                case "AvgPool": values[(l.Id, port)] = AvgPool(In(l, 0), l.Ints("kernel"), l.Ints("strides"), l.Ints("pads_begin"), l.Data.GetValueOrDefault("exclude-pad") == "true", l.Outputs[0].Dims); break;
                case "Result": result = In(l, 0).V; break;
                default: throw new NotSupportedException($"IR layer type {l.Type}.");
            }
        }
        return result ?? throw new InvalidDataException("The IR graph has no Result.");
    }

    private static T Map(T x, Func<float, float> f) => new(x.Shape, x.V.Select(f).ToArray());

    /// <summary>Numpy broadcasting for the shapes this graph uses: equal, or one side [1, C, 1, 1] or a single value.</summary>
    private static T Broadcast(T a, T b, Func<float, float, float> f)
    {
        if (a.V.Length < b.V.Length) return Broadcast(b, a, (p, q) => f(q, p));
        var y = new float[a.V.Length];
        int plane = a.H * a.W;
        if (b.V.Length == a.V.Length) for (int i = 0; i < y.Length; i++) y[i] = f(a.V[i], b.V[i]);
        else if (b.V.Length == a.C) for (int i = 0; i < y.Length; i++) y[i] = f(a.V[i], b.V[i / plane % a.C]);
        else if (b.V.Length == 1) for (int i = 0; i < y.Length; i++) y[i] = f(a.V[i], b.V[0]);
        else throw new NotSupportedException($"Broadcast of [{string.Join(",", a.Shape)}] and [{string.Join(",", b.Shape)}].");
        return new T(a.Shape, y);
    }

    private static T Convolution(T x, T w, int groups, int[] strides, int[] padsBegin, int[] dilations, int[] outDims)
    {
        int co = w.Shape[0], ciPerGroup = w.Shape[1], kh = w.Shape[2], kw = w.Shape[3];
        int oh = outDims[2], ow = outDims[3], coPerGroup = co / groups;
        var y = new float[co * oh * ow];
        for (int o = 0; o < co; o++)
        {
            int g = o / coPerGroup;
            for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++)
            {
                double sum = 0;
                for (int ci = 0; ci < ciPerGroup; ci++)
                {
                    int c = g * ciPerGroup + ci;
                    for (int ky = 0; ky < kh; ky++)
                    {
                        int iy = oy * strides[0] - padsBegin[0] + ky * dilations[0];
                        if ((uint)iy >= (uint)x.H) continue;
                        for (int kx = 0; kx < kw; kx++)
                        {
                            int ix = ox * strides[1] - padsBegin[1] + kx * dilations[1];
                            if ((uint)ix >= (uint)x.W) continue;
                            sum += x.V[(c * x.H + iy) * x.W + ix] * w.V[((o * ciPerGroup + ci) * kh + ky) * kw + kx];
                        }
                    }
                }
                y[(o * oh + oy) * ow + ox] = (float)sum;
            }
        }
        return new T([1, co, oh, ow], y);
    }

    private static T AvgPool(T x, int[] kernel, int[] strides, int[] padsBegin, bool excludePad, int[] outDims)
    {
        int oh = outDims[2], ow = outDims[3];
        var y = new float[x.C * oh * ow];
        for (int c = 0; c < x.C; c++)
        for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
        {
            double sum = 0; int n = 0;
            for (int ky = 0; ky < kernel[0]; ky++)
            for (int kx = 0; kx < kernel[1]; kx++)
            {
                int iy = oy * strides[0] - padsBegin[0] + ky, ix = ox * strides[1] - padsBegin[1] + kx;
                bool inside = (uint)iy < (uint)x.H && (uint)ix < (uint)x.W;
                if (inside) sum += x.V[(c * x.H + iy) * x.W + ix];
                if (inside || !excludePad) n++;
            }
            y[(c * oh + oy) * ow + ox] = n == 0 ? 0 : (float)(sum / n);
        }
        return new T([1, x.C, oh, ow], y);
    }
}
