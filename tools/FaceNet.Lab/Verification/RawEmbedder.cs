using FaceNet.Engine.Alignment;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Landmarks;
using FaceNet.Engine.Models;
using FaceNet.Engine.Embedding;

namespace FaceNet.Lab;

/// <summary>
/// The un-normalised output of one embedder for a face and for its mirror image (OnnxFaceEmbedder.EmbedRaw), and
/// Compose, which turns them into the engine's vector (Normalize(raw + (mirror ? rawMirrored : 0) - Center)) under
/// other mirror and centre settings; 'calibrate' checks Compose against OnnxFaceEmbedder.
/// </summary>
public sealed class RawEmbedder(ModelManifest manifest, ModelDescriptor model)
{
    public ModelDescriptor Model => model;

    public (float[] Plain, float[] Mirrored) Run(FaceImage image, FaceLandmarks face) =>
        new OnnxFaceEmbedder(manifest, model).EmbedRaw(image, face);

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
