using System.Text.Json;
using System.Text.Json.Serialization;

namespace FaceNet.Engine.Models;

public sealed record ModelManifest
{
    public int SchemaVersion { get; init; } = 1;
    public string DefaultDetector { get; init; } = "YuNet";
    public string DefaultLandmarks { get; init; } = "Landmark68";
    public string DefaultEmbedder { get; init; } = "Ensemble";
    /// <summary>The attribute models Get-FaceAttribute runs, each giving what its outputs say (AttributeOutput).</summary>
    public string[] DefaultAttributeModels { get; init; } = [];
    public List<ModelDescriptor> Models { get; init; } = [];
    /// <summary>Reference sets of impostor embeddings that calibrate gallery adaptations (Optimize-FaceGallery), one per model.</summary>
    public AdaptationReference[] AdaptationReferences { get; init; } = [];

    /// <summary>The folder the manifest was read from; model files are relative to it.</summary>
    [JsonIgnore]
    public string Directory { get; private set; } = "";

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    };

    public static ModelManifest Load(string manifestPath)
    {
        var json = System.IO.File.ReadAllText(manifestPath);
        var manifest = JsonSerializer.Deserialize<ModelManifest>(json, JsonOptions)
            ?? throw new InvalidDataException($"The model manifest '{manifestPath}' is empty.");
        manifest.Directory = Path.GetDirectoryName(Path.GetFullPath(manifestPath))!;
        return manifest;
    }

    public ModelDescriptor Get(string name) =>
        Models.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new KeyNotFoundException($"No model named '{name}' in the manifest. Known: {string.Join(", ", Models.Select(m => m.Name))}.");

    public bool TryGet(string name, out ModelDescriptor descriptor)
    {
        descriptor = Models.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase))!;
        return descriptor is not null;
    }

    public string PathOf(ModelDescriptor descriptor) =>
        Path.IsPathRooted(descriptor.File!) ? descriptor.File! : Path.Combine(Directory, descriptor.File!);

    /// <summary>Adds (or replaces) descriptors, e.g. a user's own model described beside its .onnx file.</summary>
    public ModelManifest With(IEnumerable<ModelDescriptor> extra)
    {
        var names = extra.Select(e => e.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var merged = new ModelManifest
        {
            SchemaVersion = SchemaVersion,
            DefaultDetector = DefaultDetector,
            DefaultLandmarks = DefaultLandmarks,
            DefaultEmbedder = DefaultEmbedder,
            DefaultAttributeModels = DefaultAttributeModels,
            AdaptationReferences = AdaptationReferences,
            Models = Models.Where(m => !names.Contains(m.Name)).Concat(extra).ToList(),
        };
        merged.Directory = Directory;
        return merged;
    }

    /// <summary>
    /// Reads a user's model descriptor: a JSON file with one ModelDescriptor, whose File is relative to the JSON's folder.
    /// </summary>
    public static ModelDescriptor LoadDescriptor(string descriptorPath)
    {
        var json = System.IO.File.ReadAllText(descriptorPath);
        var d = JsonSerializer.Deserialize<ModelDescriptor>(json, JsonOptions)
            ?? throw new InvalidDataException($"The model descriptor '{descriptorPath}' is empty.");
        if (d.File is null) throw new InvalidDataException($"The model descriptor '{descriptorPath}' names no 'file'.");
        var dir = Path.GetDirectoryName(Path.GetFullPath(descriptorPath))!;
        return d with { File = Path.GetFullPath(Path.Combine(dir, d.File)) };
    }
}
