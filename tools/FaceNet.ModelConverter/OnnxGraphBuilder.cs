namespace FaceNet.ModelConverter;

/// <summary>ONNX TensorProto.DataType values used by the converter.</summary>
public enum OnnxDataType
{
    Float = 1,
    UInt8 = 2,
    Int64 = 7,
}

/// <summary>A node attribute; only the kinds the converters need (INT, FLOAT, INTS, STRING).</summary>
public sealed record OnnxAttribute(string Name, long? Int = null, float? Float = null, long[]? Ints = null, string? Str = null)
{
    public static OnnxAttribute Of(string name, string value) => new(name, Str: value);
    public static OnnxAttribute Of(string name, long value) => new(name, Int: value);
    public static OnnxAttribute Of(string name, float value) => new(name, Float: value);
    public static OnnxAttribute Of(string name, params long[] values) => new(name, Ints: values);
}

/// <summary>
/// Collects nodes, initializers and graph inputs/outputs and serialises them as an ONNX
/// ModelProto. Field numbers follow onnx/onnx.proto (proto2, so repeated scalars are written
/// unpacked, which every reader accepts).
/// </summary>
public sealed class OnnxGraphBuilder
{
    private sealed record Node(string OpType, string Name, string[] Inputs, string[] Outputs, OnnxAttribute[] Attributes);
    private sealed record Initializer(string Name, OnnxDataType Type, long[] Dims, byte[] Raw);
    /// <summary>Dims entries are either long (fixed) or string (symbolic, e.g. batch "N").</summary>
    private sealed record ValueInfo(string Name, OnnxDataType Type, object[] Dims);

    private readonly List<Node> _nodes = [];
    private readonly List<Initializer> _initializers = [];
    private readonly List<ValueInfo> _inputs = [];
    private readonly List<ValueInfo> _outputs = [];
    private readonly HashSet<string> _names = [];
    private int _counter;

    /// <summary>Returns a graph-unique tensor/node name derived from <paramref name="hint"/>.</summary>
    public string UniqueName(string hint)
    {
        var name = hint;
        while (!_names.Add(name)) name = $"{hint}_{++_counter}";
        return name;
    }

    public void AddInput(string name, OnnxDataType type, params object[] dims) => _inputs.Add(new(UniqueName(name), type, dims));

    public void AddOutput(string name, OnnxDataType type, params object[] dims) => _outputs.Add(new(name, type, dims));

    public string AddInitializer(string name, OnnxDataType type, long[] dims, byte[] raw)
    {
        var unique = UniqueName(name);
        _initializers.Add(new(unique, type, dims, raw));
        return unique;
    }

