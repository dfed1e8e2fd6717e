using System.Management.Automation;
using FaceNet.Engine.Annotation;
using FaceNet.Engine.Geometry;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Pipeline;
using FaceNet.Engine.Video;
using FaceNet.PowerShell.Internal;
using SkiaSharp;

namespace FaceNet.PowerShell.Commands;

/// <summary>
/// Draws faces, embeddings and comparisons onto their photos and writes the pictures: one picture per
/// source image (faces and embeddings) or per pair of images (comparisons, side by side). Faces from a video are
/// drawn on their frame (one picture per video frame); a track on the frame of its best face; a photo or video file
/// given itself is searched for faces (a video at -Time or -Frame).
/// </summary>
[Cmdlet(VerbsData.Export, "FaceAnnotation", DefaultParameterSetName = PathSet, SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportFaceAnnotationCommand : PSCmdlet
{
    private const string PathSet = "Path";
    private const string DestinationSet = "Destination";

    /// <summary>The box colour of faces drawn without a comparison (deep sky blue).</summary>
    internal static readonly SKColor FaceColor = new(0, 191, 255);

    /// <summary>Face, FaceEmbedding, FaceAttribute, FaceComparison or FaceTrack objects, or photo and video files.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public PSObject[] InputObject { get; set; } = [];

    /// <summary>The one picture to write; its extension (.png, .jpg, .jpeg, .webp) picks the format.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>An existing folder: one picture per source image (or compared pair), named after the source.</summary>
    [Parameter(Mandatory = true, ParameterSetName = DestinationSet)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = "";

    /// <summary>The format of the pictures written into -Destination: png (default), jpg or webp.</summary>
    [Parameter(ParameterSetName = DestinationSet)]
    [ValidateSet("png", "jpg", "jpeg", "webp", IgnoreCase = true)]
    public string Format { get; set; } = "png";

    /// <summary>Also draw the five landmark points (eyes, nose tip, mouth corners) of each face.</summary>
    [Parameter]
    public SwitchParameter Landmarks { get; set; }

    /// <summary>
    /// For videos: the frame to draw, by its time from the start. A video file given itself is searched for faces in
    /// that frame; faces piped from a video are drawn only if they are of that frame.
    /// </summary>
    [Parameter]
    public TimeSpan Time { get; set; }

    /// <summary>For videos: the frame to draw, by its number (0-based); as -Time otherwise.</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long Frame { get; set; }

    // -Time and -Frame as given (null: not given).
    private TimeSpan? _time;
    private long? _frame;

    /// <summary>Overwrite existing files.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Write a FileInfo for each picture written.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private static readonly StringComparer PathComparer = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS()
        ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    private readonly List<Group> _groups = [];
    private readonly Dictionary<string, Group> _byKey = new(PathComparer);
    private string _target = "";
    private SKEncodedImageFormat _format;

    protected override void BeginProcessing()
    {
        if (MyInvocation.BoundParameters.ContainsKey(nameof(Time))) _time = Time;
        if (MyInvocation.BoundParameters.ContainsKey(nameof(Frame))) _frame = Frame;
        if (_time is not null && _frame is not null)
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give -Time or -Frame, not both: each names the one frame to draw."),
                ErrorIds.InvalidFramePosition, ErrorCategory.InvalidArgument, null));
        if (_time is { } t && t < TimeSpan.Zero)
            ThrowTerminatingError(new ErrorRecord(new ArgumentOutOfRangeException(nameof(Time), $"-Time {t} is before the start of the video."),
                ErrorIds.InvalidFramePosition, ErrorCategory.InvalidArgument, t));
        if (ParameterSetName == PathSet)
        {
            _target = ResolveOutputPath(Path, nameof(Path));
            if (Directory.Exists(_target))
                ThrowTerminatingError(new ErrorRecord(new IOException($"'{_target}' is a folder. -Path names the picture file to write; use -Destination to write one picture per image into a folder."),
                    ErrorIds.DestinationNotFound, ErrorCategory.InvalidArgument, Path));
            var parent = System.IO.Path.GetDirectoryName(_target);
            if (string.IsNullOrEmpty(parent) || !Directory.Exists(parent))
                ThrowTerminatingError(new ErrorRecord(new DirectoryNotFoundException($"The folder '{parent}' of -Path '{Path}' does not exist. Create it first (New-Item -ItemType Directory)."),
                    ErrorIds.DestinationNotFound, ErrorCategory.ObjectNotFound, Path));
            if (!AnnotationWriter.TryGetFormat(_target, out _format))
                ThrowTerminatingError(new ErrorRecord(new ArgumentException($"Cannot tell the picture format from '{System.IO.Path.GetFileName(_target)}': use one of the extensions {AnnotationWriter.SupportedExtensions}."),
                    ErrorIds.UnsupportedOutputFormat, ErrorCategory.InvalidArgument, Path));
        }
        else
        {
            _target = ResolveOutputPath(Destination, nameof(Destination));
            if (!Directory.Exists(_target))
                ThrowTerminatingError(new ErrorRecord(new DirectoryNotFoundException(File.Exists(_target)
                        ? $"-Destination '{Destination}' is a file, not a folder. Use -Path to name one picture, or name a folder."
                        : $"The -Destination folder '{_target}' does not exist. Create it first (New-Item -ItemType Directory)."),
                    ErrorIds.DestinationNotFound, ErrorCategory.ObjectNotFound, Destination));
            AnnotationWriter.TryGetFormat("x." + Format, out _format);
        }
    }

    private string ResolveOutputPath(string path, string parameter)
    {
        var resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out var provider, out _);
        if (provider.Name != "FileSystem")
            ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-{parameter} '{path}' is not a file system path."),
                ErrorIds.DestinationNotFound, ErrorCategory.InvalidArgument, path));
        return System.IO.Path.GetFullPath(resolved);
    }

    protected override void ProcessRecord()
    {
        foreach (var item in InputObject)
        {
            switch (item?.BaseObject)
            {
                case Face face:
                    AddFace(face);
                    break;
                case FaceEmbedding { Face: { } face }:
                    AddFace(face);
                    break;
                case FaceAttribute { Face: { } face } attribute:
                    AddFace(face, AnnotationLabels.ForAttributes(face.Index, attribute.Expression, attribute.ExpressionConfidence, attribute.Age, attribute.Gender));
                    break;
                case FaceComparison comparison:
                    AddComparison(comparison);
                    break;
                case FaceTrack { BestFace: { } best } track:
                    AddFace(best, track.Embedding?.Label is { } name ? $"{name} (track {track.TrackId})" : $"track {track.TrackId}");
                    break;
                case FileInfo file:
                    AddFile(file.FullName, item);
                    break;
                case string text when ExistingFile(text) is { } file:
                    AddFile(file, item);
                    break;
                case string text:
                    WriteError(new ErrorRecord(new ArgumentException(
                            $"'{text}' is neither a face (Get-Face, Get-FaceEmbedding, Get-FaceAttribute, Compare-Face, Get-FaceTrack) nor an existing photo or video file."),
                        ErrorIds.UnsupportedInputObject, ErrorCategory.InvalidArgument, item));
                    break;
                default:
                    WriteError(new ErrorRecord(new ArgumentException(
                            $"Export-FaceAnnotation draws Face, FaceEmbedding, FaceAttribute, FaceComparison and FaceTrack objects (from Get-Face, Get-FaceEmbedding, Get-FaceAttribute, Compare-Face, Get-FaceTrack) and photo or video files; it got {item?.BaseObject?.GetType().FullName ?? "null"}."),
                        ErrorIds.UnsupportedInputObject, ErrorCategory.InvalidType, item));
                    break;
            }
        }
    }

    /// <summary>A face to draw; <paramref name="label"/> replaces its "#0 0.998" label (attributes).</summary>
    private void AddFace(Face face, string? label = null)
    {
        if (string.IsNullOrEmpty(face.Path))
        {
            WriteError(new ErrorRecord(new ArgumentException($"The face {face} has no Path, so there is no photo to draw it on."),
                ErrorIds.UnsupportedInputObject, ErrorCategory.InvalidData, face));
            return;
        }
        if (face.Time is { } time && (_time is not null || _frame is not null) && !IsChosenFrame(face))
        {
            _skippedOtherFrames++;
            WriteVerbose($"Skipped the face {face}: it is not in the frame -{(_time is not null ? "Time" : "Frame")} chose.");
            return;
        }
        var path = System.IO.Path.GetFullPath(face.Path);
        var at = face.Time;
        var group = GroupFor("F|" + path + "|" + at?.Ticks, () => new Group(path, at, null, null));
        group.AddLeft(face, null, -1);
        if (label is not null) group.LabelLeft(face, label);
    }

    private int _skippedOtherFrames;

    /// <summary>Whether a face from a video is of the frame -Time or -Frame names (by frame number when it has one, else within half a frame).</summary>
    private bool IsChosenFrame(Face face)
    {
        if (_frame is { } n && face.Frame is { } fn) return fn == n;
        var wanted = _time ?? TimeSpan.Zero;
        if (_frame is { } frame)
        {
            try { wanted = TimeSpan.FromSeconds(frame / VideoProbe.Probe(face.Path).FrameRate); }
            catch (ImageLoadException) { return false; }
        }
        return Math.Abs((face.Time!.Value - wanted).TotalMilliseconds) < 1;
    }

    /// <summary>The full path of the file a string names, or null when it names none (a string is a path only if the file exists).</summary>
    private string? ExistingFile(string text)
    {
        try
        {
            var path = System.IO.Path.GetFullPath(GetUnresolvedProviderPathFromPSPath(text));
            return File.Exists(path) ? path : null;
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or ItemNotFoundException or ProviderNotFoundException or System.Management.Automation.DriveNotFoundException or System.IO.DriveNotFoundException or PSInvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>A photo or video file given itself: its faces are found now, in the photo or in the chosen frame of the video.</summary>
    private void AddFile(string path, object? target)
    {
        path = System.IO.Path.GetFullPath(path);
        if (!File.Exists(path))
        {
            WriteError(new ErrorRecord(new FileNotFoundException(Directory.Exists(path)
                    ? $"'{path}' is a folder; give photo or video files, or faces from Get-Face."
                    : $"The file '{path}' does not exist.", path),
                ErrorIds.FileNotFound, ErrorCategory.ObjectNotFound, target));
            return;
        }
        FaceImage image;
        TimeSpan? at = null;
        long? frameNumber = null;
        try
        {
            if (VideoFile.IsVideo(path))
            {
                var frame = _frame is { } n ? FrameGrabber.GrabFrame(path, n) : FrameGrabber.Grab(path, _time ?? TimeSpan.Zero);
                (image, at, frameNumber) = (frame.Image, frame.Position.Time, frame.Position.Frame);
            }
            else image = FaceAnalyzer.Default.Load(path);
        }
        catch (ImageLoadException ex)
        {
            WriteError(ErrorIds.ForImage(ex));
            return;
        }
        using (image)
        {
            var found = FaceAnalyzer.Default.Detect(image);
            var group = GroupFor("F|" + path + "|" + at?.Ticks, () => new Group(path, at, null, null));
            for (int i = 0; i < found.Count; i++)
            {
                var face = new Face(path, found[i], image.Width, image.Height) { Time = at, Frame = frameNumber };
                group.AddLeft(face, null, -1);
            }
            WriteVerbose($"Found {found.Count} face(s) in {group.Description}.");
        }
    }

    /// <summary>A compared pair: the reference face on the left picture, the other on the right.</summary>
    private void AddComparison(FaceComparison comparison)
    {
        if (comparison.Reference?.Face is not { } reference || comparison.Difference?.Face is not { } difference
            || string.IsNullOrEmpty(reference.Path) || string.IsNullOrEmpty(difference.Path))
        {
            WriteError(new ErrorRecord(new ArgumentException($"The comparison '{comparison}' lacks a Reference or Difference face with a Path, so there is no photo to draw."),
                ErrorIds.UnsupportedInputObject, ErrorCategory.InvalidData, comparison));
            return;
        }
        var similarity = comparison.Similarity;
        var left = System.IO.Path.GetFullPath(reference.Path);
        var right = System.IO.Path.GetFullPath(difference.Path);
        var group = GroupFor("C|" + left + "|" + reference.Time?.Ticks + "|" + right + "|" + difference.Time?.Ticks,
            () => new Group(left, reference.Time, right, difference.Time));
        group.AddLeft(reference, similarity, difference.Index);
        group.AddRight(difference, similarity, reference.Index);
    }

    private Group GroupFor(string key, Func<Group> create)
    {
        if (!_byKey.TryGetValue(key, out var group))
        {
            group = create();
            _byKey[key] = group;
            _groups.Add(group);
        }
        return group;
    }

    protected override void EndProcessing()
    {
        if (_groups.Count == 0 && _skippedOtherFrames > 0)
        {
            var chosen = _time is { } t ? $"-Time {VideoTime.Format(t)}" : $"-Frame {_frame}";
            WriteError(new ErrorRecord(new InvalidOperationException(
                    $"None of the {_skippedOtherFrames} face(s) piped in is of the frame {chosen}. Get-Face reads some frames of a second (-FramesPerSecond); choose one of their Time or Frame values, or give the video file itself to find the faces in that frame."),
                ErrorIds.FaceNotFound, ErrorCategory.ObjectNotFound, (object?)_time ?? _frame));
            return;
        }
        if (_groups.Count == 0) return;
        if (ParameterSetName == PathSet && _groups.Count > 1)
        {
            ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(
                    $"-Path writes one picture, but the input comes from {_groups.Count} images or compared pairs ({string.Join(", ", _groups.Take(4).Select(g => g.Name))}{(_groups.Count > 4 ? ", ..." : "")}). Use -Destination <folder> to write one picture for each."),
                ErrorIds.MoreThanOneImage, ErrorCategory.InvalidArgument, Path));
        }
        var used = new HashSet<string>(PathComparer);
        var progress = new ProgressReporter(this, "Drawing annotated pictures", unit: "pictures") { Total = _groups.Count };
        foreach (var group in _groups)
        {
            if (Stopping) return;
            var output = ParameterSetName == PathSet ? _target : UniqueName(group, used);
            progress.Step(System.IO.Path.GetFileName(output));
            Export(group, output);
        }
        progress.Complete();
    }

    /// <summary>
    /// -Destination names: &lt;name&gt;.annotated.&lt;ext&gt; for a photo, &lt;reference&gt;-vs-&lt;other&gt;.annotated.&lt;ext&gt;
    /// for a compared pair; a name already written by this command gets .2, .3, ... before .annotated.
    /// </summary>
    private string UniqueName(Group group, HashSet<string> used)
    {
        var ext = AnnotationWriter.ExtensionFor(_format);
        var stem = group.FileStem;
        var candidate = System.IO.Path.Combine(_target, stem + ".annotated" + ext);
        for (int n = 2; !used.Add(candidate); n++)
            candidate = System.IO.Path.Combine(_target, $"{stem}.{n}.annotated{ext}");
        return candidate;
    }

    private void Export(Group group, string output)
    {
        if (group.Sources.Any(s => PathComparer.Equals(s, output)))
        {
            WriteError(new ErrorRecord(new IOException($"'{output}' is the photo being annotated; it is never overwritten. Choose another -Path."),
                ErrorIds.DestinationIsSource, ErrorCategory.InvalidArgument, output));
            return;
        }
        if (Directory.Exists(output) || (File.Exists(output) && !Force))
        {
            WriteError(new ErrorRecord(new IOException($"The file '{output}' already exists. Use -Force to overwrite it."),
                ErrorIds.FileExists, ErrorCategory.ResourceExists, output));
            return;
        }
        if (!ShouldProcess(output, $"Write annotated picture of {group.Description}")) return;

        byte[] bytes;
        using (var left = Load(group.LeftPath, group.LeftTime))
        {
            if (left is null) return;
            using var right = group.RightPath is null ? null : Load(group.RightPath, group.RightTime);
            if (group.RightPath is not null && right is null) return;
            // Several compared faces: each label names its face and its best partner, so every score can be traced.
            bool indexed = group.Left.Count(e => e.Compared) > 1 || group.Right.Count(e => e.Compared) > 1;
            using var picture = right is null
                ? AnnotationRenderer.Render(left, Marks(group.Left, left, indexed))
                : AnnotationRenderer.RenderSideBySide(left, Marks(group.Left, left, indexed), right, Marks(group.Right, right, indexed),
                    AnnotationLabels.ForPhoto(reference: true, Group.Display(group.LeftPath, group.LeftTime)),
                    AnnotationLabels.ForPhoto(reference: false, Group.Display(group.RightPath!, group.RightTime)));
            bytes = AnnotationWriter.Encode(picture, _format);
        }
        try
        {
            AnnotationWriter.WriteAtomic(output, bytes, overwrite: Force);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            bool exists = !Force && File.Exists(output);
            WriteError(new ErrorRecord(exists ? new IOException($"The file '{output}' already exists. Use -Force to overwrite it.", ex) : ex,
                exists ? ErrorIds.FileExists : ErrorIds.WriteFailed, exists ? ErrorCategory.ResourceExists : ErrorCategory.WriteError, output));
            return;
        }
        WriteVerbose($"Wrote '{output}' ({bytes.Length} bytes).");
        if (PassThru)
        {
            // Through the provider, like Get-Item, so the FileInfo carries PSPath and formats as usual.
            foreach (var item in InvokeProvider.Item.Get([output], true, true)) WriteObject(item);
        }
    }

    /// <summary>The photo, or the frame at <paramref name="time"/> of a video (a face's Time).</summary>
    private FaceImage? Load(string path, TimeSpan? time)
    {
        try
        {
            return time is { } t ? FrameGrabber.Grab(path, t).Image : ImageLoader.Load(path);
        }
        catch (ImageLoadException ex)
        {
            WriteError(ErrorIds.ForImage(ex));
            return null;
        }
    }

    private List<AnnotationMark> Marks(IEnumerable<Entry> entries, FaceImage image, bool indexed)
    {
        var marks = new List<AnnotationMark>();
        foreach (var e in entries)
        {
            var f = e.Face;
            if (f.ImageWidth > 0 && f.ImageHeight > 0 && (f.ImageWidth != image.Width || f.ImageHeight != image.Height))
                WriteWarning($"The face {f} was found in a {f.ImageWidth}x{f.ImageHeight} {(f.Time is null ? "image" : "frame")}, but '{f.Path}' is now {image.Width}x{image.Height}; its box may be misplaced.");
            bool compared = e.Compared;
            var color = compared ? SimilarityColor.For(e.Best) : FaceColor;
            var label = e.Label is not null && !compared ? e.Label
                : !compared ? AnnotationLabels.ForFace(f.Index, f.Confidence)
                : indexed && e.Partner >= 0 ? AnnotationLabels.ForSimilarity(e.Best, f.Index, e.Partner)
                : AnnotationLabels.ForSimilarity(e.Best);
            WriteVerbose($"'{Group.Display(f.Path, f.Time)}' face #{f.Index}: {label}");
            IReadOnlyList<PointF2>? points = null;
            if (Landmarks)
                points = new[] { f.LeftEye, f.RightEye, f.Nose, f.MouthLeft, f.MouthRight }
                    .Where(p => p is not null).Select(p => new PointF2(p!.X, p.Y)).ToList();
            marks.Add(new AnnotationMark(new FaceBox(f.X, f.Y, f.Width, f.Height), color, label, points));
        }
        return marks;
    }

    /// <summary>One face to draw; for compared faces, the best similarity over its comparisons.</summary>
    private sealed class Entry(Face face)
    {
        public Face Face { get; } = face;
        public double Best { get; set; } = double.NaN;
        /// <summary>The index of the face on the other photo with the best similarity (-1: none).</summary>
        public int Partner { get; set; } = -1;
        public bool Compared { get; set; }
        /// <summary>A label of its own (a face's attributes), else null.</summary>
        public string? Label { get; set; }
    }

    /// <summary>One output picture: a photo or video frame (RightPath null) or a compared pair of them.</summary>
    private sealed class Group(string leftPath, TimeSpan? leftTime, string? rightPath, TimeSpan? rightTime)
    {
        private readonly Dictionary<(int, float, float, float, float), Entry> _left = [];
        private readonly Dictionary<(int, float, float, float, float), Entry> _right = [];

        public string LeftPath { get; } = leftPath;
        /// <summary>The frame's time when LeftPath is a video, else null.</summary>
        public TimeSpan? LeftTime { get; } = leftTime;
        public string? RightPath { get; } = rightPath;
        public TimeSpan? RightTime { get; } = rightTime;
        public IEnumerable<Entry> Left => _left.Values;
        public IEnumerable<Entry> Right => _right.Values;
        public IEnumerable<string> Sources => RightPath is null ? [LeftPath] : [LeftPath, RightPath];

        public string Name => RightPath is null
            ? Display(LeftPath, LeftTime)
            : Display(LeftPath, LeftTime) + "-vs-" + Display(RightPath, RightTime);

        /// <summary>The -Destination name before .annotated: the source's name, and a frame's time (clip_0m01.200s).</summary>
        public string FileStem => RightPath is null
            ? Stem(LeftPath, LeftTime)
            : Stem(LeftPath, LeftTime) + "-vs-" + Stem(RightPath, RightTime);

        public string Description => RightPath is null
            ? $"'{LeftPath}'{At(LeftTime)} ({_left.Count} face(s))"
            : $"'{LeftPath}'{At(LeftTime)} compared with '{RightPath}'{At(RightTime)}";

        /// <summary>A source as people read it: photo.jpg, or clip.mp4@0:01.200 for a video frame.</summary>
        public static string Display(string path, TimeSpan? time) =>
            System.IO.Path.GetFileName(path) + (time is { } t ? "@" + VideoTime.Format(t) : "");

        private static string Stem(string path, TimeSpan? time) =>
            System.IO.Path.GetFileNameWithoutExtension(path) + (time is { } t ? "_" + VideoTime.ForFileName(t) : "");

        private static string At(TimeSpan? time) => time is { } t ? $" at {VideoTime.Format(t)}" : "";

        /// <summary>Adds a face; <paramref name="similarity"/> is null for a face that was not compared.</summary>
        public void AddLeft(Face face, double? similarity, int partner) => Add(_left, face, similarity, partner);
        public void AddRight(Face face, double? similarity, int partner) => Add(_right, face, similarity, partner);

        public void LabelLeft(Face face, string label) => _left[(face.Index, face.X, face.Y, face.Width, face.Height)].Label = label;

        private static void Add(Dictionary<(int, float, float, float, float), Entry> map, Face face, double? similarity, int partner)
        {
            var key = (face.Index, face.X, face.Y, face.Width, face.Height);
            if (!map.TryGetValue(key, out var entry)) map[key] = entry = new Entry(face);
            if (similarity is not { } s) return;
            entry.Compared = true;
            if (!double.IsNaN(s) && (double.IsNaN(entry.Best) || s > entry.Best)) { entry.Best = s; entry.Partner = partner; }
        }
    }
}
