using System.Text.Json;

namespace FaceNet.ModelConverter;

/// <summary>Per-tensor affine quantisation as used by tfjs: value = q * Scale + Min.</summary>
public sealed record TfjsQuantization(string DType, double Scale, double Min);

/// <summary>One tensor of a tfjs weights manifest, with its stored bytes.</summary>
public sealed class TfjsTensor
{
    public required string Name { get; init; }
    public required int[] Shape { get; init; }
    /// <summary>Logical dtype (what the tensor means), e.g. float32.</summary>
    public required string DType { get; init; }
    /// <summary>Non-null when the stored bytes are quantised integers rather than float32.</summary>
    public TfjsQuantization? Quantization { get; init; }
    /// <summary>Exactly the bytes stored in the .bin for this tensor (quantised or float32, little-endian).</summary>
    public required byte[] Stored { get; init; }

    public int ElementCount => Shape.Aggregate(1, (a, b) => a * b);

    public bool IsUInt8Quantized => Quantization?.DType == "uint8";

    /// <summary>Decodes to float32 the same way tfjs does (computed in double, rounded once to float).</summary>
    public float[] ToFloat32()
    {
        var result = new float[ElementCount];
        switch (Quantization?.DType)
        {
            case null when DType == "float32":
                Buffer.BlockCopy(Stored, 0, result, 0, Stored.Length);
                break;
            case "uint8":
                for (var i = 0; i < result.Length; i++)
                    result[i] = (float)(Stored[i] * Quantization.Scale + Quantization.Min);
                break;
            case "uint16":
                for (var i = 0; i < result.Length; i++)
                    result[i] = (float)(BitConverter.ToUInt16(Stored, 2 * i) * Quantization.Scale + Quantization.Min);
                break;
            default:
                throw new NotSupportedException($"{Name}: dtype {DType} / quantisation {Quantization?.DType} not supported.");
        }
        return result;
    }
}

/// <summary>
/// Reader for a tfjs "weights manifest" (JSON list of groups, each with shard paths and weight specs)
/// plus its binary shards. Tensors are laid out back to back in manifest order across the
/// concatenated shards.
/// </summary>
public sealed class TfjsWeights
{
    private readonly Dictionary<string, TfjsTensor> _tensors;

    private TfjsWeights(Dictionary<string, TfjsTensor> tensors) => _tensors = tensors;

    public IReadOnlyCollection<TfjsTensor> Tensors => _tensors.Values;

    public TfjsTensor this[string name] =>
        _tensors.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"Weight '{name}' not found in manifest.");

    /// <param name="manifestPath">The *-weights_manifest.json file.</param>
    /// <param name="weightsPath">Optional explicit .bin; otherwise the shard paths are resolved next to the manifest.
    /// An explicit path is only allowed for single-shard manifests.</param>
    public static TfjsWeights Load(string manifestPath, string? weightsPath = null)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(manifestPath));
        var tensors = new Dictionary<string, TfjsTensor>(StringComparer.Ordinal);
        var manifestDir = Path.GetDirectoryName(Path.GetFullPath(manifestPath))!;

        foreach (var group in doc.RootElement.EnumerateArray())
        {
            var paths = group.GetProperty("paths").EnumerateArray().Select(p => p.GetString()!).ToArray();
            if (weightsPath is not null && paths.Length != 1)
                throw new InvalidDataException("--weights can only be used with a single-shard manifest.");
            var data = weightsPath is not null
                ? File.ReadAllBytes(weightsPath)
                : paths.SelectMany(p => File.ReadAllBytes(Path.Combine(manifestDir, p))).ToArray();

            var offset = 0;
            foreach (var spec in group.GetProperty("weights").EnumerateArray())
            {
                var name = spec.GetProperty("name").GetString()!;
                var shape = spec.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
                var dtype = spec.GetProperty("dtype").GetString()!;
                TfjsQuantization? quant = null;
                if (spec.TryGetProperty("quantization", out var q))
                {
                    quant = new TfjsQuantization(q.GetProperty("dtype").GetString()!, q.GetProperty("scale").GetDouble(), q.GetProperty("min").GetDouble());
                }

                var count = shape.Aggregate(1, (a, b) => a * b);
                var bytesPerElement = (quant?.DType ?? dtype) switch
                {
                    "uint8" => 1,
                    "uint16" or "float16" => 2,
                    "float32" or "int32" => 4,
                    var other => throw new NotSupportedException($"{name}: unsupported storage dtype {other}"),
                };
                var length = count * bytesPerElement;
                if (offset + length > data.Length)
                    throw new InvalidDataException($"{name}: weights file too short ({data.Length} bytes, need {offset + length}).");

                tensors.Add(name, new TfjsTensor
                {
                    Name = name,
                    Shape = shape,
                    DType = dtype,
                    Quantization = quant,
                    Stored = data.AsSpan(offset, length).ToArray(),
                });
                offset += length;
            }

            if (offset != data.Length)
                throw new InvalidDataException($"Weights file has {data.Length - offset} unused trailing bytes; manifest and .bin do not match.");
        }

        return new TfjsWeights(tensors);
    }
}

/// <summary>Re-layouts of tfjs tensors into ONNX order.</summary>
public static class TfjsLayout
{
    /// <summary>Transposes raw element bytes from tfjs HWIO order to ONNX OIHW order.</summary>
    public static byte[] HwioToOihw(byte[] src, int kh, int kw, int cin, int cout, int elementSize)
    {
        var dst = new byte[src.Length];
        for (var y = 0; y < kh; y++)
        for (var x = 0; x < kw; x++)
        for (var i = 0; i < cin; i++)
        for (var o = 0; o < cout; o++)
        {
            var from = (((y * kw + x) * cin + i) * cout + o) * elementSize;
            var to = (((o * cin + i) * kh + y) * kw + x) * elementSize;
            Buffer.BlockCopy(src, from, dst, to, elementSize);
        }
        return dst;
    }
}
