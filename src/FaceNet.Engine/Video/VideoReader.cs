using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using FaceNet.Engine.Imaging;
using SkiaSharp;

namespace FaceNet.Engine.Video;

/// <summary>
/// Decodes a video's sampled frames through an ffmpeg process: raw RGBA frames on its standard output, and on its
/// standard error one showinfo line per decoded frame (its number) and one per kept frame (its time and size), so each
/// frame comes with its exact frame number and time even in a variable-frame-rate phone video. FFmpeg applies the
/// rotation metadata (autorotate) as EXIF is applied to photos. Frames are read one at a time: memory holds the frames
/// the caller has not released, never the video.
/// </summary>
public sealed partial class VideoReader : IDisposable
{
    private readonly Process _process;
    private readonly BlockingCollection<(long Frame, double Seconds, int Width, int Height)> _kept = new();
    private readonly List<string> _errors = [];
    private readonly Thread _stderrThread;
    private readonly Stream _stdout;
    private readonly long _frameOffset;
    private bool _disposed;

    public VideoReader(string path, VideoSampling? sampling = null, int? maxFrames = null)
    {
        sampling ??= VideoSampling.Default;
        Path = path;
        Info = VideoProbe.Probe(path);
        Sampling = sampling;
        var psi = new ProcessStartInfo(FFmpegTools.FFmpeg(path))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        var args = new List<string> { "-nostdin", "-hide_banner", "-nostats", "-loglevel", "level+info" };
        if (sampling.Start > TimeSpan.Zero) args.AddRange(["-ss", Seconds(sampling.Start)]);
        args.AddRange(["-i", path]);
        if (sampling.Duration is { } d) args.AddRange(["-t", Seconds(d)]);
        // Every frame passes the first showinfo (its number n), the kept ones the second (time and size).
        string select = sampling.EveryFrame ? "" :
            string.Create(CultureInfo.InvariantCulture, $"select='isnan(prev_selected_t)+gte(floor(t*{sampling.FramesPerSecond:0.######})-floor(prev_selected_t*{sampling.FramesPerSecond:0.######}),1)',");
        args.AddRange(["-map", "0:v:0", "-an", "-sn", "-dn", "-vf", $"showinfo=checksum=0,{select}showinfo=checksum=0"]);
        if (maxFrames is int m) args.AddRange(["-frames:v", m.ToString(CultureInfo.InvariantCulture)]);
        args.AddRange(["-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgba", "pipe:1"]);
        foreach (var a in args) psi.ArgumentList.Add(a);
        _frameOffset = (long)Math.Round(sampling.Start.TotalSeconds * Info.FrameRate);
        _process = Process.Start(psi) ?? throw new ImageLoadException(ImageLoadFailure.ToolMissing, path, "ffmpeg could not be started.");
        _stdout = _process.StandardOutput.BaseStream;
        _stderrThread = new Thread(ReadLog) { IsBackground = true, Name = "FaceNet ffmpeg log" };
        _stderrThread.Start();
    }

    public string Path { get; }
    public VideoInfo Info { get; }
    public VideoSampling Sampling { get; }

    /// <summary>After reading: null when the video decoded cleanly, else what ffmpeg reported (a cut-short file, damaged frames), in words.</summary>
    public string? Damage { get; private set; }

    /// <summary>Frames handed out so far.</summary>
    public int FramesRead { get; private set; }

    [GeneratedRegex(@"^\[Parsed_showinfo_(\d+) @ [^\]]*\] \[info\] n:\s*(\d+) pts:\s*-?\d+ pts_time:(\S+).* s:(\d+)x(\d+)")]
    private static partial Regex ShowInfoLine();

    private void ReadLog()
    {
        var numbers = new Dictionary<string, long>();
        var order = new Queue<string>();
        try
        {
            string? line;
            while ((line = _process.StandardError.ReadLine()) is not null)
            {
                var m = ShowInfoLine().Match(line);
                if (m.Success)
                {
                    string time = m.Groups[3].Value;
                    if (m.Groups[1].Value == "0")
                    {
                        numbers[time] = long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
                        order.Enqueue(time);
                        if (order.Count > 512) numbers.Remove(order.Dequeue());
                        continue;
                    }
                    double seconds = double.TryParse(time, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) ? s : 0;
                    long n = numbers.TryGetValue(time, out var k) ? k : -1;
                    _kept.Add((n, seconds, int.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[5].Value, CultureInfo.InvariantCulture)));
                }
                else if (line.Contains("[error]", StringComparison.Ordinal) || line.Contains("[fatal]", StringComparison.Ordinal))
                {
                    lock (_errors) if (_errors.Count < 1000) _errors.Add(CleanLog(line));
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
        }
        finally
        {
            _kept.CompleteAdding();
        }
    }

    private static string CleanLog(string line) => Regex.Replace(line, @"\s*\[[^\]]*@ 0x[0-9a-f]+\]|\s*\[(error|fatal)\]", "").Trim();

    /// <summary>
    /// The sampled frames in order. Each frame's image belongs to the caller (dispose it). A file cut short ends
    /// early with Damage set; a file ffmpeg cannot read at all throws ImageLoadException (Corrupt).
    /// </summary>
    public IEnumerable<VideoFrame> Frames()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var (n, seconds, width, height) in _kept.GetConsumingEnumerable())
        {
            var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
            if (!ReadPixels(bitmap))
            {
                bitmap.Dispose();
                break;
            }
            var time = Sampling.Start + TimeSpan.FromSeconds(Math.Max(0, seconds));
            long frame = n >= 0 ? _frameOffset + n : (long)Math.Round(time.TotalSeconds * Info.FrameRate);
            FramesRead++;
            yield return new VideoFrame(new FramePosition(frame, time), FaceImage.FromBitmap(bitmap, Path));
        }
        _process.WaitForExit();
        _stderrThread.Join();
        string[] errors;
        lock (_errors) errors = _errors.ToArray();
        if (FramesRead == 0 && (errors.Length > 0 || _process.ExitCode != 0))
            throw new ImageLoadException(ImageLoadFailure.VideoCorrupt, Path,
                $"The video '{Path}' gave no frame: {(errors.Length > 0 ? errors[0] : "ffmpeg exited with code " + _process.ExitCode)}.");
        if (errors.Length > 0 || _process.ExitCode != 0)
            Damage = errors.Length switch
            {
                0 => $"ffmpeg exited with code {_process.ExitCode} after {FramesRead} frames",
                1 => $"ffmpeg reported '{errors[0]}'",
                _ => $"ffmpeg reported {errors.Length} errors, the first '{errors[0]}'",
            };
    }

    private unsafe bool ReadPixels(SKBitmap bitmap)
    {
        var span = new Span<byte>((void*)bitmap.GetPixels(), bitmap.ByteCount);
        return _stdout.ReadAtLeast(span, span.Length, throwOnEndOfStream: false) == span.Length;
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.######", CultureInfo.InvariantCulture);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
        _process.WaitForExit();
        _stderrThread.Join();
        _process.Dispose();
        _kept.Dispose();
    }
}
