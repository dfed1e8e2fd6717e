using System.Globalization;
using System.Management.Automation;
using FaceNet.Engine.Recognition;
using FaceNet.Engine.Storage;
using FaceNet.PowerShell.Internal;

namespace FaceNet.PowerShell.Commands;

/// <summary>
/// 1:N identification: for every face of the input (photos, faces or embeddings) the best person of the gallery.
/// Several gallery photos of one Label are one person, scored by the best photo. A face is named only when that
/// score reaches the threshold (default: the model's open-set identificationThreshold); otherwise Label is null
/// (shown as unknown). The search is exact: a SIMD scan of every gallery face.
/// </summary>
[Cmdlet(VerbsCommon.Find, "Face", DefaultParameterSetName = ObjectSet)]
[OutputType(typeof(FaceIdentification))]
public sealed class FindFaceCommand : VerificationCmdletBase
{
    /// <summary>Probes: image paths or files, faces from Get-Face, or embeddings (also from Import-Clixml/ConvertFrom-Json).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ObjectSet)]
    public object[] InputObject { get; set; } = [];

    /// <summary>A gallery from Import-FaceGallery, the path of a gallery file, or any labelled embeddings.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNull]
    public object Gallery { get; set; } = null!;

    /// <summary>How many candidate people to list per probe face (default 3).</summary>
    [Parameter]
    [ValidateRange(1, 1000)]
    public int Top { get; set; } = 3;

    private readonly List<FaceInputGroup> _probes = [];
    private IReadOnlyList<FaceEmbedding> _gallery = [];
    private FaceGallery? _galleryObject;
    private GalleryIndex _index = null!;

