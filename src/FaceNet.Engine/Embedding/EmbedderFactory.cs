using System.Collections.Concurrent;
using FaceNet.Engine.Models;

namespace FaceNet.Engine.Embedding;

/// <summary>Builds embedders from manifest entries; instances are cheap, the ONNX sessions behind them are shared.</summary>
public static class EmbedderFactory
{
    private static readonly ConcurrentDictionary<(ModelManifest, string), IFaceEmbedder> s_cache = new();

    public static IFaceEmbedder Create(ModelManifest manifest, string name) =>
        s_cache.GetOrAdd((manifest, name.ToLowerInvariant()), key => Build(key.Item1, key.Item1.Get(name)));

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
