namespace FaceNet.ModelConverter.OpenVino;

/// <summary>
/// Converts an OpenVINO IR graph into ONNX. Const (f16 weights) and the Convert that decompresses them become float32
/// initializers; Convolution -> Conv (IR weights are already OIHW); GroupConvolution -> Conv with group = G (IR
/// weights [G, O/G, I/G, kh, kw] -> [O, I/G, kh, kw]); a Convolution's following Add of a per-channel constant (how
/// the IR stores a bias) -> the Conv's bias; PReLU -> PRelu (the IR's per-channel slope [C] applies to axis 1, ONNX
/// broadcasts from the last axis, so it becomes [C,1,1]); AvgPool -> AveragePool (exclude-pad -> count_include_pad 0,
/// rounding_type ceil -> ceil_mode); Add, Multiply (numpy broadcasting in both), Sigmoid as they are. The input gets a
/// symbolic batch "N"; a [N, C, 1, 1] result is flattened to [N, C] and named "embedding".
/// </summary>
public static class IrToOnnx
{
    public static byte[] Convert(IrModel ir, string graphName)
    {
        var g = new OnnxGraphBuilder();
        var names = new Dictionary<(int Layer, int Port), string>();
        string NameOf(int layer, int port) => names.TryGetValue((layer, port), out var n) ? n : throw new InvalidDataException($"IR layer {layer} port {port} is used before it is defined.");
        var consumers = ir.Layers.SelectMany(l => l.Inputs.Select(i => i.FromLayer)).GroupBy(x => x).ToDictionary(x => x.Key, x => x.Count());

        // Convolution -> Add(per-channel constant) pairs: the Add is the Conv's bias.
        var biasOf = new Dictionary<int, IrConstant>();
        var foldedAdds = new Dictionary<int, int>(); // add layer -> conv layer
        foreach (var add in ir.Layers.Where(l => l.Type == "Add" && l.Inputs.Count == 2))
        {
            var conv = ir.Layer(add.Inputs[0].FromLayer);
            if (conv.Type is not ("Convolution" or "GroupConvolution") || consumers.GetValueOrDefault(conv.Id) != 1) continue;
            if (!ir.Constants.TryGetValue(add.Inputs[1].FromLayer, out var bias)) continue;
            int channels = conv.Outputs[0].Dims[1];
            if (bias.Values.Length != channels || bias.Shape.Count(d => d != 1) > 1) continue;
            biasOf[conv.Id] = bias;
            foldedAdds[add.Id] = conv.Id;
        }

        string Const(int layer, string hint, int[]? shape = null)
        {
            var c = ir.Constants[layer];
            return g.AddFloats(hint, (shape ?? c.Shape).Select(d => (long)d).ToArray(), c.Values);
        }
        string Input(IrLayer l, int index)
        {
            var (_, from, port) = l.Inputs[index];
            return ir.Constants.ContainsKey(from) ? Const(from, Clean(ir.Layer(from).Name)) : NameOf(from, port);
        }

        foreach (var l in ir.Layers)
        {
            if (ir.Constants.ContainsKey(l.Id)) continue; // Const, and Converts of constants: initializers where used
            int outPort = l.Outputs.Count > 0 ? l.Outputs[0].Port : -1;
            string name = Clean(l.Name);
            switch (l.Type)
            {
                case "Parameter":
                {
                    var dims = l.Outputs[0].Dims;
                    g.AddInput("input", OnnxDataType.Float, ["N", .. dims.Skip(1).Select(d => (object)(long)d)]);
                    names[(l.Id, outPort)] = "input";
                    break;
                }
                case "Convolution":
                case "GroupConvolution":
                {
                    var wLayer = l.Inputs[1].FromLayer;
                    var w = ir.Constants[wLayer];
                    int[] oihw;
                    long group = 1;
                    if (l.Type == "GroupConvolution")
                    {
                        // [G, O/G, I/G, kh, kw] -> [O, I/G, kh, kw]; the values are already in that order.
                        group = w.Shape[0];
                        oihw = [w.Shape[0] * w.Shape[1], w.Shape[2], w.Shape[3], w.Shape[4]];
                    }
                    else oihw = w.Shape;
                    var inputs = new List<string> { NameOf(l.Inputs[0].FromLayer, l.Inputs[0].FromPort), Const(wLayer, name + "_weight", oihw) };
                    if (biasOf.TryGetValue(l.Id, out var bias)) inputs.Add(g.AddFloats(name + "_bias", [bias.Values.Length], bias.Values));
                    var pads = l.Ints("pads_begin").Concat(l.Ints("pads_end")).Select(v => (long)v).ToArray();
                    if (l.Data.TryGetValue("auto_pad", out var autoPad) && autoPad is not ("explicit" or "notset"))
                        throw new NotSupportedException($"IR layer '{l.Name}' uses auto_pad {autoPad}.");
                    names[(l.Id, outPort)] = g.AddNode("Conv", [.. inputs], null,
                        OnnxAttribute.Of("kernel_shape", oihw[2], (long)oihw[3]),
                        OnnxAttribute.Of("strides", l.Ints("strides").Select(v => (long)v).ToArray()),
                        OnnxAttribute.Of("dilations", l.Ints("dilations").Select(v => (long)v).ToArray()),
                        OnnxAttribute.Of("pads", pads),
                        OnnxAttribute.Of("group", group));
                    break;
                }
                case "Add" when foldedAdds.TryGetValue(l.Id, out int conv):
                    names[(l.Id, outPort)] = NameOf(conv, ir.Layer(conv).Outputs[0].Port);
                    break;
                case "Add":
                case "Multiply":
                    names[(l.Id, outPort)] = g.AddNode(l.Type == "Add" ? "Add" : "Mul", [Input(l, 0), Input(l, 1)]);
                    break;
                case "PReLU":
                {
                    var slope = ir.Constants[l.Inputs[1].FromLayer];
                    int[] shape = slope.Values.Length == 1 ? [1] : [slope.Values.Length, 1, 1];
                    names[(l.Id, outPort)] = g.AddNode("PRelu", [NameOf(l.Inputs[0].FromLayer, l.Inputs[0].FromPort), g.AddFloats(name + "_slope", shape.Select(d => (long)d).ToArray(), slope.Values)]);
                    break;
                }
                case "AvgPool":
                {
                    var pads = l.Ints("pads_begin").Concat(l.Ints("pads_end")).Select(v => (long)v).ToArray();
                    names[(l.Id, outPort)] = g.AddNode("AveragePool", [NameOf(l.Inputs[0].FromLayer, l.Inputs[0].FromPort)], null,
                        OnnxAttribute.Of("kernel_shape", l.Ints("kernel").Select(v => (long)v).ToArray()),
                        OnnxAttribute.Of("strides", l.Ints("strides").Select(v => (long)v).ToArray()),
                        OnnxAttribute.Of("pads", pads),
                        OnnxAttribute.Of("count_include_pad", l.Data.GetValueOrDefault("exclude-pad") == "true" ? 0L : 1L),
                        OnnxAttribute.Of("ceil_mode", l.Data.GetValueOrDefault("rounding_type") == "ceil" ? 1L : 0L));
                    break;
                }
                case "Sigmoid":
                    names[(l.Id, outPort)] = g.AddNode("Sigmoid", [NameOf(l.Inputs[0].FromLayer, l.Inputs[0].FromPort)]);
                    break;
                case "Result":
                {
                    var (_, from, port) = l.Inputs[0];
                    var dims = ir.Layer(from).Outputs.First(o => o.Port == port).Dims;
                    if (dims.Length == 4 && dims[2] == 1 && dims[3] == 1)
                    {
                        g.AddNode("Flatten", [NameOf(from, port)], "embedding", OnnxAttribute.Of("axis", 1L));
                        g.AddOutput("embedding", OnnxDataType.Float, "N", (long)dims[1]);
                    }
                    else
                    {
                        g.AddNode("Identity", [NameOf(from, port)], "output");
                        g.AddOutput("output", OnnxDataType.Float, ["N", .. dims.Skip(1).Select(d => (object)(long)d)]);
                    }
                    break;
                }
                default:
                    throw new NotSupportedException($"IR layer '{l.Name}' ({l.Type}) has no translation here.");
            }
        }
        return g.ToModelBytes(graphName, 8, 13, "FaceNet.ModelConverter openvino", "1", $"Converted from OpenVINO IR '{graphName}' by tools/FaceNet.ModelConverter.");
    }

    private static string Clean(string name) => new string(name.Select(c => char.IsLetterOrDigit(c) || c is '_' or '.' ? c : '_').ToArray());
}
