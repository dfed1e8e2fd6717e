using System.Management.Automation;
using FaceNet.Engine.Detection;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Pipeline;
using FaceNet.Engine.Video;

namespace FaceNet.PowerShell.Internal;

/// <summary>
/// Path cmdlets that read videos as well as photos (Get-Face, Get-FaceEmbedding, Get-FaceAttribute, Get-FaceTrack):
/// a photo is one work item; a video is decoded by one ffmpeg process on the pipeline thread while its sampled frames
/// are searched for faces on the workers, results in frame order, with -FramesPerSecond/-EveryFrame/-Start/-Duration.
/// </summary>
public abstract class MediaCmdletBase : PathCmdletBase
{
    /// <summary>Smallest face to use, in pixels (the longer side of its box). Default: the detector's floor in photos; in videos a 27th of the frame's shorter side, 20 to 40 px.</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = LiteralPathSet)]
    [ValidateRange(1, int.MaxValue)]
    public int MinFaceSize { get; set; }

    /// <summary>Detection options from -MinFaceSize and, for the commands that have it, -MinConfidence (NaN: the detector's own).</summary>
    protected DetectionOptions DetectionOptionsFor(float minConfidence)
    {
        var options = float.IsNaN(minConfidence) ? DetectionOptions.Default : DetectionOptions.Default with { MinConfidence = minConfidence };
        return MinFaceSize > 0 ? options with { MinFaceSize = MinFaceSize } : options;
    }

    /// <summary>For videos: frames read per second of video (the first frame of each slot). Default 5.</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = LiteralPathSet)]
    [ValidateRange(0.01, 1000.0)]
    public double FramesPerSecond { get; set; } = VideoSampling.DefaultFramesPerSecond;

    /// <summary>For videos: read every frame.</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = LiteralPathSet)]
    public SwitchParameter EveryFrame { get; set; }

    /// <summary>For videos: where to start reading, from the start of the video (seconds, or a TimeSpan such as '00:01:30').</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = LiteralPathSet)]
    [VideoTimeTransformation]
    public TimeSpan Start { get; set; }

    /// <summary>For videos: how much to read from -Start. Default: to the end.</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = LiteralPathSet)]
    [VideoTimeTransformation]
    public TimeSpan Duration { get; set; }

    protected VideoSampling Sampling => new()
    {
        FramesPerSecond = FramesPerSecond,
        EveryFrame = EveryFrame.IsPresent,
        Start = Start < TimeSpan.Zero ? TimeSpan.Zero : Start,
        Duration = Duration > TimeSpan.Zero ? Duration : null,
    };

    /// <summary>Frames read per second of this video: every frame, or -FramesPerSecond (never more than the video has).</summary>
    protected double SampledRate(VideoInfo info) => EveryFrame ? info.FrameRate : Math.Min(FramesPerSecond, info.FrameRate);

    /// <summary>For commands that need embeddings of only some frames: how many frames a second to embed (null: every frame).</summary>
    protected virtual double? EmbeddingsPerSecond => null;

    /// <summary>Marks the end of one video in the result stream: carries its damage report and no faces.</summary>
    protected sealed record VideoEnd(string Path, int Frames, VideoInfo Info);

    private int _videoProgressId = 10;

