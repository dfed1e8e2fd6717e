using System.Collections;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using FaceNet.Engine.Adaptation;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Models;
using FaceNet.Engine.Pipeline;
using FaceNet.Engine.Verification;

namespace FaceNet.PowerShell.Internal;

/// <summary>
/// Shared by Compare-Face and Test-FaceMatch: turns paths, files, Face objects and embeddings (live, from
/// Import-Clixml or from ConvertFrom-Json) into embeddings of one model, and resolves the match threshold.
/// </summary>
public abstract class VerificationCmdletBase : FaceCmdletBase
{
    /// <summary>The parameter set of the objects parameter (-DifferenceObject, -InputObject): photos, faces or embeddings.</summary>
    protected const string ObjectSet = "Object";

    /// <summary>The embedder for images and faces. Default: the model of the embeddings given, else the manifest's default.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ModelNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Model { get; set; }

    /// <summary>Similarity (0-100) at or above which two faces match. Default: the model's default threshold, which reads 50.</summary>
    [Parameter]
    [ValidateRange(0.0, 100.0)]
    public double Threshold { get; set; } = double.NaN;

    /// <summary>Picks the threshold whose false match rate, measured on every set of photos in the manifest, is at most this.</summary>
    [Parameter]
    [ValidateRange(0.0, 1.0)]
    public double FalseMatchRate { get; set; } = double.NaN;

    /// <summary>Photos to compare or identify, as paths with wildcards (instead of objects).</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>Photos to compare or identify, as exact paths (no wildcards); bound by property name from Get-ChildItem.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>Compares in the plain space at the model's thresholds, even when the gallery has an adaptation.</summary>
    [Parameter]
    public SwitchParameter NoAdaptation { get; set; }

    /// <summary>The gallery's adaptation faces are compared in (null: the plain space).</summary>
    private protected GalleryAdaptation? Adaptation { get; private set; }
    private string _adaptedGallery = "";

    /// <summary>What results report as their Space: "plain", or the adapted space with its gallery.</summary>
    private protected string Space => Adaptation is { } a ? $"{a.SpaceName} of {GalleryName.Short(_adaptedGallery)}" : "plain";

    /// <summary>
    /// Compares in <paramref name="adaptation"/>'s space unless -NoAdaptation; stale ones are used with a warning
    /// (their thresholds hold for people they were not learned from, as the newly enrolled are).
    /// </summary>
    private protected void UseAdaptation(FaceGalleryAdaptation? adaptation, string gallery)
    {
        if (adaptation?.Engine is not { } a)
        {
            WriteVerbose($"The gallery '{gallery}' has no adaptation: comparing in the plain space. Optimize-FaceGallery learns one.");
            return;
        }
        if (NoAdaptation)
        {
            WriteVerbose($"-NoAdaptation: the adaptation of '{gallery}' is not used; comparing in the plain space.");
            return;
        }
        if (a.Stale)
            WriteWarning($"The adaptation of '{gallery}' is stale: faces were enrolled after it was learned on {a.Created:yyyy-MM-dd}. Using it; run Optimize-FaceGallery to learn the new faces too.");
        Adaptation = a;
        _adaptedGallery = gallery;
    }

    /// <summary>The faces' vectors in the space compared in: adapted (projected, unit length) or as they are.</summary>
    private protected List<ComparableFace> InSpace(IEnumerable<FaceEmbedding> embeddings) =>
        Adaptation is { } a
            ? embeddings.Select(e => new ComparableFace(e.Model, a.Projection.Apply(e.Vector))).ToList()
            : Comparable(embeddings);

    /// <summary>-Threshold and -FalseMatchRate each set the threshold: giving both is refused before any work.</summary>
    protected void CheckThresholdParameters()
    {
        if (!double.IsNaN(Threshold) && !double.IsNaN(FalseMatchRate))
            ThrowTerminatingError(new ErrorRecord(new ThresholdPolicyException(ThresholdProblem.Conflict, ThresholdPolicy.ConflictMessage),
                ErrorIds.ConflictingThresholds, ErrorCategory.InvalidArgument, null));
    }

