using System.Collections.Concurrent;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using FaceNet.Engine.Models;

namespace FaceNet.Engine.Adaptation;

/// <summary>
/// The shipped reference set: one model's embeddings of people outside every gallery (with a person number each),
/// stored as float16. Their different-person pair scores, before and after a gallery's projection, carry the model's
/// calibrated thresholds into the adapted space. File: "FNRF", version 1, faces, dimension (int32 each), one int32
/// person per face, then the vectors as little-endian float16.
/// </summary>
public sealed class ReferenceImpostors
{
    private const int Magic = 0x46524E46; // "FNRF"
    private static readonly ConcurrentDictionary<string, ReferenceImpostors> Loaded = new(StringComparer.Ordinal);

    public ReferenceImpostors(AdaptationReference description, float[][] vectors, int[] people)
    {
        if (vectors.Length != people.Length) throw new ArgumentException("One person per vector.");
        Description = description;
        Vectors = vectors;
        People = people;
        _plain = new Lazy<PairScores>(() => PairScores.Of(Vectors, People));
        _halves = new Lazy<(float[][], ReferenceImpostors)>(Split);
    }

    public AdaptationReference Description { get; }
    public float[][] Vectors { get; }
    public int[] People { get; }
    private readonly Lazy<PairScores> _plain;

    /// <summary>
    /// The set split by person (even and odd person numbers): faces to train against as strangers, and people kept
    /// apart to calibrate on, so no threshold is set on faces the projection was pushed away from. Made once per set.
    /// </summary>
    public (float[][] Background, ReferenceImpostors Calibration) Halves => _halves.Value;
    private readonly Lazy<(float[][], ReferenceImpostors)> _halves;

    private (float[][], ReferenceImpostors) Split()
    {
        var background = Enumerable.Range(0, Vectors.Length).Where(i => People[i] % 2 == 0).Select(i => Vectors[i]).ToArray();
        var kept = Enumerable.Range(0, Vectors.Length).Where(i => People[i] % 2 != 0).ToArray();
        return (background, new ReferenceImpostors(Description, kept.Select(i => Vectors[i]).ToArray(), kept.Select(i => People[i]).ToArray()));
    }

    /// <summary>Pair scores in the plain space (computed once per process).</summary>
    public PairScores Plain => _plain.Value;

    /// <summary>The reference set of <paramref name="model"/> in the manifest, checked against its sha256; null when the manifest has none.</summary>
    /// <exception cref="InvalidDataException">The file is missing, altered or malformed.</exception>
    public static ReferenceImpostors? For(ModelManifest manifest, string model)
    {
        var entry = manifest.AdaptationReferences.FirstOrDefault(r => string.Equals(r.Model, model, StringComparison.OrdinalIgnoreCase));
        if (entry is null) return null;
        var path = Path.Combine(manifest.Directory, entry.File);
        return Loaded.GetOrAdd(path + "|" + entry.Sha256, _ => Read(path, entry));
    }

    public static ReferenceImpostors Read(string path, AdaptationReference entry)
    {
        if (!File.Exists(path)) throw new InvalidDataException($"The adaptation reference set '{path}' is missing; reinstall the module.");
        var bytes = File.ReadAllBytes(path);
        var sha = Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
        if (entry.Sha256.Length > 0 && !string.Equals(sha, entry.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"The adaptation reference set '{path}' has sha256 {sha}, not {entry.Sha256} as models.json says: it was altered; reinstall the module.");
        using var r = new BinaryReader(new MemoryStream(bytes));
        if (r.ReadInt32() != Magic || r.ReadInt32() != 1) throw new InvalidDataException($"'{path}' is not a FaceNet reference set.");
        int n = r.ReadInt32(), dim = r.ReadInt32();
        if (n <= 1 || dim <= 0 || bytes.Length != 16 + 4L * n + 2L * n * dim) throw new InvalidDataException($"'{path}' is damaged.");
        var people = new int[n];
        for (int i = 0; i < n; i++) people[i] = r.ReadInt32();
        var vectors = new float[n][];
        var halves = new Half[dim];
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < dim; k++) halves[k] = r.ReadHalf();
            var v = new float[dim];
            TensorPrimitives.ConvertToSingle(halves, v);
            FaceNet.Engine.Vectors.VectorMath.NormalizeInPlace(v);   // float16 rounding: unit length again
            vectors[i] = v;
        }
        return new ReferenceImpostors(entry, vectors, people);
    }

    /// <summary>Writes a reference set (the lab's 'adapt reference'); returns the file's sha256.</summary>
    public static string Write(string path, IReadOnlyList<float[]> vectors, IReadOnlyList<int> people)
    {
        using (var w = new BinaryWriter(File.Create(path)))
        {
            w.Write(Magic); w.Write(1); w.Write(vectors.Count); w.Write(vectors[0].Length);
            foreach (var p in people) w.Write(p);
            foreach (var v in vectors) foreach (var x in v) w.Write((Half)x);
        }
        return Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))).ToLowerInvariant();
    }
}

