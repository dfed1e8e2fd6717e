using FaceNet.Engine.Models;

namespace FaceNet.PowerShell.Internal;

/// <summary>
/// Resolves -Model / -ModelPath to a manifest and model name. A user's own ONNX file is described by a
/// JSON descriptor beside it (same name, .json), in the same schema as an entry of models/models.json.
/// </summary>
internal static class ModelResolver
{
    public static ModelManifest Shipped => ModelLocator.Default;

    public static (ModelManifest Manifest, string Model) Resolve(string? model, string? modelPath)
    {
        var manifest = Shipped;
        if (!string.IsNullOrEmpty(modelPath))
        {
            var full = System.IO.Path.GetFullPath(modelPath);
            if (!File.Exists(full))
                throw new FileNotFoundException(Directory.Exists(full)
                    ? $"-ModelPath '{full}' is a folder; give the .onnx file of your embedder."
                    : $"The model file '{full}' does not exist. -ModelPath names your embedder's .onnx file (with a .json descriptor of the same name beside it).", full);
            var descriptorPath = System.IO.Path.ChangeExtension(full, ".json");
            if (!File.Exists(descriptorPath))
                throw new FileNotFoundException(
                    $"The model '{full}' needs a descriptor '{descriptorPath}' (input size, colour order, normalisation, alignment, output size, metric, threshold; same schema as models/models.json entries).",
                    descriptorPath);
            var descriptor = ModelManifest.LoadDescriptor(descriptorPath) with { File = full };
            if (!descriptor.IsEmbedder)
                throw new InvalidDataException(
                    $"The descriptor '{descriptorPath}' must describe an embedder (\"kind\": \"Embedder\"), not '{descriptor.Kind}'.");
            return (manifest.With([descriptor]), descriptor.Name);
        }
        var name = string.IsNullOrEmpty(model) ? manifest.DefaultEmbedder : model!;
        if (!manifest.TryGet(name, out var d) || !d.IsEmbedder)
            throw new ArgumentException(
                $"Unknown model '{name}'. Shipped embedders: {string.Join(", ", manifest.Models.Where(m => m.IsEmbedder).Select(m => m.Name))}; or use -ModelPath with your own ONNX file.");
        return (manifest, d.Name);
    }
}
