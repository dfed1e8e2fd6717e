using FaceNet.Engine.Alignment;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Landmarks;
using FaceNet.Engine.Vectors;
using FaceNet.Engine.Models;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace FaceNet.Engine.Embedding;

/// <summary>
/// One ONNX embedder, entirely described by its manifest entry: alignment, input size, colour order,
/// normalisation, output size, mirroring and optional centring.
/// </summary>
public sealed class OnnxFaceEmbedder : IFaceEmbedder
{
    private readonly ModelManifest _manifest;
    private readonly ModelDescriptor _model;
    private readonly InputSpec _input;
    private readonly AlignmentSpec _alignment;

    public OnnxFaceEmbedder(ModelManifest manifest, ModelDescriptor model, bool? mirror = null)
    {
        _manifest = manifest;
        _model = model;
        _input = model.Input ?? throw new InvalidDataException($"Model '{model.Name}' has no input spec.");
        _alignment = model.Alignment ?? throw new InvalidDataException($"Model '{model.Name}' has no alignment spec.");
        Mirror = mirror ?? model.Mirror;
        if (model.OutputSize <= 0) throw new InvalidDataException($"Model '{model.Name}' has no output size.");
    }

    public string Name => _model.Name;
    public int Dimension => _model.OutputSize;
    public float DefaultThreshold => _model.DefaultThreshold ?? 0.5f;
    public bool Mirror { get; }

    public float[][] Embed(FaceImage image, IReadOnlyList<FaceLandmarks> faces)
    {
        var result = new float[faces.Count][];
        for (int i = 0; i < faces.Count; i++)
            result[i] = EmbedOne(image, faces[i]);
        return result;
    }

    private float[] EmbedOne(FaceImage image, FaceLandmarks face)
    {
        var session = OnnxSessionCache.Get(_manifest, _model);
        int views = Mirror ? 2 : 1;
        int size = _input.Channels * _input.Height * _input.Width;
        var vector = new float[Dimension];
        using var crop = FaceAligner.Crop(image, face, _alignment, _input.Width, _input.Height);
        // Batch 1 per view: some shipped graphs hard-code batch 1 in a final Reshape.
        var tensor = new DenseTensor<float>(new[] { 1, _input.Channels, _input.Height, _input.Width });
        for (int v = 0; v < views; v++)
        {
            TensorFiller.Fill(crop, _input, tensor.Buffer.Span[..size], mirror: v == 1);
            using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(_input.Name, tensor) });
            var output = _model.OutputName is null ? results[0] : results.First(r => r.Name == _model.OutputName);
            int k = 0;
            foreach (var x in output.AsEnumerable<float>())
            {
                if (k >= Dimension) throw new InvalidDataException($"Model '{Name}' returned more than {Dimension} values.");
                vector[k++] += x;
            }
            if (k != Dimension) throw new InvalidDataException($"Model '{Name}' returned {k} values, the manifest says {Dimension}.");
        }
        if (_model.Center is { } center)
            System.Numerics.Tensors.TensorPrimitives.Subtract(vector, center, vector);
        VectorMath.NormalizeInPlace(vector);
        return vector;
    }
}
