using FaceNet.Engine.Detection;
using FaceNet.Engine.Pipeline;
using FaceNet.Engine.Tracking;
using FaceNet.Engine.Verification;
using FaceNet.Engine.Video;
using FaceNet.TestSupport;
using Xunit;

namespace FaceNet.Engine.Tests;

/// <summary>Runs where ffmpeg is installed; elsewhere skips and says how to install it.</summary>
public sealed class VideoFactAttribute : FactAttribute
{
    public VideoFactAttribute() { if (TestClips.Unavailable is { } why) Skip = why; }
}

public sealed class VideoTheoryAttribute : TheoryAttribute
{
    public VideoTheoryAttribute() { if (TestClips.Unavailable is { } why) Skip = why; }
}

public class VideoTests
{
    private static List<(FramePosition Position, int Width, int Height)> Read(string path, VideoSampling sampling)
    {
        using var reader = new VideoReader(path, sampling);
        var list = new List<(FramePosition, int, int)>();
        foreach (var f in reader.Frames())
            using (f.Image) list.Add((f.Position, f.Image.Width, f.Image.Height));
        Assert.Null(reader.Damage);
        return list;
    }

    [VideoFact]
    public void DefaultSamplingReadsFiveFramesASecondWithTheirNumbersAndTimes()
    {
        var frames = Read(TestClips.Cut, VideoSampling.Default);
        Assert.Equal(35, frames.Count); // 7 s at 5 a second
        Assert.Equal(Enumerable.Range(0, 35).Select(i => (long)i * 6), frames.Select(f => f.Position.Frame));
        Assert.Equal(TimeSpan.FromSeconds(1.2), frames[6].Position.Time);
        Assert.All(frames, f => Assert.Equal((640, 360), (f.Width, f.Height)));
    }

    [VideoFact]
    public void EveryFrameAndStartAndDurationReadTheAskedSpan()
    {
        var frames = Read(TestClips.Cut, new VideoSampling { EveryFrame = true, Start = TimeSpan.FromSeconds(2), Duration = TimeSpan.FromSeconds(0.5) });
        Assert.Equal(15, frames.Count);
        Assert.Equal(60, frames[0].Position.Frame);
        Assert.Equal(2.0, frames[0].Position.Time.TotalSeconds, 3);
        Assert.Equal(74, frames[^1].Position.Frame);
    }

