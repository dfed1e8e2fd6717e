using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FaceNet.Engine.Models;

namespace FaceNet.Engine.Verification;

/// <summary>
/// A short hash of everything that shapes an embedder's vectors (model file, input, alignment, mirroring,
/// centring, ensemble members and weights, and the detector/landmark models that locate the face). A calibration
/// records it; when the manifest's entry changes, the calibration is stale and must be measured again.
/// Thresholds, sources and the calibrations themselves are not part of it.
/// </summary>
public static class CalibrationFingerprint
{
    public static string Of(ModelManifest manifest, ModelDescriptor model)
    {
        var sb = new StringBuilder();
        Append(manifest, model, sb, depth: 0);
        // YuNet is named even when it is not the default detector: it reads large photos in the tools that calibrate.
        foreach (var name in new[] { manifest.DefaultDetector, "YuNet", manifest.DefaultLandmarks })
            if (manifest.TryGet(name, out var d)) sb.Append('|').Append(d.Name).Append(':').Append(VectorsSha256(d));
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString()));
        return Convert.ToHexString(hash, 0, 8).ToLowerInvariant();
    }

    /// <summary>The file that defines the vectors: the shipped one, or the earlier preparation it reproduces.</summary>
    private static string? VectorsSha256(ModelDescriptor m) => m.Preparation?.CalibratedSha256 ?? m.Sha256;

    private static void Append(ModelManifest manifest, ModelDescriptor m, StringBuilder sb, int depth)
    {
        if (depth > 4) throw new InvalidDataException($"Ensemble '{m.Name}' nests too deeply.");
        var shape = new
        {
            m.Name, m.Kind, Sha256 = VectorsSha256(m), m.Input, m.Alignment, m.OutputName, m.OutputSize, m.Metric, m.Mirror, m.Center,
            Members = m.Members?.Select(x => new { x.Model, x.Weight, x.Mirror }).ToArray(),
        };
        sb.Append(JsonSerializer.Serialize(shape, ModelManifest.JsonOptions));
        foreach (var member in m.Members ?? [])
            if (manifest.TryGet(member.Model, out var md)) Append(manifest, md, sb, depth + 1);
    }
}
