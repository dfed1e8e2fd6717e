using FaceNet.Engine.Geometry;
using FaceNet.Engine.Pipeline;
using FaceNet.Engine.Video;

namespace FaceNet.Engine.Tracking;

/// <summary>How the tracker links faces. Defaults suit the default sampling (5 frames a second) and embedder.</summary>
public sealed record TrackerOptions
{
    /// <summary>Cosine at or above which two tracks' embeddings are the same person (the embedder's match threshold).</summary>
    public required float MatchCosine { get; init; }
    /// <summary>A face joins the track whose last box it overlaps at least this much (intersection over union).</summary>
    public float MinOverlap { get; init; } = 0.3f;
    /// <summary>A track with no face for this long is no longer continued by overlap (only by embedding, when tracks are merged).</summary>
    public TimeSpan MaxGap { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Consecutive sampled frames whose thumbnails differ by more than this (mean grey level, 0-255) are a cut.</summary>
    public float CutDistance { get; init; } = DefaultCutDistance;
    public const float DefaultCutDistance = 18f;
    /// <summary>An overlapping face whose embedding is this far below the match threshold starts a new track (a cut the thumbnails missed).</summary>
    public float SplitMargin { get; init; } = 0.15f;
    /// <summary>Tracks with fewer faces than this, after merging, are dropped as detector noise.</summary>
    public int MinFaces { get; init; } = 2;
}

/// <summary>One face as the tracker sees it.</summary>
public sealed record TrackedFace(FramePosition Position, AnalyzedFace Face, float[]? Embedding, float Quality);

/// <summary>A person's appearance in one video: faces linked between frames, and across cuts by their embeddings.</summary>
public sealed class FaceTrack
{
    internal FaceTrack(int id) => Id = id;

    public int Id { get; internal set; }
    public List<TrackedFace> Faces { get; } = [];
    public TimeSpan Start => Faces[0].Position.Time;
    public TimeSpan End => Faces[^1].Position.Time;

    /// <summary>The unit mean of the faces' embeddings (null when no face was embedded).</summary>
    public float[]? Embedding { get; internal set; }

    /// <summary>Sets the embedding of a track no face of which was embedded (its best face, embedded afterwards).</summary>
    public void SetEmbedding(float[] embedding)
    {
        if (Embedding is null) Embedding = embedding;
    }

    /// <summary>The best face for the track's picture: the best quality among embedded faces, else among all.</summary>
    public TrackedFace Best => Faces.Where(f => f.Embedding is not null).DefaultIfEmpty().MaxBy(f => f?.Quality ?? -1) ?? Faces.MaxBy(f => f.Quality)!;

    /// <summary>The spans the person is in view: faces less than <paramref name="gap"/> apart belong to one span.</summary>
    public IReadOnlyList<(TimeSpan Start, TimeSpan End)> Segments(TimeSpan gap)
    {
        var list = new List<(TimeSpan, TimeSpan)>();
        TimeSpan s = Faces[0].Position.Time, e = s;
        foreach (var f in Faces.Skip(1))
        {
            if (f.Position.Time - e > gap) { list.Add((s, e)); s = f.Position.Time; }
            e = f.Position.Time;
        }
        list.Add((s, e));
        return list;
    }

    internal FaceBox LastBox => Faces[^1].Face.Box;
    internal float[]? Sum;
    internal int Embedded;
    internal HashSet<long> Frames { get; } = [];

    internal void Add(TrackedFace face)
    {
        Faces.Add(face);
        Frames.Add(face.Position.Frame);
        if (face.Embedding is { } e)
        {
            Sum ??= new float[e.Length];
            // Weighted by quality: a sharp frontal face says more about who it is than a blurred profile.
            float w = MathF.Max(face.Quality, 0.02f);
            for (int i = 0; i < e.Length; i++) Sum[i] += w * e[i];
            Embedded++;
            var unit = (float[])Sum.Clone();
            Vectors.VectorMath.NormalizeInPlace(unit);
            Embedding = unit;
        }
    }
}

/// <summary>
/// Links a video's faces into tracks, frame by frame in time order: a face continues the track whose last box it
/// overlaps most (within MaxGap, not across a cut, and not when its embedding disagrees), else starts a track. At the
/// end, tracks whose embeddings match and which never share a frame are merged, most similar first (average linkage
/// over the pieces), so a person who leaves and comes back, or is cut away from, keeps one track.
/// </summary>
public sealed class FaceTracker(TrackerOptions options)
{
    private readonly List<FaceTrack> _tracks = [];
    private FrameSignature? _lastSignature;
    private TimeSpan _lastTime;
    private int _nextId;

