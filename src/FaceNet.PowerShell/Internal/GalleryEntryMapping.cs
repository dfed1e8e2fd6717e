using System.Management.Automation;
using FaceNet.Engine.Geometry;
using FaceNet.Engine.Storage;

namespace FaceNet.PowerShell.Internal;

/// <summary>Gallery rows to embeddings and back: the facts a gallery stores about each face.</summary>
internal static class GalleryEntryMapping
{
    public static GalleryEntry ToEntry(FaceEmbedding e, string? label, long size, DateTime mtime)
    {
        var f = e.Face ?? new Face();
        float[]? lm = f.LeftEye is null ? null :
            [f.LeftEye.X, f.LeftEye.Y, f.RightEye?.X ?? 0, f.RightEye?.Y ?? 0, f.Nose?.X ?? 0, f.Nose?.Y ?? 0, f.MouthLeft?.X ?? 0, f.MouthLeft?.Y ?? 0, f.MouthRight?.X ?? 0, f.MouthRight?.Y ?? 0];
        return new GalleryEntry
        {
            Label = label, Path = f.Path, FaceIndex = f.Index, Box = new FaceBox(f.X, f.Y, f.Width, f.Height),
            Confidence = f.Confidence, ImageWidth = f.ImageWidth, ImageHeight = f.ImageHeight, Landmarks = lm,
            Model = e.Model, Vector = e.Vector, FileSize = size, FileModifiedUtc = mtime,
        };
    }

    public static FaceEmbedding FromEntry(GalleryEntry g)
    {
        FacePoint? P(int i) => g.Landmarks is { Length: 10 } l ? new FacePoint(l[2 * i], l[2 * i + 1]) : null;
        var face = new Face
        {
            Path = g.Path, Index = g.FaceIndex, X = g.Box.X, Y = g.Box.Y, Width = g.Box.Width, Height = g.Box.Height, Confidence = g.Confidence,
            ImageWidth = g.ImageWidth, ImageHeight = g.ImageHeight,
            LeftEye = P(0), RightEye = P(1), Nose = P(2), MouthLeft = P(3), MouthRight = P(4),
        };
        return new FaceEmbedding(face, g.Model, g.Vector) { Label = g.Label };
    }
}
