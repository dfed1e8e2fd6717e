using System.Collections;
using System.Management.Automation;

namespace FaceNet.PowerShell.Internal;

/// <summary>
/// The one place that turns pipeline values into faces, embeddings and files for every cmdlet: live objects, objects
/// read back with Import-Clixml or ConvertFrom-Json (property bags with Vector, Model, Face, Label, or with Path, X,
/// Width, ...), files and folders from Get-ChildItem, galleries (which expand to their embeddings), and arrays.
/// </summary>
internal static class PipelineInputBinder
{
    /// <summary>The single values in <paramref name="value"/>: arrays and lists unrolled, galleries expanded to their embeddings.</summary>
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

    public static BoundInput Bind(object item)
    {
        switch (item)
        {
            case FaceEmbedding e: return new(InputKind.Embedding, item, Embedding: e);
            case FaceTrack t when t.Embedding is not null: return new(InputKind.Embedding, item, Embedding: t.Embedding);
            case Face f: return new(InputKind.Face, item, Face: f);
            case FileInfo file: return new(InputKind.File, item, Path: file.FullName);
            case DirectoryInfo dir: return new(InputKind.Folder, item, Path: dir.FullName);
            case string s: return new(InputKind.PathText, item, Path: s);
            case PSObject pso: return BindLoose(pso);
            default: return new(InputKind.Unsupported, item);
        }
    }

    /// <summary>The track <paramref name="item"/> is, live or read back (Import-Clixml), or null.</summary>
    public static FaceTrack? ToTrack(object item)
    {
        if (item is FaceTrack t) return t;
        if (item is PSObject { BaseObject: FaceTrack bt }) return bt;
        if (item is not PSObject pso || Prop(pso, "TrackId") is null || Bind(pso) is not { Kind: InputKind.Embedding, Embedding: { } e }) return null;
        var segments = Prop(pso, "Segments") is IEnumerable list and not string
            ? list.Cast<object>().Select(x => PSObject.AsPSObject(x)).Select(x => new FaceTrackSegment(ToTime(Prop(x, "Start")) ?? default, ToTime(Prop(x, "End")) ?? default)).ToArray()
            : [];
        return new FaceTrack
        {
            TrackId = LanguagePrimitives.ConvertTo<int>(Prop(pso, "TrackId")),
            Path = Prop(pso, "Path")?.ToString() ?? e.Path,
            Start = ToTime(Prop(pso, "Start")) ?? default,
            End = ToTime(Prop(pso, "End")) ?? default,
            FaceCount = Prop(pso, "FaceCount") is { } n ? LanguagePrimitives.ConvertTo<int>(n) : 0,
            Segments = segments,
            BestFace = e.Face,
            Embedding = e,
        };
    }

    /// <summary>The embedding <paramref name="item"/> is or stands for, or null.</summary>
    public static FaceEmbedding? ToEmbedding(object item) => Bind(item) is { Kind: InputKind.Embedding } b ? b.Embedding : null;

    /// <summary>Objects with no .NET type: embeddings and faces read back, and deserialized files and folders.</summary>
    private static BoundInput BindLoose(PSObject pso)
    {
        if (Prop(pso, "Vector") is { } vector && Prop(pso, "Model") is { } model)
        {
            float[] v;
            try { v = LanguagePrimitives.ConvertTo<float[]>(vector); }
            catch (PSInvalidCastException) { return new(InputKind.Unsupported, pso); }
            var face = Prop(pso, "Face") is { } f ? ToFace(f) : new Face { Path = Prop(pso, "Path")?.ToString() ?? "" };
            var label = Prop(pso, "Label")?.ToString();
            return new(InputKind.Embedding, pso, Embedding: new FaceEmbedding(face, model.ToString()!, v) { Label = string.IsNullOrEmpty(label) ? null : label });
        }
        // A track read back (Import-Clixml, ConvertFrom-Json): it stands for its embedding.
        if (Prop(pso, "TrackId") is not null && Prop(pso, "Embedding") is { } trackEmbedding && trackEmbedding is not string)
            return Bind(trackEmbedding is PSObject te ? te : PSObject.AsPSObject(trackEmbedding)) is { Kind: InputKind.Embedding } bound ? bound with { Original = pso } : new(InputKind.Unsupported, pso);
        if (Prop(pso, "Path") is not null && Prop(pso, "Width") is not null && Prop(pso, "X") is not null)
            return new(InputKind.Face, pso, Face: ToFace(pso));
        if (Prop(pso, "FullName") is { } full)
        {
            if (pso.TypeNames.Any(t => t.EndsWith("System.IO.FileInfo", StringComparison.Ordinal))) return new(InputKind.File, pso, Path: full.ToString());
            if (pso.TypeNames.Any(t => t.EndsWith("System.IO.DirectoryInfo", StringComparison.Ordinal))) return new(InputKind.Folder, pso, Path: full.ToString());
        }
        return new(InputKind.Unsupported, pso);
    }

