using FaceNet.Engine.Vectors;

namespace FaceNet.Engine.Verification;

/// <summary>Compares every reference face with every difference face; the math behind Compare-Face and Test-FaceMatch.</summary>
public static class FaceComparer
{
    /// <summary>Throws <see cref="ModelMismatchException"/> unless all faces come from one model and have one length.</summary>
    public static void EnsureComparable(IEnumerable<ComparableFace> faces)
    {
        ComparableFace? first = null;
        foreach (var f in faces)
        {
            if (first is null) { first = f; continue; }
            if (!string.Equals(f.Model, first.Model, StringComparison.OrdinalIgnoreCase))
                throw new ModelMismatchException(first.Model, f.Model,
                    $"Cannot compare an embedding of model '{f.Model}' with one of model '{first.Model}': only embeddings of the same model are comparable. " +
                    $"Compute both with the same -Model.");
            if (f.Vector.Length != first.Vector.Length)
                throw new ModelMismatchException(first.Model, f.Model,
                    $"Cannot compare a {f.Vector.Length}-d embedding with a {first.Vector.Length}-d one (both say model '{f.Model}'): they come from different models.");
        }
    }

    /// <summary>
    /// The first face that cannot be compared under <paramref name="model"/> (another model, or another length than
    /// the first face), with the exception that says why; null when all can.
    /// </summary>
    public static (int Index, ModelMismatchException Error)? FindMismatch(string model, IReadOnlyList<ComparableFace> faces)
    {
        for (int i = 0; i < faces.Count; i++)
        {
            var f = faces[i];
            if (!string.Equals(f.Model, model, StringComparison.OrdinalIgnoreCase))
                return (i, new ModelMismatchException(model, f.Model,
                    $"Cannot compare an embedding of model '{f.Model}' with model '{model}': embeddings of different models are not comparable. " +
                    $"Compute both with the same model (-Model {f.Model}, or Get-FaceEmbedding -Model {model})."));
            if (f.Vector.Length != faces[0].Vector.Length)
                return (i, new ModelMismatchException(model, f.Model,
                    $"Cannot compare a {f.Vector.Length}-d embedding with a {faces[0].Vector.Length}-d one: they come from different models."));
        }
        return null;
    }

    public static double Cosine(float[] a, float[] b) => VectorMath.CosineSimilarity(a, b);

    /// <summary>
    /// All pairs, best first (highest cosine; ties by difference then reference index). top &gt; 0 keeps, for each
    /// reference face, its top most similar difference faces (across all differences): "who in these photos
    /// looks most like this person".
    /// </summary>
    public static List<FaceComparison> Compare(IReadOnlyList<ComparableFace> references, IReadOnlyList<ComparableFace> differences,
        SimilarityScale scale, double thresholdCosine, int top = 0)
    {
        EnsureComparable(references.Concat(differences));
        var result = new List<FaceComparison>(references.Count * differences.Count);
        for (int r = 0; r < references.Count; r++)
        {
            var row = new List<FaceComparison>(differences.Count);
            for (int d = 0; d < differences.Count; d++)
            {
                double cos = Cosine(references[r].Vector, differences[d].Vector);
                double distance = VectorMath.EuclideanDistance(references[r].Vector, differences[d].Vector);
                row.Add(new FaceComparison(r, d, cos, distance, scale.ToSimilarity(cos), cos >= thresholdCosine));
            }
            row.Sort(BestFirst);
            result.AddRange(top > 0 ? row.Take(top) : row);
        }
        result.Sort(BestFirst);
        return result;
    }

    private static int BestFirst(FaceComparison a, FaceComparison b)
    {
        int c = b.Cosine.CompareTo(a.Cosine);
        if (c != 0) return c;
        c = a.Difference.CompareTo(b.Difference);
        return c != 0 ? c : a.Reference.CompareTo(b.Reference);
    }
}
