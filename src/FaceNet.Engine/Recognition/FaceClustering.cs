using System.Numerics.Tensors;

namespace FaceNet.Engine.Recognition;

/// <summary>
/// Agglomerative clustering with average linkage and a cut on the average cosine, over a sparse similarity graph,
/// with a cannot-link constraint between faces of the same photo. Exact pairwise cosines are computed once
/// (SIMD, in parallel); merges are taken best-first from a heap.
/// </summary>
public static class FaceClustering
{
    public static IReadOnlyList<FaceCluster> Cluster(IReadOnlyList<float[]> vectors, IReadOnlyList<string?>? sources, ClusteringOptions? options = null)
    {
        options ??= new ClusteringOptions();
        if (!(options.Floor < options.Cut)) throw new ArgumentException("The clustering floor must be below the cut.");
        int n = vectors.Count;
        if (n == 0) return [];
        int dim = vectors[0].Length;
        foreach (var v in vectors)
            if (v.Length != dim) throw new ArgumentException("All embeddings to cluster must have the same length (same model).");

        // 1. Sparse graph: every pair with cosine >= floor.
        var flat = new float[(long)n * dim];
        for (int i = 0; i < n; i++) vectors[i].CopyTo(flat, (long)i * dim);
        var neighbours = new Dictionary<int, (double Sum, int Count)>[n];
        var rowEdges = new List<(int J, float Cos)>[n];
        float floor = (float)options.Floor;
        Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.MaxDegreeOfParallelism) }, i =>
        {
            var list = new List<(int, float)>();
            var a = new ReadOnlySpan<float>(flat, i * dim, dim);
            for (int j = i + 1; j < n; j++)
            {
                float c = TensorPrimitives.Dot(a, new ReadOnlySpan<float>(flat, j * dim, dim));
                if (c >= floor) list.Add((j, c));
            }
            rowEdges[i] = list;
        });
        for (int i = 0; i < n; i++) neighbours[i] = new Dictionary<int, (double, int)>();
        for (int i = 0; i < n; i++)
            foreach (var (j, c) in rowEdges[i])
            {
                neighbours[i][j] = (c, 1);
                neighbours[j][i] = (c, 1);
            }
        rowEdges = null!;

        // 2. Cannot-link: the sources (photos) in each cluster.
        HashSet<string>?[] clusterSources = new HashSet<string>?[n];
        if (options.SeparateSameSource && sources is not null)
            for (int i = 0; i < n; i++)
                if (!string.IsNullOrEmpty(sources[i])) clusterSources[i] = new HashSet<string>(StringComparer.Ordinal) { sources[i]! };

        // 3. Best-first merges.
        var size = new int[n];
        var version = new int[n];
        var parent = new int[n];
        for (int i = 0; i < n; i++) { size[i] = 1; parent[i] = i; }
        double cut = options.Cut;
        var heap = new PriorityQueue<(int A, int B, int VA, int VB), double>(Comparer<double>.Create((x, y) => y.CompareTo(x)));
        for (int i = 0; i < n; i++)
            foreach (var (j, e) in neighbours[i])
                if (i < j && e.Sum >= cut) heap.Enqueue((i, j, 0, 0), e.Sum);

        while (heap.TryDequeue(out var pair, out double avg))
        {
            if (avg < cut) break;
            var (a, b, va, vb) = pair;
            if (parent[a] != a || parent[b] != b || version[a] != va || version[b] != vb) continue;
            if (Conflict(clusterSources[a], clusterSources[b])) continue;
            if (size[a] < size[b]) (a, b) = (b, a);
            // Merge b into a.
            parent[b] = a;
            size[a] += size[b];
            version[a]++;
            var na = neighbours[a];
            na.Remove(b);
            foreach (var (c, e) in neighbours[b])
            {
                if (c == a) continue;
                var nc = neighbours[c];
                nc.Remove(b);
                var merged = na.TryGetValue(c, out var old) ? (old.Sum + e.Sum, old.Count + e.Count) : e;
                na[c] = merged;
                nc[a] = merged;
            }
            neighbours[b] = null!;
            if (clusterSources[b] is { } sb)
            {
                if (clusterSources[a] is null) clusterSources[a] = sb;
                else clusterSources[a]!.UnionWith(sb);
                clusterSources[b] = null;
            }
            foreach (var (c, e) in na)
            {
                double pairs = (double)size[a] * size[c];
                double average = (e.Sum + (pairs - e.Count) * options.Floor) / pairs;
                if (average >= cut) heap.Enqueue((a, c, version[a], version[c]), average);
            }
        }

        // 4. Clusters and medoids.
        var members = new Dictionary<int, List<int>>();
        for (int i = 0; i < n; i++)
        {
            int r = Find(parent, i);
            if (!members.TryGetValue(r, out var list)) members[r] = list = [];
            list.Add(i);
        }
        return members.Values
            .Select(m => new FaceCluster(m.ToArray(), Medoid(m, flat, dim)))
            .OrderByDescending(c => c.Members.Length).ThenBy(c => c.Members[0])
            .ToList();
    }

    private static int Find(int[] parent, int i)
    {
        while (parent[i] != i) { parent[i] = parent[parent[i]]; i = parent[i]; }
        return i;
    }

    private static bool Conflict(HashSet<string>? a, HashSet<string>? b)
    {
        if (a is null || b is null) return false;
        if (a.Count > b.Count) (a, b) = (b, a);
        foreach (var s in a) if (b.Contains(s)) return true;
        return false;
    }

    /// <summary>The member with the highest total cosine to the other members (the first on ties).</summary>
    public static int Medoid(IReadOnlyList<int> rows, float[] flat, int dim)
    {
        if (rows.Count <= 2) return rows[0];
        var totals = new double[rows.Count];
        for (int x = 0; x < rows.Count; x++)
        {
            var a = new ReadOnlySpan<float>(flat, rows[x] * dim, dim);
            for (int y = x + 1; y < rows.Count; y++)
            {
                double c = TensorPrimitives.Dot(a, new ReadOnlySpan<float>(flat, rows[y] * dim, dim));
                totals[x] += c; totals[y] += c;
            }
        }
        int best = 0;
        for (int x = 1; x < rows.Count; x++) if (totals[x] > totals[best]) best = x;
        return rows[best];
    }
}
