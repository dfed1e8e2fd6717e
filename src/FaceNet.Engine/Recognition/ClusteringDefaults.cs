using FaceNet.Engine.Models;

namespace FaceNet.Engine.Recognition;

/// <summary>
/// Group-Face's default cut per shipped embedder, chosen by pairwise F1 on all LFW View 1 photos
/// (tools/FaceNet.Lab recognition cluster). Other models fall back to their verification threshold.
/// </summary>
public static class ClusteringDefaults
{
    /// <summary>Pairs this far below the cut are not stored (see ClusteringOptions.Floor).</summary>
    public const double FloorBelowCut = 0.05;

    private static readonly Dictionary<string, double> s_cuts = new(StringComparer.OrdinalIgnoreCase)
    {
        ["MobileFaceNet"] = 0.45,
        ["Ensemble"] = 0.86,
        ["Clean"] = 0.87,
    };

    public static double CutFor(string model, ModelManifest? manifest = null)
    {
        if (s_cuts.TryGetValue(model, out var cut)) return cut;
        manifest ??= TryDefault();
        if (manifest is not null && manifest.TryGet(model, out var d) && d.DefaultThreshold is { } t) return t;
        return 0.5;
    }

    public static ClusteringOptions OptionsFor(double cut) => new() { Cut = cut, Floor = cut - FloorBelowCut };

    private static ModelManifest? TryDefault()
    {
        try { return ModelLocator.Default; } catch (Exception) { return null; }
    }
}
