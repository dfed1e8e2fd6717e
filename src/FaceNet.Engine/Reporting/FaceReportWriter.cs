using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Video;
using SkiaSharp;
using FaceNet.Engine.Platform;

namespace FaceNet.Engine.Reporting;

/// <summary>
/// Writes a face report a person opens in a browser: one HTML file and a sibling folder of small JPEG thumbnails
/// (&lt;name&gt;_files/), linked relatively, so the pair keeps working when moved together and needs no network and no
/// script. Every name, label and path is HTML-escaped; photo links are relative below the report's folder and
/// file:// URLs (percent-encoded) elsewhere. A photo that cannot be read gets a placeholder and is listed.
/// A face from a video is cut from its frame and links to the video at its time (#t=); a person seen in videos
/// gets a timeline per video: a bar over the video's length marking when they are in view, and those times as m:ss.
/// Written atomically: the new files replace the old only once complete.
/// </summary>
public static class FaceReportWriter
{
    /// <summary>Thumbnail side in pixels.</summary>
    public const int ThumbnailSize = 112;

    /// <summary>Margin around the face box, as a fraction of its longer side, on each side.</summary>
    public const float Margin = 0.25f;

    public static ReportSummary Write(FaceReport report, string htmlPath, int workers = 2, ImageLoadOptions? loadOptions = null)
    {
        htmlPath = Path.GetFullPath(htmlPath);
        var folder = Path.GetDirectoryName(htmlPath)!;
        string filesName = Path.GetFileNameWithoutExtension(htmlPath) + "_files";
        string filesFolder = Path.Combine(folder, filesName);
        string tmpTag = ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        string tmpFiles = filesFolder + tmpTag, tmpHtml = htmlPath + tmpTag;
        Directory.CreateDirectory(tmpFiles);
        try
        {
            // Every face shown gets a number; its thumbnail is <number>.jpg.
            var faces = report.Sections.SelectMany(s => s.Faces).Concat(report.Probes.Select(p => p.Face)).ToList();
            var numbers = new Dictionary<ReportFace, int>(ReferenceEqualityComparer.Instance);
            foreach (var f in faces) numbers.TryAdd(f, numbers.Count + 1);
            var unreadable = WriteThumbnails(numbers, tmpFiles, workers, loadOptions ?? ImageLoadOptions.Default);

            var html = Html(report, numbers, unreadable, filesName, folder);
            File.WriteAllText(tmpHtml, html, new UTF8Encoding(false));
            if (Directory.Exists(filesFolder)) Directory.Delete(filesFolder, recursive: true);
            Directory.Move(tmpFiles, filesFolder);
            FileReplace.Move(tmpHtml, htmlPath);
            long bytes = new FileInfo(htmlPath).Length + Directory.EnumerateFiles(filesFolder).Sum(f => new FileInfo(f).Length);
            return new ReportSummary(htmlPath, filesFolder, report.Sections.Count, numbers.Count, numbers.Count(kv => !IsUnreadable(unreadable, kv.Key)), bytes,
                unreadable.Where(u => u.Value).Select(u => u.Key.Split('\n')[0]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList());
        }
        finally
        {
            if (Directory.Exists(tmpFiles)) try { Directory.Delete(tmpFiles, recursive: true); } catch (IOException) { }
            if (File.Exists(tmpHtml)) try { File.Delete(tmpHtml); } catch (IOException) { }
        }
    }

    /// <summary>Where a face's pixels are: its photo's path, or its video's path and the frame's time.</summary>
    private static string SourceKey(ReportFace face) =>
        face.Time is { } t ? face.Path + "\n" + t.Ticks.ToString(CultureInfo.InvariantCulture) : face.Path;

    private static bool IsUnreadable(ConcurrentDictionary<string, bool> unreadable, ReportFace face) =>
        unreadable.TryGetValue(SourceKey(face), out var missing) && missing;

    /// <summary>Decodes each photo (or video frame) once and cuts its faces; returns, per source, whether it could not be read.</summary>
    private static ConcurrentDictionary<string, bool> WriteThumbnails(Dictionary<ReportFace, int> numbers, string folder, int workers, ImageLoadOptions options)
    {
        var unreadable = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var byPhoto = numbers.GroupBy(kv => SourceKey(kv.Key), StringComparer.Ordinal).ToList();
        Parallel.ForEach(byPhoto, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, workers) }, photo =>
        {
            // Decode once, at the detail the largest thumbnail of this photo needs (JPEG DCT scaling): a 12 MP photo
            // of small faces is read at 1/8, not in full and then again smaller.
            float need = photo.Max(kv => ThumbnailSize / (MathF.Max(kv.Key.Box.Width, kv.Key.Box.Height) * (1 + 2 * Margin)));
            FaceImage image;
            var first = photo.First().Key;
            try
            {
                image = first.Time is { } time
                    ? FrameGrabber.Grab(first.Path, time).Image
                    : ImageLoader.Load(first.Path, options with { InitialDetail = (_, _) => MathF.Min(1f, need) });
            }
            catch (ImageLoadException) { unreadable[photo.Key] = true; return; }
            using (image)
            {
                unreadable[photo.Key] = false;
                foreach (var (face, number) in photo)
                {
                    var b = face.Box;
                    float side = MathF.Max(b.Width, b.Height) * (1 + 2 * Margin);
                    float cx = b.X + b.Width / 2, cy = b.Y + b.Height / 2;
                    var toThumb = SKMatrix.CreateScale(ThumbnailSize / side, ThumbnailSize / side)
                        .PreConcat(SKMatrix.CreateTranslation(-(cx - side / 2), -(cy - side / 2)));
                    var level = image.LevelFor(toThumb);
                    using var thumb = PixelSampler.Warp(level.Bitmap, level.FromLevel(toThumb), ThumbnailSize, ThumbnailSize);
                    using var data = thumb.Encode(SKEncodedImageFormat.Jpeg, 80);
                    File.WriteAllBytes(Path.Combine(folder, number.ToString("D5", CultureInfo.InvariantCulture) + ".jpg"), data.ToArray());
                }
            }
        });
        return unreadable;
    }

    private static string Html(FaceReport report, Dictionary<ReportFace, int> numbers, ConcurrentDictionary<string, bool> unreadable, string filesName, string folder)
    {
        var sb = new StringBuilder();
        string E(string? s) => WebUtility.HtmlEncode(s ?? "");
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>").Append(E(report.Title)).Append("</title>\n");
        sb.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<style>\n").Append(Css).Append("</style></head>\n<body>\n");
        sb.Append("<h1>").Append(E(report.Title)).Append("</h1>\n");
        var shown = report.Sections.SelectMany(s => s.Faces).Concat(report.Probes.Select(p => p.Face)).ToList();
        int groups = report.Sections.Count + report.Probes.Select(p => p.Name).Distinct(StringComparer.Ordinal).Count();
        if (shown.Count > 0)
            sb.Append("<p class=\"summary\">").Append(Plural(groups, "section")).Append(", ").Append(Plural(shown.Count, "face")).Append(" in ")
              .Append(Sources(shown)).Append(".</p>\n");
        int sectionNumber = 0;
        foreach (var section in report.Sections)
        {
            sectionNumber++;
            sb.Append("<section class=\"person").Append(section.Named ? " named" : "").Append("\" id=\"s").Append(sectionNumber).Append("\">\n<h2>").Append(E(section.Title))
              .Append(" <span class=\"count\">").Append(Plural(section.Faces.Count, "face")).Append(" in ").Append(Sources(section.Faces)).Append("</span></h2>\n");
            AppendTimelines(sb, section.Timelines, folder);
            sb.Append("<div class=\"grid\">\n");
            foreach (var face in section.Faces) AppendFace(sb, face, numbers, unreadable, filesName, folder, null);
            sb.Append("</div></section>\n");
        }
        // Identified faces: one section per name given, largest first, then the faces nobody reached the threshold for.
        foreach (var byName in report.Probes.GroupBy(p => p.Name, StringComparer.Ordinal)
                     .OrderBy(g => g.Key is null).ThenByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal))
        {
            sectionNumber++;
            sb.Append("<section class=\"identified").Append(byName.Key is null ? " unknown-faces" : " named").Append("\" id=\"s").Append(sectionNumber).Append("\">\n<h2>")
              .Append(byName.Key is null ? "Not recognised" : E(byName.Key))
              .Append(" <span class=\"count\">").Append(Plural(byName.Count(), "face")).Append(" in ").Append(Sources(byName.Select(p => p.Face))).Append("</span></h2>\n");
            var timelines = byName.Where(p => p.Timeline is not null).Select(p => p.Timeline!).ToList();
            AppendTimelines(sb, timelines.Count > 0 ? ReportTimeline.Merge(timelines) : null, folder);
            sb.Append("<div class=\"grid\">\n");
            foreach (var p in byName)
            {
                string caption = p.Name is not null
                    ? $"<span class=\"sim\">{Pct(p.Similarity)}</span>"
                    : $"<span class=\"unknown\">unknown</span> <span class=\"best\">best: {E(p.BestCandidate)} {Pct(p.Similarity)}</span>";
                caption += $" <span class=\"threshold\">threshold {Pct(p.Threshold)}</span>";
                AppendFace(sb, p.Face, numbers, unreadable, filesName, folder, caption, known: p.Name is not null);
            }
            sb.Append("</div></section>\n");
        }
        sb.Append("<footer>Made by FaceNet for PowerShell (Export-FaceReport). Thumbnails are in ").Append(E(filesName)).Append("/, beside this page.</footer>\n</body></html>\n");
        return sb.ToString();
    }

    private static void AppendFace(StringBuilder sb, ReportFace face, Dictionary<ReportFace, int> numbers, ConcurrentDictionary<string, bool> unreadable,
        string filesName, string folder, string? caption, bool known = true)
    {
        string E(string? s) => WebUtility.HtmlEncode(s ?? "");
        var b = face.Box;
        string tooltip = string.Create(CultureInfo.InvariantCulture, $"{face.Path}{(face.Time is { } at ? " at " + VideoTime.Format(at) : "")}\nbox {b.X:0},{b.Y:0} {b.Width:0}x{b.Height:0}") + (face.Note is null ? "" : "\n" + face.Note)
            + (face.Attributes is null ? "" : "\n" + face.Attributes);
        if (face.Attributes is not null)
            caption = (caption is null ? "" : caption + " ") + "<span class=\"attr\">" + E(face.Attributes) + "</span>";
        // A video frame links to the video at that time (a media fragment, which browsers' players honour).
        string link = LinkTo(face.Path, folder) + (face.Time is { } t ? "#t=" + t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) : "");
        sb.Append("<figure class=\"face").Append(known ? "" : " below").Append("\"><a href=\"").Append(E(link)).Append("\" title=\"").Append(E(tooltip)).Append("\">");
        if (IsUnreadable(unreadable, face))
            sb.Append("<span class=\"missing\">").Append(face.Time is null ? "photo" : "video").Append(" unreadable</span>");
        else
            sb.Append("<img loading=\"lazy\" width=\"").Append(ThumbnailSize).Append("\" height=\"").Append(ThumbnailSize).Append("\" src=\"")
              .Append(E(filesName + "/" + numbers[face].ToString("D5", CultureInfo.InvariantCulture) + ".jpg")).Append("\" alt=\"").Append(E(Path.GetFileName(face.Path))).Append("\">");
        sb.Append("</a>");
        if (face.Time is { } shownAt)
            caption = "<span class=\"at\">" + E(VideoTime.FormatSeconds(shownAt)) + "</span>" + (caption is null ? "" : " " + caption);
        if (caption is not null) sb.Append("<figcaption>").Append(caption).Append("</figcaption>");
        sb.Append("</figure>\n");
    }

    /// <summary>
    /// One timeline per video: the video's name and length, a bar over its length with a mark for each segment in
    /// view (its times in a tooltip and in data-start/data-end seconds), and the list of segment times as m:ss.
    /// </summary>
    private static void AppendTimelines(StringBuilder sb, IReadOnlyList<ReportTimeline>? timelines, string folder)
    {
        if (timelines is not { Count: > 0 }) return;
        string E(string? s) => WebUtility.HtmlEncode(s ?? "");
        string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);
        string Pc(double v) => v.ToString("0.00", CultureInfo.InvariantCulture) + "%";
        sb.Append("<div class=\"timelines\">\n");
        foreach (var t in timelines)
        {
            var last = t.Segments.Count > 0 ? t.Segments[^1].End : TimeSpan.Zero;
            var length = t.Length is { } l && l >= last ? l : last;
            double total = Math.Max(length.TotalSeconds, 0.001);
            var inView = t.Segments.Aggregate(TimeSpan.Zero, (sum, s) => sum + (s.End - s.Start));
            sb.Append("<div class=\"timeline\" data-video=\"").Append(E(Path.GetFileName(t.Path))).Append("\" data-length=\"").Append(Seconds(length)).Append("\">\n")
              .Append("<div class=\"tl-head\"><a href=\"").Append(E(LinkTo(t.Path, folder))).Append("\">").Append(E(Path.GetFileName(t.Path))).Append("</a> <span class=\"tl-length\">")
              .Append(Plural(t.Segments.Count, "appearance")).Append(", ").Append(E(VideoTime.FormatSeconds(inView))).Append(" in view of ").Append(E(VideoTime.FormatSeconds(length)))
              .Append("</span></div>\n<div class=\"tl-bar\" role=\"img\" aria-label=\"").Append(E("In view " + string.Join(", ", t.Segments.Select(Span)))).Append("\">");
            foreach (var s in t.Segments)
            {
                double left = s.Start.TotalSeconds / total * 100, width = (s.End - s.Start).TotalSeconds / total * 100;
                sb.Append("<span class=\"tl-seg\" style=\"left:").Append(Pc(Math.Min(left, 99.5))).Append(";width:").Append(Pc(Math.Max(width, 0.5)))
                  .Append("\" data-start=\"").Append(Seconds(s.Start)).Append("\" data-end=\"").Append(Seconds(s.End))
                  .Append("\" title=\"").Append(E(VideoTime.Format(s.Start) + " – " + VideoTime.Format(s.End))).Append("\"></span>");
            }
            sb.Append("</div>\n<div class=\"tl-axis\"><span>0:00</span><span>").Append(E(VideoTime.FormatSeconds(length))).Append("</span></div>\n<ul class=\"tl-times\">");
            foreach (var s in t.Segments)
                sb.Append("<li><a href=\"").Append(E(LinkTo(t.Path, folder) + "#t=" + s.Start.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture))).Append("\">")
                  .Append(E(Span(s))).Append("</a></li>");
            sb.Append("</ul>\n</div>\n");
        }
        sb.Append("</div>\n");
    }

    /// <summary>A segment as m:ss–m:ss.</summary>
    private static string Span(ReportSegment s) => VideoTime.FormatSeconds(s.Start) + "–" + VideoTime.FormatSeconds(s.End);

    /// <summary>"3 photos", "1 video", "2 photos and 1 video": the distinct files the faces come from.</summary>
    private static string Sources(IEnumerable<ReportFace> faces)
    {
        var list = faces.ToList();
        int photos = list.Where(f => f.Time is null).Select(f => f.Path).Distinct(StringComparer.Ordinal).Count();
        int videos = list.Where(f => f.Time is not null).Select(f => f.Path).Distinct(StringComparer.Ordinal).Count();
        return videos == 0 ? Plural(photos, "photo")
            : photos == 0 ? Plural(videos, "video")
            : Plural(photos, "photo") + " and " + Plural(videos, "video");
    }

    /// <summary>A relative link when the photo sits below the report's folder, else a percent-encoded file:// URL.</summary>
    public static string LinkTo(string photo, string reportFolder)
    {
        var full = Path.GetFullPath(photo);
        var relative = Path.GetRelativePath(reportFolder, full);
        bool below = !relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative);
        var parts = (below ? relative : full).Replace('\\', '/').Split('/');
        var encoded = string.Join('/', parts.Select(Uri.EscapeDataString));
        if (below) return encoded;
        return encoded.StartsWith('/') ? "file://" + encoded : "file:///" + encoded;
    }

    private static string Plural(int n, string noun) => n.ToString("N0", CultureInfo.InvariantCulture) + " " + noun + (n == 1 ? "" : "s");

    private static string Pct(double similarity) => similarity.ToString("0.0", CultureInfo.InvariantCulture) + "%";

    private const string Css = """
        body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; background: #fafafa; }
        h1 { font-size: 1.5em; margin: 0 0 .2em; }
        .summary { color: #555; margin-top: 0; }
        section { margin: 1.2em 0; padding: .6em .8em; background: #fff; border: 1px solid #ddd; border-radius: 6px;
                  content-visibility: auto; contain-intrinsic-size: auto 200px; }
        h2 { font-size: 1.1em; margin: .1em 0 .5em; }
        .count { font-weight: normal; color: #666; font-size: .85em; }
        .grid { display: flex; flex-wrap: wrap; gap: 6px; }
        figure { margin: 0; width: 112px; font-size: .75em; }
        figure img, .missing { display: block; width: 112px; height: 112px; border-radius: 4px; background: #ccc; }
        .missing { display: flex; align-items: center; justify-content: center; text-align: center; color: #444; }
        figure.below img { filter: grayscale(100%); opacity: .55; }
        .unknown { color: #a00; font-weight: bold; }
        .best, .threshold { color: #777; display: block; }
        .attr { color: #335; display: block; }
        .at { color: #555; font-variant-numeric: tabular-nums; }
        .timelines { margin: 0 0 .6em; }
        .timeline { margin: .3em 0 .5em; max-width: 60em; }
        .tl-head { font-size: .85em; margin-bottom: .2em; }
        .tl-length { color: #666; }
        .tl-bar { position: relative; height: 14px; background: #e6e6e6; border-radius: 3px; overflow: hidden; }
        .tl-seg { position: absolute; top: 0; bottom: 0; min-width: 3px; background: #1a73e8; }
        .tl-axis { display: flex; justify-content: space-between; color: #888; font-size: .7em; font-variant-numeric: tabular-nums; }
        .tl-times { list-style: none; padding: 0; margin: .1em 0 0; display: flex; flex-wrap: wrap; gap: .3em .8em; font-size: .8em; font-variant-numeric: tabular-nums; }
        .tl-times a { color: #1a5fb4; }
        footer { color: #888; font-size: .8em; margin-top: 2em; }

        """;
}
