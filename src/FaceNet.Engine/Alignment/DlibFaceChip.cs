using System.Runtime.CompilerServices;
using FaceNet.Engine.Geometry;
using SkiaSharp;

namespace FaceNet.Engine.Alignment;

/// <summary>
/// dlib's face chip (get_face_chip_details): a similarity fit of landmarks 27-54 and 60-64 onto dlib's
/// mean face (points 17-67, unit square), with padding around it. The Dlib descriptor was trained on these chips.
/// </summary>
public static class DlibFaceChip
{
    // dlib's mean face shape for landmarks 17..67 (x then y), in a unit square.
    private static readonly float[] s_meanX =
    [
        0.000213256f, 0.0752622f, 0.18113f, 0.29077f, 0.393397f, 0.586856f, 0.689483f, 0.799124f,
        0.904991f, 0.98004f, 0.490127f, 0.490127f, 0.490127f, 0.490127f, 0.36688f, 0.426036f,
        0.490127f, 0.554217f, 0.613373f, 0.121737f, 0.187122f, 0.265825f, 0.334606f, 0.260918f,
        0.182743f, 0.645647f, 0.714428f, 0.793132f, 0.858516f, 0.79751f, 0.719335f, 0.254149f,
        0.340985f, 0.428858f, 0.490127f, 0.551395f, 0.639268f, 0.726104f, 0.642159f, 0.556721f,
        0.490127f, 0.423532f, 0.338094f, 0.290379f, 0.428096f, 0.490127f, 0.552157f, 0.689874f,
        0.553364f, 0.490127f, 0.42689f,
    ];

    private static readonly float[] s_meanY =
    [
        0.106454f, 0.038915f, 0.0187482f, 0.0344891f, 0.0773906f, 0.0773906f, 0.0344891f,
        0.0187482f, 0.038915f, 0.106454f, 0.203352f, 0.307009f, 0.409805f, 0.515625f, 0.587326f,
        0.609345f, 0.628106f, 0.609345f, 0.587326f, 0.216423f, 0.178758f, 0.179852f, 0.231733f,
        0.245099f, 0.244077f, 0.231733f, 0.179852f, 0.178758f, 0.216423f, 0.244077f, 0.245099f,
        0.780233f, 0.745405f, 0.727388f, 0.742578f, 0.727388f, 0.745405f, 0.780233f, 0.864805f,
        0.902192f, 0.909281f, 0.902192f, 0.864805f, 0.784792f, 0.778746f, 0.785343f, 0.778746f,
        0.784792f, 0.824182f, 0.831803f, 0.824182f,
    ];

    /// <summary>dlib uses these landmarks: no eyebrows (17-26), no lower lip (55-59, 65-67).</summary>
    internal static IEnumerable<int> UsedIndexes()
    {
        for (int i = 27; i < 68; i++)
            if (!(i is >= 55 and <= 59 || i is >= 65 and <= 67)) yield return i;
    }

    /// <summary>The mean-face position of landmark i (17..67) in a size x size chip with the given padding.</summary>
    public static PointF2 TemplatePoint(int i, float size, float padding) => new(
        (padding + s_meanX[i - 17]) / (2 * padding + 1) * size,
        (padding + s_meanY[i - 17]) / (2 * padding + 1) * size);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static SKMatrix Transform(IReadOnlyList<PointF2> points68, int size, float padding)
    {
        var src = new List<PointF2>();
        var dst = new List<PointF2>();
        foreach (var i in UsedIndexes())
        {
            src.Add(points68[i]);
            dst.Add(TemplatePoint(i, size, padding));
        }
        return SimilarityTransform.Estimate(src.ToArray(), dst.ToArray());
    }
}
