using FaceNet.Engine.Detection;
using FaceNet.Engine.Geometry;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Landmarks;
using FaceNet.Engine.Models;
using FaceNet.Engine.Pipeline;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SkiaSharp;

namespace FaceNet.Lab;

/// <summary>How the 64x64 landmark input is cut from the detector box.</summary>
public enum LandmarkCrop
{
    /// <summary>The engine's Landmark68Detector: a square centred on the box, side = box height.</summary>
    Square,
    /// <summary>The npm package's fr_landmark.js: the box itself (w x h) stretched to 64x64.</summary>
    Box,
}

/// <summary>The face chosen in one image, and whether the detector found it or the centre-crop fallback was used.</summary>
public sealed record LocatedFace(FaceBox Box, FaceLandmarks Landmarks, bool Detected, int FacesFound);

/// <summary>
/// Picks the one face a benchmark image is about: among detections, the largest whose box contains the
/// image centre (LFW images are centred on the named person), else the largest. When nothing is detected,
/// landmarks are run on a fixed central box so the pair is still scored (and the image is counted).
/// </summary>
public sealed class FaceLocator
{
    // Fallback box as fractions of the image: on 250x250 LFW deep-funneled images this is (80,61) 93x129, the
    // median box UltraFace returns on the DevTrain+DevTest images where it finds the face (printed by 'accuracy'),
    // so the landmark model sees the crop it normally gets.
    public static readonly (float X, float Y, float W, float H) FallbackFraction = (0.32f, 0.244f, 0.372f, 0.516f);

    private readonly FaceAnalyzer _analyzer;
    private readonly ModelManifest _manifest;
    private readonly ModelDescriptor _landmarkModel;
    private readonly LandmarkCrop _crop;

    public FaceLocator(FaceAnalyzer analyzer, LandmarkCrop crop = LandmarkCrop.Square)
    {
        _analyzer = analyzer;
        _manifest = analyzer.Manifest;
        _landmarkModel = _manifest.Get(_manifest.DefaultLandmarks);
        _crop = crop;
    }

    public LocatedFace Locate(FaceImage image)
    {
        var boxes = _analyzer.Detector.Detect(image, DetectionOptions.Default);
        FaceBox box;
        PointF2[]? five = null;
        bool detected = boxes.Count > 0;
        if (detected)
        {
            var chosen = boxes[LfwFace.Choose(boxes.Select(b => b.Box).ToList(), image.Width, image.Height)];
            box = chosen.Box;
            five = chosen.FivePoints;
        }
        else
        {
            var f = FallbackFraction;
            box = new FaceBox(f.X * image.Width, f.Y * image.Height, f.W * image.Width, f.H * image.Height);
        }
        var landmarks = _crop == LandmarkCrop.Square ? _analyzer.Landmarker.Detect(image, box) : DetectStretched(image, box);
        // MTCNN: its O-Net points for the 5-point crop, as FaceAnalyzer.Detect uses them.
        if (five is [var le, var re, var nose, var ml, var mr])
            landmarks = new FaceLandmarks(le, re, nose, ml, mr, landmarks.Points68);
        return new LocatedFace(box, landmarks, detected, boxes.Count);
    }

    /// <summary>fr_landmark.js's crop: the box resized to 64x64 without keeping its aspect; points map back per axis.</summary>
    private FaceLandmarks DetectStretched(FaceImage image, FaceBox box)
    {
        var input = _landmarkModel.Input!;
        var session = OnnxSessionCache.Get(_manifest, _landmarkModel);
        var tensor = new DenseTensor<float>(new[] { 1, 1, input.Height, input.Width });
        var matrix = SKMatrix.CreateScale(input.Width / box.Width, input.Height / box.Height).PreConcat(SKMatrix.CreateTranslation(-box.X, -box.Y));
        PixelSampler.SampleToTensor(image.Bitmap, matrix, input, tensor.Buffer.Span);
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(input.Name, tensor) });
        var output = results[0].AsEnumerable<float>().ToArray();
        var points = new PointF2[68];
        for (int i = 0; i < 68; i++)
            points[i] = new PointF2(box.X + output[2 * i] * box.Width, box.Y + output[2 * i + 1] * box.Height);
        return FaceLandmarks.From68(points);
    }
}
