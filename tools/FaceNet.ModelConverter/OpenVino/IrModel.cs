using System.Globalization;
using System.Xml.Linq;

namespace FaceNet.ModelConverter.OpenVino;

/// <summary>A float tensor of an IR model: a decoded Const (f16 or f32 in the .bin).</summary>
public sealed record IrConstant(int[] Shape, float[] Values);

/// <summary>One layer of an OpenVINO IR graph: its type, attributes (the &lt;data&gt; element) and inputs by port.</summary>
public sealed class IrLayer
{
    public required int Id { get; init; }
    public required string Name { get; init; }
    public required string Type { get; init; }
    public required IReadOnlyDictionary<string, string> Data { get; init; }
    /// <summary>Input port id -> (source layer id, source port id), in port order.</summary>
    public List<(int Port, int FromLayer, int FromPort)> Inputs { get; } = [];
    /// <summary>Output port ids with their dims.</summary>
    public List<(int Port, int[] Dims)> Outputs { get; } = [];

    public int[] Ints(string key) => Data[key].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
        .Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
}

/// <summary>
/// An OpenVINO IR model (version 10/11 XML + .bin), read with our own parser: layers, edges and constants. Enough of
/// the format for Intel's face-reidentification-retail-0095 (Parameter, Const, Convert, Convolution,
/// GroupConvolution, Add, Multiply, PReLU, AvgPool, Sigmoid, Result); anything else is refused by name.
/// </summary>
public sealed class IrModel
{
    public static readonly string[] SupportedTypes =
        ["Parameter", "Const", "Convert", "Convolution", "GroupConvolution", "Add", "Multiply", "PReLU", "AvgPool", "Sigmoid", "Result"];

    private IrModel(List<IrLayer> layers, Dictionary<int, IrConstant> constants)
    {
        Layers = layers;
        Constants = constants;
    }

    /// <summary>Layers in an order where every layer comes after its inputs.</summary>
    public IReadOnlyList<IrLayer> Layers { get; }

    /// <summary>Const layers (and Converts of them) by layer id, decoded to float32.</summary>
    public IReadOnlyDictionary<int, IrConstant> Constants { get; }

    public IrLayer Layer(int id) => Layers.First(l => l.Id == id);

    public static IrModel Load(string xmlPath, string binPath)
    {
        var doc = XDocument.Load(xmlPath);
        var bin = File.ReadAllBytes(binPath);
        var net = doc.Root ?? throw new InvalidDataException("The IR file has no root element.");
        var byId = new Dictionary<int, IrLayer>();
        foreach (var el in net.Element("layers")?.Elements("layer") ?? [])
        {
            var data = el.Element("data")?.Attributes().ToDictionary(a => a.Name.LocalName, a => a.Value) ?? [];
            var layer = new IrLayer
            {
                Id = int.Parse(el.Attribute("id")!.Value, CultureInfo.InvariantCulture),
                Name = el.Attribute("name")?.Value ?? "",
                Type = el.Attribute("type")?.Value ?? "",
                Data = data,
            };
            if (!SupportedTypes.Contains(layer.Type)) throw new NotSupportedException($"IR layer {layer.Id} '{layer.Name}' has type {layer.Type}, which this converter does not translate.");
            foreach (var port in el.Element("output")?.Elements("port") ?? [])
                layer.Outputs.Add((int.Parse(port.Attribute("id")!.Value, CultureInfo.InvariantCulture),
                    port.Elements("dim").Select(d => int.Parse(d.Value, CultureInfo.InvariantCulture)).ToArray()));
            byId[layer.Id] = layer;
        }
        foreach (var edge in net.Element("edges")?.Elements("edge") ?? [])
        {
            int from = Int(edge, "from-layer"), fromPort = Int(edge, "from-port"), to = Int(edge, "to-layer"), toPort = Int(edge, "to-port");
            byId[to].Inputs.Add((toPort, from, fromPort));
        }
        foreach (var l in byId.Values) l.Inputs.Sort((a, b) => a.Port.CompareTo(b.Port));

        var constants = new Dictionary<int, IrConstant>();
        foreach (var l in byId.Values.Where(l => l.Type == "Const"))
        {
            var shape = l.Data.TryGetValue("shape", out var s) && s.Length > 0 ? l.Ints("shape") : [];
            long offset = long.Parse(l.Data["offset"], CultureInfo.InvariantCulture), size = long.Parse(l.Data["size"], CultureInfo.InvariantCulture);
            if (offset < 0 || offset + size > bin.Length) throw new InvalidDataException($"Const '{l.Name}' lies outside the .bin file.");
            int start = (int)offset;
            float[] values = l.Data["element_type"] switch
            {
                "f16" => Enumerable.Range(0, (int)size / 2).Select(i => (float)BitConverter.ToHalf(bin, start + 2 * i)).ToArray(),
                "f32" => Enumerable.Range(0, (int)size / 4).Select(i => BitConverter.ToSingle(bin, start + 4 * i)).ToArray(),
                var t => throw new NotSupportedException($"Const '{l.Name}' has element type {t}."),
            };
            if (values.Length != shape.Aggregate(1, (a, b) => a * b)) throw new InvalidDataException($"Const '{l.Name}' holds {values.Length} values for shape [{string.Join(",", shape)}].");
            constants[l.Id] = new IrConstant(shape, values);
        }
        // A Convert of a constant (f16 weight decompression) is the same constant in float32.
        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (var l in byId.Values.Where(l => l.Type == "Convert" && !constants.ContainsKey(l.Id)))
            {
                if (l.Inputs.Count == 1 && constants.TryGetValue(l.Inputs[0].FromLayer, out var c)) { constants[l.Id] = c; changed = true; }
            }
        }
        return new IrModel(TopologicalOrder(byId), constants);
    }

    private static int Int(XElement e, string name) => int.Parse(e.Attribute(name)!.Value, CultureInfo.InvariantCulture);

    private static List<IrLayer> TopologicalOrder(Dictionary<int, IrLayer> byId)
    {
        var order = new List<IrLayer>();
        var state = new Dictionary<int, int>(); // 1 visiting, 2 done
        void Visit(IrLayer l)
        {
            if (state.TryGetValue(l.Id, out int s)) { if (s == 1) throw new InvalidDataException("The IR graph has a cycle."); return; }
            state[l.Id] = 1;
            foreach (var (_, from, _) in l.Inputs) Visit(byId[from]);
            state[l.Id] = 2;
            order.Add(l);
        }
        foreach (var l in byId.Values.OrderBy(l => l.Id)) Visit(l);
        return order;
    }
}
