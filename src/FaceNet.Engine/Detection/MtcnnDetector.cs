using System.Runtime.CompilerServices;
using FaceNet.Engine.Geometry;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Models;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SkiaSharp;

namespace FaceNet.Engine.Detection;

/// <summary>
/// MTCNN (Zhang et al. 2016): P-Net over an image pyramid (scale factor 0.709, from 12/MinFaceSize),
/// NMS per scale (0.5) and across scales (0.7), box regression and squaring; R-Net on 24x24 crops
/// (0.7, NMS 0.7); O-Net on 48x48 crops (0.7, regression, NMS 0.7 by the smaller area) with its
/// five landmarks. Thresholds 0.6/0.7/0.7 come from the manifest's stage entries; MinConfidence
/// overrides the O-Net one. The ONNX graphs take normal (untransposed) NCHW RGB, (v-127.5)/128.
/// </summary>
public sealed class MtcnnDetector : IFaceDetector
{
    public const string DetectorName = "Mtcnn";
    private const float Factor = 0.709f, Mean = 127.5f, Std = 128f;

    /// <summary>The stages' input: RGB, (v - 127.5) / 128 on every channel.</summary>
    private static InputSpec Input(int width, int height) =>
        new() { Width = width, Height = height, ColorOrder = "RGB", Mean = [Mean, Mean, Mean], Std = [Std, Std, Std] };
    private readonly ModelManifest _manifest;
    private readonly ModelDescriptor _p, _r, _o;

    public MtcnnDetector(ModelManifest manifest)
    {
        _manifest = manifest;
        _p = manifest.Get("MtcnnPNet");
        _r = manifest.Get("MtcnnRNet");
        _o = manifest.Get("MtcnnONet");
    }

    public string Name => DetectorName;

    private sealed class Candidate
    {
        public float X1, Y1, X2, Y2, Score;
        public float[] Reg = new float[4];
        public PointF2[]? Points;
        public float W => X2 - X1;
        public float H => Y2 - Y1;
        public FaceBox Box => FaceBox.FromCorners(X1, Y1, X2, Y2);
    }

    private static int MinFace(DetectionOptions options) => Math.Max(options.MinFaceSize ?? 20, 12);

    /// <summary>The pyramid's first scale (12 / smallest face): a 5/8 JPEG decode for the default 20 px.</summary>
    public float DetailFor(int width, int height, DetectionOptions options) => MathF.Min(1f, 12f / MinFace(options));

    public IReadOnlyList<DetectedBox> Detect(FaceImage image, DetectionOptions options) => Detect(image, options, null);

