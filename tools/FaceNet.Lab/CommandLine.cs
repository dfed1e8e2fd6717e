using System.Globalization;
using FaceNet.Engine.Models;
using FaceNet.Engine.Pipeline;

namespace FaceNet.Lab;

/// <summary>
/// The lab's one argument parser: "--name value" options after the command words; a trailing option or one followed by
/// another option is a flag. Positional arguments (file lists) only where a command allows them.
/// </summary>
public sealed class CommandLine
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _read = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _positional = [];

    public CommandLine(IEnumerable<string> args, bool allowPositional = false)
    {
        var a = args.ToArray();
        for (int i = 0; i < a.Length; i++)
        {
            if (!a[i].StartsWith("--"))
            {
                if (!allowPositional) throw new ArgumentException($"Unexpected argument '{a[i]}'.");
                _positional.Add(a[i]);
                continue;
            }
            string key = a[i][2..];
            string? value = i + 1 < a.Length && !a[i + 1].StartsWith("--") ? a[++i] : null;
            _options[key] = value;
        }
    }

    /// <summary>The arguments that are not options (only with allowPositional).</summary>
    public IReadOnlyList<string> Positional => _positional;

    /// <summary>Every option as name to value (a flag's value is ""), all counted as read.</summary>
    public Dictionary<string, string> AsDictionary()
    {
        foreach (var k in _options.Keys) _read.Add(k);
        return _options.ToDictionary(kv => kv.Key, kv => kv.Value ?? "", StringComparer.OrdinalIgnoreCase);
    }

    public string? Get(string name) { _read.Add(name); return _options.TryGetValue(name, out var v) ? v ?? "" : null; }
    public string Get(string name, string fallback) => Get(name) is { Length: > 0 } v ? v : fallback;
    public bool Flag(string name) => Get(name) is not null;
    public int Int(string name, int fallback) => Get(name) is { Length: > 0 } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
    public double? Double(string name) => Get(name) is { Length: > 0 } v ? double.Parse(v, CultureInfo.InvariantCulture) : null;

    /// <summary>Fails on options no command asked for (typos would otherwise silently use defaults).</summary>
    public void RejectUnknown()
    {
        var unknown = _options.Keys.Where(k => !_read.Contains(k)).ToList();
        if (unknown.Count > 0) throw new ArgumentException($"Unknown option(s): {string.Join(", ", unknown.Select(k => "--" + k))}.");
    }

    /// <summary>The repository root: the first folder up from the executable that holds FaceNet.sln (else the current folder).</summary>
    public static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "FaceNet.sln"))) return d.FullName;
        return Directory.GetCurrentDirectory();
    }

    /// <summary>Shared data lives beside the repository: ../shared relative to its root.</summary>
    public static string SharedRoot() => Path.GetFullPath(Path.Combine(RepoRoot(), "..", "shared"));

    /// <summary>A file given relative to the current folder, else relative to the dataset folder (so "--pairs pairsDevTest.txt" works).</summary>
    public static string ResolveIn(string dataset, string file) =>
        File.Exists(file) || Path.IsPathRooted(file) ? Path.GetFullPath(file) : Path.Combine(dataset, file);

    public ModelManifest LoadManifest()
    {
        var path = Get("manifest");
        return path is { Length: > 0 } ? ModelManifest.Load(path) : ModelManifest.Load(Path.Combine(RepoRoot(), "models", ModelLocator.ManifestFileName));
    }

    /// <summary>Worker count; with more than one, each ONNX session gets one intra-op thread (set before any session exists).</summary>
    public int Workers()
    {
        int workers = Math.Max(1, Int("workers", Math.Min(2, Environment.ProcessorCount)));
        if (workers > 1) OnnxSessionCache.IntraOpThreads = 1;
        return workers;
    }

    public LandmarkCrop LandmarkCrop() => Get("landmarks", "square").ToLowerInvariant() switch
    {
        "square" => FaceNet.Lab.LandmarkCrop.Square,
        "box" => FaceNet.Lab.LandmarkCrop.Box,
        var x => throw new ArgumentException($"--landmarks must be square or box, not '{x}'."),
    };
}
