using System.Buffers.Binary;

namespace FaceNet.ModelConverter.Onnx;

/// <summary>A float tensor stored in an ONNX file (an initializer or a Constant node's value), editable in place.</summary>
public sealed class OnnxFloatTensor(string name, long[] dims, ProtoMessage tensor, int[] payloads)
{
    public string Name { get; } = name;
    public long[] Dims { get; } = dims;

    public long Count => payloads.Sum(p => (long)tensor.Fields[p].Length / 4);

    /// <summary>Visits every value; <paramref name="edit"/> returns the value to store (stored only when it differs).</summary>
    public void Visit(Func<float, float> edit)
    {
        foreach (int p in payloads)
        {
            var bytes = tensor.Payload(p);
            for (int i = 0; i + 4 <= bytes.Length; i += 4)
            {
                // raw_data and packed float_data are both little-endian IEEE 754 (onnx.proto).
                float v = BinaryPrimitives.ReadSingleLittleEndian(bytes[i..]);
                float w = edit(v);
                if (BitConverter.SingleToInt32Bits(w) != BitConverter.SingleToInt32Bits(v))
                    BinaryPrimitives.WriteSingleLittleEndian(bytes[i..], w);
            }
        }
    }
}

/// <summary>A graph input or output: its name and dims (a number, or a symbolic name such as "N").</summary>
public sealed record OnnxValueInfo(string Name, object[] Dims);

/// <summary>A node of the main graph.</summary>
public sealed record OnnxNode(string OpType, string Name, string[] Inputs, string[] Outputs);

/// <summary>
/// An ONNX model read with <see cref="ProtoMessage"/>: enough of onnx.proto to inspect a graph, find and
/// edit its float weights, and make its batch dimension symbolic. Field numbers follow onnx/onnx.proto.
/// </summary>
public sealed class OnnxModelFile
{
    // ModelProto.graph; GraphProto.node/initializer/input/output/value_info; NodeProto fields; AttributeProto fields.
    private const int ModelGraph = 7;
    private const int GraphNode = 1, GraphInitializer = 5, GraphInput = 11, GraphOutput = 12, GraphValueInfo = 13;
    private const int NodeInput = 1, NodeOutput = 2, NodeName = 3, NodeOpType = 4, NodeAttribute = 5;
    private const int AttributeName = 1, AttributeTensor = 5, AttributeGraph = 6, AttributeTensors = 10, AttributeGraphs = 11;
    // TensorProto fields and data types.
    private const int TensorDims = 1, TensorDataType = 2, TensorFloatData = 4, TensorInt64Data = 7, TensorName = 8, TensorRawData = 9, TensorDataLocation = 14;
    public const int DataTypeFloat = 1, DataTypeInt64 = 7;
    // ValueInfoProto.type -> TypeProto.tensor_type -> shape -> dim -> dim_value | dim_param.
    private const int ValueInfoName = 1, ValueInfoType = 2, TypeTensor = 1, TensorTypeShape = 2, ShapeDim = 1, DimValue = 1, DimParam = 2;

    private readonly ProtoMessage _model;

    public OnnxModelFile(byte[] bytes)
    {
        _model = new ProtoMessage(bytes);
        Graph = _model.FirstMessage(ModelGraph) ?? throw new InvalidDataException("The file holds no ONNX graph.");
    }

    public static OnnxModelFile Load(string path) => new(File.ReadAllBytes(path));

    public ProtoMessage Graph { get; }

    public byte[] ToArray() => _model.ToArray();

    public IEnumerable<OnnxNode> Nodes => Graph.Messages(GraphNode).Select(n => new OnnxNode(
        n.String(NodeOpType) ?? "", n.String(NodeName) ?? "", n.Strings(NodeInput).ToArray(), n.Strings(NodeOutput).ToArray()));

    public IReadOnlyList<OnnxValueInfo> Inputs => ValueInfos(GraphInput);
    public IReadOnlyList<OnnxValueInfo> Outputs => ValueInfos(GraphOutput);

    /// <summary>Names of the initializers (graph inputs that are weights, not data).</summary>
    public IReadOnlySet<string> InitializerNames => Graph.Messages(GraphInitializer).Select(t => t.String(TensorName) ?? "").ToHashSet();

    /// <summary>
    /// Every float tensor the graph carries: initializers, Constant nodes' values and tensors in attributes,
    /// also inside subgraphs. External data (weights in a side file) is refused: the shipped models keep theirs inline.
    /// </summary>
    public IEnumerable<OnnxFloatTensor> FloatTensors() => FloatTensorsIn(Graph);