    /// <summary>In the -Path and -LiteralPath parameter sets, adds this record's photos to <paramref name="groups"/>; false in the object set.</summary>
    private protected bool AddPathInputs(List<FaceInputGroup> groups)
    {
        if (ParameterSetName is not (PathSet or LiteralPathSet)) return false;
        bool literal = ParameterSetName == LiteralPathSet;
        foreach (var (path, error) in ResolvePaths(literal ? LiteralPath : Path, literal))
            if (error is not null) WritePathError(error); else AddImage(groups, path);
        return true;
    }

    private protected string ResolvedModel { get; private set; } = "";
    private protected SimilarityScale Scale { get; private set; } = SimilarityScale.Linear(0.5);
    /// <summary>Cosine at or above which a pair matches.</summary>
    private protected double ThresholdCosine { get; private set; }
    /// <summary>The same threshold in Similarity units (what FaceComparison.Threshold shows).</summary>
    private protected double ThresholdSimilarity { get; private set; }

    private ModelManifest _manifest = null!;
    private FaceAnalyzer? _analyzer;

    /// <summary>Sorts pipeline/parameter values into input groups (by source image); bad values become errors.</summary>
    private protected void AddInputs(object? value, List<FaceInputGroup> groups)
    {
        foreach (var item in PipelineInputBinder.Flatten(value))
        {
            var input = PipelineInputBinder.Bind(item);
            switch (input.Kind)
            {
                case InputKind.Embedding:
                    Group(groups, input.Embedding!.Face?.Path).Embeddings.Add(input.Embedding);
                    break;
                case InputKind.Face:
                    // Faces of one video frame share a decode; faces of other frames of the same video do not.
                    Group(groups, input.Face!.Time is { } t ? $"{input.Face.Path}@{t.Ticks}" : input.Face.Path).PendingFaces.Add(input.Face);
                    break;
                case InputKind.File:
                    AddImage(groups, input.Path!);
                    break;
                case InputKind.Folder when MyInvocation.ExpectingInput:
                    WriteVerbose($"Skipped the folder '{input.Path}' (only files are read).");
                    break;
                case InputKind.Folder:
                    WriteError(new ErrorRecord(new ArgumentException($"'{input.Path}' is a folder; give image files (e.g. Get-ChildItem '{input.Path}' -File)."),
                        ErrorIds.FileNotFound, ErrorCategory.InvalidArgument, input.Path));
                    break;
                case InputKind.PathText:
                    foreach (var (path, error) in ResolvePaths([input.Path!], literal: false))
                        if (error is not null) WritePathError(error); else AddImage(groups, path);
                    break;
                default:
                    WriteError(Unsupported(input));
                    break;
            }
        }
    }

    private static FaceInputGroup Group(List<FaceInputGroup> groups, string? path)
    {
        if (!string.IsNullOrEmpty(path))
        {
            var existing = groups.FirstOrDefault(g => g.ImagePath is null && string.Equals(g.Key, path, StringComparison.Ordinal));
            if (existing is not null) return existing;
        }
        var g = new FaceInputGroup(string.IsNullOrEmpty(path) ? $"(embedding {groups.Count + 1})" : path!, null);
        groups.Add(g);
        return g;
    }

    private static void AddImage(List<FaceInputGroup> groups, string path) => groups.Add(new FaceInputGroup(path, path));

    private static ErrorRecord Unsupported(BoundInput input) => new(
        new ArgumentException($"Cannot compare a {input.TypeName}: " +
                              "give image paths or files, faces from Get-Face, or embeddings from Get-FaceEmbedding (also read back with Import-Clixml or ConvertFrom-Json)."),
        ErrorIds.UnsupportedInputObject, ErrorCategory.InvalidArgument, input.Original);