    private static object? Prop(PSObject pso, string name) => pso.Properties[name]?.Value;

    /// <summary>A Face from a live one or from a property bag (Import-Clixml, ConvertFrom-Json), landmarks included.</summary>
    public static Face ToFace(object value)
    {
        if (value is Face f) return f;
        if (value is PSObject { BaseObject: Face bf }) return bf;
        var p = value as PSObject ?? PSObject.AsPSObject(value);
        float F(string n) => p.Properties[n]?.Value is { } v ? LanguagePrimitives.ConvertTo<float>(v) : 0;
        FacePoint? Pt(string n) => p.Properties[n]?.Value is { } v && v is not string ? ToPoint(v) : null;
        var face = new Face
        {
            Path = p.Properties["Path"]?.Value?.ToString() ?? "",
            Index = p.Properties["Index"]?.Value is { } i ? LanguagePrimitives.ConvertTo<int>(i) : 0,
            X = F("X"), Y = F("Y"), Width = F("Width"), Height = F("Height"), Confidence = F("Confidence"),
            LeftEye = Pt("LeftEye"), RightEye = Pt("RightEye"), Nose = Pt("Nose"), MouthLeft = Pt("MouthLeft"), MouthRight = Pt("MouthRight"),
            ImageWidth = (int)F("ImageWidth"), ImageHeight = (int)F("ImageHeight"),
            Time = ToTime(p.Properties["Time"]?.Value),
            Frame = p.Properties["Frame"]?.Value is { } fr && !(fr is string fs && fs.Length == 0) ? LanguagePrimitives.ConvertTo<long>(fr) : null,
        };
        // Import-Clixml wraps the deserialized ArrayList in a PSObject: unwrap it, or the 68 points are lost.
        var points = p.Properties["Landmarks68"]?.Value;
        if (points is PSObject wrapped && wrapped.BaseObject is not PSCustomObject) points = wrapped.BaseObject;
        if (points is IEnumerable pts and not string)
        {
            var list = pts.Cast<object>().Select(ToPoint).ToList();
            if (list.Count == 68 && list.All(x => x is not null)) face.Landmarks68 = list.ToArray()!;
        }
        return face;
    }

    /// <summary>
    /// A face's video time from a live TimeSpan, Import-Clixml's TimeSpan, or ConvertFrom-Json's object (Ticks,
    /// TotalSeconds, ...) or string ("00:01:02.5000000").
    /// </summary>
    public static TimeSpan? ToTime(object? v)
    {
        if (v is PSObject pso && pso.BaseObject is not PSCustomObject) v = pso.BaseObject;
        switch (v)
        {
            case null: return null;
            case TimeSpan t: return t;
            case string s when s.Length == 0: return null;
            case string s: return TimeSpan.Parse(s, System.Globalization.CultureInfo.InvariantCulture);
        }
        var p = PSObject.AsPSObject(v);
        if (p.Properties["Ticks"]?.Value is { } ticks) return TimeSpan.FromTicks(LanguagePrimitives.ConvertTo<long>(ticks));
        if (p.Properties["TotalSeconds"]?.Value is { } sec) return TimeSpan.FromSeconds(LanguagePrimitives.ConvertTo<double>(sec));
        return LanguagePrimitives.ConvertTo<TimeSpan>(v);
    }

    private static FacePoint? ToPoint(object? v)
    {
        if (v is FacePoint fp) return fp;
        if (v is PSObject { BaseObject: FacePoint b }) return b;
        if (v is null || v is string) return null;
        var p = PSObject.AsPSObject(v);
        if (p.Properties["X"]?.Value is not { } x || p.Properties["Y"]?.Value is not { } y) return null;
        return new FacePoint(LanguagePrimitives.ConvertTo<float>(x), LanguagePrimitives.ConvertTo<float>(y));
    }
}
