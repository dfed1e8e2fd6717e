using FaceNet.Engine.Verification;

namespace FaceNet.PowerShell.Internal;

/// <summary>
/// Says when a gallery's faces were embedded by another version of its model than this module's: their vectors differ
/// a little from the ones probes get now, so matches against them are slightly off until the photos are enrolled again.
/// </summary>
internal static class ModelVersionCheck
{
    // Models whose vectors changed since gallery files began recording the version (module 0.2.0), with the module
    // version that changed them: a file that records no version and holds one of these was embedded before the change.
    private static readonly Dictionary<string, string> ChangedIn = new(StringComparer.OrdinalIgnoreCase) { ["Clean"] = "0.2.0" };

    /// <summary>The version of a shipped model's vectors, for a new gallery file to record; null for other models.</summary>
    public static string? Current(string model) =>
        ModelResolver.Shipped.TryGet(model, out var d) ? CalibrationFingerprint.Of(ModelResolver.Shipped, d) : null;

    /// <summary>The warning for a gallery holding <paramref name="versions"/> of <paramref name="model"/>; null when there is nothing to say.</summary>
    public static string? Warning(string gallery, string? model, IReadOnlyList<string?> versions)
    {
        if (model is null || versions.Count == 0 || Current(model) is not { } current) return null;
        var others = versions.Where(v => v != current).ToArray();
        if (others.Length == 0) return null;
        const string advice = "Enrol its photos again (Export-FaceGallery ... -Force) to use this version's vectors.";
        var recorded = others.Where(v => v is not null).ToArray();
        if (recorded.Length > 0)
            return $"The gallery '{gallery}' holds faces embedded by another version of model '{model}' (fingerprint {string.Join(", ", recorded)}; this module's is {current}): matches against them are slightly off. {advice}";
        return ChangedIn.TryGetValue(model, out var since)
            ? $"The gallery '{gallery}' was written before module {since}, so its faces hold the vectors of model '{model}' before {since} changed them: matches against them are slightly off. {advice}"
            : null;
    }
}
