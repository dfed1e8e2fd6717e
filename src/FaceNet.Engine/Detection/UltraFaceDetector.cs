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
public sealed class UltraFaceDetector : IFaceDetector
{
    private readonly ModelManifest _manifest;
    private readonly ModelDescriptor _model;
    private readonly InputSpec _input;

    public UltraFaceDetector(ModelManifest manifest, ModelDescriptor model)
    {
        _manifest = manifest;
        _model = model;
        _input = model.Input ?? throw new InvalidDataException($"Model '{model.Name}' has no input spec.");
    }

    public string Name => _model.Name;

    public IReadOnlyList<DetectedBox> Detect(FaceImage image, DetectionOptions options)
    {
        var session = OnnxSessionCache.Get(_manifest, _model);
        float minScore = options.MinConfidence ?? _model.ScoreThreshold ?? 0.7f;
        float iou = _model.NmsIou ?? 0.35f;

        var tensor = new DenseTensor<float>(new[] { 1, _input.Channels, _input.Height, _input.Width });
        var scale = SKMatrix.CreateScale((float)_input.Width / image.Width, (float)_input.Height / image.Height);
        PixelSampler.SampleToTensor(image.Bitmap, scale, _input, tensor.Buffer.Span);

        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(_input.Name, tensor) });
        var scores = results.First(r => r.Name == "scores").AsTensor<float>();
        var boxes = results.First(r => r.Name == "boxes").AsTensor<float>();
        int count = scores.Dimensions[1];
        var candidates = new List<DetectedBox>();
        for (int i = 0; i < count; i++)
        {
            float s = scores[0, i, 1];
            if (s < minScore) continue;
            var box = FaceBox.FromCorners(
                boxes[0, i, 0] * image.Width, boxes[0, i, 1] * image.Height,
                boxes[0, i, 2] * image.Width, boxes[0, i, 3] * image.Height).ClampTo(image.Width, image.Height);
            if (box.Width < 1 || box.Height < 1) continue;
            candidates.Add(new DetectedBox(box, s));
        }
        return NonMaxSuppression.Apply(candidates, iou, options.MaxFaces);
    }
}
