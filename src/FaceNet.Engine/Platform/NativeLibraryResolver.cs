using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace FaceNet.Engine.Platform;

/// <summary>
/// Finds ONNX Runtime, SkiaSharp and SQLite's native libraries in a module folder laid out as NuGet lays them out,
/// <c>runtimes/&lt;rid&gt;/native/</c>, one folder per platform. PowerShell loads a binary module's assemblies without
/// their .deps.json, so .NET's own probing only looks beside the assembly; this handler answers when that fails.
/// </summary>
/// <remarks>
/// The load context's ResolvingUnmanagedDll event, not NativeLibrary.SetDllImportResolver: one handler covers every
/// assembly that P/Invokes (Microsoft.ML.OnnxRuntime "onnxruntime", SkiaSharp "libSkiaSharp", SQLitePCLRaw
/// "e_sqlite3"), and it cannot collide with a resolver a library sets for itself (only one is allowed per assembly).
/// </remarks>
public static class NativeLibraryResolver
{
    /// <summary>The platforms whose native libraries the module package holds.</summary>
    public static IReadOnlyList<string> ShippedRuntimes { get; } = ["win-x64", "osx-arm64", "linux-x64", "linux-arm64"];

    private static string? s_root;

    /// <summary>The module folder registered (null in a process that did not register one, such as the engine's tests).</summary>
    public static string? Root => s_root;

    /// <summary>This process's runtime identifier as NuGet spells it (win-x64, osx-arm64, linux-x64, ...).</summary>
    public static string RuntimeId { get; } = OperatingSystemName + "-" + RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();

    private static string OperatingSystemName =>
        OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : OperatingSystem.IsLinux() ? "linux" : "unknown";

    /// <summary>
    /// The folders searched, most specific first: <c>runtimes/osx-arm64/native</c>, then <c>runtimes/osx/native</c>
    /// (SkiaSharp ships one universal macOS library there).
    /// </summary>
    public static IEnumerable<string> NativeFolders(string root)
    {
        yield return Path.Combine(root, "runtimes", RuntimeId, "native");
        yield return Path.Combine(root, "runtimes", OperatingSystemName, "native");
    }

    /// <summary>Whether <paramref name="root"/> holds native libraries for this platform (either layout).</summary>
    public static bool HasNativesFor(string root) =>
        NativeFolders(root).Take(1).Any(Directory.Exists) || FileNames("onnxruntime").Any(f => File.Exists(Path.Combine(root, f)));

    /// <summary>Answers failed native loads of this assembly's load context from <paramref name="root"/>. Once per process.</summary>
    public static void Register(string root)
    {
        if (Interlocked.CompareExchange(ref s_root, Path.GetFullPath(root), null) is not null) return;
        var context = AssemblyLoadContext.GetLoadContext(typeof(NativeLibraryResolver).Assembly) ?? AssemblyLoadContext.Default;
        context.ResolvingUnmanagedDll += Resolve;
        if (context != AssemblyLoadContext.Default) AssemblyLoadContext.Default.ResolvingUnmanagedDll += Resolve;
    }

    private static IntPtr Resolve(Assembly assembly, string libraryName)
    {
        if (s_root is null) return IntPtr.Zero;
        foreach (var folder in NativeFolders(s_root))
            foreach (var file in FileNames(libraryName))
            {
                var path = Path.Combine(folder, file);
                // Loaded by full path: Windows then finds a library's own dependencies (onnxruntime_providers_shared.dll) beside it.
                if (File.Exists(path) && NativeLibrary.TryLoad(path, out var handle)) return handle;
            }
        return IntPtr.Zero;
    }

    /// <summary>The file names a DllImport name stands for here: "onnxruntime" is onnxruntime.dll, libonnxruntime.so, libonnxruntime.dylib.</summary>
    public static IEnumerable<string> FileNames(string libraryName)
    {
        string ext = OperatingSystem.IsWindows() ? ".dll" : OperatingSystem.IsMacOS() ? ".dylib" : ".so";
        string name = Path.GetFileName(libraryName);
        if (name.EndsWith(ext, StringComparison.OrdinalIgnoreCase)) { yield return name; yield break; }
        yield return name + ext;
        if (!OperatingSystem.IsWindows() && !name.StartsWith("lib", StringComparison.Ordinal)) yield return "lib" + name + ext;
    }
}
