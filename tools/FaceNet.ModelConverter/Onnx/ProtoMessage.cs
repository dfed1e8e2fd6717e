namespace FaceNet.ModelConverter.Onnx;

/// <summary>One field of a parsed protocol-buffers message: where its payload lies in the shared buffer.</summary>
public sealed record ProtoField(int Number, int WireType, ulong Varint, int Offset, int Length);

/// <summary>
/// A protocol-buffers message read from a byte buffer, for editing ONNX files we did not write.
/// Payloads stay in the shared buffer, so a same-length edit (zeroing floats, changing an int64
/// constant) is made in place; a nested message opened with <see cref="Message"/> and changed is
/// re-encoded by <see cref="ToArray"/>, and every untouched field is copied byte for byte.
/// </summary>
public sealed class ProtoMessage
{
    public const int WireVarint = 0, WireFixed64 = 1, WireLengthDelimited = 2, WireFixed32 = 5;

    private readonly List<ProtoField> _fields = [];
    private readonly Dictionary<int, ProtoMessage> _opened = []; // field index -> opened message
    private readonly Dictionary<int, byte[]> _replaced = [];     // field index -> new payload
    private readonly Dictionary<int, List<(int Number, int WireType, byte[] Payload)>> _inserted = []; // before field index (Count: at the end)
    private readonly HashSet<int> _removed = [];

    public ProtoMessage(byte[] buffer) : this(buffer, 0, buffer.Length) { }

    private ProtoMessage(byte[] buffer, int start, int length)
    {
        Buffer = buffer;
        int pos = start, end = start + length;
        while (pos < end)
        {
            ulong tag = ReadVarint(buffer, ref pos);
            int number = (int)(tag >> 3), wire = (int)(tag & 7);
            switch (wire)
            {
                case WireVarint:
                    int at = pos;
                    ulong value = ReadVarint(buffer, ref pos);
                    _fields.Add(new(number, wire, value, at, pos - at));
                    break;
                case WireFixed64: _fields.Add(new(number, wire, 0, pos, 8)); pos += 8; break;
                case WireFixed32: _fields.Add(new(number, wire, 0, pos, 4)); pos += 4; break;
                case WireLengthDelimited:
                    int len = checked((int)ReadVarint(buffer, ref pos));
                    _fields.Add(new(number, wire, 0, pos, len));
                    pos += len;
                    break;
                default: throw new InvalidDataException($"Unsupported protobuf wire type {wire} at byte {pos}.");
            }
            if (pos > end) throw new InvalidDataException("Truncated protobuf message.");
        }
    }

    /// <summary>The buffer every payload of this message and its children points into.</summary>
    public byte[] Buffer { get; }

    public IReadOnlyList<ProtoField> Fields => _fields;

    public IEnumerable<int> IndicesOf(int number)
    {
        for (int i = 0; i < _fields.Count; i++)
            if (_fields[i].Number == number) yield return i;
    }

    /// <summary>The nested message in field <paramref name="index"/>, parsed once; edits to it are kept for <see cref="ToArray"/>.</summary>
    public ProtoMessage Message(int index)
    {
        if (_opened.TryGetValue(index, out var m)) return m;
        var f = _fields[index];
        if (f.WireType != WireLengthDelimited) throw new InvalidDataException($"Field {f.Number} is not a message.");
        m = new ProtoMessage(Buffer, f.Offset, f.Length);
        _opened[index] = m;
        return m;
    }

    public IEnumerable<ProtoMessage> Messages(int number) => IndicesOf(number).Select(Message);

    public ProtoMessage? FirstMessage(int number) => IndicesOf(number).Select(Message).FirstOrDefault();

    public Span<byte> Payload(int index) => Buffer.AsSpan(_fields[index].Offset, _fields[index].Length);

    public string? String(int number)
    {
        foreach (int i in IndicesOf(number)) return System.Text.Encoding.UTF8.GetString(Payload(i));
        return null;
    }

    public IEnumerable<string> Strings(int number) => IndicesOf(number).Select(i => System.Text.Encoding.UTF8.GetString(Payload(i)));

    public long? Int64(int number)
    {
        long? value = null;
        foreach (int i in IndicesOf(number)) value = unchecked((long)_fields[i].Varint);
        return value;
    }

