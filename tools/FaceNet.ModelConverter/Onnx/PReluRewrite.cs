using System.Buffers.Binary;
using System.Text;

namespace FaceNet.ModelConverter.Onnx;

/// <summary>
/// How <see cref="PReluRewrite"/> spells a PRelu: TwoConvs repeats the Conv before it (how MobileFaceNet and FaceReid
/// were shipped until 2026-12-06; kept so those files can be reproduced), Depthwise keeps the Conv and adds two 1x1
/// depthwise Convs (both now; see AddDepthwiseForm).
/// </summary>
public enum PReluForm { TwoConvs, Depthwise }

/// <summary>
/// Rewrites Conv -> PRelu pairs as convolutions ONNX Runtime fuses. With z = Conv(x; W, b) and a per-channel (or
/// shared) slope s, the two-Conv form:
/// - where every s &lt;= 1: PRelu(z) = s z + (1 - s) Relu(z), and (1 - s) Relu(z) = Relu((1 - s) z), so
///   PRelu(Conv(x; W, b)) = Conv(x; sW, sb) + Relu(Conv(x; (1 - s)W, (1 - s)b)): a Conv with a fused Relu and a Conv
///   with a fused sum, one pass each;
/// - else, where every s &gt;= 0: PRelu(z) = Relu(z) + min(s z, 0), so
///   PRelu(Conv(x; W, b)) = Relu(Conv(x; W, b)) + Clip(Conv(x; sW, sb), max 0): two Convs with fused activations and
///   an Add in the same blocked layout.
/// ONNX Runtime has no fused PRelu: in the published MobileFaceNet its 33 PRelu nodes took 62% of a pass, and the
/// layout conversions around them (NCHWc to NCHW and back) another 8%, while the convolutions took 30%.
/// The result equals the original up to float rounding (the weights are scaled before the sum instead of after);
/// tools/FaceNet.Validation model-diff measures it on real faces. The two-Conv form leaves a PRelu with slopes on both
/// sides of [0, 1] as it is; both forms leave one whose input is not a Conv's only use.
/// </summary>
public static class PReluRewrite
{
    private const int GraphNode = 1, GraphInitializer = 5;
    private const int NodeInput = 1, NodeOutput = 2, NodeName = 3, NodeOpType = 4, NodeAttribute = 5;
    private const int TensorDims = 1, TensorDataType = 2, TensorFloatData = 4, TensorName = 8, TensorRawData = 9;

