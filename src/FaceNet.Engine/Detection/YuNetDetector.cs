using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using FaceNet.Engine.Geometry;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Models;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SkiaSharp;

namespace FaceNet.Engine.Detection;

/// <summary>
/// YuNet (libfacedetection, Wu et al. 2023): an anchor-free detector over the image at its own resolution (its five
/// landmarks per face are not read: see <see cref="Head.Face"/>). It finds faces of about 10 to 300 px, so a photo is read as a short pyramid: the first
/// level at the scale that makes the smallest face asked for (20 px by default) <see cref="SmallestFace"/> px, then
/// each level a quarter of the one before (area averages) until the whole photo is one face's size.
/// A level larger than <see cref="TilePixels"/> runs in tiles of equal size that overlap by more than the largest
/// face such a level keeps (<see cref="TiledMaxFace"/>; larger faces come from the next level), so the ONNX Runtime
/// arena holds one tile's activations: about 1 GB for a whole 12 MP photo, about 160 MB for a tile.
/// Outputs are decoded as OpenCV's FaceDetectorYN does: per stride 8/16/32 cell, score sqrt(cls * obj),
/// centre (cell + offset) * stride, size exp(log-size) * stride, landmarks (cell + offset) * stride.
/// </summary>
public sealed class YuNetDetector : OnnxModelRunner, IFaceDetector
{
    public const string DetectorName = "YuNet";

    /// <summary>The face size, in level pixels, the first level gives the smallest face asked for (at 7/8 of it, 2.3% of 20-40 px faces were lost).</summary>
    public const float SmallestFace = 20f;

    /// <summary>
    /// Levels up to this many pixels run whole; larger ones in bands of at most about this many pixels: seven bands of
    /// 544 rows for a 4000x3000 photo, about 155 MB of activations and 42 ms each (eight of 512 rows took 7% longer and
    /// about 50 MB less with two workers), two of 704 rows for a 1920x1280 one (whole, it held about 100 MB more).
    /// </summary>
    public const int TilePixels = 2_300_000;

    /// <summary>The largest face (longer box side, level pixels) a banded level reports; the next level, a quarter the size, sees it at 24 px or more.</summary>
    public const int TiledMaxFace = 96;

    private const int Divisor = 32, Overlap = 128, LevelRatio = 4, LargestFace = 300;
    private const float RecheckFloor = 0.3f, RecheckScore = 0.85f, RecheckMaxZoom = 2f;

    /// <summary>
    /// Faces are reported down to this fraction of the smallest face asked for (20 px by default): YuNet's boxes are
    /// a little tighter than UltraFace's (median longer side 0.955 of UltraFace's on 241 LFW photos, 10th percentile
    /// 0.886), so a 20 px face by UltraFace's measure can come out at 18 px here.
    /// </summary>
    public const float SmallestFaceShare = 0.75f;
    private const int RecheckMaxFace = 40, RecheckFaceSize = 48, RecheckSide = 160, MaxRechecks = 64;
    private static readonly int[] Strides = [8, 16, 32];

    public YuNetDetector(ModelManifest manifest, ModelDescriptor model) : base(manifest, model)
    {
    }

    /// <summary>The first level's scale: the smallest face asked for becomes <see cref="SmallestFace"/> px (at most 2x up).</summary>
    public static float FirstScale(DetectionOptions options) => Math.Clamp(SmallestFace / Math.Max(options.MinFaceSize ?? 20, 1), 0.01f, 2f);

    public float DetailFor(int width, int height, DetectionOptions options) => MathF.Min(1f, FirstScale(options));

    /// <summary>The pyramid's scales for a width x height photo: from the first, a quarter each, until one face's size covers the photo.</summary>
    public static List<float> Scales(int width, int height, DetectionOptions options)
    {
        var scales = new List<float>();
        for (float s = FirstScale(options); ; s /= LevelRatio)
        {
            if (Math.Min(width, height) * s < SmallestFace) break;
            scales.Add(s);
            if (Math.Min(width, height) * s <= LargestFace) break;
        }
        return scales;
    }

