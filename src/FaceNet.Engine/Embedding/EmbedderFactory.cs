using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using FaceNet.Engine.Models;

namespace FaceNet.Engine.Embedding;

/// <summary>Builds embedders from manifest entries; instances are cheap, the ONNX sessions behind them are shared.</summary>
public static class EmbedderFactory
{
    // Per manifest, and gone with it: a user's -ModelPath makes a new manifest per command, which must not pile up.
    private static readonly ConditionalWeakTable<ModelManifest, ConcurrentDictionary<string, IFaceEmbedder>> s_cache = new();

    public static IFaceEmbedder Create(ModelManifest manifest, string name) =>
        s_cache.GetValue(manifest, _ => new(StringComparer.OrdinalIgnoreCase))
            .GetOrAdd(name, n => Build(manifest, manifest.Get(n)));

    private static IFaceEmbedder Build(ModelManifest manifest, ModelDescriptor d)
    {
        if (d.Kind == "Ensemble")
        {
            var members = (d.Members ?? throw new InvalidDataException($"Ensemble '{d.Name}' has no members."))
                .Select(m => ((IFaceEmbedder)new OnnxFaceEmbedder(manifest, manifest.Get(m.Model), m.Mirror), m.Weight))
                .ToList();
            return new EnsembleEmbedder(d.Name, d.DefaultThreshold ?? 0.5f, members);
        }
        if (d.Kind != "Embedder")
            throw new ArgumentException($"Model '{d.Name}' is a {d.Kind}, not an embedder.");
        return new OnnxFaceEmbedder(manifest, d);
    }
}
