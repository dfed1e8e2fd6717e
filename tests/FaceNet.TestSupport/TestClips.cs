using System.Diagnostics;

namespace FaceNet.TestSupport;

/// <summary>
/// Video clips the tests make with ffmpeg from the demo photos (nothing video is committed): their content is known by
/// construction, so the truth is too.
/// </summary>
public static class TestClips
{
    /// <summary>Why the video tests cannot run here, or null when ffmpeg and ffprobe are on PATH.</summary>
    public static string? Unavailable => OnPath("ffmpeg") && OnPath("ffprobe") ? null
        : "ffmpeg/ffprobe are not installed (Debian: apt-get install ffmpeg; './build.ps1 -Task Test' installs it when run as root).";

    private static bool OnPath(string name) => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Any(d => File.Exists(Path.Combine(d, OperatingSystem.IsWindows() ? name + ".exe" : name)));

    // Made once per machine and kept (each file written under a temporary name and moved into place).
    private static readonly string Folder = Path.Combine(Path.GetTempPath(), "facenet-test-clips-v1");
    private static readonly object Gate = new();

    private const string Fit = "scale=640:360:force_original_aspect_ratio=decrease,pad=640:360:(ow-iw)/2:(oh-ih)/2,setsar=1";

    /// <summary>
    /// 640x360, 30 fps, H.264, 7 s: sample1 (4 people) for 3 s panning slowly, a cut to sample2 (3 people) for 2 s, and
    /// back to sample1 for 2 s. The same four people leave at the cut and come back.
    /// </summary>
    public static string Cut => Make("cut.mp4", [
        "-loop", "1", "-t", "3", "-i", TestData.Sample(1), "-loop", "1", "-t", "2", "-i", TestData.Sample(2), "-loop", "1", "-t", "2", "-i", TestData.Sample(1),
        "-filter_complex", $"[0]{Fit},scale=680:382,crop=640:360:x='20+15*sin(t)':y=11,setsar=1[a];[1]{Fit}[b];[2]{Fit}[c];[a][b][c]concat=n=3:v=1,format=yuv420p",
        "-r", "30", "-c:v", "libx264", "-g", "30", "-movflags", "+faststart"]);

    /// <summary>sample1 for 1 s at 30 fps in the given container and codec (film grain so frames differ).</summary>
    public static string Format(string name, params string[] codec) => Make(name,
        ["-loop", "1", "-t", "1", "-i", TestData.Sample(1), "-vf", $"{Fit},noise=alls=8:allf=t,format=yuv420p", "-r", "30", .. codec]);

    /// <summary>The cut clip stored as a phone stores a portrait video: landscape pixels with a 90 degree display rotation.</summary>
    public static string Rotated => Make("rotated.mp4", ["-i", Cut, "-t", "1", "-c", "copy", "-metadata:s:v:0", "rotate=90"]);

    /// <summary>The first 60% of the bytes of a 2 s clip (moov atom first), as a download cut short leaves it.</summary>
    public static string Truncated
    {
        get
        {
            lock (Gate)
            {
                var path = Path.Combine(Folder, "truncated.mp4");
                if (File.Exists(path)) return path;
                var whole = Make("whole.mp4", ["-loop", "1", "-t", "2", "-i", TestData.Sample(1), "-vf", $"{Fit},noise=alls=12:allf=t,format=yuv420p",
                    "-r", "30", "-c:v", "libx264", "-g", "30", "-movflags", "+faststart"]);
                var bytes = File.ReadAllBytes(whole);
                File.WriteAllBytes(path, bytes[..(bytes.Length * 6 / 10)]);
                return path;
            }
        }
    }

    private static string Make(string name, string[] args)
    {
        lock (Gate)
        {
            Directory.CreateDirectory(Folder);
            var path = Path.Combine(Folder, name);
            if (File.Exists(path)) return path;
            var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "-nostdin", "-hide_banner", "-loglevel", "error", "-y" }.Concat(args).Append(path + ".tmp" + Path.GetExtension(name)))
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"ffmpeg could not make {name}: {err}");
            File.Move(path + ".tmp" + Path.GetExtension(name), path);
            return path;
        }
    }
}
