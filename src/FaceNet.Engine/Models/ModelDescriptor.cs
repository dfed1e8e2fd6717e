using System.Text.Json;
using System.Text.Json.Serialization;

namespace FaceNet.Engine.Models;

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
    /// <summary>Attribute models (kind "Attributes"): what each output gives.</summary>
    public AttributeOutput[]? Outputs { get; init; }
    /// <summary>Optional mean vector subtracted from the raw output before normalising (centring).</summary>
    public float[]? Center { get; init; }
    /// <summary>Detector: minimum score and NMS IoU.</summary>
    public float? ScoreThreshold { get; init; }
    public float? NmsIou { get; init; }
    public Dictionary<string, JsonElement>? Extra { get; init; }
    /// <summary>
    /// ONNX Runtime graph optimisation: All (default), Extended, Basic or Disabled. Chosen per model by measured
    /// pass time (tools/FaceNet.Lab benchmark passes); All's NCHWc layout is the fastest for every shipped model once
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
    /// <summary>Embedders: how cosine maps to the 0-100 Similarity people read (written by tools/FaceNet.Lab calibrate similarity).</summary>
    public SimilarityCalibration? Similarity { get; init; }
    /// <summary>Embedders: measured false match rates and their thresholds (written by tools/FaceNet.Lab calibrate similarity).</summary>
    public FalseMatchCalibration? FalseMatchRates { get; init; }

    public bool IsEmbedder => Kind is "Embedder" or "Ensemble";

    public bool IsAttributeModel => Kind == "Attributes";

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
