using System.Text.Json;
using System.Text.Json.Serialization;

namespace FaceNet.Engine.Models;

/// <summary>Where a shipped model came from; recorded, never used to download anything.</summary>
public sealed record ModelSource
{
    public string Package { get; init; } = "";
    public string Version { get; init; } = "";
    public string PathInPackage { get; init; } = "";
    public string Upstream { get; init; } = "";
    public string Licence { get; init; } = "";
    public string TrainingData { get; init; } = "";
    public string Notes { get; init; } = "";
}

/// <summary>How an image becomes the model's input tensor.</summary>
public sealed record InputSpec
{
    public int Width { get; init; }
    public int Height { get; init; }
    public int Channels { get; init; } = 3;
    /// <summary>RGB, BGR or Grey.</summary>
    public string ColorOrder { get; init; } = "RGB";
    /// <summary>Per-channel value subtracted from 0-255 pixels (in ColorOrder order).</summary>
    public float[] Mean { get; init; } = [0, 0, 0];
    /// <summary>Per-channel divisor applied after the mean.</summary>
    public float[] Std { get; init; } = [1, 1, 1];
    public string Name { get; init; } = "input";
}

/// <summary>How a face is cut out for an embedder.</summary>
public sealed record AlignmentSpec
{
    /// <summary>"Similarity5": 5-point similarity transform onto Template. "DlibChip": dlib's face chip from 68 points.</summary>
    public string Method { get; init; } = "Similarity5";
    /// <summary>Five (x,y) points in the output crop, order: left eye, right eye, nose, left mouth, right mouth.</summary>
    public float[][]? Template { get; init; }
    /// <summary>DlibChip padding, as a fraction of the mean face's extent.</summary>
    public float Padding { get; init; }
}

/// <summary>One member of an ensemble embedder.</summary>
public sealed record EnsembleMember
{
    public string Model { get; init; } = "";
    /// <summary>The member's normalised vector is scaled by sqrt(Weight), so dot products sum as Weight*cos.</summary>
    public float Weight { get; init; } = 1;
    public bool? Mirror { get; init; }
}

/// <summary>One point of the cosine -> Similarity (0-100) map.</summary>
public sealed record SimilarityKnot(double Cosine, double Similarity);

/// <summary>The Similarity calibration of one embedder: piecewise-linear knots and where they came from.</summary>
public sealed record SimilarityCalibration
{
    /// <summary>Strictly increasing; the knot at Similarity 50 always follows DefaultThreshold.</summary>
    public SimilarityKnot[] Knots { get; init; } = [];
    public string? Dataset { get; init; }
    public double? DifferentMedian { get; init; }
    public double? SameMedian { get; init; }
    public string? Date { get; init; }
    /// <summary>Fingerprint of the embedder settings the knots were measured with (see CalibrationFingerprint).</summary>
    public string? Fingerprint { get; init; }
    public string? Notes { get; init; }
}

/// <summary>One measured false match rate: at Threshold (cosine), FalseMatches of the calibration's Pairs scored at or above it.</summary>
public sealed record FalseMatchRow
{
    /// <summary>The nominal rate this row answers (the measured rate is at most this).</summary>
    public double Rate { get; init; }
    /// <summary>Cosine threshold: a pair matches when its cosine is at or above it.</summary>
    public double Threshold { get; init; }
    public long FalseMatches { get; init; }
    public double MeasuredRate { get; init; }
    /// <summary>One-sided 95% Clopper-Pearson upper bound on the true rate.</summary>
    public double Upper95 { get; init; }
    /// <summary>The domain whose own threshold for this rate is the highest, and so set Threshold (null: one domain only).</summary>
    public string? GovernedBy { get; init; }
    /// <summary>The rate at Threshold on each domain measured (FalseMatches, MeasuredRate and Upper95 above are the worst of them).</summary>
    public DomainFalseMatches[]? Domains { get; init; }
}

/// <summary>One domain's false matches at a row's threshold.</summary>
public sealed record DomainFalseMatches
{
    public string Domain { get; init; } = "";
    /// <summary>The domain's own threshold for the row's rate; null where its pairs are too few to set one.</summary>
    public double? OwnThreshold { get; init; }
    public long FalseMatches { get; init; }
    public double MeasuredRate { get; init; }
    public double Upper95 { get; init; }
}