    /// <summary>
    /// Picks the model (explicit -Model, else the embeddings' own, else the default), refuses mixed models,
    /// resolves the threshold, then detects and embeds every image and pending face.
    /// </summary>
    private protected void Prepare(IReadOnlyList<FaceInputGroup> references, IReadOnlyList<FaceInputGroup> differences)
    {
        var all = references.Concat(differences).ToList();
        var given = all.SelectMany(g => g.Embeddings).ToList();
        string? modelName = Model ?? given.FirstOrDefault()?.Model ?? Adaptation?.Model;
        try
        {
            (_manifest, ResolvedModel) = ModelResolver.Resolve(modelName, null);
        }
        catch (ArgumentException ex) when (Model is null && given.Count > 0)
        {
            // Embeddings of a model the shipped manifest does not know (e.g. -ModelPath): compare them as they are.
            _manifest = ModelResolver.Shipped;
            ResolvedModel = given[0].Model;
            WriteWarning($"Model '{ResolvedModel}' is not in the shipped manifest, so its Similarity is uncalibrated (linear, threshold cosine 0.5). {ex.Message}");
        }
        catch (ArgumentException ex)
        {
            ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.UnknownModel, ErrorCategory.InvalidArgument, Model));
        }

        if (FaceComparer.FindMismatch(ResolvedModel, Comparable(given)) is { } mismatch)
            ThrowTerminatingError(new ErrorRecord(mismatch.Error, ErrorIds.ModelMismatch, ErrorCategory.InvalidArgument, given[mismatch.Index]));
        CheckAdaptation();

        ResolveThreshold();

        int work = all.Count(g => g.ImagePath is not null || g.PendingFaces.Count > 0);
        var progress = new ProgressReporter(this, "Embedding faces", unit: "photos") { Total = work };
        foreach (var g in all)
        {
            if (Stopping) return;
            if (g.ImagePath is not null || g.PendingFaces.Count > 0) progress.Step(g.DisplayName);
            try
            {
                EmbedGroup(g);
            }
            catch (ModelLoadException ex)
            {
                ThrowModelError(ex);
            }
            catch (ImageLoadException ex)
            {
                // Detection reads a reduced JPEG decode; the full decode the embedders need comes later and can
                // fail on its own (memory for a huge picture). Still one photo's error, not the command's.
                WriteError(ErrorIds.ForImage(ex));
                g.LoadFailed = true;
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not PipelineStoppedException)
            {
                // As the file-reading cmdlets do (ImageResult): one strange photo must not end the comparison.
                WriteError(new ErrorRecord(ex, ErrorIds.FaceProcessingFailed, ErrorCategory.InvalidResult, g.ImagePath ?? g.PendingFaces.FirstOrDefault()?.Path));
                g.LoadFailed = true;
            }
        }
        progress.Complete();
    }

    /// <summary>An adaptation of another model is refused; one learned on other embeddings of this model (its models changed) is not used.</summary>
    private void CheckAdaptation()
    {
        if (Adaptation is not { } a) return;
        if (!string.Equals(a.Model, ResolvedModel, StringComparison.OrdinalIgnoreCase))
            ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(
                $"The gallery '{_adaptedGallery}' was adapted for model '{a.Model}', not '{ResolvedModel}': compare with -Model {a.Model}, or use -NoAdaptation."),
                ErrorIds.GalleryModelMismatch, ErrorCategory.InvalidArgument, ResolvedModel));
        if (_manifest.TryGet(ResolvedModel, out var d) && CalibrationFingerprint.Of(_manifest, d) != a.Fingerprint)
        {
            WriteWarning($"The adaptation of '{_adaptedGallery}' was learned on embeddings of another version of model '{a.Model}' (fingerprint {a.Fingerprint}); " +
                         "comparing in the plain space. Re-enrol the gallery and run Optimize-FaceGallery again.");
            Adaptation = null;
        }
    }

    private void ResolveThreshold()
    {
        try
        {
            // An adapted space has its own default, Similarity scale and false match table (calibrated on the reference set).
            var manifest = Adaptation is { } a && _manifest.TryGet(ResolvedModel, out var plain) ? _manifest.With([a.Describe(plain)]) : _manifest;
            var t = ThresholdPolicy.Resolve(manifest, ResolvedModel,
                double.IsNaN(Threshold) ? null : Threshold, double.IsNaN(FalseMatchRate) ? null : FalseMatchRate);
            (Scale, ThresholdCosine, ThresholdSimilarity) = (t.Scale, t.Cosine, t.Similarity);
            if (t.Explanation is not null) WriteVerbose(t.Explanation);
        }
        catch (ThresholdPolicyException ex)
        {
            ThrowTerminatingError(ex.Problem switch
            {
                ThresholdProblem.Conflict => new ErrorRecord(ex, ErrorIds.ConflictingThresholds, ErrorCategory.InvalidArgument, null),
                ThresholdProblem.RateTooLow => new ErrorRecord(ex.InnerException ?? ex, ErrorIds.FalseMatchRateTooLow, ErrorCategory.InvalidArgument, FalseMatchRate),
                _ => new ErrorRecord(ex, ErrorIds.FalseMatchRateUncalibrated, ErrorCategory.InvalidData, ResolvedModel),
            });
        }
    }

    private void EmbedGroup(FaceInputGroup g)
    {
        _analyzer ??= AnalyzerFor(_manifest);
        if (g.ImagePath is { } video && File.Exists(video) && FaceNet.Engine.Video.VideoFile.IsVideo(video))
        {
            EmbedVideo(g, video);
            return;
        }
        if (g.ImagePath is { } photo)
        {
            string path = photo;
            using var image = TryLoad(path, _analyzer);
            if (image is null) { g.LoadFailed = true; return; }
            var faces = _analyzer.Detect(image);
            if (faces.Count == 0) return;
            var vectors = _analyzer.Embed(image, faces, ResolvedModel);
            for (int i = 0; i < faces.Count; i++)
                g.Embeddings.Add(new FaceEmbedding(new Face(path, faces[i], image.Width, image.Height), ResolvedModel, vectors[i]));
            return;
        }
        if (g.PendingFaces.Count == 0) return;
        var first = g.PendingFaces[0];
        using (var image = first.Time is { } at ? TryLoadFrame(first.Path, at) : TryLoad(first.Path))
        {
            if (image is null) { g.LoadFailed = true; return; }
            var vectors = _analyzer.Embed(image, g.PendingFaces.Select(f => f.ToEngine()).ToList(), ResolvedModel);
            for (int i = 0; i < vectors.Length; i++)
                g.Embeddings.Add(new FaceEmbedding(g.PendingFaces[i], ResolvedModel, vectors[i]));
        }
        g.PendingFaces.Clear();
    }

    /// <summary>
    /// A video: every face of its frames at the default sampling (5 a second), each embedding's Face carrying its
    /// Time and Frame. Get-FaceTrack gives one embedding per person instead, which is what identification wants.
    /// </summary>
    private void EmbedVideo(FaceInputGroup g, string path)
    {
        try
        {
            using var reader = new FaceNet.Engine.Video.VideoReader(path);
            var options = FaceNet.Engine.Detection.DetectionOptions.Default with { MinFaceSize = FaceNet.Engine.Video.VideoDefaults.MinFaceSize(reader.Info) };
            foreach (var frame in reader.Frames())
            {
                using var image = frame.Image;
                if (Stopping) return;
                var result = ImageResult.Analyze(_analyzer!, image, path, options, ResolvedModel, position: frame.Position);
                if (result.Error is not null) throw result.Error;
                for (int i = 0; i < result.Faces.Count; i++)
                    g.Embeddings.Add(new FaceEmbedding(new Face(result, i), ResolvedModel, result.Embeddings![i]));
            }
            WarnIfDamaged(path, reader.Damage);
        }
        catch (ImageLoadException ex)
        {
            WriteError(ErrorIds.ForImage(ex));
            g.LoadFailed = true;
        }
    }

    /// <summary>Writes FaceNotFound for a group that yielded no face; true if it did.</summary>
    private protected bool CheckHasFaces(FaceInputGroup g)
    {
        if (g.Embeddings.Count > 0) return true;
        if (g.ImagePath is not null && !g.LoadFailed)
            WriteError(new ErrorRecord(new ItemNotFoundException($"No face found in '{g.ImagePath}'."),
                ErrorIds.FaceNotFound, ErrorCategory.ObjectNotFound, g.ImagePath));
        return false;
    }

    private protected FaceComparison ToComparison(FaceEmbedding reference, FaceEmbedding difference, Engine.Verification.FaceComparison c) => new()
    {
        Reference = reference,
        Difference = difference,
        Similarity = c.Similarity,
        Cosine = c.Cosine,
        Distance = c.Distance,
        Threshold = ThresholdSimilarity,
        IsMatch = c.IsMatch,
        Model = ResolvedModel,
        Space = Space,
    };

    private protected static List<ComparableFace> Comparable(IEnumerable<FaceEmbedding> embeddings) =>
        embeddings.Select(e => new ComparableFace(e.Model, e.Vector)).ToList();
}
