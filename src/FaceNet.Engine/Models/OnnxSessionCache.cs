using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;

namespace FaceNet.Engine.Models;

/// <summary>
/// One session per model file per process, created on first use. InferenceSession.Run is
/// thread-safe, so every runspace and thread shares the same session.
/// </summary>
public static class OnnxSessionCache
{
    private static readonly ConcurrentDictionary<string, Lazy<ModelSession>> s_sessions = new(StringComparer.Ordinal);

    /// <summary>
    /// Threads each session may use inside one Run. Set before first use. Default 1: the module runs
    /// images in parallel instead, which scales better than intra-op threads on small face crops and
    /// never oversubscribes the cores.
    /// </summary>
    public static int IntraOpThreads { get; set; } = 1;

    public static ModelSession Get(ModelManifest manifest, ModelDescriptor descriptor)
    {
        var path = manifest.PathOf(descriptor);
        // Called for every model pass: the lookup is by path alone; anything else is worked out only on a miss.
        var lazy = s_sessions.GetOrAdd(path, p => new Lazy<ModelSession>(() => Create(descriptor, p, IsShipped(manifest, descriptor, p)), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch
        {
            // Do not cache failures: a restored file must work without restarting the process.
            s_sessions.TryRemove(new KeyValuePair<string, Lazy<ModelSession>>(path, lazy));
            throw;
        }
    }

    /// <summary>
    /// Starts creating a model's session on a pool thread unless it exists, so that a command's first photo does
    /// not wait for each model in turn (the Dlib descriptor alone takes about 0.3 s to load; on two cores the
    /// sessions load beside detection). A failure is left to the next Get, which reports it as usual.
    /// </summary>
    public static void Preload(ModelManifest manifest, ModelDescriptor descriptor)
    {
        if (s_sessions.TryGetValue(manifest.PathOf(descriptor), out var lazy) && lazy.IsValueCreated) return;
        ThreadPool.UnsafeQueueUserWorkItem(_ =>
        {
            try { Get(manifest, descriptor); }
            catch (Exception) { /* Get has dropped the failed entry; the command's own Get reports the error */ }
        }, null);
    }

    /// <summary>A model of the manifest's own folder (the error then says to restore it), not one given with -ModelPath.</summary>
    private static bool IsShipped(ModelManifest manifest, ModelDescriptor descriptor, string path) =>
        Path.GetDirectoryName(Path.GetFullPath(path)) == Path.GetFullPath(manifest.Directory) && manifest.Models.Contains(descriptor);

    /// <summary>
    /// Session options for a model: its manifest graph optimisation level, single-threaded unless
    /// <see cref="IntraOpThreads"/> says otherwise, and denormals flushed on ONNX Runtime's own pool threads
    /// (the calling thread is covered by <see cref="ModelSession.Run"/>). The config entry is left out where
    /// <see cref="DenormalFlush"/> cannot restore a thread's mode: ONNX Runtime also sets it, for good, on the thread
    /// that creates the first session.
    /// </summary>
    public static SessionOptions OptionsFor(ModelDescriptor descriptor, int? intraOpThreads = null)
    {
        var options = new SessionOptions
        {
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            GraphOptimizationLevel = descriptor.OptimizationLevel,
            IntraOpNumThreads = intraOpThreads ?? IntraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        if (DenormalFlush.IsSupported) options.AddSessionConfigEntry("session.set_denormal_as_zero", "1");
        options.EnableMemoryPattern = descriptor.MemoryPattern;
        return options;
    }

    private static ModelSession Create(ModelDescriptor descriptor, string path, bool shipped)
    {
        string restore = shipped
            ? "Restore it from the repository's models/ folder (git checkout -- models) and rebuild with ./build.ps1."
            : "Check the path given with -ModelPath and the 'file' and 'sha256' fields of its descriptor.";
        if (!File.Exists(path))
            throw new ModelLoadException(descriptor.Name, path, $"The model file '{path}' for model '{descriptor.Name}' is missing. {restore}");
        if (!string.IsNullOrEmpty(descriptor.Sha256))
        {
            string actual;
            using (var stream = File.OpenRead(path))
                actual = Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
            if (!string.Equals(actual, descriptor.Sha256, StringComparison.OrdinalIgnoreCase))
                throw new ModelLoadException(descriptor.Name, path,
                    $"The model file '{path}' for model '{descriptor.Name}' is corrupt or altered (sha256 {actual}, expected {descriptor.Sha256}). {restore}");
        }
        GraphOptimizationLevel level;
        try
        {
            level = descriptor.OptimizationLevel;
        }
        catch (InvalidDataException ex)
        {
            throw new ModelLoadException(descriptor.Name, path, $"{ex.Message} {restore}", ex);
        }
        using var options = OptionsFor(descriptor);
        try
        {
            using (DenormalFlush.Preserve())
                return new ModelSession(descriptor, new InferenceSession(path, options), level);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelLoadException(descriptor.Name, path, $"The model file '{path}' for model '{descriptor.Name}' cannot be loaded: {ex.Message} {restore}", ex);
        }
    }

    /// <summary>Disposes every cached session (module removal).</summary>
    public static void Clear()
    {
        foreach (var key in s_sessions.Keys.ToArray())
        {
            if (s_sessions.TryRemove(key, out var lazy) && lazy.IsValueCreated)
                lazy.Value.Dispose();
        }
    }
}