/// <summary>One set of photos a false match table was measured on.</summary>
public sealed record FalseMatchDomain
{
    public string Name { get; init; } = "";
    public string Dataset { get; init; } = "";
    public int Photos { get; init; }
    public int PhotosUsed { get; init; }
    public long Pairs { get; init; }
    /// <summary>Which detection is the photo's face.</summary>
    public string? Face { get; init; }
    /// <summary>Rates at or above this rest on enough of the domain's pairs for it to set thresholds.</summary>
    public double SetsThresholdsDownTo { get; init; }
    public string[]? Excluded { get; init; }
}

/// <summary>An embedder's false match rate table and its provenance.</summary>
public sealed record FalseMatchCalibration
{
    public string Dataset { get; init; } = "";
    public int Photos { get; init; }
    /// <summary>Photos with a detected face (the others cannot occur in a comparison and are left out).</summary>
    public int PhotosUsed { get; init; }
    /// <summary>Different-person pairs the rates are measured on (after exclusions).</summary>
    public long Pairs { get; init; }
    public string Date { get; init; } = "";
    public string Confidence { get; init; } = "";
    /// <summary>Pairs left out (mislabelled or duplicate photos), with reasons.</summary>
    public string[]? Excluded { get; init; }
    public string? Fingerprint { get; init; }
    public string? Notes { get; init; }
    /// <summary>How the rows' thresholds combine the domains (for example the worst domain's threshold per rate).</summary>
    public string? Method { get; init; }
    /// <summary>Every domain measured, the primary one (Dataset, Photos, Pairs above) first.</summary>
    public FalseMatchDomain[]? Domains { get; init; }
    public FalseMatchRow[] Rows { get; init; } = [];
}

/// <summary>
/// The preparation step our tools applied to a published model file (tools/FaceNet.ModelConverter prepare):
/// tiny weights flushed to zero, an optional symbolic batch, and what that changed on real faces.
/// </summary>
public sealed record ModelPreparation
{
    /// <summary>The command that turns the original into the shipped file.</summary>
    public string Tool { get; init; } = "";
    /// <summary>sha256 of the published file the step starts from.</summary>
    public string OriginalSha256 { get; init; } = "";
    /// <summary>Weights with 0 &lt; |w| &lt; FlushBelow were set to zero; no shipped weight is nonzero below it.</summary>
    public double FlushBelow { get; init; }
    public long FlushedWeights { get; init; }
    /// <summary>Of those, how many were denormal (below 1.2e-38).</summary>
    public long DenormalWeights { get; init; }
    public string[]? GraphChanges { get; init; }
    /// <summary>The largest change of the model's output over the real faces it was checked on.</summary>
    public double MaxOutputDifference { get; init; }
    public string? CheckedOn { get; init; }
    public string? Notes { get; init; }
}

/// <summary>One entry of models/models.json.</summary>
public sealed record ModelDescriptor
{
    public string Name { get; init; } = "";
    /// <summary>Detector, Landmarks, Embedder or Ensemble.</summary>
    public string Kind { get; init; } = "";
    public string? File { get; init; }
    public string? Sha256 { get; init; }
    public ModelSource? Source { get; init; }
    public InputSpec? Input { get; init; }
    public AlignmentSpec? Alignment { get; init; }
    public string? OutputName { get; init; }
    public int OutputSize { get; init; }
    /// <summary>Cosine or Euclidean (both on L2-normalised vectors unless stated).</summary>
    public string? Metric { get; init; }
    /// <summary>Cosine similarity at or above which two faces are called the same person.</summary>
    public float? DefaultThreshold { get; init; }
    public string? ThresholdSource { get; init; }
    /// <summary>Run each face and its mirror image and sum the outputs before normalising.</summary>
    public bool Mirror { get; init; }
    /// <summary>The graph takes any batch size: all faces and views of an image run in one call.</summary>
    public bool DynamicBatch { get; init; }
    public EnsembleMember[]? Members { get; init; }
    /// <summary>Optional mean vector subtracted from the raw output before normalising (centring).</summary>
    public float[]? Center { get; init; }
    /// <summary>Detector: minimum score and NMS IoU.</summary>
    public float? ScoreThreshold { get; init; }
    public float? NmsIou { get; init; }
    public Dictionary<string, JsonElement>? Extra { get; init; }
    /// <summary>
    /// ONNX Runtime graph optimisation: All (default), Extended, Basic or Disabled. Chosen per model by measured
    /// pass time (tools/FaceNet.Benchmark passes); All's NCHWc layout is the fastest for every shipped model once
    /// its weights hold no denormals.
    /// </summary>
    public string? GraphOptimization { get; init; }
    /// <summary>
    /// ONNX Runtime's memory pattern (default true): the buffers of a run planned once per input shape and kept.
    /// FaceReid runs at batches of one to four views, and its kept plans cost about 25 MB of a 5,000-photo run's
    /// peak (417-440 MB against 392-401 MB without, Clean, 2,500 LFW photos; no clear speed difference).
    /// </summary>
    public bool MemoryPattern { get; init; } = true;
    /// <summary>What our tools did to the published file before shipping it (ModelPreparation in models.json).</summary>
    public ModelPreparation? Preparation { get; init; }
    /// <summary>Embedders: how cosine maps to the 0-100 Similarity people read (written by tools/FaceNet.Calibration).</summary>
    public SimilarityCalibration? Similarity { get; init; }
    /// <summary>Embedders: measured false match rates and their thresholds (written by tools/FaceNet.Calibration).</summary>
    public FalseMatchCalibration? FalseMatchRates { get; init; }

