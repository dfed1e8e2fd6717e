namespace FaceNet.PowerShell;

/// <summary>A span of time a person is in view without a break longer than Get-FaceTrack's gap.</summary>
public sealed class FaceTrackSegment
{
    public FaceTrackSegment() { }
    public FaceTrackSegment(TimeSpan start, TimeSpan end) => (Start, End) = (start, end);
    public TimeSpan Start { get; set; }
    public TimeSpan End { get; set; }
    public override string ToString() => $"{Engine.Video.VideoTime.Format(Start)}-{Engine.Video.VideoTime.Format(End)}";
}

/// <summary>
/// One person's appearance in one video (Get-FaceTrack): when, how often, their best face and one embedding for the
/// whole track. Find-Face and Group-Face take it as they take an embedding.
/// </summary>
public sealed class FaceTrack
{
    public FaceTrack() { }

    /// <summary>0, 1, ... in order of first appearance within the video.</summary>
    public int TrackId { get; set; }
    public string Path { get; set; } = "";
    /// <summary>The first and last sampled frames the person's face is in.</summary>
    public TimeSpan Start { get; set; }
    public TimeSpan End { get; set; }
    public TimeSpan Duration => End - Start;
    /// <summary>Faces linked into the track (one per sampled frame the person is seen in).</summary>
    public int FaceCount { get; set; }
    /// <summary>The spans the person is in view (a cutaway or an exit splits them).</summary>
    public FaceTrackSegment[] Segments { get; set; } = [];
    /// <summary>The sharpest, most frontal face of the track.</summary>
    public Face? BestFace { get; set; }
    /// <summary>Every face of the track, in time order (one per sampled frame the person is seen in).</summary>
    public Face[] Faces { get; set; } = [];
    /// <summary>The unit mean of the track's face embeddings; its Face is BestFace.</summary>
    public FaceEmbedding? Embedding { get; set; }
    public string Model => Embedding?.Model ?? "";
    public string FileName => System.IO.Path.GetFileName(Path);

    public override string ToString() =>
        $"{FileName} track {TrackId} ({Engine.Video.VideoTime.Format(Start)}-{Engine.Video.VideoTime.Format(End)}, {FaceCount} faces)";
}
