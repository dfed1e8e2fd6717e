using FaceNet.Engine.Alignment;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Landmarks;
using FaceNet.Engine.Models;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace FaceNet.Validation;

/// <summary>
/// The un-normalised output of one embedder for a face and for its mirror image. OnnxFaceEmbedder only
/// returns the final unit vector; calibration needs the raw outputs to try mirroring and centring without
/// re-running the model. The engine's vector is Normalize(raw + (mirror ? rawMirrored : 0) - Center), which
/// Compose reproduces (and 'calibrate' checks against OnnxFaceEmbedder).
/// </summary>
public sealed class RawEmbedder(ModelManifest manifest, ModelDescriptor model)
{
    public ModelDescriptor Model => model;

    public (float[] Plain, float[] Mirrored) Run(FaceImage image, FaceLandmarks face)
    {
        var input = model.Input!;
        var session = OnnxSessionCache.Get(manifest, model);
        using var crop = FaceAligner.Crop(image, face, model.Alignment!, input.Width, input.Height);
        var tensor = new DenseTensor<float>(new[] { 1, input.Channels, input.Height, input.Width });
        var views = new float[2][];
        for (int v = 0; v < 2; v++)
        {
            TensorFiller.Fill(crop, input, tensor.Buffer.Span, mirror: v == 1);
            using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(input.Name, tensor) });
            var output = model.OutputName is null ? results[0] : results.First(r => r.Name == model.OutputName);
            views[v] = output.AsEnumerable<float>().ToArray();
            if (views[v].Length != model.OutputSize)
                throw new InvalidDataException($"Model '{model.Name}' returned {views[v].Length} values, the manifest says {model.OutputSize}.");
        }
        return (views[0], views[1]);
    }

    /// <summary>What OnnxFaceEmbedder returns for these raw outputs with the given mirror flag and centre.</summary>
    public static float[] Compose(float[] plain, float[] mirrored, bool mirror, float[]? center)
    {
        var v = (float[])plain.Clone();
        if (mirror) for (int i = 0; i < v.Length; i++) v[i] += mirrored[i];
        if (center is not null) for (int i = 0; i < v.Length; i++) v[i] -= center[i];
        double norm = Math.Sqrt(v.Sum(x => (double)x * x));
        for (int i = 0; i < v.Length; i++) v[i] = (float)(v[i] / norm);
        return v;
    }
}
