using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace FaceNet.Engine.Adaptation;

/// <summary>
/// Learns a linear projection from labelled embeddings with the batch-hard triplet loss (Hermans et al. 2017): in
/// each batch of P people x K faces, every face is an anchor against its least similar same-person face and its most
/// similar other-person face, and (with strangers, faces of people outside the gallery) against its most similar
/// stranger as a triplet of its own. Gradients are written out by hand (the model is one matrix); seeded, and summed
/// in a fixed order where faces and rows run in parallel, so the result is the same on every run.
/// </summary>
public static class TripletTrainer
{
    /// <summary>The trained projection and the mean batch loss of the first and last tenth of the steps.</summary>
    public sealed record Result(LinearProjection Projection, double FirstLoss, double LastLoss);

    public static Result Train(IReadOnlyList<float[]> vectors, IReadOnlyList<int> labels, TripletOptions options, CancellationToken cancel = default)
        => Train(vectors, labels, options, background: null, cancel);

    /// <param name="background">
    /// Faces of people outside the gallery, used only as negatives (<see cref="TripletOptions.BackgroundPerBatch"/> a
    /// batch): the gallery's people are pushed away from strangers too, not only from each other.
    /// </param>
    /// <param name="stepsDone">Called with the steps done, every 5% of them (for a progress bar).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Result Train(IReadOnlyList<float[]> vectors, IReadOnlyList<int> labels, TripletOptions options,
        IReadOnlyList<float[]>? background, CancellationToken cancel = default, Action<int>? stepsDone = null)
    {
        if (vectors.Count != labels.Count) throw new ArgumentException("One label per vector.");
        if (vectors.Count == 0) throw new ArgumentException("No vectors to train on.");
        if (labels.Any(l => l < 0)) throw new ArgumentException("Labels are 0 or more.");
        int galleryCount = vectors.Count, backgroundCount = options.BackgroundPerBatch > 0 ? background?.Count ?? 0 : 0;
        if (backgroundCount > 0)
        {
            // One list: the gallery's faces, then the background's, each with a label of its own below 0 (never a positive, never an anchor).
            vectors = vectors.Concat(background!).ToArray();
            labels = labels.Concat(Enumerable.Range(0, backgroundCount).Select(k => -1 - k)).ToArray();
        }
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
            if (backgroundCount > 0) batch = batch.Concat(SampleBackground(galleryCount, backgroundCount, options.BackgroundPerBatch, rng)).ToArray();
            double loss = Step(w, w0, grad, vectors, labels, batch, din, dout, margin, decay, options.NegativePeople);
            if (step <= tenth) first += loss / tenth;
            if (step > options.Steps - tenth) last += loss / tenth;
            if (stepsDone is not null && step % Math.Max(1, options.Steps / 20) == 0) stepsDone(step);
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

    private static IEnumerable<int> SampleBackground(int offset, int count, int take, Random rng)
    {
        if (take >= count) return Enumerable.Range(offset, count);
        var chosen = new HashSet<int>();
        while (chosen.Count < take) chosen.Add(rng.Next(count));
        return chosen.Order().Select(k => offset + k);
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
    /// <param name="perAnchor">Other gallery people each anchor is pushed from (TripletOptions.NegativePeople).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Step(float[] w, float[] w0, float[] grad, IReadOnlyList<float[]> vectors, IReadOnlyList<int> labels,
        int[] batch, int din, int dout, double margin, double decay, int perAnchor)
    {
        int n = batch.Length;
        var z = new float[n][];
        var norms = new float[n];
        // Each face, and below each row of the gradient, is computed on its own: parallel, and the same on every run.
        Parallel.For(0, n, i => z[i] = Forward(w, vectors[batch[i]], din, dout, out norms[i]));
        var gz = new float[n][];
        for (int i = 0; i < n; i++) gz[i] = new float[dout];
        double loss = 0;
        int anchors = batch.Count(i => labels[i] >= 0);   // the loss is a mean over the gallery's faces, however many strangers join
        // Each anchor's hardest faces are found on their own (in parallel); the triplets are then added in anchor order,
        // so the sums, and the result, are the same on every run.
        var hardest = new (int Pos, int Bg, float Cp, float Cb)[n];
        var negatives = new int[n * perAnchor];
        var negativeCos = new float[n * perAnchor];
        Parallel.For(0, n, a => hardest[a] = Hardest(a, z, labels, batch, negatives.AsSpan(a * perAnchor, perAnchor), negativeCos.AsSpan(a * perAnchor, perAnchor)));
        for (int a = 0; a < n; a++)
        {
            var (pos, bg, cp, cb) = hardest[a];
            if (pos < 0) continue;
            // The hardest other people of the gallery and, apart, the hardest stranger: each its own triplet, so strangers
            // never crowd the gallery's look-alikes out of the loss.
            for (int k = a * perAnchor; k < (a + 1) * perAnchor; k++)
                loss += Triplet(a, pos, negatives[k], cp, negativeCos[k], z, gz, margin, anchors);
            loss += Triplet(a, pos, bg, cp, cb, z, gz, margin, anchors);
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

    /// <summary>
    /// An anchor's least similar same-person face and most similar stranger (-1: none; a stranger is no anchor), and in
    /// <paramref name="neg"/> the most similar face of each of its most similar other gallery people, most similar first.
    /// A batch holds each person's faces side by side, so a run of one label is one person.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (int, int, float, float) Hardest(int a, float[][] z, IReadOnlyList<int> labels, int[] batch, Span<int> neg, Span<float> cn)
    {
        neg.Fill(-1);
        cn.Fill(float.MinValue);
        int pos = -1, bg = -1, la = labels[batch[a]];
        float cp = float.MaxValue, cb = float.MinValue;
        if (la < 0) return (pos, bg, cp, cb);
        int runLabel = int.MinValue, runBest = -1;
        float runCos = float.MinValue;
        for (int j = 0; j <= z.Length; j++)
        {
            int lj = j < z.Length ? labels[batch[j]] : int.MinValue;
            if (lj != runLabel)
            {
                if (runBest >= 0) Insert(neg, cn, runBest, runCos);
                runLabel = lj; runBest = -1; runCos = float.MinValue;
            }
            if (j == z.Length || j == a) continue;
            float c = TensorPrimitives.Dot(z[a], z[j]);
            if (lj == la) { if (c < cp) { cp = c; pos = j; } }
            else if (lj >= 0) { if (c > runCos) { runCos = c; runBest = j; } }
            else if (c > cb) { cb = c; bg = j; }
        }
        return (pos, bg, cp, cb);
    }

    private static void Insert(Span<int> idx, Span<float> cos, int j, float c)
    {
        int k = cos.Length - 1;
        if (c <= cos[k]) return;
        while (k > 0 && cos[k - 1] < c) { cos[k] = cos[k - 1]; idx[k] = idx[k - 1]; k--; }
        cos[k] = c; idx[k] = j;
    }

    /// <summary>One anchor's triplet (none when <paramref name="neg"/> is -1): its hinge loss, its gradient added to gz.</summary>
    private static double Triplet(int a, int pos, int neg, float cp, float cn, float[][] z, float[][] gz, double margin, int n)
    {
        if (neg < 0) return 0;
        // Squared distances of unit vectors: d = 2 - 2 cos, so l = 2 (cos_an - cos_ap) + margin.
        double l = 2 * (cn - cp) + margin;
        if (l <= 0) return 0;
        float s = (float)(2.0 / n);
        TensorPrimitives.MultiplyAdd(z[neg], s, gz[a], gz[a]);
        TensorPrimitives.MultiplyAdd(z[pos], -s, gz[a], gz[a]);
        TensorPrimitives.MultiplyAdd(z[a], s, gz[neg], gz[neg]);
        TensorPrimitives.MultiplyAdd(z[a], -s, gz[pos], gz[pos]);
        return l / n;
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
