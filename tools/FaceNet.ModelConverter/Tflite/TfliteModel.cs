using System.Buffers.Binary;
using System.Text;

namespace FaceNet.ModelConverter.Tflite;

/// <summary>
/// A minimal, read-only FlatBuffers reader for TFLite model files: just the tables the
/// converter needs (Model, OperatorCode, SubGraph, Tensor, Operator, Buffer and a few
/// builtin option tables). Layout facts (uoffset/soffset/vtable) follow the FlatBuffers
/// binary format; field numbers follow tensorflow/lite/schema/schema.fbs.
/// </summary>
internal readonly struct FbTable
{
    private readonly byte[] _data;
    private readonly int _pos;

    public FbTable(byte[] data, int pos) { _data = data; _pos = pos; }

    /// <summary>The root table: a uoffset at byte 0.</summary>
    public static FbTable Root(byte[] data) => new(data, (int)BinaryPrimitives.ReadUInt32LittleEndian(data));

    // vtable: at table - soffset(table); [u16 vtable bytes, u16 table bytes, u16 field offsets...].
    private int FieldOffset(int field)
    {
        int vtable = _pos - BinaryPrimitives.ReadInt32LittleEndian(_data.AsSpan(_pos));
        int vtableSize = BinaryPrimitives.ReadUInt16LittleEndian(_data.AsSpan(vtable));
        int slot = 4 + 2 * field;
        return slot + 2 > vtableSize ? 0 : BinaryPrimitives.ReadUInt16LittleEndian(_data.AsSpan(vtable + slot));
    }

    public bool Has(int field) => FieldOffset(field) != 0;

    public int Int32(int field, int @default = 0)
    {
        int o = FieldOffset(field);
        return o == 0 ? @default : BinaryPrimitives.ReadInt32LittleEndian(_data.AsSpan(_pos + o));
    }

    public uint UInt32(int field, uint @default = 0) => unchecked((uint)Int32(field, unchecked((int)@default)));

    public byte Byte(int field, byte @default = 0)
    {
        int o = FieldOffset(field);
        return o == 0 ? @default : _data[_pos + o];
    }

    public float Float(int field, float @default = 0)
    {
        int o = FieldOffset(field);
        return o == 0 ? @default : BinaryPrimitives.ReadSingleLittleEndian(_data.AsSpan(_pos + o));
    }

    /// <summary>Follows a uoffset stored in a field; -1 when absent.</summary>
    private int Indirect(int field)
    {
        int o = FieldOffset(field);
        if (o == 0) return -1;
        int at = _pos + o;
        return at + (int)BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(at));
    }

    public FbTable? Table(int field)
    {
        int p = Indirect(field);
        return p < 0 ? null : new FbTable(_data, p);
    }

    public string? String(int field)
    {
        int p = Indirect(field);
        if (p < 0) return null;
        int len = (int)BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(p));
        return Encoding.UTF8.GetString(_data, p + 4, len);
    }

    /// <summary>A vector's element bytes (length-prefixed); empty when absent.</summary>
    public ReadOnlySpan<byte> Bytes(int field, int elementSize = 1)
    {
        int p = Indirect(field);
        if (p < 0) return [];
        int len = (int)BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(p));
        return _data.AsSpan(p + 4, len * elementSize);
    }

    public int[] Int32s(int field)
    {
        var bytes = Bytes(field, 4);
        var result = new int[bytes.Length / 4];
        for (int i = 0; i < result.Length; i++) result[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(4 * i)..]);
        return result;
    }

    public float[] Floats(int field)
    {
        var bytes = Bytes(field, 4);
        var result = new float[bytes.Length / 4];
        for (int i = 0; i < result.Length; i++) result[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
        return result;
    }

    /// <summary>A vector of tables: each element is a uoffset relative to its own position.</summary>
    public FbTable[] Tables(int field)
    {
        int p = Indirect(field);
        if (p < 0) return [];
        int len = (int)BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(p));
        var result = new FbTable[len];
        for (int i = 0; i < len; i++)
        {
            int at = p + 4 + 4 * i;
            result[i] = new FbTable(_data, at + (int)BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(at)));
        }
        return result;
    }
}

public enum TflOp
{
    Conv2D = 3, DepthwiseConv2D = 4, FullyConnected = 9, MaxPool2D = 17, Relu = 19,
    Reshape = 22, Softmax = 25, Transpose = 39, PRelu = 54,
}

public sealed record TflTensor(int Index, string Name, int[] Shape, int Type, float[]? Data, int[]? IntData = null)
{
    public bool IsConstant => Data is not null || IntData is not null;
    public int Elements => Shape.Aggregate(1, (a, b) => a * b);
}

/// <summary>One operator with its options decoded into plain fields (only those the MTCNN nets use).</summary>
public sealed record TflOperator(int Code, int[] Inputs, int[] Outputs)
{
    public TflOp Op => (TflOp)Code;
    public bool SamePadding { get; init; }
    public int StrideW { get; init; } = 1;
    public int StrideH { get; init; } = 1;
    public int FilterW { get; init; }
    public int FilterH { get; init; }
    /// <summary>ActivationFunctionType: 0 NONE, 1 RELU, 3 RELU6.</summary>
    public int Activation { get; init; }
    public float Beta { get; init; } = 1;
    public int[]? NewShape { get; init; }
}

/// <summary>Subgraph 0 of a TFLite model, float32 only.</summary>
public sealed class TfliteModel
{
    public required uint Version { get; init; }
    public required IReadOnlyList<TflTensor> Tensors { get; init; }
    public required IReadOnlyList<TflOperator> Operators { get; init; }
    public required int[] Inputs { get; init; }
    public required int[] Outputs { get; init; }

