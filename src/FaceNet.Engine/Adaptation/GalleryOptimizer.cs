using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using FaceNet.Engine.Models;

namespace FaceNet.Engine.Adaptation;

/// <summary>One labelled face of a gallery, as the optimiser sees it.</summary>
public readonly record struct LabelledVector(string Label, float[] Vector);

/// <summary>
/// Learns a gallery's adaptation: splits its photos by person (70/30, seeded) to measure, trains on the 70% (with the
/// reference set's background half as strangers), calibrates on the reference set's other half and measures the
/// held-out 30% before and after; then trains the final projection on every face and calibrates it. Engine code
/// (Optimize-FaceGallery and the lab call it).
/// </summary>
public static class GalleryOptimizer
{
    /// <summary>People with at least <see cref="MinFacesPerPerson"/> faces needed (issue 28's "too few" edge; README says how it was measured).</summary>
    public const int MinPeople = 4;
    /// <summary>Three to train on and one held out to measure: with 3 faces a person, the 126-person LFW gallery gained 3.5x, with 4 10x (README).</summary>
    public const int MinFacesPerPerson = 4;
    public const double HeldOutFraction = 0.3;

    public static GalleryAdaptation Optimize(IReadOnlyList<LabelledVector> faces, ModelManifest manifest, string model,
        ReferenceImpostors reference, TripletOptions? options = null, Action<string>? progress = null, CancellationToken cancel = default)
    {
        options ??= TripletOptions.Default;
        var clock = Stopwatch.StartNew();
        var plain = manifest.Get(model);
        double? plainIdentification = Recognition.IdentificationThreshold.Read(manifest, model);
        var labelled = faces.Where(f => !string.IsNullOrEmpty(f.Label)).ToList();
        CheckEnough(labelled);
        var labelIds = labelled.Select(f => f.Label).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i, StringComparer.Ordinal);
        var vectors = labelled.Select(f => f.Vector).ToArray();
        var labels = labelled.Select(f => labelIds[f.Label]).ToArray();
        int dimension = vectors[0].Length;
        if (vectors.Any(v => v.Length != dimension)) throw new ArgumentException("The gallery mixes vector lengths.");
        // A small gallery fits in one batch, so each step sees all of it: 10 steps a face (at least 200) save time there.
        options = options with { OutputDimension = Math.Min(options.OutputDimension, dimension), Steps = Math.Min(options.Steps, Math.Max(200, 10 * vectors.Length)) };

        // With background negatives, half the reference people are trained against and the other half calibrate.
        float[][]? background = null;
        if (options.BackgroundPerBatch > 0) (background, reference) = reference.Halves;
        var heldOut = Split(labels, options.Seed);
        var trainIdx = Enumerable.Range(0, vectors.Length).Where(i => !heldOut[i]).ToArray();
        // Training is most of the time: its steps show, ahead of the detail, so the bar moves in an 80-column window too.
        Action<int>? Steps(string phase, string detail) => progress is null ? null : done => progress($"{phase}, step {done} of {options.Steps} ({detail})");
        string measuring = $"training on {trainIdx.Length} faces, holding out {vectors.Length - trainIdx.Length}";
        progress?.Invoke($"Measuring: {measuring}");
        var trial = TripletTrainer.Train(trainIdx.Select(i => vectors[i]).ToList(), trainIdx.Select(i => labels[i]).ToList(), options, background, cancel,
            Steps("Measuring", measuring));
        var before = Measure(vectors, labels, heldOut, plain.DefaultThreshold ?? 0.5);
        var after = Measure(trial.Projection.Apply(vectors), labels, heldOut, AdaptedCalibration.DefaultOnly(reference, trial.Projection, plain));

