using FaceNet.Engine.Imaging;

namespace FaceNet.Engine.Video;

/// <summary>
/// Finds the ffmpeg and ffprobe programs videos are decoded with: the folder in FACENET_FFMPEG_PATH when set, else
/// PATH. FFmpeg runs as a separate process (a pipe of raw frames) rather than through a binding library: it is the
/// one dependency, installed by the system's package manager with every codec, and a crash in a decoder cannot take
/// PowerShell down with it.
/// </summary>
public static class FFmpegTools
{
    /// <summary>Environment variable naming the folder that holds ffmpeg and ffprobe, for machines where they are not on PATH.</summary>
    public const string PathVariable = "FACENET_FFMPEG_PATH";

    public const string InstallAdvice =
        "Install FFmpeg (Debian/Ubuntu: sudo apt-get install ffmpeg; Fedora: sudo dnf install ffmpeg; macOS: brew install ffmpeg; " +
        "Windows: winget install ffmpeg), or set $env:" + PathVariable + " to the folder that holds ffmpeg and ffprobe.";

    public static string FFmpeg(string forPath) => Find("ffmpeg", forPath);
    public static string FFprobe(string forPath) => Find("ffprobe", forPath);

    /// <summary>True when both programs are found (tests and scripts check before they rely on video).</summary>
    public static bool Available => TryFind("ffmpeg") is not null && TryFind("ffprobe") is not null;

    private static string Find(string name, string forPath) => TryFind(name) ?? throw new ImageLoadException(ImageLoadFailure.ToolMissing, forPath,
        $"'{forPath}' is a video, and videos are read with FFmpeg, whose {name} program was not found. {InstallAdvice}");

    public static string? TryFind(string name)
    {
        string exe = OperatingSystem.IsWindows() ? name + ".exe" : name;
        if (Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } dir)
        {
            var candidate = Path.Combine(dir, exe);
            return File.Exists(candidate) ? candidate : null;
        }
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(folder, exe);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
