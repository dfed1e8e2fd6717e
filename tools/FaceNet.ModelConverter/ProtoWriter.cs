using System.Text;

namespace FaceNet.ModelConverter;

/// <summary>
/// Minimal protocol-buffers encoder: just the wire types ONNX needs (varint, fixed32,
/// length-delimited). Hand-rolled so the converter has no protobuf/ONNX package dependency.
/// </summary>
public sealed class ProtoWriter
{
    private const int WireVarint = 0;
    private const int WireLengthDelimited = 2;
    private const int WireFixed32 = 5;

    private readonly MemoryStream _buffer = new();

    public byte[] ToArray() => _buffer.ToArray();

    public void WriteInt64(int field, long value)
    {
        WriteTag(field, WireVarint);
        // Negative int64 values are encoded as 10-byte two's complement varints (protobuf rule).
        WriteVarint(unchecked((ulong)value));
    }

    public void WriteFloat(int field, float value)
    {
        WriteTag(field, WireFixed32);
        Span<byte> bytes = stackalloc byte[4];
        BitConverter.TryWriteBytes(bytes, value);
        if (!BitConverter.IsLittleEndian) bytes.Reverse();
        _buffer.Write(bytes);
    }

    public void WriteString(int field, string value) => WriteBytes(field, Encoding.UTF8.GetBytes(value));

    public void WriteBytes(int field, ReadOnlySpan<byte> value)
    {
        WriteTag(field, WireLengthDelimited);
        WriteVarint((ulong)value.Length);
        _buffer.Write(value);
    }

    /// <summary>Writes a nested message; the body is encoded first because its length prefixes it.</summary>
    public void WriteMessage(int field, Action<ProtoWriter> body)
    {
        var nested = new ProtoWriter();
        body(nested);
        WriteBytes(field, nested._buffer.GetBuffer().AsSpan(0, (int)nested._buffer.Length));
    }

    private void WriteTag(int field, int wireType) => WriteVarint(((ulong)field << 3) | (uint)wireType);

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _buffer.WriteByte((byte)value);
    }
}
