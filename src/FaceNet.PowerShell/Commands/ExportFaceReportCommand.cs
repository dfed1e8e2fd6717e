using System.Globalization;
using System.Management.Automation;
using FaceNet.Engine.Annotation;
using FaceNet.Engine.Geometry;
using FaceNet.Engine.Recognition;
using FaceNet.Engine.Reporting;
using FaceNet.Engine.Verification;
using FaceNet.Engine.Video;
using FaceNet.PowerShell.Internal;

namespace FaceNet.PowerShell.Commands;

/// <summary>
/// Writes an HTML report of a photo library by person: one section per person or cluster, with face thumbnails that
/// link to their photos, from Group-Face groups, Find-Face identifications, or embeddings (grouped by Label, else
/// clustered with Group-Face's defaults). The thumbnails go into a folder beside the page (&lt;name&gt;_files).
/// Video tracks (Get-FaceTrack, or Find-Face and Group-Face results made from them) give each person a timeline
/// per video: when they are in view; faces from videos are cut from their frames.
/// </summary>
[Cmdlet(VerbsData.Export, "FaceReport", DefaultParameterSetName = PathSet, SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportFaceReportCommand : PSCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    /// <summary>The HTML file to write (as -Path of Export-Csv names the file written).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>The HTML file to write, taken exactly as typed.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet)]
    [Alias("LP")]
    [ValidateNotNullOrEmpty]
    public string LiteralPath { get; set; } = "";

    /// <summary>FaceGroup (Group-Face), FaceIdentification (Find-Face), FaceEmbedding or FaceTrack (Get-FaceTrack) objects.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [AllowEmptyCollection]
    public object[] InputObject { get; set; } = [];

    /// <summary>The page's title.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Title { get; set; } = "Faces by person";

    /// <summary>Replaces an existing report.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Writes the report's FileInfo.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private readonly List<FaceGroup> _groups = [];
    private readonly List<FaceIdentification> _identifications = [];
    private readonly List<FaceEmbedding> _embeddings = [];
    private string _target = "";

    protected override void BeginProcessing()
    {
        _target = System.IO.Path.GetFullPath(SessionState.Path.GetUnresolvedProviderPathFromPSPath(ParameterSetName == LiteralPathSet ? LiteralPath : Path));
        var folder = System.IO.Path.GetDirectoryName(_target);
        if (Directory.Exists(_target))
            ThrowTerminatingError(new ErrorRecord(new IOException($"'{_target}' is a folder; give the report's file name (e.g. people.html)."),
                ErrorIds.DestinationNotFound, ErrorCategory.InvalidArgument, _target));
        if (string.IsNullOrEmpty(folder) || !Directory.Exists(folder))
            ThrowTerminatingError(new ErrorRecord(new DirectoryNotFoundException($"The folder '{folder}' of the report does not exist. Create it first (New-Item -ItemType Directory)."),
                ErrorIds.DestinationNotFound, ErrorCategory.ObjectNotFound, _target));
        if (File.Exists(_target) && !Force)
            ThrowTerminatingError(new ErrorRecord(new IOException($"The file '{_target}' already exists. Use -Force to replace it."),
                ErrorIds.FileExists, ErrorCategory.ResourceExists, _target));
    }

    protected override void ProcessRecord()
    {
        foreach (var item in InputObject ?? [])
        {
            var value = item is PSObject p ? p.BaseObject : item;
            switch (value)
            {
                case FaceGroup g: _groups.Add(g); break;
                case FaceIdentification i: _identifications.Add(i); break;
                case FaceAttribute { Face: { } face } a: _attributes[FaceKey(face)] = a; break;
                // A track stands for its embedding (clustered or grouped by label with the others); one without an
                // embedding (read back without it) is a person of its own.
                case FaceTrack { Embedding: null, BestFace: { } } t: _bareTracks.Add(t); break;
                // A video file: its people are tracked (Get-FaceTrack with its defaults) when the input ends.
                case var v when VideoPath(v) is { } video: _videos.Add(video); break;
                default:
                    if (PipelineInputBinder.ToEmbedding(value!) is { } e) _embeddings.Add(e);
                    else WriteError(new ErrorRecord(new ArgumentException(
                            $"Export-FaceReport shows groups (Group-Face), identifications (Find-Face), embeddings (Get-FaceEmbedding), tracks (Get-FaceTrack) and attributes (Get-FaceAttribute); it got {PipelineInputBinder.Bind(value!).TypeName}."),
                        ErrorIds.UnsupportedInputObject, ErrorCategory.InvalidType, item));
                    break;
            }
        }
    }

    protected override void EndProcessing()
    {
        foreach (var video in _videos.Distinct(StringComparer.Ordinal))
        {
            if (Stopping) return;
            TrackVideo(video);
        }
        var groups = new List<(string? Label, IReadOnlyList<ReportFace> Faces, IReadOnlyList<ReportTimeline>? Timelines)>();
        foreach (var g in _groups)
            groups.Add((g.Label, g.Faces.Select(f => Face(f, g.Representative is { } r && !ReferenceEquals(r, f) ? SimilarityNote(f, r, "the group's centre") : null)).ToList(),
                Timelines(g.Faces)));
        groups.AddRange(GroupEmbeddings());
        foreach (var t in _bareTracks)
            groups.Add((null, [Face(t.BestFace!, null)], [Timeline(t)]));
        // Attributes alone: the faces by expression (or by gender, when only age and gender were asked for).
        if (_groups.Count == 0 && _embeddings.Count == 0 && _identifications.Count == 0)
            foreach (var byValue in _attributes.Values.GroupBy(a => a.Expression ?? a.Gender ?? "Faces", StringComparer.Ordinal))
                groups.Add((byValue.Key, byValue.Select(a => Face(a.Face!, null)).ToList(), null));
        var probes = _identifications.Where(i => i.Probe?.Face is not null).Select(i =>
        {
            var best = i.Candidates.FirstOrDefault()?.Label ?? i.Label;
            var note = best is null ? null : string.Create(CultureInfo.InvariantCulture, $"Similarity to {best}'s best gallery face: {i.Similarity:0.0}% (threshold {i.Threshold:0.0}%)");
            return new ReportProbe(Face(i.Probe!, note), i.Label, i.Similarity, i.Threshold, i.Label is null ? best : null,
                i.Probe!.Track is { } track ? Timeline(track) : null);
        }).ToList();
        var report = new FaceReport(Title, ReportSections.Arrange(groups), probes);
        int faces = report.Sections.Sum(s => s.Faces.Count) + probes.Count;
        if (faces == 0) { WriteWarning("Nothing to report: no groups, identifications or embeddings came in."); return; }
        if (!ShouldProcess(_target, $"Write a face report of {faces} faces")) return;
        ReportSummary summary;
        try
        {
            summary = FaceReportWriter.Write(report, _target, Environment.ProcessorCount);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.WriteFailed, ErrorCategory.WriteError, _target));
            return;
        }
        foreach (var photo in summary.Unreadable)
            WriteWarning($"'{photo}' cannot be read any more; its faces are shown as placeholders in the report.");
        WriteVerbose(string.Create(CultureInfo.InvariantCulture,
            $"Wrote '{summary.HtmlPath}' and {summary.Thumbnails} thumbnails in '{summary.FilesFolder}': {summary.Sections} sections, {summary.Faces} faces, {summary.Bytes / 1024.0:0} KiB."));
        if (PassThru) foreach (var item in InvokeProvider.Item.Get([summary.HtmlPath], true, true)) WriteObject(item);
    }

    /// <summary>Embeddings with labels are grouped by label; the rest are clustered as Group-Face does by default.</summary>
    private IEnumerable<(string? Label, IReadOnlyList<ReportFace> Faces, IReadOnlyList<ReportTimeline>? Timelines)> GroupEmbeddings()
    {
        foreach (var byLabel in _embeddings.Where(e => e.Label is not null).GroupBy(e => e.Label!, StringComparer.Ordinal))
            yield return (byLabel.Key, byLabel.Select(e => Face(e, null)).ToList(), Timelines(byLabel));
        var unlabelled = _embeddings.Where(e => e.Label is null).ToList();
        if (unlabelled.Count == 0) yield break;
        var model = unlabelled[0].Model;
        if (FaceComparer.FindMismatch(model, unlabelled.Select(e => new ComparableFace(e.Model, e.Vector)).ToList()) is { } mismatch)
            ThrowTerminatingError(new ErrorRecord(mismatch.Error, ErrorIds.ModelMismatch, ErrorCategory.InvalidData, unlabelled[mismatch.Index]));
        var options = ClusteringDefaults.OptionsFor(ClusteringDefaults.CutFor(model)) with { SeparateSameSource = true };
        var clusters = FaceClustering.Cluster(unlabelled.Select(e => e.Vector).ToList(), unlabelled.Select(e => (string?)e.Path).ToList(), options);
        foreach (var c in clusters)
        {
            var centre = unlabelled[c.Medoid];
            yield return (null, c.Members.Select(i => Face(unlabelled[i], c.Members.Length > 1 && i != c.Medoid ? SimilarityNote(unlabelled[i], centre, "the group's centre") : null)).ToList(),
                Timelines(c.Members.Select(i => unlabelled[i])));
        }
    }

    private readonly List<FaceTrack> _bareTracks = [];

    /// <summary>The timelines of the tracks among <paramref name="embeddings"/> (null when none is a track's).</summary>
    private List<ReportTimeline>? Timelines(IEnumerable<FaceEmbedding> embeddings)
    {
        var list = embeddings.Where(e => e.Track is not null).Select(e => Timeline(e.Track!)).ToList();
        return list.Count > 0 ? list : null;
    }

    private ReportTimeline Timeline(FaceTrack t) =>
        new(System.IO.Path.GetFullPath(t.Path), VideoLength(t.Path), t.Segments.Select(s => new ReportSegment(s.Start, s.End)).ToList());

    // Each video is probed once for its length (the timeline's full width); an unreadable one spans its last segment.
    private readonly Dictionary<string, TimeSpan?> _lengths = new(StringComparer.Ordinal);

    private TimeSpan? VideoLength(string path)
    {
        path = System.IO.Path.GetFullPath(path);
        if (_lengths.TryGetValue(path, out var length)) return length;
        try { length = VideoProbe.Probe(path).Duration; }
        catch (Exception ex) when (ex is FaceNet.Engine.Imaging.ImageLoadException or IOException or System.ComponentModel.Win32Exception)
        {
            WriteWarning($"The length of '{path}' cannot be read ({ex.Message}); its timelines end at the last time a face is seen.");
            length = null;
        }
        return _lengths[path] = length;
    }

    private readonly List<string> _videos = [];

    /// <summary>The full path of the video file <paramref name="value"/> names (a FileInfo or a path), else null.</summary>
    private string? VideoPath(object? value)
    {
        string? path = value switch
        {
            FileInfo f => f.FullName,
            string s when s.Length > 0 && s.IndexOfAny(System.IO.Path.GetInvalidPathChars()) < 0 =>
                System.IO.Path.GetFullPath(s, SessionState.Path.CurrentFileSystemLocation.ProviderPath),
            _ => null,
        };
        return path is not null && File.Exists(path) && VideoFile.IsVideo(path) ? path : null;
    }

    /// <summary>Runs Get-FaceTrack on a video given as a file; its tracks join the input, its errors and warnings are passed on.</summary>
    private void TrackVideo(string video)
    {
        WriteVerbose($"Tracking the faces of '{video}' (Get-FaceTrack).");
        using var ps = System.Management.Automation.PowerShell.Create(System.Management.Automation.RunspaceMode.CurrentRunspace);
        ps.AddCommand("FaceNet\\Get-FaceTrack").AddParameter("LiteralPath", video);
        foreach (var result in ps.Invoke())
        {
            if (result?.BaseObject is not FaceTrack t) continue;
            if (t.Embedding is { } e) _embeddings.Add(e);
            else if (t.BestFace is not null) _bareTracks.Add(t);
        }
        foreach (var w in ps.Streams.Warning) WriteWarning(w.Message);
        foreach (var e in ps.Streams.Error) WriteError(e);
    }

    private ReportFace Face(FaceEmbedding e, string? note) => Face(e.Face ?? new Face { Path = e.Path }, note);

    /// <summary>A face to show, captioned with its attributes when Get-FaceAttribute's were piped in too.</summary>
    private ReportFace Face(Face f, string? note)
    {
        string? attributes = _attributes.TryGetValue(FaceKey(f), out var a)
            ? AnnotationLabels.DescribeAttributes(a.Expression, a.ExpressionConfidence, a.Age, a.Gender)
            : null;
        return new ReportFace(f.Path, new FaceBox(f.X, f.Y, f.Width, f.Height), note, attributes, f.Time);
    }

    // Attributes find their face by photo (or video frame) and box, whichever object brought the face.
    private readonly Dictionary<(string, int, int, int, int), FaceAttribute> _attributes = [];

    private static (string, int, int, int, int) FaceKey(Face f) =>
        ((string.IsNullOrEmpty(f.Path) ? "" : System.IO.Path.GetFullPath(f.Path)) + (f.Time is { } t ? "@" + t.Ticks.ToString(CultureInfo.InvariantCulture) : ""), (int)MathF.Round(f.X), (int)MathF.Round(f.Y), (int)MathF.Round(f.Width), (int)MathF.Round(f.Height));

    // One Similarity scale per model for the whole report, not one per face.
    private readonly Dictionary<string, SimilarityScale> _scales = new(StringComparer.OrdinalIgnoreCase);

    private string SimilarityNote(FaceEmbedding a, FaceEmbedding b, string to)
    {
        if (!_scales.TryGetValue(a.Model, out var scale))
            _scales[a.Model] = scale = ModelResolver.Shipped.TryGet(a.Model, out var d) ? SimilarityScale.For(d) : SimilarityScale.Linear(0.5);
        return string.Create(CultureInfo.InvariantCulture, $"Similarity to {to}: {scale.ToSimilarity(FaceComparer.Cosine(a.Vector, b.Vector)):0.0}%");
    }
}
