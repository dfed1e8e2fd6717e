using System.Runtime.CompilerServices;
using FaceNet.Engine.Geometry;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Models;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SkiaSharp;

namespace FaceNet.Engine.Landmarks;

/// <summary>
/// 68-point landmarks from a grey 64x64 square crop centred on the detector's box (side = box height);
/// the model outputs points normalised to that crop.
/// </summary>
public sealed class Landmark68Detector : OnnxModelRunner, ILandmarkDetector
{
    public Landmark68Detector(ModelManifest manifest, ModelDescriptor model) : base(manifest, model)
    {
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public FaceLandmarks Detect(FaceImage image, FaceBox box)
    {
        var session = OnnxSessionCache.Get(_manifest, _model);
        float side = box.Height;
        var center = box.Center;
        float left = center.X - side / 2, top = center.Y - side / 2;
        float scale = _input.Width / side;

        using var pooled = new PooledTensor(1, 1, _input.Height, _input.Width);
        var tensor = pooled.Tensor;
        var matrix = SKMatrix.CreateScale(scale, scale).PreConcat(SKMatrix.CreateTranslation(-left, -top));
        var level = image.LevelFor(matrix);
        PixelSampler.SampleToTensor(level.Bitmap, level.FromLevel(matrix), _input, tensor.Buffer.Span);

        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(_input.Name, tensor) });
        var output = results[0].AsEnumerable<float>().ToArray();
        var points = new PointF2[68];
        for (int i = 0; i < 68; i++)
            points[i] = new PointF2(left + output[2 * i] * side, top + output[2 * i + 1] * side);
        return FaceLandmarks.From68(points);
    }
}