    /// <summary>Repeated int64 values, packed or not.</summary>
    public List<long> Int64s(int number)
    {
        var values = new List<long>();
        foreach (int i in IndicesOf(number))
        {
            var f = _fields[i];
            if (f.WireType == WireVarint) { values.Add(unchecked((long)f.Varint)); continue; }
            int pos = f.Offset, end = f.Offset + f.Length;
            while (pos < end) values.Add(unchecked((long)ReadVarint(Buffer, ref pos)));
        }
        return values;
    }

    /// <summary>Replaces field <paramref name="index"/>'s payload (same wire type) when the message is re-encoded.</summary>
    public void Replace(int index, byte[] payload) => _replaced[index] = payload;

    /// <summary>Replaces a varint field's value when the message is re-encoded.</summary>
    public void ReplaceVarint(int index, ulong value)
    {
        if (_fields[index].WireType != WireVarint) throw new InvalidDataException($"Field {_fields[index].Number} is not a varint.");
        var bytes = new List<byte>();
        WriteVarint(bytes, value);
        _replaced[index] = [.. bytes];
    }

    /// <summary>Replaces a length-delimited field by a field of another number (a oneof's other member) and payload.</summary>
    public void ReplaceField(int index, int number, int wireType, byte[] payload)
    {
        _fields[index] = _fields[index] with { Number = number, WireType = wireType };
        _replaced[index] = payload;
        _opened.Remove(index);
    }

    /// <summary>Adds a new field before field <paramref name="index"/> (or at the end for index = Fields.Count); indices of existing fields do not move.</summary>
    public void InsertBefore(int index, int number, int wireType, byte[] payload)
    {
        if (index < 0 || index > _fields.Count) throw new ArgumentOutOfRangeException(nameof(index));
        if (!_inserted.TryGetValue(index, out var list)) _inserted[index] = list = [];
        list.Add((number, wireType, payload));
    }

    /// <summary>Leaves field <paramref name="index"/> out when the message is re-encoded.</summary>
    public void Remove(int index) => _removed.Add(index);

    /// <summary>Re-encodes the message: untouched fields as they were, opened or replaced ones anew.</summary>
    public byte[] ToArray()
    {
        var output = new List<byte>(Buffer.Length);
        WriteTo(output);
        return [.. output];
    }

    private void WriteTo(List<byte> output)
    {
        for (int i = 0; i <= _fields.Count; i++)
        {
            if (_inserted.TryGetValue(i, out var added))
            {
                foreach (var (number, wire, bytes) in added)
                {
                    WriteVarint(output, ((ulong)number << 3) | (uint)wire);
                    if (wire == WireLengthDelimited) WriteVarint(output, (ulong)bytes.Length);
                    output.AddRange(bytes);
                }
            }
            if (i == _fields.Count) break;
            if (_removed.Contains(i)) continue;
            var f = _fields[i];
            WriteVarint(output, ((ulong)f.Number << 3) | (uint)f.WireType);
            if (_replaced.TryGetValue(i, out var payload))
            {
                if (f.WireType == WireLengthDelimited) WriteVarint(output, (ulong)payload.Length);
                output.AddRange(payload);
            }
            else if (_opened.TryGetValue(i, out var child))
            {
                var nested = new List<byte>(f.Length);
                child.WriteTo(nested);
                WriteVarint(output, (ulong)nested.Count);
                output.AddRange(nested);
            }
            else
            {
                if (f.WireType == WireLengthDelimited) WriteVarint(output, (ulong)f.Length);
                output.AddRange(Buffer.AsSpan(f.Offset, f.Length));
            }
        }
    }

    public static ulong ReadVarint(byte[] buffer, ref int pos)
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (pos >= buffer.Length) throw new InvalidDataException("Truncated protobuf varint.");
            byte b = buffer[pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
        throw new InvalidDataException("Malformed protobuf varint.");
    }

    public static void WriteVarint(List<byte> output, ulong value)
    {
        while (value >= 0x80)
        {
            output.Add((byte)(value | 0x80));
            value >>= 7;
        }
        output.Add((byte)value);
    }
}
