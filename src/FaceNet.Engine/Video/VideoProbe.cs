using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FaceNet.Engine.Imaging;

namespace FaceNet.Engine.Video;

/// <summary>Reads a video's stream facts with ffprobe.</summary>
public static class VideoProbe
{
    // Faces of one video are often decoded one frame at a time (piped faces, a report's thumbnails, a track's best
    // face): each would start ffprobe again. Keyed by the file's size and time, so a changed file is probed anew.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string, long, DateTime), VideoInfo> s_cache = new();

    public static VideoInfo Probe(string path)
    {
        var file = new FileInfo(path);
        if (!file.Exists) return ProbeUncached(path);
        var key = (file.FullName, file.Length, file.LastWriteTimeUtc);
        if (s_cache.TryGetValue(key, out var known)) return known;
        var info = ProbeUncached(path);
        if (s_cache.Count > 256) s_cache.Clear();
        s_cache[key] = info;
        return info;
    }

    private static VideoInfo ProbeUncached(string path)
    {
        var psi = new ProcessStartInfo(FFmpegTools.FFprobe(path))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (var a in new[] { "-v", "error", "-select_streams", "v:0",
                     "-show_entries", "stream=width,height,r_frame_rate,avg_frame_rate,nb_frames,duration,codec_name:stream_side_data=rotation:stream_tags=rotate:format=duration,format_name",
                     "-of", "json", path })
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new ImageLoadException(ImageLoadFailure.ToolMissing, path, "ffprobe could not be started.");
        var stderrTask = process.StandardError.ReadToEndAsync();
        string json = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        string stderr = stderrTask.Result.Trim();
        JsonElement root;
        try { root = JsonDocument.Parse(json).RootElement; }
        catch (JsonException) { root = default; }
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("streams", out var streams) || streams.GetArrayLength() == 0)
        {
            string why = stderr.Length > 0 ? FirstLine(stderr) : "it has no video stream";
            throw new ImageLoadException(ImageLoadFailure.VideoCorrupt, path,
                $"The video '{path}' cannot be read: {why}. It may be cut short before its index (an MP4 or MOV written without faststart keeps it at the end) or not be a video.");
        }
        var s = streams[0];
        int width = Int(s, "width"), height = Int(s, "height");
        if (width <= 0 || height <= 0)
            throw new ImageLoadException(ImageLoadFailure.VideoCorrupt, path, $"The video '{path}' cannot be read: its video stream has no frame size{(stderr.Length > 0 ? " (" + FirstLine(stderr) + ")" : "")}.");
        int rotation = 0;
        if (s.TryGetProperty("side_data_list", out var side))
            foreach (var d in side.EnumerateArray())
                if (d.TryGetProperty("rotation", out var r) && r.TryGetDouble(out var deg)) rotation = (int)Math.Round(deg);
        if (rotation == 0 && s.TryGetProperty("tags", out var tags) && tags.TryGetProperty("rotate", out var rt) && int.TryParse(rt.GetString(), out var rdeg))
            rotation = -rdeg; // the old tag counts clockwise, the display matrix counter-clockwise
        rotation = ((rotation % 360) + 360) % 360;
        if (rotation is 90 or 270) (width, height) = (height, width);
        double fps = Rate(s, "avg_frame_rate") is > 0 and < 1000 and var avg ? avg : Rate(s, "r_frame_rate");
        double? seconds = Double(s, "duration") ?? (root.TryGetProperty("format", out var f) ? Double(f, "duration") : null);
        long? frames = s.TryGetProperty("nb_frames", out var nb) && long.TryParse(nb.GetString(), out var n) && n > 0 ? n : null;
        string container = root.TryGetProperty("format", out var fmt) && fmt.TryGetProperty("format_name", out var fn) ? fn.GetString() ?? "" : "";
        string codec = s.TryGetProperty("codec_name", out var c) ? c.GetString() ?? "" : "";
        return new VideoInfo(width, height, fps > 0 ? fps : 25, seconds is > 0 ? TimeSpan.FromSeconds(seconds.Value) : null, frames, codec, container, rotation);
    }

    /// <summary>ffprobe's first message without its "[mov,mp4,... @ 0x55...]" prefix.</summary>
    internal static string FirstLine(string text) =>
        System.Text.RegularExpressions.Regex.Replace(text.Split('\n', 2)[0], @"\[[^\]]*@ 0x[0-9a-f]+\]\s*", "").Trim().TrimEnd('.');

    private static int Int(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.TryGetInt32(out var i) ? i : 0;

    private static double? Double(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;

    private static double Rate(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var v) || v.GetString() is not { } text) return 0;
        var parts = text.Split('/');
        if (parts.Length == 2 && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var a)
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var b) && b != 0) return a / b;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var r) ? r : 0;
    }
}
