using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace FaceNet.Engine.Adaptation;

/// <summary>
/// Learns a linear projection from labelled embeddings with the batch-hard triplet loss (Hermans et al. 2017): in
/// each batch of P people x K faces, every face is an anchor against its least similar same-person face and its most
/// similar other-person face. Gradients are written out by hand (the model is one matrix); single-threaded and seeded,
/// so the result is the same on every run.
/// </summary>
public static class TripletTrainer
{
    /// <summary>The trained projection and the mean batch loss of the first and last tenth of the steps.</summary>
    public sealed record Result(LinearProjection Projection, double FirstLoss, double LastLoss);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Result Train(IReadOnlyList<float[]> vectors, IReadOnlyList<int> labels, TripletOptions options, CancellationToken cancel = default)
    {
        if (vectors.Count != labels.Count) throw new ArgumentException("One label per vector.");
        if (vectors.Count == 0) throw new ArgumentException("No vectors to train on.");
        int din = vectors[0].Length, dout = options.OutputDimension;
        var start = LinearProjection.Identity(dout, din);
        var w0 = start.Matrix;
        var w = (float[])w0.Clone();
        var m = new float[w.Length];
        var v = new float[w.Length];
        var grad = new float[w.Length];
        var scratch = new float[w.Length];

        // People with at least two faces can be anchors; batches draw from them.
        var byPerson = vectors.Select((_, i) => i).GroupBy(i => labels[i]).Where(g => g.Count() >= 2)
            .OrderBy(g => g.Key).Select(g => g.ToArray()).ToArray();
        if (byPerson.Length < 2) throw new ArgumentException("Training needs at least two people with two faces each.");
        var rng = new Random(options.Seed);
        double b1 = 0.9, b2 = 0.999, eps = 1e-8, lr = options.LearningRate, margin = options.Margin, decay = options.WeightDecay;
        int tenth = Math.Max(1, options.Steps / 10);
        double first = 0, last = 0;
        for (int step = 1; step <= options.Steps; step++)
        {
            cancel.ThrowIfCancellationRequested();
            var batch = Sample(byPerson, options.PeoplePerBatch, options.FacesPerPerson, rng);
            double loss = Step(w, w0, grad, vectors, labels, batch, din, dout, margin, decay);
            if (step <= tenth) first += loss / tenth;
            if (step > options.Steps - tenth) last += loss / tenth;
            // Adam, bias-corrected, as whole-array vector operations (the matrix has 147,456 weights at 384x384).
            float c1 = (float)(1 - Math.Pow(b1, step)), c2 = (float)(1 - Math.Pow(b2, step));
            TensorPrimitives.Multiply(m, (float)b1, m);
            TensorPrimitives.MultiplyAdd(grad, (float)(1 - b1), m, m);
            TensorPrimitives.Multiply(grad, grad, scratch);
            TensorPrimitives.Multiply(v, (float)b2, v);
            TensorPrimitives.MultiplyAdd(scratch, (float)(1 - b2), v, v);
            TensorPrimitives.Multiply(v, 1 / c2, scratch);
            TensorPrimitives.Sqrt(scratch, scratch);
            TensorPrimitives.Add(scratch, (float)eps, scratch);
            TensorPrimitives.Divide(m, scratch, scratch);
            TensorPrimitives.MultiplyAdd(scratch, (float)(-lr / c1), w, w);
        }
        return new Result(new LinearProjection(dout, din, w), first, last);
    }

    private static int[] Sample(int[][] byPerson, int people, int perPerson, Random rng)
    {
        var chosen = byPerson.Length <= people ? byPerson : Shuffle(byPerson.ToArray(), rng).Take(people).ToArray();
        var batch = new List<int>(chosen.Length * perPerson);
        foreach (var faces in chosen)
            batch.AddRange(faces.Length <= perPerson ? faces : Shuffle(faces.ToArray(), rng).Take(perPerson));
        return batch.ToArray();
    }