    protected override void BeginProcessing()
    {
        CheckThresholdParameters();
        if (GalleryFileOf(Gallery) is { } file)
        {
            // A gallery file named directly: read it as Import-FaceGallery does (one error if it cannot be).
            try { Gallery = GalleryReader.Read(file, WriteWarning); }
            catch (FileNotFoundException ex) { ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.FileNotFound, ErrorCategory.ObjectNotFound, file)); }
            catch (GalleryFormatException ex) { ThrowTerminatingError(ErrorIds.ForGallery(ex, file)); }
        }
        var asGallery = (Gallery as PSObject)?.BaseObject as FaceGallery ?? Gallery as FaceGallery;
        _galleryObject = asGallery;
        if (asGallery is not null && asGallery.Embeddings.Length > 0 && asGallery.CachedIndex is { } cached && ReferenceEquals(cached.Source, asGallery.Embeddings))
        {
            // The same gallery object again (its embeddings unchanged): its model was checked when its index was built.
            _gallery = asGallery.Embeddings;
            CheckProbeModel(_gallery[0].Model);
        }
        else
        {
            var list = new List<FaceEmbedding>();
            foreach (var item in PipelineInputBinder.Flatten(Gallery))
            {
                if (PipelineInputBinder.ToEmbedding(item) is { } e) list.Add(e);
                else WriteError(new ErrorRecord(new ArgumentException($"-Gallery takes a gallery from Import-FaceGallery or embeddings, not a {(item is PSObject p ? p.TypeNames.FirstOrDefault() : item.GetType().FullName)}."),
                    ErrorIds.UnsupportedInputObject, ErrorCategory.InvalidArgument, item));
            }
            if (list.Count == 0)
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("The gallery holds no embeddings: enrol faces with Export-FaceGallery or Get-FaceEmbedding -Label first."),
                    ErrorIds.EmptyGallery, ErrorCategory.InvalidArgument, Gallery));
            var first = list[0];
            foreach (var e in list)
                if (!string.Equals(e.Model, first.Model, StringComparison.OrdinalIgnoreCase) || e.Vector.Length != first.Vector.Length)
                    ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(
                        $"The gallery mixes embeddings of model '{first.Model}' and '{e.Model}': a gallery must be of one model."),
                        ErrorIds.GalleryModelMismatch, ErrorCategory.InvalidData, e));
            CheckProbeModel(first.Model);
            _gallery = list;
        }
        // A gallery Optimize-FaceGallery adapted is searched in its space, at its thresholds (-NoAdaptation: plain).
        if (asGallery is not null) UseAdaptation(asGallery.Adaptation, asGallery.Path);
    }

    /// <summary>The index of the gallery in the space compared in: kept on the gallery object when its rows are exactly its embeddings.</summary>
    private GalleryIndex IndexFor(string space)
    {
        var g = _galleryObject;
        if (g?.CachedIndex is { } cached && ReferenceEquals(cached.Source, g.Embeddings) && cached.Space == space && cached.Index.Count == g.Embeddings.Length)
            return cached.Index;
        var index = new GalleryIndex(InSpace(_gallery).Select(c => c.Vector).ToList(), _gallery.Select(e => e.Label).ToList());
        if (g is not null && _gallery.Count == g.Embeddings.Length && _gallery.Select((e, i) => ReferenceEquals(e, g.Embeddings[i])).All(same => same))
            g.CachedIndex = (g.Embeddings, space, index);
        return index;
    }

    /// <summary>Probes are embedded with the gallery's model: another -Model is refused.</summary>
    private void CheckProbeModel(string galleryModel)
    {
        if (Model is not null && !string.Equals(Model, galleryModel, StringComparison.OrdinalIgnoreCase))
            ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(
                $"The gallery holds embeddings of model '{galleryModel}', not '{Model}': probes must be embedded with the gallery's model (leave out -Model)."),
                ErrorIds.GalleryModelMismatch, ErrorCategory.InvalidArgument, Model));
        Model = galleryModel;
    }

    /// <summary>A path string or file given as -Gallery: the gallery file to read (as Import-FaceGallery would).</summary>
    private string? GalleryFileOf(object gallery)
    {
        var value = gallery is PSObject p ? p.BaseObject : gallery;
        return value switch
        {
            string s => SessionState.Path.GetUnresolvedProviderPathFromPSPath(s),
            FileInfo f => f.FullName,
            _ => null,
        };
    }

    // Tracks stand for their embedding; the identification names the track it came from.
    private readonly Dictionary<FaceEmbedding, FaceTrack> _trackOf = new(ReferenceEqualityComparer.Instance);

    protected override void ProcessRecord()
    {
        if (AddPathInputs(_probes)) return;
        foreach (var item in PipelineInputBinder.Flatten(InputObject))
            if (PipelineInputBinder.ToTrack(item) is { Embedding: { } e } track) _trackOf[e] = track;
        AddInputs(InputObject, _probes);
    }

    protected override void EndProcessing()
    {
        Prepare([], _probes);
        _index = IndexFor(Space);
        WriteVerbose($"Gallery: {_index.Count} faces of {_index.IdentityCount} people, model {Model}, {Space} space.");
        double threshold = ThresholdCosine;
        if (double.IsNaN(Threshold) && double.IsNaN(FalseMatchRate))
        {
            var stored = Adaptation is { } a ? a.IdentificationThreshold ?? a.DefaultThreshold : IdentificationThreshold.Read(ModelResolver.Shipped, ResolvedModel);
            if (stored is { } t) threshold = t;
            else WriteWarning($"Model '{ResolvedModel}' has no calibrated identification threshold; using its 1:1 verification threshold, which names strangers far more often in large galleries. Give -Threshold or -FalseMatchRate.");
        }
        double thresholdSimilarity = Scale.ToSimilarity(threshold);
        WriteVerbose(string.Create(CultureInfo.InvariantCulture, $"Identification threshold: cosine {threshold:0.0000} (Similarity {thresholdSimilarity:0.0})."));
        foreach (var g in _probes)
        {
            if (Stopping) return;
            if (!CheckHasFaces(g)) continue;
            var inSpace = InSpace(g.Embeddings);
            for (int p = 0; p < g.Embeddings.Count; p++)
            {
                var probe = g.Embeddings[p];
                var candidates = _index.Search(inSpace[p].Vector, Top);
                var list = candidates.Select((c, i) => new FaceCandidate
                {
                    Rank = i + 1,
                    Label = c.Label,
                    Cosine = c.Cosine,
                    Similarity = Scale.ToSimilarity(c.Cosine),
                    Match = _gallery[c.Row],
                    GalleryFaces = c.Faces,
                    IsMatch = c.Cosine >= threshold,
                }).ToArray();
                var best = list[0];
                WriteObject(new FaceIdentification
                {
                    Probe = probe,
                    Label = best.IsMatch ? best.Label : null,
                    Similarity = best.Similarity,
                    Cosine = best.Cosine,
                    Match = best.IsMatch ? best.Match : null,
                    Candidates = list,
                    Threshold = thresholdSimilarity,
                    Track = _trackOf.GetValueOrDefault(probe),
                    Space = Space,
                });
            }
        }
    }
}
