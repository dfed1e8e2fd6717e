using FaceNet.Engine.Models;
using FaceNet.Engine.Verification;

namespace FaceNet.Lab;

/// <summary>
/// The lab's one on-disk embedding cache: one vector (or none, for a photo without a face) per photo of a set,
/// in the set's photo order, in a file named after the model, its calibration fingerprint (everything that shapes
/// its vectors, detector and landmarks included), the set and its photo count. A change to any of them is a new
/// file, so a cache can never be stale; a file whose photo list differs is ignored.
/// </summary>
public static class VectorCache
{
    private const int Magic = 0x46564331; // "FVC1"

    /// <summary>out/&lt;tool&gt;/&lt;model&gt;-&lt;fingerprint&gt;-&lt;set&gt;-&lt;count&gt;.bin</summary>
    public static string FileFor(string folder, ModelManifest manifest, string model, string set, int count) =>
        Path.Combine(folder, $"{model}-{CalibrationFingerprint.Of(manifest, manifest.Get(model))}-{set}-{count}.bin");

    public static void Write(string file, IReadOnlyList<string> keys, IReadOnlyList<float[]?> vectors)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        var tmp = file + ".tmp";
        using (var w = new BinaryWriter(File.Create(tmp)))
        {
            w.Write(Magic);
            w.Write(keys.Count);
            for (int i = 0; i < keys.Count; i++)
            {
                w.Write(keys[i]);
                var v = vectors[i];
                w.Write(v?.Length ?? 0);
                if (v is not null) foreach (var x in v) w.Write(x);
            }
        }
        File.Move(tmp, file, overwrite: true);
    }

    /// <summary>The vectors, or null when there is no such file or it holds other photos.</summary>
    public static float[]?[]? TryRead(string file, IReadOnlyList<string> keys)
    {
        if (!File.Exists(file)) return null;
        using var r = new BinaryReader(File.OpenRead(file));
        if (r.BaseStream.Length < 8 || r.ReadInt32() != Magic || r.ReadInt32() != keys.Count) return null;
        var vectors = new float[]?[keys.Count];
        for (int i = 0; i < keys.Count; i++)
        {
            if (r.ReadString() != keys[i]) return null;
            int n = r.ReadInt32();
            if (n == 0) continue;
            var v = new float[n];
            for (int k = 0; k < n; k++) v[k] = r.ReadSingle();
            vectors[i] = v;
        }
        return vectors;
    }
}