    private static T[] Shuffle<T>(T[] items, Random rng)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
        return items;
    }

    /// <summary>One batch: the loss, and its gradient (plus the weight decay's) in <paramref name="grad"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Step(float[] w, float[] w0, float[] grad, IReadOnlyList<float[]> vectors, IReadOnlyList<int> labels,
        int[] batch, int din, int dout, double margin, double decay)
    {
        int n = batch.Length;
        var z = new float[n][];
        var norms = new float[n];
        // Each face, and below each row of the gradient, is computed on its own: parallel, and the same on every run.
        Parallel.For(0, n, i => z[i] = Forward(w, vectors[batch[i]], din, dout, out norms[i]));
        var gz = new float[n][];
        for (int i = 0; i < n; i++) gz[i] = new float[dout];
        double loss = 0;
        for (int a = 0; a < n; a++)
        {
            int pos = -1, neg = -1;
            float cp = float.MaxValue, cn = float.MinValue;
            for (int j = 0; j < n; j++)
            {
                if (j == a) continue;
                float c = TensorPrimitives.Dot(z[a], z[j]);
                if (labels[batch[j]] == labels[batch[a]]) { if (c < cp) { cp = c; pos = j; } }
                else if (c > cn) { cn = c; neg = j; }
            }
            if (pos < 0 || neg < 0) continue;
            // Squared distances of unit vectors: d = 2 - 2 cos, so l = 2 (cos_an - cos_ap) + margin.
            double l = 2 * (cn - cp) + margin;
            if (l <= 0) continue;
            loss += l / n;
            float s = (float)(2.0 / n);
            TensorPrimitives.MultiplyAdd(z[neg], s, gz[a], gz[a]);
            TensorPrimitives.MultiplyAdd(z[pos], -s, gz[a], gz[a]);
            TensorPrimitives.MultiplyAdd(z[a], s, gz[neg], gz[neg]);
            TensorPrimitives.MultiplyAdd(z[a], -s, gz[pos], gz[pos]);
        }
        // Through the normalisation: dL/du = (gz - (gz . z) z) / |u|; then dL/dW = sum of outer products with x.
        TensorPrimitives.Subtract(w, w0, grad);
        TensorPrimitives.Multiply(grad, (float)decay, grad);
        var active = new List<int>(n);
        for (int i = 0; i < n; i++)
        {
            var g = gz[i];
            if (TensorPrimitives.MaxMagnitude(g) == 0) continue;
            float dot = TensorPrimitives.Dot(g, z[i]);
            TensorPrimitives.MultiplyAdd(z[i], -dot, g, g);
            TensorPrimitives.Divide(g, norms[i], g);
            active.Add(i);
        }
        Parallel.For(0, dout, r => GradientRow(grad.AsSpan(r * din, din), r, active, gz, vectors, batch));
        return loss + 0.5 * decay * SquaredDistance(w, w0);
    }

    // The hot loops are whole methods optimised at once: run at the tiered JIT's first tier, the first training in a
    // process took 2.6 s instead of 0.4 s (each call is short, so it is not promoted until the loop is nearly done).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float[] Forward(float[] w, float[] x, int din, int dout, out float norm)
    {
        var u = new float[dout];
        for (int r = 0; r < dout; r++) u[r] = TensorPrimitives.Dot(w.AsSpan(r * din, din), x);
        norm = Math.Max(TensorPrimitives.Norm(u), 1e-12f);
        TensorPrimitives.Divide(u, norm, u);
        return u;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GradientRow(Span<float> row, int r, List<int> active, float[][] gz, IReadOnlyList<float[]> vectors, int[] batch)
    {
        foreach (int i in active)
            if (gz[i][r] != 0) TensorPrimitives.MultiplyAdd(vectors[batch[i]], gz[i][r], row, row);
    }

    private static double SquaredDistance(float[] a, float[] b)
    {
        float d = TensorPrimitives.Distance(a, b);
        return (double)d * d;
    }
}