    private static IEnumerable<OnnxFloatTensor> FloatTensorsIn(ProtoMessage graph)
    {
        foreach (var t in graph.Messages(GraphInitializer))
            if (AsFloat(t) is { } f) yield return f;
        foreach (var node in graph.Messages(GraphNode))
        {
            foreach (var attribute in node.Messages(NodeAttribute))
            {
                foreach (var t in attribute.Messages(AttributeTensor).Concat(attribute.Messages(AttributeTensors)))
                    if (AsFloat(t, $"{node.String(NodeName)}.{attribute.String(AttributeName)}") is { } f) yield return f;
                foreach (var sub in attribute.Messages(AttributeGraph).Concat(attribute.Messages(AttributeGraphs)))
                    foreach (var f in FloatTensorsIn(sub)) yield return f;
            }
        }
    }

    private static OnnxFloatTensor? AsFloat(ProtoMessage t, string? fallbackName = null)
    {
        if (t.Int64(TensorDataType) != DataTypeFloat) return null;
        if (t.Int64(TensorDataLocation) == 1) throw new InvalidDataException($"Tensor '{t.String(TensorName)}' keeps its data in an external file, which this tool does not edit.");
        var payloads = t.IndicesOf(TensorRawData).Concat(t.IndicesOf(TensorFloatData)).ToArray();
        return new OnnxFloatTensor(t.String(TensorName) ?? fallbackName ?? "", [.. t.Int64s(TensorDims)], t, payloads);
    }

    /// <summary>The values of an int64 initializer (for example a Reshape's shape), or null if there is none by that name.</summary>
    public long[]? Int64Initializer(string name)
    {
        var t = Graph.Messages(GraphInitializer).FirstOrDefault(m => m.String(TensorName) == name);
        if (t is null || t.Int64(TensorDataType) != DataTypeInt64) return null;
        foreach (int raw in t.IndicesOf(TensorRawData))
        {
            var bytes = t.Payload(raw);
            var values = new long[bytes.Length / 8];
            for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes[(i * 8)..]);
            return values;
        }
        return [.. t.Int64s(TensorInt64Data)];
    }

    /// <summary>Rewrites an int64 initializer's values (same count), whether stored as raw_data or int64_data.</summary>
    public void SetInt64Initializer(string name, long[] values)
    {
        var t = Graph.Messages(GraphInitializer).FirstOrDefault(m => m.String(TensorName) == name && m.Int64(TensorDataType) == DataTypeInt64)
            ?? throw new InvalidDataException($"No int64 initializer '{name}'.");
        if (Int64Initializer(name)!.Length != values.Length) throw new InvalidDataException($"Initializer '{name}' holds a different number of values.");
        foreach (int raw in t.IndicesOf(TensorRawData))
        {
            var bytes = t.Payload(raw);
            for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes[(i * 8)..], values[i]);
            return;
        }
        var indices = t.IndicesOf(TensorInt64Data).ToArray();
        if (indices.Length == 1 && t.Fields[indices[0]].WireType == ProtoMessage.WireLengthDelimited)
        {
            var packed = new List<byte>();
            foreach (var v in values) ProtoMessage.WriteVarint(packed, unchecked((ulong)v));
            t.Replace(indices[0], [.. packed]);
            return;
        }
        for (int i = 0; i < indices.Length; i++) t.ReplaceVarint(indices[i], unchecked((ulong)values[i]));
    }

    /// <summary>
    /// Makes dimension <paramref name="axis"/> of a graph input, output or value_info symbolic (dim_param),
    /// whatever it was. Returns false if the value has no such dimension.
    /// </summary>
    public bool SetSymbolicDim(string valueName, int axis, string param)
    {
        foreach (int field in new[] { GraphInput, GraphOutput, GraphValueInfo })
        {
            foreach (var info in Graph.Messages(field))
            {
                if (info.String(ValueInfoName) != valueName) continue;
                var shape = info.FirstMessage(ValueInfoType)?.FirstMessage(TypeTensor)?.FirstMessage(TensorTypeShape);
                var dims = shape?.IndicesOf(ShapeDim).ToArray();
                if (dims is null || axis >= dims.Length) return false;
                var dim = shape!.Message(dims[axis]);
                int valueIndex = dim.IndicesOf(DimValue).Concat(dim.IndicesOf(DimParam)).First();
                dim.ReplaceField(valueIndex, DimParam, ProtoMessage.WireLengthDelimited, System.Text.Encoding.UTF8.GetBytes(param));
                return true;
            }
        }
        return false;
    }

    private IReadOnlyList<OnnxValueInfo> ValueInfos(int field)
    {
        var initializers = InitializerNames;
        var list = new List<OnnxValueInfo>();
        foreach (var info in Graph.Messages(field))
        {
            var name = info.String(ValueInfoName) ?? "";
            if (field == GraphInput && initializers.Contains(name)) continue;
            var shape = info.FirstMessage(ValueInfoType)?.FirstMessage(TypeTensor)?.FirstMessage(TensorTypeShape);
            var dims = shape is null ? [] : shape.Messages(ShapeDim)
                .Select(d => d.String(DimParam) is { } p ? (object)p : d.Int64(DimValue) ?? (object)"?").ToArray();
            list.Add(new OnnxValueInfo(name, dims));
        }
        return list;
    }
}