    /// <summary>
    /// Queues one file: a photo through <paramref name="analyze"/> after decoding it for detection, a video frame by
    /// frame. Results come back through DrainImages in input order; a video's frames are followed by one result whose
    /// state is a <see cref="VideoEnd"/> (its damage, if any, already warned about).
    /// </summary>
    protected void SubmitMedia(string file, FaceAnalyzer analyzer, DetectionOptions options,
        Func<FaceImage, DetectionOptions, FramePosition?, bool, ImageResult> analyze, object? state, Action<ImageResult, object?> emit)
    {
        if (!File.Exists(file) || !VideoFile.IsVideo(file))
        {
            SubmitImage(load =>
            {
                FaceImage image;
                try { image = analyzer.Load(file, options, load); }
                catch (ImageLoadException ex) { return ImageResult.Failed(file, ex); }
                using (image) return analyze(image, options, null, true);
            }, state);
            DrainImages(final: false, emit);
            return;
        }
        VideoReader reader;
        try
        {
            reader = new VideoReader(file, Sampling);
        }
        catch (ImageLoadException ex)
        {
            SubmitFailure(file, ex);
            DrainImages(final: false, emit);
            return;
        }
        using (reader)
        {
            var info = reader.Info;
            // Smaller faces than a 27th of the frame's shorter side are skipped by default: 40 px in 1080p, 20 px (the
            // photo default) from 540p down, which keeps 1080p at 5 frames a second faster than it plays on 2 cores.
            var frameOptions = options.MinFaceSize is null ? options with { MinFaceSize = VideoDefaults.MinFaceSize(info) } : options;
            var progress = new VideoProgress(this, file, info, _videoProgressId++);
            // Commands that embed only some frames (Get-FaceTrack) embed every k-th sampled frame, EmbeddingsPerSecond a
            // second, and the first frame after a cut (the whole picture changes), where the people may all be new. The
            // frame's thumbnail that tells the cut travels with its result, for the tracker.
            int every = EmbeddingsPerSecond is double rate ? Math.Max(1, (int)Math.Round(SampledRate(info) / rate)) : 1;
            int ordinal = 0;
            FaceNet.Engine.Tracking.FrameSignature? previous = null;
            try
            {
                foreach (var frame in reader.Frames())
                {
                    if (Stopping) { frame.Image.Dispose(); return; }
                    bool embed = ordinal++ % every == 0;
                    FaceNet.Engine.Tracking.FrameSignature? signature = null;
                    if (EmbeddingsPerSecond is not null)
                    {
                        signature = FaceNet.Engine.Tracking.FrameSignature.Of(frame.Image);
                        embed |= previous is not null && previous.Distance(signature) > FaceNet.Engine.Tracking.TrackerOptions.DefaultCutDistance;
                        previous = signature;
                    }
                    SubmitImage(_ =>
                    {
                        using (frame.Image)
                        {
                            var result = analyze(frame.Image, frameOptions, frame.Position, embed);
                            return signature is null ? result : result with { Signature = signature };
                        }
                    }, state);
                    DrainImages(final: false, emit);
                    progress.Update(frame.Position.Time);
                }
            }
            catch (ImageLoadException ex)
            {
                SubmitFailure(file, ex);
                DrainImages(final: false, emit);
                progress.Complete();
                return;
            }
            progress.Complete();
            var end = new VideoEnd(file, reader.FramesRead, info);
            var damage = reader.Damage;
            SubmitImage(_ => new ImageResult(file, info.Width, info.Height, [], null, null) { Damage = damage }, end);
            DrainImages(final: false, emit);
        }
    }

    private sealed class VideoProgress(Cmdlet cmdlet, string file, VideoInfo info, int id)
    {
        private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
        private long _next = 500;
        private bool _shown;

        public void Update(TimeSpan at)
        {
            if (_clock.ElapsedMilliseconds < _next) return;
            _next = _clock.ElapsedMilliseconds + 250;
            string total = info.Duration is { } d ? " of " + VideoTime.Format(d) : "";
            double speed = at.TotalSeconds / Math.Max(_clock.Elapsed.TotalSeconds, 1e-3);
            var record = new ProgressRecord(id, $"Reading {System.IO.Path.GetFileName(file)}", $"{VideoTime.Format(at)}{total}, {speed:0.0}x the speed it plays");
            if (info.Duration is { TotalSeconds: > 0 } dd) record.PercentComplete = (int)Math.Clamp(at.TotalSeconds * 100 / dd.TotalSeconds, 0, 100);
            cmdlet.WriteProgress(record);
            _shown = true;
        }

        public void Complete()
        {
            if (_shown) cmdlet.WriteProgress(new ProgressRecord(id, $"Reading {System.IO.Path.GetFileName(file)}", "Done") { RecordType = ProgressRecordType.Completed });
        }
    }
}