    public bool IsEmbedder => Kind is "Embedder" or "Ensemble";

    /// <summary><see cref="GraphOptimization"/> as ONNX Runtime's enum.</summary>
    [JsonIgnore]
    public Microsoft.ML.OnnxRuntime.GraphOptimizationLevel OptimizationLevel => GraphOptimization?.ToLowerInvariant() switch
    {
        null or "all" => Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_ALL,
        "extended" => Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
        "basic" => Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_BASIC,
        "disabled" => Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_DISABLE_ALL,
        _ => throw new InvalidDataException($"Model '{Name}' has graphOptimization '{GraphOptimization}'; use All, Extended, Basic or Disabled."),
    };
}

public sealed record ModelManifest
{
    public int SchemaVersion { get; init; } = 1;
    public string DefaultDetector { get; init; } = "YuNet";
    public string DefaultLandmarks { get; init; } = "Landmark68";
    public string DefaultEmbedder { get; init; } = "Ensemble";
    public List<ModelDescriptor> Models { get; init; } = [];

    /// <summary>The folder the manifest was read from; model files are relative to it.</summary>
    [JsonIgnore]
    public string Directory { get; private set; } = "";

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    };

    public static ModelManifest Load(string manifestPath)
    {
        var json = System.IO.File.ReadAllText(manifestPath);
        var manifest = JsonSerializer.Deserialize<ModelManifest>(json, JsonOptions)
            ?? throw new InvalidDataException($"The model manifest '{manifestPath}' is empty.");
        manifest.Directory = Path.GetDirectoryName(Path.GetFullPath(manifestPath))!;
        return manifest;
    }

    public ModelDescriptor Get(string name) =>
        Models.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new KeyNotFoundException($"No model named '{name}' in the manifest. Known: {string.Join(", ", Models.Select(m => m.Name))}.");

    public bool TryGet(string name, out ModelDescriptor descriptor)
    {
        descriptor = Models.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase))!;
        return descriptor is not null;
    }

    public string PathOf(ModelDescriptor descriptor) =>
        Path.IsPathRooted(descriptor.File!) ? descriptor.File! : Path.Combine(Directory, descriptor.File!);

    /// <summary>Adds (or replaces) descriptors, e.g. a user's own model described beside its .onnx file.</summary>
    public ModelManifest With(IEnumerable<ModelDescriptor> extra)
    {
        var names = extra.Select(e => e.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var merged = new ModelManifest
        {
            SchemaVersion = SchemaVersion,
            DefaultDetector = DefaultDetector,
            DefaultLandmarks = DefaultLandmarks,
            DefaultEmbedder = DefaultEmbedder,
            Models = Models.Where(m => !names.Contains(m.Name)).Concat(extra).ToList(),
        };
        merged.Directory = Directory;
        return merged;
    }

    /// <summary>
    /// Reads a user's model descriptor: a JSON file with one ModelDescriptor, whose File is relative to the JSON's folder.
    /// </summary>
    public static ModelDescriptor LoadDescriptor(string descriptorPath)
    {
        var json = System.IO.File.ReadAllText(descriptorPath);
        var d = JsonSerializer.Deserialize<ModelDescriptor>(json, JsonOptions)
            ?? throw new InvalidDataException($"The model descriptor '{descriptorPath}' is empty.");
        if (d.File is null) throw new InvalidDataException($"The model descriptor '{descriptorPath}' names no 'file'.");
        var dir = Path.GetDirectoryName(Path.GetFullPath(descriptorPath))!;
        return d with { File = Path.GetFullPath(Path.Combine(dir, d.File)) };
    }
}