    public TrackerOptions Options => options;

    /// <summary>Tracks so far (unmerged).</summary>
    public int Count => _tracks.Count;

    /// <summary>Adds one sampled frame's faces (frames must come in time order); returns true when the frame was taken for a cut.</summary>
    public bool Add(FramePosition position, IReadOnlyList<TrackedFace> faces, FrameSignature? signature)
    {
        bool cut = _lastSignature is not null && signature is not null && _lastSignature.Distance(signature) > options.CutDistance;
        if (signature is not null) _lastSignature = signature;
        _lastTime = position.Time;
        var open = cut ? [] : _tracks.Where(t => position.Time - t.Faces[^1].Position.Time <= options.MaxGap && !t.Frames.Contains(position.Frame)).ToList();
        var pairs = new List<(float Iou, FaceTrack Track, int Face)>();
        for (int i = 0; i < faces.Count; i++)
            foreach (var t in open)
            {
                float iou = t.LastBox.IntersectionOverUnion(faces[i].Face.Box);
                if (iou < options.MinOverlap) continue;
                if (faces[i].Embedding is { } e && t.Embedding is { } te && Vectors.VectorMath.Dot(e, te) < options.MatchCosine - options.SplitMargin) continue;
                pairs.Add((iou, t, i));
            }
        var usedTracks = new HashSet<FaceTrack>();
        var assigned = new bool[faces.Count];
        foreach (var (_, track, i) in pairs.OrderByDescending(p => p.Iou))
        {
            if (assigned[i] || usedTracks.Contains(track)) continue;
            track.Add(faces[i]);
            usedTracks.Add(track);
            assigned[i] = true;
        }
        for (int i = 0; i < faces.Count; i++)
        {
            if (assigned[i]) continue;
            var t = new FaceTrack(_nextId++);
            t.Add(faces[i]);
            _tracks.Add(t);
        }
        return cut;
    }

    /// <summary>Merges tracks of the same person, drops noise, and numbers the tracks 0.. in order of their first appearance.</summary>
    public IReadOnlyList<FaceTrack> Finish()
    {
        var tracks = _tracks.ToList();
        int n = tracks.Count;
        // Average linkage over the pieces' own embeddings (Lance-Williams update), not the cosine of merged means: a
        // chain of look-alikes (brothers, a profile that resembles someone else) does not pull whole families together.
        var link = new float[n, n];
        var conflict = new bool[n, n];
        var size = new int[n];
        var alive = new bool[n];
        for (int a = 0; a < n; a++)
        {
            size[a] = 1;
            alive[a] = true;
            for (int b = a + 1; b < n; b++)
            {
                bool clash = tracks[a].Frames.Overlaps(tracks[b].Frames);
                conflict[a, b] = conflict[b, a] = clash;
                float cos = tracks[a].Embedding is { } ea && tracks[b].Embedding is { } eb ? Vectors.VectorMath.Dot(ea, eb) : float.NegativeInfinity;
                link[a, b] = link[b, a] = cos;
            }
        }
        while (true)
        {
            float best = options.MatchCosine;
            int pa = -1, pb = -1;
            for (int a = 0; a < n; a++)
            {
                if (!alive[a]) continue;
                for (int b = a + 1; b < n; b++)
                {
                    if (!alive[b] || conflict[a, b] || link[a, b] < best) continue;
                    best = link[a, b];
                    (pa, pb) = (a, b);
                }
            }
            if (pa < 0) break;
            for (int k = 0; k < n; k++)
            {
                if (!alive[k] || k == pa || k == pb) continue;
                float l = (size[pa] * link[pa, k] + size[pb] * link[pb, k]) / (size[pa] + size[pb]);
                link[pa, k] = link[k, pa] = l;
                conflict[pa, k] = conflict[k, pa] = conflict[pa, k] || conflict[pb, k];
            }
            size[pa] += size[pb];
            alive[pb] = false;
            tracks[pa] = Merge(tracks[pa], tracks[pb]);
        }
        var kept = Enumerable.Range(0, n).Where(i => alive[i]).Select(i => tracks[i])
            .Where(t => t.Faces.Count >= options.MinFaces).OrderBy(t => t.Start).ThenBy(t => t.Id).ToList();
        for (int i = 0; i < kept.Count; i++) kept[i].Id = i;
        return kept;
    }

    private static FaceTrack Merge(FaceTrack a, FaceTrack b)
    {
        var merged = new FaceTrack(Math.Min(a.Id, b.Id));
        foreach (var f in a.Faces.Concat(b.Faces).OrderBy(f => f.Position.Time)) merged.Add(f);
        return merged;
    }
}
