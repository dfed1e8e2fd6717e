using System.Runtime.CompilerServices;
using FaceNet.Engine.Geometry;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Models;
using Microsoft.ML.OnnxRuntime;
using SkiaSharp;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace FaceNet.Engine.Detection;

/// <summary>
/// UltraFace RFB-320: the whole image resized to the model's input (no letterbox), priors already
/// applied inside the graph, so outputs are normalised corner boxes and softmax scores.
/// </summary>
public sealed class UltraFaceDetector : OnnxModelRunner, IFaceDetector
{
    public UltraFaceDetector(ModelManifest manifest, ModelDescriptor model) : base(manifest, model)
    {
    }

    /// <summary>UltraFace's input pixels per image pixel along the axis shrunk most (it stretches to 320x240).</summary>
    public float ViewScale(int width, int height) => MathF.Min((float)_input.Width / width, (float)_input.Height / height);

    public float DetailFor(int width, int height, DetectionOptions options) =>
        MathF.Max((float)_input.Width / width, (float)_input.Height / height);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public IReadOnlyList<DetectedBox> Detect(FaceImage image, DetectionOptions options)
    {
        var session = OnnxSessionCache.Get(_manifest, _model);
        float minScore = options.MinConfidence ?? _model.ScoreThreshold ?? 0.7f;
        float iou = _model.NmsIou ?? 0.35f;

        using var pooled = new PooledTensor(1, _input.Channels, _input.Height, _input.Width);
        var tensor = pooled.Tensor;
        var scale = SKMatrix.CreateScale((float)_input.Width / image.Width, (float)_input.Height / image.Height);
        // The smallest decode with a pixel per input pixel (a 1/8 JPEG decode of a 12 MP photo).
        var level = image.LevelFor(scale);
        PixelSampler.SampleToTensor(level.Bitmap, level.FromLevel(scale), _input, tensor.Buffer.Span);

        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(_input.Name, tensor) });
        var scoreTensor = results.First(r => r.Name == "scores").AsTensor<float>();
        int count = scoreTensor.Dimensions[1];
        // [1, N, 2] and [1, N, 4] read as flat buffers: the Tensor indexer allocates on every call (4,420 anchors).
        var scores = ((DenseTensor<float>)scoreTensor).Buffer.Span;
        var boxes = ((DenseTensor<float>)results.First(r => r.Name == "boxes").AsTensor<float>()).Buffer.Span;
        var candidates = new List<DetectedBox>();
        for (int i = 0; i < count; i++)
        {
            float s = scores[2 * i + 1];
            if (s < minScore) continue;
            var box = FaceBox.FromCorners(
                boxes[4 * i] * image.Width, boxes[4 * i + 1] * image.Height,
                boxes[4 * i + 2] * image.Width, boxes[4 * i + 3] * image.Height).ClampTo(image.Width, image.Height);
            if (box.Width < 1 || box.Height < 1) continue;
            candidates.Add(new DetectedBox(box, s));
        }
        return NonMaxSuppression.Apply(candidates, iou, options.MaxFaces);
    }
}
