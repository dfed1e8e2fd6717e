using System.Buffers;
using System.Numerics.Tensors;

namespace FaceNet.Engine.Recognition;

/// <summary>
/// An exact 1:N search structure: the gallery's L2-normalised vectors in one contiguous row-major block, scanned
/// with SIMD dot products (TensorPrimitives) for every probe. Faces that share a label are one identity, scored
/// by its best face; unlabelled faces are identities of their own. No approximation: the top identity is the true
/// nearest one.
/// </summary>
public sealed class GalleryIndex
{
    private readonly float[] _matrix;
    private readonly int[] _identityOfRow;
    private readonly string?[] _identityLabel;
    private readonly int[] _identityFaces;

    /// <param name="vectors">One vector per gallery face, all the same length (L2-normalised for cosine scores).</param>
    /// <param name="labels">One label per face (null or empty: unlabelled). Labels compare ordinally.</param>
    public GalleryIndex(IReadOnlyList<float[]> vectors, IReadOnlyList<string?> labels)
    {
        if (vectors.Count != labels.Count) throw new ArgumentException("Every gallery vector needs a label entry (null for none).");
        Count = vectors.Count;
        Dimension = Count == 0 ? 0 : vectors[0].Length;
        _matrix = new float[(long)Count * Dimension];
        _identityOfRow = new int[Count];
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var identityLabel = new List<string?>();
        var identityFaces = new List<int>();
        for (int i = 0; i < Count; i++)
        {
            var v = vectors[i];
            if (v.Length != Dimension) throw new ArgumentException($"Gallery vector {i} has {v.Length} dimensions, not {Dimension}.");
            v.CopyTo(_matrix, (long)i * Dimension);
            var label = string.IsNullOrEmpty(labels[i]) ? null : labels[i];
            int id;
            if (label is null) { id = identityLabel.Count; identityLabel.Add(null); identityFaces.Add(0); }
            else if (!ids.TryGetValue(label, out id)) { id = identityLabel.Count; ids[label] = id; identityLabel.Add(label); identityFaces.Add(0); }
            _identityOfRow[i] = id;
            identityFaces[id]++;
        }
        _identityLabel = identityLabel.ToArray();
        _identityFaces = identityFaces.ToArray();
    }

    public int Count { get; }
    public int Dimension { get; }
    public int IdentityCount => _identityLabel.Length;
    public string? LabelOf(int identity) => _identityLabel[identity];
    public int IdentityOfRow(int row) => _identityOfRow[row];

    /// <summary>Dot product of the probe with every gallery row.</summary>
    public void Scores(ReadOnlySpan<float> probe, Span<float> scores)
    {
        if (probe.Length != Dimension) throw new ArgumentException($"The probe has {probe.Length} dimensions; the gallery has {Dimension}.");
        if (scores.Length < Count) throw new ArgumentException("The score buffer is too short.");
        ReadOnlySpan<float> m = _matrix;
        int d = Dimension;
        for (int i = 0; i < Count; i++)
            scores[i] = TensorPrimitives.Dot(m.Slice(i * d, d), probe);
    }

    /// <summary>The <paramref name="top"/> best identities for the probe, best first (ties: lower identity index first).</summary>
    public IReadOnlyList<IdentityCandidate> Search(ReadOnlySpan<float> probe, int top = 1)
    {
        if (Count == 0 || top <= 0) return [];
        var scores = ArrayPool<float>.Shared.Rent(Count);
        var best = ArrayPool<float>.Shared.Rent(IdentityCount);
        var bestRow = ArrayPool<int>.Shared.Rent(IdentityCount);
        try
        {
            Scores(probe, scores);
            Array.Fill(best, float.NegativeInfinity, 0, IdentityCount);
            for (int i = 0; i < Count; i++)
            {
                int id = _identityOfRow[i];
                if (scores[i] > best[id]) { best[id] = scores[i]; bestRow[id] = i; }
            }
            top = Math.Min(top, IdentityCount);
            // Keep the top identities in a small min-heap: O(identities * log top).
            var heap = new PriorityQueue<int, (float Score, int NegId)>(top + 1);
            for (int id = 0; id < IdentityCount; id++)
            {
                var key = (best[id], -id);
                if (heap.Count < top) heap.Enqueue(id, key);
                else
                {
                    heap.TryPeek(out _, out var worst);
                    if (key.CompareTo(worst) > 0) heap.EnqueueDequeue(id, key);
                }
            }
            var result = new IdentityCandidate[heap.Count];
            for (int k = result.Length - 1; k >= 0; k--)
            {
                int id = heap.Dequeue();
                result[k] = new IdentityCandidate(id, _identityLabel[id], bestRow[id], best[id], _identityFaces[id]);
            }
            return result;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scores);
            ArrayPool<float>.Shared.Return(best);
            ArrayPool<int>.Shared.Return(bestRow);
        }
    }
}