/// <summary>Every pair's cosine of a labelled set, split into different-person and same-person pairs, each sorted highest first.</summary>
public sealed class PairScores
{
    private PairScores(float[] different, float[] same) { Different = different; Same = same; }

    public float[] Different { get; }
    public float[] Same { get; }

    /// <param name="sort">False leaves the scores in pair order (for <see cref="KthHighestPair"/>, which needs no sort).</param>
    public static PairScores Of(IReadOnlyList<float[]> vectors, IReadOnlyList<int> people, bool sort = true)
    {
        int n = vectors.Count;
        var sameBefore = new long[n + 1];
        for (int i = 0; i < n; i++)
        {
            long s = 0;
            for (int j = i + 1; j < n; j++) if (people[i] == people[j]) s++;
            sameBefore[i + 1] = sameBefore[i] + s;
        }
        long total = (long)n * (n - 1) / 2, sameCount = sameBefore[n];
        var diff = new float[total - sameCount];
        var same = new float[sameCount];
        Parallel.For(0, n, i => Row(i, vectors, people, sameBefore, diff, same));
        return sort ? new PairScores(Descending(diff), Descending(same)) : new PairScores(diff, same);
    }

    /// <summary>
    /// The k-th and (k+1)-th highest of <paramref name="scores"/> (1-based k), highest first, by quickselect: the
    /// same two values a full sort would give, in linear time. Reorders the array.
    /// </summary>
    public static float[] KthHighestPair(float[] scores, long k)
    {
        if (k < 1 || k >= scores.Length) throw new ArgumentOutOfRangeException(nameof(k));
        long lo = 0, hi = scores.Length - 1, target = k - 1;
        while (lo < hi)
        {
            float pivot = scores[(lo + hi) >>> 1];
            long i = lo, j = hi;
            while (i <= j)
            {
                while (scores[i] > pivot) i++;
                while (scores[j] < pivot) j--;
                if (i <= j) { (scores[i], scores[j]) = (scores[j], scores[i]); i++; j--; }
            }
            if (target <= j) hi = j;
            else if (target >= i) lo = i;
            else break;
        }
        float next = float.MinValue;
        for (long x = k; x < scores.Length; x++) if (scores[x] > next) next = scores[x];
        return [scores[target], next];
    }

    /// <summary>Row i's pairs (i, j &gt; i): different-person ones at the row's offset, same-person ones among the same pairs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // short calls: not left at the tiered JIT's first tier
    private static void Row(int i, IReadOnlyList<float[]> vectors, IReadOnlyList<int> people, long[] sameBefore, float[] diff, float[] same)
    {
        int n = vectors.Count;
        long rowStart = (long)i * n - (long)i * (i + 1) / 2;   // pairs of the rows before i
        long d = rowStart - sameBefore[i], s = sameBefore[i];
        var vi = vectors[i];
        for (int j = i + 1; j < n; j++)
        {
            float c = TensorPrimitives.Dot(vi, vectors[j]);
            if (people[i] == people[j]) same[s++] = c; else diff[d++] = c;
        }
    }

    private static float[] Descending(float[] all)
    {
        Array.Sort(all);
        Array.Reverse(all);
        return all;
    }
}