    public TflTensor Tensor(int index) => Tensors[index];
    public TflTensor Tensor(string name) => Tensors.First(t => t.Name == name);

    public static TfliteModel Load(string path) => Parse(File.ReadAllBytes(path));

    public static TfliteModel Parse(byte[] data)
    {
        if (data.Length < 8 || Encoding.ASCII.GetString(data, 4, 4) != "TFL3")
            throw new InvalidDataException("Not a TFLite flatbuffer (file identifier TFL3 missing).");
        var model = FbTable.Root(data);
        // Model: 0 version, 1 operator_codes, 2 subgraphs, 3 description, 4 buffers.
        var codes = model.Tables(1).Select(c =>
            // OperatorCode: 0 builtin_code (byte; "deprecated_builtin_code" in newer schemas), 3 builtin_code (int, newer).
            Math.Max((int)(sbyte)c.Byte(0), c.Int32(3))).ToArray();
        var buffers = model.Tables(4);
        var subgraphs = model.Tables(2);
        if (subgraphs.Length == 0) throw new InvalidDataException("TFLite model has no subgraph.");
        var g = subgraphs[0];

        // SubGraph: 0 tensors, 1 inputs, 2 outputs, 3 operators, 4 name.
        var tensors = g.Tables(0).Select((t, i) =>
        {
            // Tensor: 0 shape, 1 type, 2 buffer, 3 name, 4 quantization.
            var shape = t.Int32s(0);
            int type = t.Byte(1);
            uint buffer = t.UInt32(2);
            float[]? values = null;
            int[]? ints = null;
            if (buffer != 0 && buffer < buffers.Length)
            {
                var raw = buffers[buffer].Bytes(0); // Buffer: 0 data
                if (raw.Length > 0)
                {
                    if (type == 2) // INT32
                    {
                        ints = new int[raw.Length / 4];
                        for (int k = 0; k < ints.Length; k++) ints[k] = BinaryPrimitives.ReadInt32LittleEndian(raw[(4 * k)..]);
                    }
                    else if (type == 0) // FLOAT32
                    {
                        values = new float[raw.Length / 4];
                        for (int k = 0; k < values.Length; k++) values[k] = BinaryPrimitives.ReadSingleLittleEndian(raw[(4 * k)..]);
                    }
                    else throw new NotSupportedException($"Tensor '{t.String(3)}' has type {type}; only FLOAT32 and INT32 constants are supported.");
                }
            }
            return new TflTensor(i, t.String(3) ?? $"t{i}", shape, type, values, ints);
        }).ToList();

        var ops = g.Tables(3).Select(o =>
        {
            // Operator: 0 opcode_index, 1 inputs, 2 outputs, 3 builtin_options_type, 4 builtin_options.
            int code = codes[o.UInt32(0)];
            var op = new TflOperator(code, o.Int32s(1), o.Int32s(2));
            var opt = o.Table(4);
            if (opt is not { } x) return op;
            return (TflOp)code switch
            {
                // Conv2DOptions / DepthwiseConv2DOptions: 0 padding, 1 stride_w, 2 stride_h, (3 fused act | 3 depth_multiplier, 4 act)
                TflOp.Conv2D => op with { SamePadding = x.Byte(0) == 0, StrideW = x.Int32(1, 1), StrideH = x.Int32(2, 1), Activation = x.Byte(3) },
                TflOp.DepthwiseConv2D => op with { SamePadding = x.Byte(0) == 0, StrideW = x.Int32(1, 1), StrideH = x.Int32(2, 1), Activation = x.Byte(4) },
                // Pool2DOptions: 0 padding, 1 stride_w, 2 stride_h, 3 filter_width, 4 filter_height, 5 act
                TflOp.MaxPool2D => op with { SamePadding = x.Byte(0) == 0, StrideW = x.Int32(1, 1), StrideH = x.Int32(2, 1), FilterW = x.Int32(3), FilterH = x.Int32(4), Activation = x.Byte(5) },
                // FullyConnectedOptions: 0 act
                TflOp.FullyConnected => op with { Activation = x.Byte(0) },
                // SoftmaxOptions: 0 beta
                TflOp.Softmax => op with { Beta = x.Float(0, 1) },
                // ReshapeOptions: 0 new_shape
                TflOp.Reshape => op with { NewShape = x.Int32s(0) },
                _ => op,
            };
        }).ToList();

        return new TfliteModel { Version = model.UInt32(0), Tensors = tensors, Operators = ops, Inputs = g.Int32s(1), Outputs = g.Int32s(2) };
    }

    public string Describe()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"TFLite schema v{Version}, {Tensors.Count} tensors, {Operators.Count} operators");
        sb.AppendLine("inputs: " + string.Join(", ", Inputs.Select(i => $"{Tensors[i].Name}[{string.Join(",", Tensors[i].Shape)}]")));
        sb.AppendLine("outputs: " + string.Join(", ", Outputs.Select(i => $"{Tensors[i].Name}[{string.Join(",", Tensors[i].Shape)}]")));
        foreach (var op in Operators)
        {
            string Fmt(int i) => i < 0 ? "-" : $"{Tensors[i].Name}[{string.Join(",", Tensors[i].Shape)}]{(Tensors[i].IsConstant ? "*" : "")}";
            sb.AppendLine($"  {op.Op}({op.Code}) {string.Join(" ", op.Inputs.Select(Fmt))} -> {string.Join(" ", op.Outputs.Select(Fmt))}"
                + $" pad={(op.SamePadding ? "SAME" : "VALID")} s={op.StrideW}x{op.StrideH} f={op.FilterW}x{op.FilterH} act={op.Activation} beta={op.Beta} ns={(op.NewShape is null ? "" : string.Join(",", op.NewShape))}");
        }
        return sb.ToString();
    }
}