    [VideoTheory]
    [InlineData("h264.mp4", "-c:v", "libx264")]
    // Fast encoder settings: on a clean machine each clip is encoded once, inside the 5-minute test budget.
    [InlineData("h265.mp4", "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-tag:v", "hvc1")]
    [InlineData("vp8.webm", "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "1M")]
    [InlineData("vp9.webm", "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "1M")]
    [InlineData("h264.mov", "-c:v", "libx264")]
    [InlineData("mpeg4.avi", "-c:v", "mpeg4", "-q:v", "3")]
    public void EachContainerGivesTheSameFaces(string name, params string[] codec)
    {
        var path = TestClips.Format(name, codec);
        Assert.True(VideoFile.IsVideo(path));
        using var reader = new VideoReader(path, VideoSampling.Default with { Duration = TimeSpan.FromSeconds(0.6) });
        var counts = new List<int>();
        foreach (var f in reader.Frames())
            using (f.Image) counts.Add(FaceAnalyzer.Default.Detect(f.Image, DetectionOptions.Default with { MinFaceSize = VideoDefaults.MinFaceSize(reader.Info) }).Count);
        Assert.Equal(3, counts.Count);
        // sample1 shows four people; at 640x360 three faces are 50-60 px and the fourth, in the back, too small to keep.
        Assert.True(counts.All(c => c == 3), string.Join(",", counts));
    }

    [VideoFact]
    public void RotationMetadataIsApplied()
    {
        using var reader = new VideoReader(TestClips.Rotated);
        Assert.Equal(90, reader.Info.Rotation);
        Assert.Equal((360, 640), (reader.Info.Width, reader.Info.Height));
        var frame = reader.Frames().First();
        using (frame.Image)
        {
            Assert.Equal((360, 640), (frame.Image.Width, frame.Image.Height));
            Assert.NotEmpty(FaceAnalyzer.Default.Detect(frame.Image));
        }
    }

    [VideoFact]
    public void ACutShortVideoGivesTheFramesThatDecodeAndSaysItIsDamaged()
    {
        using var reader = new VideoReader(TestClips.Truncated);
        int n = 0;
        foreach (var f in reader.Frames()) using (f.Image) n++;
        Assert.InRange(n, 2, 9); // of 10 in the whole 2 s
        Assert.NotNull(reader.Damage);
    }

    [VideoFact]
    public void GrabbingAFrameByTimeGivesThatFrame()
    {
        var frame = FrameGrabber.Grab(TestClips.Cut, TimeSpan.FromSeconds(3.4));
        using (frame.Image) Assert.Equal(102, frame.Position.Frame);
    }

    [Fact]
    public void PhotosAndOtherFilesAreNotVideos()
    {
        Assert.False(VideoFile.IsVideo(TestData.Sample(1)));
        Assert.False(VideoFile.IsVideo("x"u8.ToArray()));
        byte[] heic = [0, 0, 0, 24, .. "ftypheic"u8.ToArray(), 0, 0, 0, 0];
        Assert.False(VideoFile.IsVideo(heic));
        byte[] mp4 = [0, 0, 0, 24, .. "ftypisom"u8.ToArray(), 0, 0, 0, 0];
        Assert.True(VideoFile.IsVideo(mp4));
    }

    [VideoFact]
    public void TracksFollowEachPersonAndJoinThemAcrossTheCut()
    {
        var analyzer = FaceAnalyzer.Default;
        var model = analyzer.Manifest.DefaultEmbedder;
        var threshold = ThresholdPolicy.Resolve(analyzer.Manifest, model);
        var tracker = new FaceTracker(new TrackerOptions { MatchCosine = (float)threshold.Cosine });
        // As Get-FaceTrack does: embeddings once a second and on the first frame after a cut; boxes link the rest.
        FrameSignature? previous = null;
        int ordinal = 0;
        using (var reader = new VideoReader(TestClips.Cut))
            foreach (var f in reader.Frames())
                using (f.Image)
                {
                    var signature = FrameSignature.Of(f.Image);
                    bool embed = ordinal++ % 5 == 0 || previous is not null && previous.Distance(signature) > TrackerOptions.DefaultCutDistance;
                    previous = signature;
                    var r = ImageResult.Analyze(analyzer, f.Image, TestClips.Cut, DetectionOptions.Default, embed ? model : null, position: f.Position);
                    var faces = r.Faces.Select((x, i) => new TrackedFace(f.Position, x, r.Embeddings?[i], FaceQuality.Score(f.Image, x.Box, x.Landmarks))).ToList();
                    tracker.Add(f.Position, faces, signature);
                }
        var tracks = tracker.Finish();
        // Four people in sample1 (seen 0-3 s and again 5-7 s) and three in sample2 (3-5 s): seven tracks, not eleven.
        var first = tracks.Where(t => t.Start < TimeSpan.FromSeconds(1)).ToList();
        var second = tracks.Where(t => t.Start >= TimeSpan.FromSeconds(2.9) && t.Start < TimeSpan.FromSeconds(3.3)).ToList();
        Assert.True(first.Count is 3 or 4, $"{first.Count} tracks start in sample1");
        Assert.Equal(3, second.Count);
        Assert.All(first, t => Assert.True(t.End >= TimeSpan.FromSeconds(6.4), $"track {t.Id} ends at {t.End}: not joined across the cut"));
        Assert.All(first, t => Assert.Equal(2, t.Segments(TimeSpan.FromSeconds(0.5)).Count));
        Assert.All(second, t => Assert.True(t.End <= TimeSpan.FromSeconds(5)));
        Assert.Equal(first.Count + second.Count, tracks.Count);
        Assert.All(tracks, t => Assert.NotNull(t.Embedding));
    }
}