    public static List<string> Apply(OnnxModelFile model, PReluForm form = PReluForm.TwoConvs)
    {
        var graph = model.Graph;
        var changes = new List<string>();
        var nodes = graph.IndicesOf(GraphNode).Select(i => (Index: i, Node: graph.Message(i))).ToList();
        var producers = new Dictionary<string, (int Index, ProtoMessage Node)>();
        var uses = new Dictionary<string, int>();
        foreach (var (index, node) in nodes)
        {
            foreach (var o in node.Strings(NodeOutput)) producers[o] = (index, node);
            foreach (var i in node.Strings(NodeInput)) uses[i] = uses.GetValueOrDefault(i) + 1;
        }
        foreach (var o in model.Outputs) uses[o.Name] = uses.GetValueOrDefault(o.Name) + 1;
        var initializers = graph.IndicesOf(GraphInitializer).Select(graph.Message).ToDictionary(t => t.String(TensorName) ?? "");
        var names = new HashSet<string>(nodes.SelectMany(n => n.Node.Strings(NodeOutput).Concat(n.Node.Strings(NodeInput))).Concat(initializers.Keys));
        string Unique(string hint) { var n = hint; for (int k = 1; !names.Add(n); k++) n = $"{hint}_{k}"; return n; }

        int kept = 0;
        foreach (var (pIndex, prelu) in nodes.Where(n => n.Node.String(NodeOpType) == "PRelu"))
        {
            var pInputs = prelu.Strings(NodeInput).ToArray();
            var pName = prelu.String(NodeName) ?? "PRelu";
            if (!producers.TryGetValue(pInputs[0], out var conv) || conv.Node.String(NodeOpType) != "Conv" || uses.GetValueOrDefault(pInputs[0]) != 1
                || !initializers.TryGetValue(pInputs[1], out var slopeTensor)) { kept++; continue; }
            var convInputs = conv.Node.Strings(NodeInput).ToArray();
            if (convInputs.Length < 2 || !initializers.TryGetValue(convInputs[1], out var wTensor) || uses.GetValueOrDefault(convInputs[1]) != 1) { kept++; continue; }
            ProtoMessage? bTensor = null;
            if (convInputs.Length > 2 && (!initializers.TryGetValue(convInputs[2], out bTensor) || uses.GetValueOrDefault(convInputs[2]) != 1)) { kept++; continue; }
            var slopeValues = Floats(slopeTensor);
            int channels = (int)wTensor.Int64s(TensorDims)[0];
            // One slope per output channel ([C], [C,1,1] or [1,C,1,1]) or one for all.
            if (slopeValues.Length != channels && slopeValues.Length != 1) { kept++; continue; }
            var slope = slopeValues.Length == channels ? slopeValues : Enumerable.Repeat(slopeValues[0], channels).ToArray();
            if (form == PReluForm.Depthwise)
            {
                AddDepthwiseForm(graph, pIndex, prelu, pName, pInputs[0], slope, Unique);
                uses[pInputs[1]] = uses.GetValueOrDefault(pInputs[1]) - 1;
                continue;
            }
            bool belowOne = slope.All(v => v <= 1f), nonNegative = slope.All(v => v >= 0f);
            var w = Floats(wTensor);
            if (!belowOne && !nonNegative) { kept++; continue; }
            var b = bTensor is null ? new float[channels] : Floats(bTensor);
            int per = w.Length / channels;
            // The original Conv keeps the weights scaled by `keep`, the new one gets them scaled by `branch`:
            // s and (1 - s) (then Relu on the new one), or 1 and s (Relu on the original, Clip at 0 on the new one).
            float[] keepScale = belowOne ? slope : Enumerable.Repeat(1f, channels).ToArray();
            float[] branchScale = belowOne ? slope.Select(v => 1f - v).ToArray() : slope;
            var wKeep = new float[w.Length]; var wBranch = new float[w.Length];
            var bKeep = new float[channels]; var bBranch = new float[channels];
            for (int c = 0; c < channels; c++)
            {
                for (int k = 0; k < per; k++) { wKeep[c * per + k] = keepScale[c] * w[c * per + k]; wBranch[c * per + k] = branchScale[c] * w[c * per + k]; }
                bKeep[c] = keepScale[c] * b[c]; bBranch[c] = branchScale[c] * b[c];
            }
            SetFloats(wTensor, wKeep);
            if (bTensor is not null) SetFloats(bTensor, bKeep);
            else
            {
                var convB = Unique(pName + "_scaled_bias");
                graph.InsertBefore(graph.Fields.Count, GraphInitializer, ProtoMessage.WireLengthDelimited, Tensor(convB, [channels], bKeep));
                conv.Node.InsertBefore(conv.Node.IndicesOf(NodeInput).Last() + 1, NodeInput, ProtoMessage.WireLengthDelimited, Encoding.UTF8.GetBytes(convB));
            }
            // The second Conv, and its activation, just before the PRelu's place; the PRelu becomes the Add of the two.
            // (The names of the s <= 1 form are those the earlier MobileFaceNet file was prepared with.)
            string tag = belowOne ? "_relu" : "_branch";
            string wName = Unique(pName + tag + "_weight"), bName = Unique(pName + tag + "_bias");
            string branchConv = Unique(pName + tag + "_conv"), branch = Unique(pName + tag);
            graph.InsertBefore(graph.Fields.Count, GraphInitializer, ProtoMessage.WireLengthDelimited, Tensor(wName, wTensor.Int64s(TensorDims).ToArray(), wBranch));
            graph.InsertBefore(graph.Fields.Count, GraphInitializer, ProtoMessage.WireLengthDelimited, Tensor(bName, [channels], bBranch));
            var attributes = conv.Node.IndicesOf(NodeAttribute).Select(i => conv.Node.Payload(i).ToArray()).ToList();
            graph.InsertBefore(pIndex, GraphNode, ProtoMessage.WireLengthDelimited, Node("Conv", Unique(pName + tag + "_conv_node"), [convInputs[0], wName, bName], branchConv, attributes));
            int opIndex = prelu.IndicesOf(NodeOpType).First(), slopeIndex = prelu.IndicesOf(NodeInput).ElementAt(1), xIndex = prelu.IndicesOf(NodeInput).First();
            if (belowOne)
            {
                graph.InsertBefore(pIndex, GraphNode, ProtoMessage.WireLengthDelimited, Node("Relu", Unique(pName + "_relu_node"), [branchConv], branch, []));
            }
            else
            {
                // Relu on the original Conv's output, Clip(max 0) on the branch.
                string relu = Unique(pName + "_relu");
                graph.InsertBefore(pIndex, GraphNode, ProtoMessage.WireLengthDelimited, Node("Relu", Unique(pName + "_relu_node"), [pInputs[0]], relu, []));
                string lo = Unique(pName + "_clip_min"), hi = Unique(pName + "_clip_max");
                graph.InsertBefore(graph.Fields.Count, GraphInitializer, ProtoMessage.WireLengthDelimited, Tensor(lo, [], [float.MinValue]));
                graph.InsertBefore(graph.Fields.Count, GraphInitializer, ProtoMessage.WireLengthDelimited, Tensor(hi, [], [0f]));
                graph.InsertBefore(pIndex, GraphNode, ProtoMessage.WireLengthDelimited, Node("Clip", Unique(pName + "_clip_node"), [branchConv, lo, hi], branch, []));
                prelu.Replace(xIndex, Encoding.UTF8.GetBytes(relu));
            }
            prelu.Replace(opIndex, Encoding.UTF8.GetBytes("Add"));
            prelu.Replace(slopeIndex, Encoding.UTF8.GetBytes(branch));
            uses[pInputs[1]] = uses.GetValueOrDefault(pInputs[1]) - 1;
        }
        // Slopes no node reads any more.
        foreach (int i in graph.IndicesOf(GraphInitializer).ToList())
            if (uses.TryGetValue(graph.Message(i).String(TensorName) ?? "", out int n) && n == 0) graph.Remove(i);
        int rewritten = nodes.Count(n => n.Node.String(NodeOpType) == "PRelu") - kept;
        changes.Add($"{rewritten} Conv -> PRelu pairs rewritten as {(form == PReluForm.Depthwise ? "two 1x1 depthwise Convs after the Conv, z + (1 - s) Relu(-z)" : "two fused Convs and an Add")}{(kept > 0 ? $"; {kept} PRelu kept (slopes on both sides of [0, 1], or an input that is not a Conv's only use)" : "")}");
        return changes;
    }

    /// <summary>
    /// The depthwise form, for any slopes: PRelu(z) = z + (1 - s) Relu(-z). The Conv computes z once, as published;
    /// Relu(-z) is a 1x1 depthwise Conv (scale -1) with its Relu fused, and the second 1x1 depthwise Conv (scale 1 - s)
    /// takes the Add of z as its fused sum, so ONNX Runtime makes two passes over z in its blocked layout and none on
    /// their own. The two-Conv form computes the Conv twice, and the Conv before a PRelu is often a pointwise expansion:
    /// at batch 2, interleaved, FaceReid took 7.2-7.9 ms a view in this form against 9.6-10.6, MobileFaceNet 6.6-6.7
    /// against 8.4 (tools/FaceNet.Lab benchmark batches --file, Intel Xeon with AMX, one thread).
    /// </summary>
    private static void AddDepthwiseForm(ProtoMessage graph, int pIndex, ProtoMessage prelu, string pName, string z, float[] slope, Func<string, string> unique)
    {
        int channels = slope.Length;
        var depthwise = new List<byte[]> { OnnxGraphBuilder.EncodeAttribute(OnnxAttribute.Of("group", (long)channels)), OnnxGraphBuilder.EncodeAttribute(OnnxAttribute.Of("kernel_shape", 1L, 1L)) };
        string DepthwiseConv(string x, string tag, float[] scale)
        {
            string wName = unique(pName + tag + "_scale"), output = unique(pName + tag);
            graph.InsertBefore(graph.Fields.Count, GraphInitializer, ProtoMessage.WireLengthDelimited, Tensor(wName, [channels, 1, 1, 1], scale));
            graph.InsertBefore(pIndex, GraphNode, ProtoMessage.WireLengthDelimited, Node("Conv", unique(pName + tag + "_node"), [x, wName], output, depthwise));
            return output;
        }
        string negated = DepthwiseConv(z, "_negated", Enumerable.Repeat(-1f, channels).ToArray());
        string below = unique(pName + "_below");
        graph.InsertBefore(pIndex, GraphNode, ProtoMessage.WireLengthDelimited, Node("Relu", unique(pName + "_below_node"), [negated], below, []));
        string scaled = DepthwiseConv(below, "_scaled", slope.Select(v => 1f - v).ToArray());
        int opIndex = prelu.IndicesOf(NodeOpType).First(), xIndex = prelu.IndicesOf(NodeInput).First(), slopeIndex = prelu.IndicesOf(NodeInput).ElementAt(1);
        prelu.Replace(opIndex, Encoding.UTF8.GetBytes("Add"));
        prelu.Replace(xIndex, Encoding.UTF8.GetBytes(scaled));
        prelu.Replace(slopeIndex, Encoding.UTF8.GetBytes(z));
    }

    private static float[] Floats(ProtoMessage tensor)
    {
        if (tensor.Int64(TensorDataType) != OnnxModelFile.DataTypeFloat) throw new InvalidDataException($"Tensor '{tensor.String(TensorName)}' is not float.");
        foreach (int raw in tensor.IndicesOf(TensorRawData))
        {
            var bytes = tensor.Payload(raw);
            var values = new float[bytes.Length / 4];
            for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * 4)..]);
            return values;
        }
        var list = new List<float>();
        foreach (int i in tensor.IndicesOf(TensorFloatData))
        {
            var bytes = tensor.Payload(i);
            if (tensor.Fields[i].WireType == ProtoMessage.WireFixed32) { list.Add(BinaryPrimitives.ReadSingleLittleEndian(bytes)); continue; }
            for (int k = 0; k + 4 <= bytes.Length; k += 4) list.Add(BinaryPrimitives.ReadSingleLittleEndian(bytes[k..]));
        }
        return [.. list];
    }

    /// <summary>Overwrites a float tensor's values in place (same count).</summary>
    private static void SetFloats(ProtoMessage tensor, float[] values)
    {
        int k = 0;
        foreach (int i in tensor.IndicesOf(TensorRawData).Concat(tensor.IndicesOf(TensorFloatData)))
        {
            var bytes = tensor.Payload(i);
            for (int o = 0; o + 4 <= bytes.Length; o += 4) BinaryPrimitives.WriteSingleLittleEndian(bytes[o..], values[k++]);
        }
        if (k != values.Length) throw new InvalidDataException($"Tensor '{tensor.String(TensorName)}' holds {k} values, not {values.Length}.");
    }

    private static byte[] Tensor(string name, long[] dims, float[] values)
    {
        var w = new ProtoWriter();
        foreach (var d in dims) w.WriteInt64(TensorDims, d);
        w.WriteInt64(TensorDataType, OnnxModelFile.DataTypeFloat);
        w.WriteString(TensorName, name);
        var raw = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * 4), values[i]);
        w.WriteBytes(TensorRawData, raw);
        return w.ToArray();
    }

    private static byte[] Node(string opType, string name, string[] inputs, string output, List<byte[]> attributes)
    {
        var w = new ProtoWriter();
        foreach (var i in inputs) w.WriteString(NodeInput, i);
        w.WriteString(NodeOutput, output);
        w.WriteString(NodeName, name);
        w.WriteString(NodeOpType, opType);
        foreach (var a in attributes) w.WriteBytes(NodeAttribute, a);
        return w.ToArray();
    }
}