    /// <summary>Detect, filling <paramref name="timings"/> with each stage's milliseconds (for the benchmarks).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public IReadOnlyList<DetectedBox> Detect(FaceImage image, DetectionOptions options, MtcnnTimings? timings)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int minFace = MinFace(options);
        // Every stage reads one decode: the pyramid's largest level needs no more pixels than it has.
        var level = image.LevelFor(DetailFor(image.Width, image.Height, options));
        var boxes = Proposals(image, level, minFace, timings);
        if (timings is not null) { timings.PNet = clock.Elapsed.TotalMilliseconds - timings.Pyramid; timings.Proposals = boxes.Count; clock.Restart(); }
        if (boxes.Count > 0) boxes = Refine(level, boxes);
        if (timings is not null) { timings.RNet = clock.Elapsed.TotalMilliseconds; timings.Refined = boxes.Count; clock.Restart(); }
        if (boxes.Count > 0) boxes = Output(level, boxes, options.MinConfidence ?? _o.ScoreThreshold ?? 0.7f);
        if (timings is not null) timings.ONet = clock.Elapsed.TotalMilliseconds;
        var result = new List<DetectedBox>();
        foreach (var c in boxes.OrderByDescending(c => c.Score))
        {
            var box = c.Box.ClampTo(image.Width, image.Height);
            if (box.Width < 1 || box.Height < 1 || MathF.Max(c.W, c.H) < (options.MinFaceSize ?? 0)) continue;
            result.Add(new DetectedBox(box, c.Score) { FivePoints = c.Points });
            if (result.Count >= options.MaxFaces) break;
        }
        return result;
    }

    private List<Candidate> Proposals(FaceImage image, ImageLevel source, int minFace, MtcnnTimings? timings)
    {
        var scales = new List<float>();
        float m = 12f / minFace;
        float minSide = Math.Min(image.Width, image.Height) * m;
        float s = m;
        while (minSide >= 12) { scales.Add(s); s *= Factor; minSide *= Factor; }

        // A picture too small or too thin for one 12 px cell at the first scale has no pyramid and no face.
        if (scales.Count == 0) return [];
        float threshold = _p.ScoreThreshold ?? 0.6f;
        var session = OnnxSessionCache.Get(_manifest, _p);
        var perScale = new List<Candidate>[scales.Count];
        // The pyramid, each level the area average of the one before (INTER_AREA, as the reference pipelines
        // resize); Skia drawing with mipmaps cost more than P-Net itself on a 12 MP photo.
        var levels = new SKBitmap[scales.Count];
        SKBitmap MakeLevel(int i, bool parallel)
        {
            int lw = (int)MathF.Ceiling(image.Width * scales[i]), lh = (int)MathF.Ceiling(image.Height * scales[i]);
            var level = new SKBitmap(new SKImageInfo(lw, lh, SKColorType.Rgba8888, SKAlphaType.Unpremul));
            PixelSampler.ResizeArea(i == 0 ? source.Bitmap : levels[i - 1], level, parallel);
            return level;
        }
        try
        {
            // The first level is about half of P-Net's work: one core runs it while the other builds and runs the rest.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            levels[0] = MakeLevel(0, parallel: true);
            if (timings is not null) timings.Pyramid = clock.Elapsed.TotalMilliseconds;
            Parallel.Invoke(new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) },
                () => perScale[0] = RunPNet(session, levels[0], image, threshold),
                () =>
                {
                    for (int i = 1; i < scales.Count; i++)
                    {
                        levels[i] = MakeLevel(i, parallel: false);
                        perScale[i] = RunPNet(session, levels[i], image, threshold);
                    }
                });
        }
        finally
        {
            foreach (var l in levels) l?.Dispose();
        }
        var all = Nms(perScale.SelectMany(l => l).ToList(), 0.7f, min: false);
        foreach (var c in all) { Regress(c); Square(c); }
        return all;
    }

    /// <summary>P-Net on one pyramid level: candidates above the threshold in image coordinates, NMS 0.5 within the level.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static List<Candidate> RunPNet(ModelSession session, SKBitmap level, FaceImage image, float threshold)
    {
        int w = level.Width, h = level.Height;
        var tensor = new DenseTensor<float>([1, 3, h, w]);
        PixelSampler.CopyToTensor(level, 0, 0, w, h, Input(w, h), tensor.Buffer.Span);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", tensor)]);
        var probTensor = results.First(r => r.Name == "prob").AsTensor<float>();
        int oh = probTensor.Dimensions[2], ow = probTensor.Dimensions[3], plane = oh * ow;
        // NCHW buffers read directly: the Tensor indexer allocates per call, a million times on a 12 MP level.
        var prob = ((DenseTensor<float>)probTensor).Buffer.Span;
        var reg = ((DenseTensor<float>)results.First(r => r.Name == "reg").AsTensor<float>()).Buffer.Span;
        // The level is ceil()-sized; map back with the level's true scale per axis.
        float kx = (float)w / image.Width, ky = (float)h / image.Height;
        var found = new List<Candidate>();
        for (int y = 0; y < oh; y++)
        for (int x = 0; x < ow; x++)
        {
            int at = y * ow + x;
            float p = prob[plane + at]; // channel 1: face
            if (p <= threshold) continue;
            found.Add(new Candidate
            {
                X1 = 2 * x / kx, Y1 = 2 * y / ky, X2 = (2 * x + 12) / kx, Y2 = (2 * y + 12) / ky, Score = p,
                Reg = [reg[at], reg[plane + at], reg[2 * plane + at], reg[3 * plane + at]],
            });
        }
        return Nms(found, 0.5f, min: false);
    }

    private List<Candidate> Refine(ImageLevel image, List<Candidate> boxes)
    {
        var (prob, reg, _) = RunCrops(image, _r, boxes, 24, landmarks: false);
        float threshold = _r.ScoreThreshold ?? 0.7f;
        var kept = new List<Candidate>();
        for (int i = 0; i < boxes.Count; i++)
        {
            if (prob[i] <= threshold) continue;
            boxes[i].Score = prob[i];
            boxes[i].Reg = reg[i];
            kept.Add(boxes[i]);
        }
        kept = Nms(kept, 0.7f, min: false);
        foreach (var c in kept) { Regress(c); Square(c); }
        return kept;
    }

    private List<Candidate> Output(ImageLevel image, List<Candidate> boxes, float threshold)
    {
        var (prob, reg, lm) = RunCrops(image, _o, boxes, 48, landmarks: true);
        var kept = new List<Candidate>();
        for (int i = 0; i < boxes.Count; i++)
        {
            if (prob[i] < threshold) continue;
            var c = boxes[i];
            c.Score = prob[i];
            c.Reg = reg[i];
            var l = lm![i];
            c.Points = new PointF2[5];
            for (int j = 0; j < 5; j++) c.Points[j] = new PointF2(c.X1 + l[j] * c.W, c.Y1 + l[j + 5] * c.H);
            Regress(c);
            kept.Add(c);
        }
        return Nms(kept, 0.7f, min: true);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private (float[] Prob, float[][] Reg, float[][]? Landmarks) RunCrops(ImageLevel image, ModelDescriptor model, List<Candidate> boxes, int size, bool landmarks)
    {
        var session = OnnxSessionCache.Get(_manifest, model);
        var prob = new float[boxes.Count];
        var reg = new float[boxes.Count][];
        var lms = landmarks ? new float[boxes.Count][] : null;
        const int batch = 64;
        int plane = 3 * size * size;
        var chunks = Enumerable.Range(0, (boxes.Count + batch - 1) / batch).ToArray();
        Parallel.ForEach(chunks, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) }, chunk =>
        {
            int start = chunk * batch, n = Math.Min(batch, boxes.Count - start);
            using var pooled = new PooledTensor(n, 3, size, size);
            var tensor = pooled.Tensor;
            for (int i = 0; i < n; i++)
            {
                var b = boxes[start + i].Box; // image coordinates, cropped from the level's pixels
                var toCrop = SKMatrix.CreateScale(size / (b.Width * image.ScaleX), size / (b.Height * image.ScaleY))
                    .PreConcat(SKMatrix.CreateTranslation(-b.X * image.ScaleX, -b.Y * image.ScaleY));
                PixelSampler.SampleToTensor(image.Bitmap, toCrop, Input(size, size), tensor.Buffer.Span.Slice(i * plane, plane));
            }
            using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", tensor)]);
            var p = results.First(r => r.Name == "prob").AsTensor<float>();
            var rg = results.First(r => r.Name == "reg").AsTensor<float>();
            var lm = landmarks ? results.First(r => r.Name == "landmarks").AsTensor<float>() : null;
            for (int i = 0; i < n; i++)
            {
                prob[start + i] = p[i, 1];
                reg[start + i] = [rg[i, 0], rg[i, 1], rg[i, 2], rg[i, 3]];
                if (lm is not null) lms![start + i] = Enumerable.Range(0, 10).Select(k => lm[i, k]).ToArray();
            }
        });
        return (prob, reg, lms);
    }

    private static void Regress(Candidate c)
    {
        float w = c.W, h = c.H;
        c.X1 += c.Reg[0] * w; c.Y1 += c.Reg[1] * h; c.X2 += c.Reg[2] * w; c.Y2 += c.Reg[3] * h;
    }

    private static void Square(Candidate c)
    {
        float side = MathF.Max(c.W, c.H), cx = (c.X1 + c.X2) / 2, cy = (c.Y1 + c.Y2) / 2;
        c.X1 = cx - side / 2; c.X2 = cx + side / 2; c.Y1 = cy - side / 2; c.Y2 = cy + side / 2;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static List<Candidate> Nms(List<Candidate> boxes, float threshold, bool min)
    {
        boxes.Sort((a, b) => b.Score.CompareTo(a.Score));
        var kept = new List<Candidate>();
        foreach (var c in boxes)
        {
            bool drop = false;
            foreach (var k in kept)
            {
                float ix = MathF.Max(0, MathF.Min(c.X2, k.X2) - MathF.Max(c.X1, k.X1));
                float iy = MathF.Max(0, MathF.Min(c.Y2, k.Y2) - MathF.Max(c.Y1, k.Y1));
                float inter = ix * iy, a = c.W * c.H, b = k.W * k.H;
                float o = min ? inter / MathF.Max(1e-6f, MathF.Min(a, b)) : inter / MathF.Max(1e-6f, a + b - inter);
                if (o > threshold) { drop = true; break; }
            }
            if (!drop) kept.Add(c);
        }
        return kept;
    }
}