    public IReadOnlyList<DetectedBox> Detect(FaceImage image, DetectionOptions options) => Detect(image, options, null);

    /// <summary>Detect, recording where the time went when <paramref name="timings"/> is given (the benchmark's stage table).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public IReadOnlyList<DetectedBox> Detect(FaceImage image, DetectionOptions options, YuNetTimings? timings)
    {
        float minScore = options.MinConfidence ?? _model.ScoreThreshold ?? 0.7f;
        var scales = Scales(image.Width, image.Height, options);
        var candidates = new List<DetectedBox>();
        SKBitmap? previous = null;
        bool previousOwned = false;
        try
        {
            ImageLevel? source = null;
            for (int k = 0; k < scales.Count; k++)
            {
                float s = scales[k];
                int lw = Math.Max(1, (int)MathF.Round(image.Width * s)), lh = Math.Max(1, (int)MathF.Round(image.Height * s));
                // The first level comes from the decode; each further one is the area average of the one before.
                SKBitmap level;
                bool owned;
                long started = Stopwatch.GetTimestamp();
                if (k == 0)
                {
                    var decoded = source = image.LevelFor(MathF.Min(1f, scales[0]));
                    if (decoded.Bitmap.Width == lw && decoded.Bitmap.Height == lh) { level = decoded.Bitmap; owned = false; }
                    else { level = NewBitmap(lw, lh); PixelSampler.ResizeArea(decoded.Bitmap, level, parallel: false); owned = true; }
                }
                else
                {
                    level = NewBitmap(lw, lh);
                    PixelSampler.ResizeArea(previous!, level, parallel: false);
                    owned = true;
                }
                timings?.Levels.Add((k, lw, lh, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
                float sx = (float)lw / image.Width, sy = (float)lh / image.Height;
                var doubtful = k == 0 ? new List<DetectedBox>() : null;
                DetectLevel(level, k, sx, sy, minScore, candidates, doubtful, timings);
                if (doubtful is { Count: > 0 })
                {
                    started = Stopwatch.GetTimestamp();
                    int rechecked = Recheck(source!, sx, sy, minScore, doubtful, candidates, timings);
                    if (timings is not null) { timings.RecheckMs += Stopwatch.GetElapsedTime(started).TotalMilliseconds; timings.Rechecks += rechecked; }
                }
                if (previous is not null && !ReferenceEquals(previous, level) && previousOwned) previous.Dispose();
                previous = level;
                previousOwned = owned;
            }
        }
        finally
        {
            if (previous is not null && previousOwned) previous.Dispose();
        }

        float iou = _model.NmsIou ?? 0.3f;
        var kept = NonMaxSuppression.Apply(candidates, iou, int.MaxValue);
        var result = new List<DetectedBox>();
        foreach (var c in kept)
        {
            var box = c.Box.ClampTo(image.Width, image.Height);
            float side = MathF.Max(c.Box.Width, c.Box.Height);
            if (box.Width < 1 || box.Height < 1 || side < SmallestFaceShare * (options.MinFaceSize ?? DetectorFactory.DefaultMinFaceSize)) continue;
            if (options.MinFaceSize is int min && side < min) continue; // an explicit -MinFaceSize is exact, as for the other detectors
            result.Add(c with { Box = box });
            if (result.Count >= options.MaxFaces) break;
        }
        return result;
    }

    private static SKBitmap NewBitmap(int width, int height) => new(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));

    /// <summary>
    /// How a level of this size is read: whole (one tile, padded to a multiple of 32) when it has at most
    /// <see cref="TilePixels"/>, else in tiles of equal size that overlap by at least 128 rows and columns: one, two or
    /// three columns, whichever reads the fewest pixels within that budget per tile (each tile at least four overlaps
    /// tall), rows and columns spread evenly. 4000x3000: two columns of 2080 and three rows of 1088, 13.6 MP read,
    /// against 15.2 MP for seven full-width bands of 544 rows.
    /// </summary>
    public static IReadOnlyList<(int Left, int Top, int Width, int Height)> Tiles(int levelWidth, int levelHeight)
    {
        static int Pad(int v) => (v + Divisor - 1) / Divisor * Divisor;
        if ((long)levelWidth * levelHeight <= TilePixels) return [(0, 0, Pad(levelWidth), Pad(levelHeight))];
        // Spans of `size` that cover `length` with `count` of them, overlapping by at least Overlap.
        static int Size(int length, int count) => count == 1 ? Pad(length) : Pad((length - Overlap + count - 1) / count + Overlap);
        (int Columns, int Width, int Rows, int Height, long Read) best = default;
        for (int columns = 1; columns <= 3; columns++)
        {
            int width = Size(levelWidth, columns);
            if (columns > 1 && width < 4 * Overlap) break;
            // At least four overlaps tall: a very wide photo (a 100 MP panorama) would otherwise read most rows twice or more.
            int tallest = Math.Max(4 * Overlap, TilePixels / width / Divisor * Divisor);
            int rows = levelHeight <= tallest ? 1 : Math.Max(2, (levelHeight - Overlap + (tallest - Overlap) - 1) / (tallest - Overlap));
            int height = Size(levelHeight, rows);
            long read = (long)columns * rows * width * height;
            if (best.Read == 0 || read < best.Read) best = (columns, width, rows, height, read);
        }
        static int Start(int i, int count, int length, int size) => count == 1 ? 0 : (int)((long)i * Math.Max(0, length - size) / (count - 1));
        var tiles = new List<(int, int, int, int)>();
        for (int r = 0; r < best.Rows; r++)
            for (int c = 0; c < best.Columns; c++)
                tiles.Add((Start(c, best.Columns, levelWidth, best.Width), Start(r, best.Rows, levelHeight, best.Height), best.Width, best.Height));
        return tiles;
    }

    /// <summary>One level, whole or in tiles; boxes go to candidates in image coordinates.</summary>
    private void DetectLevel(SKBitmap level, int levelIndex, float sx, float sy, float minScore, List<DetectedBox> candidates, List<DetectedBox>? doubtful, YuNetTimings? timings)
    {
        var tiles = Tiles(level.Width, level.Height);
        if (tiles.Count == 1)
        {
            RunTile(level, tiles[0], sx, sy, minScore, int.MaxValue, (int.MinValue, int.MinValue, int.MaxValue, int.MaxValue), candidates, doubtful, timings, levelIndex, 0);
            return;
        }
        for (int t = 0; t < tiles.Count; t++)
        {
            var tile = tiles[t];
            var (x0, y0, width, height) = tile;
            // A face cut by an inner tile edge is whole in the neighbouring tile: boxes touching an inner edge are dropped.
            var keep = (x0 == 0 ? int.MinValue : x0 + 2, y0 == 0 ? int.MinValue : y0 + 2,
                x0 + width >= level.Width ? int.MaxValue : x0 + width - 2, y0 + height >= level.Height ? int.MaxValue : y0 + height - 2);
            RunTile(level, tile, sx, sy, minScore, TiledMaxFace, keep, candidates, doubtful, timings, levelIndex, t);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunTile(SKBitmap level, (int Left, int Top, int Width, int Height) tile, float sx, float sy, float minScore, int maxFace,
        (int Left, int Top, int Right, int Bottom) keep, List<DetectedBox> candidates, List<DetectedBox>? doubtful,
        YuNetTimings? timings, int levelIndex, int tileIndex)
    {
        var (x0, y0, pw, ph) = tile;
        var session = OnnxSessionCache.Get(_manifest, _model);
        long t0 = Stopwatch.GetTimestamp();
        using var pooled = new PooledTensor(1, 3, ph, pw);
        var tensor = pooled.Tensor;
        PixelSampler.CopyToTensor(level, x0, y0, pw, ph, _input, tensor.Buffer.Span);
        timings?.Capture(tensor);
        long t1 = Stopwatch.GetTimestamp();
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(_input.Name, tensor)]);
        long t2 = Stopwatch.GetTimestamp();
        // Level pixels to image pixels: the tile starts at (x0, y0).
        var toImage = SKMatrix.CreateScale(1 / sx, 1 / sy).PreConcat(SKMatrix.CreateTranslation(x0, y0));
        foreach (int stride in Strides)
        {
            var head = new Head(results, stride);
            int cols = pw / stride, rows = ph / stride;
            for (int idx = 0; idx < rows * cols; idx++)
            {
                float score = head.Score(idx);
                if (score < (doubtful is null ? minScore : RecheckFloor)) continue;
                var box = head.Box(idx, cols);
                box = box with { X = x0 + box.X, Y = y0 + box.Y };
                if (MathF.Max(box.Width, box.Height) > maxFace || box.X < keep.Left || box.Y < keep.Top || box.Right > keep.Right || box.Bottom > keep.Bottom) continue;
                if (score >= minScore) candidates.Add(head.Face(idx, cols, score, toImage));
                else if (MathF.Max(box.Width, box.Height) <= RecheckMaxFace) doubtful!.Add(new DetectedBox(box, score));
            }
        }
        timings?.Tiles.Add(new YuNetTimings.Tile(levelIndex, tileIndex, pw, ph, Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds,
            Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds, Stopwatch.GetElapsedTime(t2).TotalMilliseconds));
    }

    /// <summary>
    /// Small faces the first level scored below the threshold, looked at again at up to twice the detail: each is
    /// enlarged so the face is <see cref="RecheckFaceSize"/> px (at most <see cref="RecheckMaxZoom"/>x) and cut out with
    /// context as a <see cref="RecheckSide"/> px square; the crops run as one batch. A face that then scores at least
    /// <see cref="RecheckScore"/> is kept, with the box and points of the closer look. YuNet's scores fall off under about
    /// 24 px (a 15x20 px face scored 0.44 at its own size and 0.85 enlarged 1.25x), and enlarging the whole first
    /// level cost 1.9x its time; the crops cost a few milliseconds.
    /// </summary>
    /// <returns>The number of crops looked at again.</returns>
    private int Recheck(ImageLevel source, float sx, float sy, float minScore, List<DetectedBox> doubtful, List<DetectedBox> candidates, YuNetTimings? timings)
    {
        // One crop per small face: the best of overlapping doubtful boxes, none where a face was already found.
        var found = candidates.Where(c => MathF.Max(c.Box.Width, c.Box.Height) * sx <= 2 * RecheckMaxFace)
            .Select(c => new FaceBox(c.Box.X * sx, c.Box.Y * sy, c.Box.Width * sx, c.Box.Height * sy)).ToList();
        var boxes = NonMaxSuppression.Apply(doubtful, 0.3f, MaxRechecks)
            .Where(d => !found.Any(f => f.IntersectionOverUnion(d.Box) > 0.3f)).Select(d => d.Box).ToList();
        if (boxes.Count == 0) return 0;
        const int side = RecheckSide;
        var session = OnnxSessionCache.Get(_manifest, _model);
        int plane = 3 * side * side;
        using var pooled = new PooledTensor(boxes.Count, 3, side, side);
        var tensor = pooled.Tensor;
        var toCrop = new SKMatrix[boxes.Count];
        for (int i = 0; i < boxes.Count; i++)
        {
            var b = boxes[i];
            float zoom = MathF.Min(RecheckMaxZoom, RecheckFaceSize / MathF.Max(b.Width, b.Height));
            // Level pixels to crop pixels: the face's centre to the crop's centre, enlarged.
            toCrop[i] = SKMatrix.CreateTranslation(side / 2f, side / 2f).PreConcat(SKMatrix.CreateScale(zoom, zoom)).PreConcat(SKMatrix.CreateTranslation(-b.Center.X, -b.Center.Y));
            // Sampled from the decode the first level was made from (the full image by default): more detail than the level.
            var sourceToCrop = toCrop[i].PreConcat(SKMatrix.CreateScale(sx / source.ScaleX, sy / source.ScaleY));
            PixelSampler.SampleToTensor(source.Bitmap, sourceToCrop, _input with { Width = side, Height = side }, tensor.Buffer.Span.Slice(i * plane, plane));
        }
        timings?.Capture(tensor);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(_input.Name, tensor)]);
        var best = new DetectedBox?[boxes.Count];
        foreach (int stride in Strides)
        {
            var head = new Head(results, stride);
            int cols = side / stride, cells = cols * cols;
            for (int i = 0; i < boxes.Count; i++)
            {
                var expected = toCrop[i].MapRect(SKRect.Create(boxes[i].X, boxes[i].Y, boxes[i].Width, boxes[i].Height));
                toCrop[i].TryInvert(out var toLevel);
                var toImage = SKMatrix.CreateScale(1 / sx, 1 / sy).PreConcat(toLevel);
                for (int cell = 0; cell < cells; cell++)
                {
                    int idx = i * cells + cell;
                    float score = head.Score(idx);
                    if (score < MathF.Max(minScore, RecheckScore) || (best[i] is { } current && current.Confidence >= score)) continue;
                    // The face the crop was made for, not another one in its context.
                    if (head.Box(idx, cols, cell).IntersectionOverUnion(new FaceBox(expected.Left, expected.Top, expected.Width, expected.Height)) < 0.3f) continue;
                    best[i] = head.Face(idx, cols, score, toImage, cell);
                }
            }
        }
        foreach (var b in best)
            if (b is not null) candidates.Add(b);
        return boxes.Count;
    }

    /// <summary>
    /// One stride's outputs, decoded as OpenCV's FaceDetectorYN does: score sqrt(cls * obj) (each clamped to 0-1);
    /// box centre (column + dx, row + dy) * stride and size exp(dw, dh) * stride; landmarks (column + x, row + y) * stride.
    /// Cells are numbered row by row; with a batch, idx runs on across the batch while cell restarts per input.
    /// </summary>
    private readonly ref struct Head(IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results, int stride)
    {
        private readonly ReadOnlySpan<float> _cls = Output(results, "cls_" + stride), _obj = Output(results, "obj_" + stride);
        private readonly ReadOnlySpan<float> _bbox = Output(results, "bbox_" + stride);
        private readonly int _stride = stride;

        public float Score(int idx) => MathF.Sqrt(Math.Clamp(_cls[idx], 0f, 1f) * Math.Clamp(_obj[idx], 0f, 1f));

        /// <summary>The box in the input's pixels.</summary>
        public FaceBox Box(int idx, int cols, int cell = -1)
        {
            if (cell < 0) cell = idx;
            int r = cell / cols, c = cell % cols;
            float cx = (c + _bbox[4 * idx]) * _stride, cy = (r + _bbox[4 * idx + 1]) * _stride;
            float w = MathF.Exp(_bbox[4 * idx + 2]) * _stride, h = MathF.Exp(_bbox[4 * idx + 3]) * _stride;
            return new FaceBox(cx - w / 2, cy - h / 2, w, h);
        }

        /// <summary>
        /// The box mapped through toImage (input pixels to image pixels; no rotation). YuNet's five landmarks are not
        /// used: YuNet-s's points barely follow a tilted head (a face rolled about 30 degrees gave level eyes at every
        /// size under 100 px, and half the roll at 130-200 px), so 5-point alignment by them turned the same face, in
        /// the photo and cut out of it, into vectors as far apart as different people (FaceReid cosine 0.30). The
        /// 68-point model's five points, read in YuNet's box, follow the tilt (docs/detection.md).
        /// </summary>
        public DetectedBox Face(int idx, int cols, float score, SKMatrix toImage, int cell = -1)
        {
            if (cell < 0) cell = idx;
            var b = Box(idx, cols, cell);
            var corners = toImage.MapRect(SKRect.Create(b.X, b.Y, b.Width, b.Height));
            return new DetectedBox(new FaceBox(corners.Left, corners.Top, corners.Width, corners.Height), score);
        }
    }

    private static ReadOnlySpan<float> Output(IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results, string name)
    {
        foreach (var r in results)
            if (r.Name == name) return ((DenseTensor<float>)r.AsTensor<float>()).Buffer.Span;
        throw new InvalidDataException($"The YuNet model has no output '{name}'.");
    }
}