        string all = $"all {vectors.Length} faces of {labelIds.Count} people";
        progress?.Invoke($"Training on {all}");
        var final = TripletTrainer.Train(vectors, labels, options, background, cancel, Steps("Training", all));
        progress?.Invoke("Calibrating thresholds on the reference set");
        var thresholds = AdaptedCalibration.Compute(reference, final.Projection, plain, plainIdentification);
        return new GalleryAdaptation
        {
            Model = plain.Name,
            Fingerprint = Verification.CalibrationFingerprint.Of(manifest, plain),
            InputDimension = dimension,
            OutputDimension = final.Projection.OutputDimension,
            Matrix = GalleryAdaptation.EncodeMatrix(final.Projection.Matrix),
            Created = DateTime.UtcNow,
            Faces = vectors.Length,
            People = labelIds.Count,
            FacesSha256 = HashOf(labelled),
            Labels = labelIds.Keys.ToArray(),
            Options = options,
            ReferenceSha256 = reference.Description.Sha256,
            PlainDefaultThreshold = plain.DefaultThreshold ?? 0.5,
            DefaultThreshold = thresholds.DefaultThreshold,
            PlainIdentificationThreshold = plainIdentification,
            IdentificationThreshold = thresholds.IdentificationThreshold,
            Similarity = thresholds.Similarity,
            FalseMatchRates = thresholds.FalseMatchRates,
            Before = before,
            After = after,
            HeldOutFaces = heldOut.Count(h => h),
            Seconds = clock.Elapsed.TotalSeconds,
        };
    }

    /// <exception cref="AdaptationException">Fewer than MinPeople people with MinFacesPerPerson faces each.</exception>
    public static void CheckEnough(IReadOnlyList<LabelledVector> labelled)
    {
        var counts = labelled.GroupBy(f => f.Label, StringComparer.Ordinal).Select(g => g.Count()).ToList();
        int enough = counts.Count(c => c >= MinFacesPerPerson);
        if (enough < MinPeople)
            throw new AdaptationException(AdaptationProblem.TooFewFaces,
                $"Too few labelled faces to adapt the gallery: it needs at least {MinPeople} people with {MinFacesPerPerson} or more faces each " +
                $"(three to learn from, one held out to measure), and has {enough} ({labelled.Count} labelled faces of {counts.Count} people). " +
                "Enrol more photos per person with Export-FaceGallery -Append -Label.");
    }

    /// <summary>Per person with enough faces, 30% of them (at least one) held out, chosen by a seeded shuffle.</summary>
    public static bool[] Split(IReadOnlyList<int> labels, int seed)
    {
        var held = new bool[labels.Count];
        var rng = new Random(seed);
        foreach (var g in Enumerable.Range(0, labels.Count).GroupBy(i => labels[i]).OrderBy(g => g.Key))
        {
            var idx = g.ToArray();
            if (idx.Length < MinFacesPerPerson) continue;
            for (int i = idx.Length - 1; i > 0; i--) { int j = rng.Next(i + 1); (idx[i], idx[j]) = (idx[j], idx[i]); }
            int n = Math.Max(1, (int)Math.Round(idx.Length * HeldOutFraction));
            foreach (var i in idx.Take(n)) held[i] = true;
        }
        return held;
    }

    /// <summary>Every pair with at least one held-out face (a new photo against the enrolled ones, and new against new).</summary>
    public static HeldOutFigures Measure(IReadOnlyList<float[]> vectors, IReadOnlyList<int> labels, bool[] heldOut, double threshold)
    {
        long diff = 0, fm = 0, same = 0, ok = 0;
        for (int i = 0; i < vectors.Count; i++)
        {
            if (!heldOut[i]) continue;
            for (int j = 0; j < vectors.Count; j++)
            {
                if (j == i || (heldOut[j] && j < i)) continue;
                bool match = TensorPrimitives.Dot(vectors[i], vectors[j]) >= threshold;
                if (labels[i] == labels[j]) { same++; if (match) ok++; }
                else { diff++; if (match) fm++; }
            }
        }
        return new HeldOutFigures { Threshold = threshold, DifferentPairs = diff, FalseMatches = fm, SamePairs = same, Accepted = ok };
    }

    private static string HashOf(IEnumerable<LabelledVector> faces)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var f in faces)
        {
            sha.AppendData(Encoding.UTF8.GetBytes(f.Label + "\n"));
            sha.AppendData(MemoryMarshal.AsBytes(f.Vector.AsSpan()));
        }
        return Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
    }
}
