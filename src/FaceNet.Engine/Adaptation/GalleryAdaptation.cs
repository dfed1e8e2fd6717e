using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using FaceNet.Engine.Models;

namespace FaceNet.Engine.Adaptation;

/// <summary>Same-person acceptance and false matches on a gallery's held-out photos, at one space's default threshold.</summary>
public sealed record HeldOutFigures
{
    public double Threshold { get; init; }
    public long DifferentPairs { get; init; }
    public long FalseMatches { get; init; }
    public long SamePairs { get; init; }
    public long Accepted { get; init; }
    public double FalseMatchRate => DifferentPairs == 0 ? 0 : (double)FalseMatches / DifferentPairs;
    public double Acceptance => SamePairs == 0 ? 0 : (double)Accepted / SamePairs;
}

/// <summary>
/// A gallery's learned space, as stored in the gallery (a file's meta table, a shared gallery's facenet_meta): the
/// projection, its provenance (model and fingerprint, faces and people used, date, options, reference set), the
/// held-out figures and the adapted thresholds. Stale once faces are enrolled after it (kept apart in the store, so
/// marking it costs one small update).
/// </summary>
public sealed record GalleryAdaptation
{
    public const int CurrentFormat = 1;
    public int Format { get; init; } = CurrentFormat;
    public string Model { get; init; } = "";
    /// <summary>The model's CalibrationFingerprint when adapted: another one means the embeddings changed, and the adaptation no longer applies.</summary>
    public string Fingerprint { get; init; } = "";
    public int InputDimension { get; init; }
    public int OutputDimension { get; init; }
    /// <summary>The row-major matrix as little-endian float32, base64.</summary>
    public string Matrix { get; init; } = "";
    public DateTime Created { get; init; }
    public int Faces { get; init; }
    public int People { get; init; }
    /// <summary>SHA-256 of the labels and vectors trained on, in gallery order.</summary>
    public string FacesSha256 { get; init; } = "";
    public string[] Labels { get; init; } = [];
    public TripletOptions Options { get; init; } = TripletOptions.Default;
    public string ReferenceSha256 { get; init; } = "";
    public double PlainDefaultThreshold { get; init; }
    public double DefaultThreshold { get; init; }
    public double? PlainIdentificationThreshold { get; init; }
    public double? IdentificationThreshold { get; init; }
    public SimilarityCalibration? Similarity { get; init; }
    public FalseMatchCalibration? FalseMatchRates { get; init; }
    /// <summary>The held-out split (trained on the rest): plain space at the model's default, adapted space at its own.</summary>
    public HeldOutFigures? Before { get; init; }
    public HeldOutFigures? After { get; init; }
    public int HeldOutFaces { get; init; }
    public double Seconds { get; init; }
    /// <summary>Faces were enrolled after the adaptation was learned (not serialised: the store keeps it apart).</summary>
    [JsonIgnore] public bool Stale { get; init; }

    private LinearProjection? _projection;

    [JsonIgnore]
    public LinearProjection Projection => _projection ??= new LinearProjection(OutputDimension, InputDimension,
        MemoryMarshal.Cast<byte, float>(Convert.FromBase64String(Matrix)).ToArray());

    public static string EncodeMatrix(float[] matrix) => Convert.ToBase64String(MemoryMarshal.AsBytes(matrix.AsSpan()));

    /// <summary>The model's manifest entry with this space's thresholds, so ThresholdPolicy resolves -FalseMatchRate and the default in it.</summary>
    public ModelDescriptor Describe(ModelDescriptor plain) => plain with
    {
        DefaultThreshold = (float)DefaultThreshold,
        Similarity = Similarity,
        FalseMatchRates = FalseMatchRates,
    };

    public string ToJson() => JsonSerializer.Serialize(this, ModelManifest.JsonOptions);

    /// <exception cref="InvalidDataException">Not an adaptation this module reads.</exception>
    public static GalleryAdaptation FromJson(string json, bool stale)
    {
        GalleryAdaptation? a;
        try { a = JsonSerializer.Deserialize<GalleryAdaptation>(json, ModelManifest.JsonOptions); }
        catch (JsonException ex) { throw new InvalidDataException("The gallery's adaptation is damaged: " + ex.Message, ex); }
        if (a is null || a.Format > CurrentFormat)
            throw new InvalidDataException($"The gallery's adaptation has format {a?.Format}; this module reads up to {CurrentFormat}. Update the module.");
        bool sized;
        try { sized = Convert.FromBase64String(a.Matrix).Length == a.InputDimension * a.OutputDimension * 4L && a.InputDimension > 0; }
        catch (FormatException) { sized = false; }
        if (!sized)
            throw new InvalidDataException("The gallery's adaptation is damaged: its matrix has the wrong size.");
        return a with { Stale = stale };
    }

    /// <summary>"adapted (26 people, 2026-12-06)", with "stale" when faces were added since.</summary>
    public string SpaceName => $"adapted ({People} people, {Created:yyyy-MM-dd}{(Stale ? ", stale" : "")})";
}
