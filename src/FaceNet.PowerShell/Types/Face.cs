using FaceNet.Engine.Geometry;
using FaceNet.Engine.Landmarks;
using FaceNet.Engine.Pipeline;

namespace FaceNet.PowerShell;

/// <summary>
/// One face found in one image. Coordinates are pixels of the upright image (EXIF orientation applied).
/// Settable properties with a parameterless constructor so the object survives Clixml and JSON round trips.
/// </summary>
public sealed class Face
{
    public Face() { }

    internal Face(string path, AnalyzedFace face, int imageWidth, int imageHeight)
    {
        Path = path;
        Index = face.Index;
        X = face.Box.X;
        Y = face.Box.Y;
        Width = face.Box.Width;
        Height = face.Box.Height;
        Confidence = face.Confidence;
        var l = face.Landmarks;
        LeftEye = Point(l.LeftEye);
        RightEye = Point(l.RightEye);
        Nose = Point(l.Nose);
        MouthLeft = Point(l.MouthLeft);
        MouthRight = Point(l.MouthRight);
        Landmarks68 = l.Points68?.Select(Point).ToArray();
        ImageWidth = imageWidth;
        ImageHeight = imageHeight;
    }

    /// <summary>Face <paramref name="index"/> of one photo's or video frame's result.</summary>
    internal Face(ImageResult result, int index) : this(result.Path, result.Faces[index], result.ImageWidth, result.ImageHeight)
    {
        if (result.Position is { } p) (Time, Frame) = (p.Time, p.Frame);
    }

    public string Path { get; set; } = "";
    /// <summary>0-based rank of the face in its image, most confident first.</summary>
    public int Index { get; set; }
    public float X { get; set; }
    public float Y { get; set; }
    public float Width { get; set; }
    public float Height { get; set; }
    public float Confidence { get; set; }
    /// <summary>The eye nearer the image's left edge.</summary>
    public FacePoint? LeftEye { get; set; }
    public FacePoint? RightEye { get; set; }
    public FacePoint? Nose { get; set; }
    public FacePoint? MouthLeft { get; set; }
    public FacePoint? MouthRight { get; set; }
    /// <summary>The 68 iBUG 300-W points, 0-based.</summary>
    public FacePoint[]? Landmarks68 { get; set; }
    public int ImageWidth { get; set; }
    public int ImageHeight { get; set; }
    /// <summary>For a face in a video: when its frame is shown, from the start of the video. Null for a photo.</summary>
    public TimeSpan? Time { get; set; }
    /// <summary>For a face in a video: its frame's number, 0 for the first frame. Null for a photo.</summary>
    public long? Frame { get; set; }

    /// <summary>Where in the video the face was seen (Time and Frame), or null for a photo.</summary>
    internal FaceNet.Engine.Video.FramePosition? Position => Time is { } t ? new(Frame ?? 0, t) : null;

    public string FileName => System.IO.Path.GetFileName(Path);

    private static FacePoint Point(PointF2 p) => new(p.X, p.Y);

    internal AnalyzedFace ToEngine()
    {
        static PointF2 P(FacePoint? p) => p is null ? default : new PointF2(p.X, p.Y);
        // The named points are what the pipeline aligned on (they may come from the detector, not the 68).
        var points68 = Landmarks68 is { Length: 68 } ? Landmarks68.Select(P).ToArray() : null;
        FaceLandmarks landmarks = LeftEye is null && points68 is not null
            ? FaceLandmarks.From68(points68)
            : new FaceLandmarks(P(LeftEye), P(RightEye), P(Nose), P(MouthLeft), P(MouthRight), points68);
        return new AnalyzedFace(Index, new FaceBox(X, Y, Width, Height), Confidence, landmarks);
    }

    public override string ToString() => Time is { } t
        ? FormattableString.Invariant($"{FileName}@{FaceNet.Engine.Video.VideoTime.Format(t)}#{Index} ({X:0},{Y:0} {Width:0}x{Height:0})")
        : FormattableString.Invariant($"{FileName}#{Index} ({X:0},{Y:0} {Width:0}x{Height:0})");
}
