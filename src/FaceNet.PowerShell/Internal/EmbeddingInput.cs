using System.Collections;
using System.Management.Automation;
using FaceNet.Engine.Storage;

namespace FaceNet.PowerShell.Internal;

/// <summary>
/// Turns pipeline values into FaceEmbedding objects: live ones, and ones read back with Import-Clixml or
/// ConvertFrom-Json (property bags with Vector, Model, Face, Label). Galleries expand to their embeddings.
/// </summary>
internal static class EmbeddingInput
{
    public static IEnumerable<object> Flatten(object? value)
    {
        if (value is null) yield break;
        var baseObject = value is PSObject p && p.BaseObject is not PSCustomObject ? p.BaseObject : value;
        if (baseObject is FaceGallery g)
        {
            foreach (var e in g.Embeddings) yield return e;
            yield break;
        }
        if (baseObject is IEnumerable list and not string and not IDictionary)
        {
            foreach (var x in list) foreach (var y in Flatten(x)) yield return y;
            yield break;
        }
        yield return baseObject;
    }

    /// <summary>The embedding in <paramref name="item"/>, or null when it is not one.</summary>
    public static FaceEmbedding? ToEmbedding(object item)
    {
        if (item is FaceEmbedding e) return e;
        if (item is not PSObject pso) return null;
        if (pso.Properties["Vector"]?.Value is not { } vector || pso.Properties["Model"]?.Value is not { } model) return null;
        float[] v;
        try { v = LanguagePrimitives.ConvertTo<float[]>(vector); }
        catch (PSInvalidCastException) { return null; }
        Face face;
        try
        {
            face = pso.Properties["Face"]?.Value is { } f ? LanguagePrimitives.ConvertTo<Face>(Bag(f)) : new Face { Path = pso.Properties["Path"]?.Value?.ToString() ?? "" };
        }
        catch (PSInvalidCastException)
        {
            face = new Face { Path = (pso.Properties["Face"]?.Value as PSObject)?.Properties["Path"]?.Value?.ToString() ?? pso.Properties["Path"]?.Value?.ToString() ?? "" };
        }
        var label = pso.Properties["Label"]?.Value?.ToString();
        return new FaceEmbedding(face, model.ToString()!, v) { Label = string.IsNullOrEmpty(label) ? null : label };
    }

    // A face property bag without its computed properties (FileName), so it converts to Face.
    private static object Bag(object f)
    {
        if (f is Face || f is PSObject { BaseObject: Face }) return f;
        var p = PSObject.AsPSObject(f);
        var h = new Hashtable(StringComparer.OrdinalIgnoreCase);
        foreach (var prop in p.Properties)
            if (prop.Name is not "FileName" && prop.Value is not null)
                h[prop.Name] = prop.Value is PSObject po && po.BaseObject is PSCustomObject ? PointBag(po) : prop.Value;
        return h;
    }

    private static object PointBag(PSObject p) => new FacePoint(
        LanguagePrimitives.ConvertTo<float>(p.Properties["X"]?.Value ?? 0), LanguagePrimitives.ConvertTo<float>(p.Properties["Y"]?.Value ?? 0));

    public static GalleryEntry ToEntry(FaceEmbedding e, string? label, long size, DateTime mtime)
    {
        var f = e.Face ?? new Face();
        float[]? lm = f.LeftEye is null ? null :
            [f.LeftEye.X, f.LeftEye.Y, f.RightEye?.X ?? 0, f.RightEye?.Y ?? 0, f.Nose?.X ?? 0, f.Nose?.Y ?? 0, f.MouthLeft?.X ?? 0, f.MouthLeft?.Y ?? 0, f.MouthRight?.X ?? 0, f.MouthRight?.Y ?? 0];
        return new GalleryEntry
        {
            Label = label, Path = f.Path, FaceIndex = f.Index, X = f.X, Y = f.Y, Width = f.Width, Height = f.Height,
            Confidence = f.Confidence, ImageWidth = f.ImageWidth, ImageHeight = f.ImageHeight, Landmarks = lm,
            Model = e.Model, Vector = e.Vector, FileSize = size, FileModifiedUtc = mtime,
        };
    }

    public static FaceEmbedding FromEntry(GalleryEntry g)
    {
        FacePoint? P(int i) => g.Landmarks is { Length: 10 } l ? new FacePoint(l[2 * i], l[2 * i + 1]) : null;
        var face = new Face
        {
            Path = g.Path, Index = g.FaceIndex, X = g.X, Y = g.Y, Width = g.Width, Height = g.Height, Confidence = g.Confidence,
            ImageWidth = g.ImageWidth, ImageHeight = g.ImageHeight,
            LeftEye = P(0), RightEye = P(1), Nose = P(2), MouthLeft = P(3), MouthRight = P(4),
        };
        return new FaceEmbedding(face, g.Model, g.Vector) { Label = g.Label };
    }
}
