using System.Management.Automation;
using FaceNet.Engine.Detection;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Models;
using FaceNet.Engine.Pipeline;
using FaceNet.Engine.Tracking;
using FaceNet.Engine.Verification;
using FaceNet.Engine.Video;
using FaceNet.PowerShell.Internal;

namespace FaceNet.PowerShell.Commands;

/// <summary>
/// Follows the people in videos: one FaceTrack per person per video, with when they appear, their best face and one
/// embedding. Faces are linked between frames by their boxes, and across cuts, exits and occlusions by embeddings.
/// </summary>
[Cmdlet(VerbsCommon.Get, "FaceTrack", DefaultParameterSetName = PathSet)]
[OutputType(typeof(FaceTrack))]
public sealed class GetFaceTrackCommand : MediaCmdletBase
{
    /// <summary>The embedder for the tracks' embeddings (default: the manifest's, as galleries use).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ModelNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Model { get; set; }

    /// <summary>Tracks with fewer faces than this are dropped (a face seen in one frame only is most often a false detection). Default 2.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int MinFaceCount { get; set; } = 2;

    /// <summary>Similarity (0-100) at or above which two tracks are joined as one person. Default: the model's threshold (50).</summary>
    [Parameter]
    [ValidateRange(0.0, 100.0)]
    public double Threshold { get; set; } = double.NaN;

    /// <summary>
    /// Faces are embedded in one frame a second and in the first frame after each cut; the frames between link by their
    /// boxes. Embedding every sampled frame with the default (ensemble) model ran at 0.3x real time on 1080p (54 ms a face).
    /// </summary>
    private const double EmbedRate = 1;
    protected override double? EmbeddingsPerSecond => EmbedRate;

    private FaceAnalyzer _analyzer = null!;
    private string _model = "";
    private float _matchCosine;
    private FaceTracker? _tracker;
    private ProgressReporter? _progress;

    protected override void BeginProcessing()
    {
        ModelManifest manifest;
        try
        {
            (manifest, _model) = ModelResolver.Resolve(Model, null);
            var t = ThresholdPolicy.Resolve(manifest, _model, double.IsNaN(Threshold) ? null : Threshold, null);
            _matchCosine = (float)t.Cosine;
            // Joining a video's tracks is identification among many people, not one comparison: by default the
            // model's open-set identification threshold (what Find-Face uses), stricter than the 1:1 one.
            if (double.IsNaN(Threshold) && Engine.Recognition.IdentificationThreshold.Read(manifest, _model) is double id && id > _matchCosine)
                _matchCosine = (float)id;
        }
        catch (Exception ex) when (ex is ArgumentException or ThresholdPolicyException)
        {
            ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.UnknownModel, ErrorCategory.InvalidArgument, Model));
            return;
        }
        _analyzer = AnalyzerFor(manifest);
        _analyzer.PreloadEmbedder(_model);
        _progress = new ProgressReporter(this, "Tracking faces", unit: "videos");
    }

    protected override void ProcessRecord()
    {
        var options = DetectionOptionsFor(float.NaN);
        var files = SelectedPaths().ToList();
        if (files.Count > 1) _progress!.Total += files.Count;
        try
        {
            foreach (var (file, error) in files)
            {
                if (Stopping) return;
                if (error is not null) { SubmitFailure(file, error); DrainImages(false, Emit); continue; }
                if (File.Exists(file) && !VideoFile.IsVideo(file))
                {
                    WriteError(new ErrorRecord(new ArgumentException($"'{file}' is not a video: Get-FaceTrack follows faces through videos (MP4, MOV, WebM, AVI, ...). Use Get-Face for photos."),
                        ErrorIds.NotAVideo, ErrorCategory.InvalidArgument, file));
                    continue;
                }
                SubmitMedia(file, _analyzer, options, Analyze, null, Emit);
            }
        }
        catch (ModelLoadException ex)
        {
            ThrowModelError(ex);
        }
    }

    private ImageResult Analyze(FaceImage image, DetectionOptions options, FramePosition? at, bool embed)
    {
        var result = ImageResult.Analyze(_analyzer, image, image.SourcePath ?? "", options, embed ? _model : null, position: at);
        if (result.Error is not null) return result;
        var qualities = result.Faces.Select(f => FaceQuality.Score(image, f.Box, f.Landmarks)).ToArray();
        return result with { Qualities = qualities };
    }

    private void Emit(ImageResult result, object? state)
    {
        if (state is VideoEnd end)
        {
            _progress!.Step(result.Path);
            var tracks = (_tracker ?? new FaceTracker(Options())).Finish();
            _tracker = null;
            EmbedUnembedded(result.Path, tracks);
            WriteVerbose($"'{result.Path}': {tracks.Count} tracks in {end.Frames} frames.");
            foreach (var t in tracks) WriteObject(ToTrack(result.Path, t, end.Info));
            return;
        }
        if (result.Position is not { } at) return;
        _tracker ??= new FaceTracker(Options());
        var faces = new TrackedFace[result.Faces.Count];
        for (int i = 0; i < faces.Length; i++)
            faces[i] = new TrackedFace(at, result.Faces[i], result.Embeddings?[i], result.Qualities?[i] ?? 0);
        _tracker.Add(at, faces, result.Signature);
    }

    /// <summary>A track seen only between embedded frames gets its best face embedded now, from that face's frame.</summary>
    private void EmbedUnembedded(string path, IReadOnlyList<Engine.Tracking.FaceTrack> tracks)
    {
        foreach (var t in tracks)
        {
            if (t.Embedding is not null) continue;
            var best = t.Best;
            try
            {
                var frame = FrameGrabber.Grab(path, best.Position.Time);
                using (frame.Image) t.SetEmbedding(_analyzer.Embed(frame.Image, [best.Face], _model)[0]);
            }
            catch (ImageLoadException ex)
            {
                WriteWarning($"Track {t.Id} of '{path}' has no embedding: its best frame could not be read again ({ex.Message}).");
            }
        }
    }

    private TrackerOptions Options() => new() { MatchCosine = _matchCosine, MinFaces = MinFaceCount };

    private FaceTrack ToTrack(string path, Engine.Tracking.FaceTrack t, VideoInfo info)
    {
        var best = t.Best;
        var face = new Face(path, best.Face, info.Width, info.Height) { Time = best.Position.Time, Frame = best.Position.Frame };
        // Segments break where the person is out of view for longer than two sampled frames (or a second).
        var gap = TimeSpan.FromSeconds(Math.Max(2.5 / SampledRate(info), 0.5));
        var track = new FaceTrack
        {
            TrackId = t.Id,
            Path = path,
            Start = t.Start,
            End = t.End,
            FaceCount = t.Faces.Count,
            Segments = t.Segments(gap).Select(s => new FaceTrackSegment(s.Start, s.End)).ToArray(),
            BestFace = face,
            Faces = t.Faces.Select(f => ReferenceEquals(f, best) ? face : new Face(path, f.Face, info.Width, info.Height) { Time = f.Position.Time, Frame = f.Position.Frame }).ToArray(),
            Embedding = t.Embedding is { } e ? new FaceEmbedding(face, _model, e) : null,
        };
        if (track.Embedding is { } embedding) embedding.Track = track;
        return track;
    }

    protected override void EndProcessing()
    {
        DrainImages(final: true, Emit);
        DisposeQueue();
        _progress?.Complete();
    }
}