    public string AddFloats(string name, long[] dims, ReadOnlySpan<float> values)
    {
        // raw_data is little-endian by spec; MemoryMarshal gives host order, so guard big-endian hosts.
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Big-endian hosts are not supported.");
        return AddInitializer(name, OnnxDataType.Float, dims, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values).ToArray());
    }

    public string AddInt64s(string name, long[] dims, ReadOnlySpan<long> values)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Big-endian hosts are not supported.");
        return AddInitializer(name, OnnxDataType.Int64, dims, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values).ToArray());
    }

    /// <summary>Adds a single-output node and returns the name of its output tensor.</summary>
    public string AddNode(string opType, string[] inputs, string? output = null, params OnnxAttribute[] attributes)
    {
        var outName = output ?? UniqueName($"{opType}_out");
        if (output is not null) _names.Add(output);
        _nodes.Add(new(opType, UniqueName($"{opType}_{_nodes.Count}"), inputs, [outName], attributes));
        return outName;
    }

    public byte[] ToModelBytes(string graphName, long irVersion, long opsetVersion, string producer, string producerVersion, string docString)
    {
        var model = new ProtoWriter();
        model.WriteInt64(1, irVersion);                       // ModelProto.ir_version
        model.WriteString(2, producer);                       // producer_name
        model.WriteString(3, producerVersion);                // producer_version
        model.WriteString(6, docString);                      // doc_string
        model.WriteMessage(7, WriteGraph(graphName));         // graph
        model.WriteMessage(8, w =>                            // opset_import (default domain)
        {
            w.WriteString(1, "");
            w.WriteInt64(2, opsetVersion);
        });
        return model.ToArray();
    }

    private Action<ProtoWriter> WriteGraph(string graphName) => g =>
    {
        foreach (var node in _nodes) g.WriteMessage(1, WriteNode(node));          // GraphProto.node
        g.WriteString(2, graphName);                                              // name
        foreach (var init in _initializers) g.WriteMessage(5, WriteTensor(init)); // initializer
        foreach (var input in _inputs) g.WriteMessage(11, WriteValueInfo(input)); // input
        foreach (var output in _outputs) g.WriteMessage(12, WriteValueInfo(output)); // output
    };

    private static Action<ProtoWriter> WriteNode(Node node) => n =>
    {
        foreach (var input in node.Inputs) n.WriteString(1, input);   // NodeProto.input
        foreach (var output in node.Outputs) n.WriteString(2, output); // output
        n.WriteString(3, node.Name);                                   // name
        n.WriteString(4, node.OpType);                                 // op_type
        foreach (var attr in node.Attributes) n.WriteMessage(5, WriteAttribute(attr)); // attribute
    };

    /// <summary>One AttributeProto's bytes, for tools that edit an existing graph (Onnx/PReluRewrite.cs).</summary>
    internal static byte[] EncodeAttribute(OnnxAttribute attr)
    {
        var w = new ProtoWriter();
        WriteAttribute(attr)(w);
        return w.ToArray();
    }

    private static Action<ProtoWriter> WriteAttribute(OnnxAttribute attr) => a =>
    {
        a.WriteString(1, attr.Name);                                   // AttributeProto.name
        if (attr.Float is { } f)
        {
            a.WriteFloat(2, f);                                        // f
            a.WriteInt64(20, 1);                                       // type = FLOAT
        }
        else if (attr.Int is { } i)
        {
            a.WriteInt64(3, i);                                        // i
            a.WriteInt64(20, 2);                                       // type = INT
        }
        else if (attr.Ints is { } ints)
        {
            foreach (var v in ints) a.WriteInt64(8, v);                // ints
            a.WriteInt64(20, 7);                                       // type = INTS
        }
        else if (attr.Str is { } str)
        {
            a.WriteString(4, str);                                     // s
            a.WriteInt64(20, 3);                                       // type = STRING
        }
        else
        {
            throw new InvalidOperationException($"Attribute '{attr.Name}' has no value.");
        }
    };

    private static Action<ProtoWriter> WriteTensor(Initializer t) => w =>
    {
        foreach (var d in t.Dims) w.WriteInt64(1, d);                  // TensorProto.dims
        w.WriteInt64(2, (long)t.Type);                                 // data_type
        w.WriteString(8, t.Name);                                      // name
        w.WriteBytes(9, t.Raw);                                        // raw_data
    };

    private static Action<ProtoWriter> WriteValueInfo(ValueInfo v) => w =>
    {
        w.WriteString(1, v.Name);                                      // ValueInfoProto.name
        w.WriteMessage(2, type =>                                      // type: TypeProto
            type.WriteMessage(1, tensor =>                             // tensor_type: TypeProto.Tensor
            {
                tensor.WriteInt64(1, (long)v.Type);                    // elem_type
                tensor.WriteMessage(2, shape =>                        // shape: TensorShapeProto
                {
                    foreach (var dim in v.Dims)
                    {
                        shape.WriteMessage(1, d =>                     // dim
                        {
                            if (dim is string symbolic) d.WriteString(2, symbolic); // dim_param
                            else d.WriteInt64(1, Convert.ToInt64(dim));              // dim_value
                        });
                    }
                });
            }));
    };
}
