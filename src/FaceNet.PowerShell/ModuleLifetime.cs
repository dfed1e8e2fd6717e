using System.Management.Automation;
using FaceNet.Engine.Models;
using FaceNet.Engine.Platform;
using SkiaSharp;

namespace FaceNet.PowerShell;

/// <summary>
/// Import: points native library loads at the module's <c>runtimes/&lt;rid&gt;/native</c> folder for this platform
/// (<see cref="NativeLibraryResolver"/>), refusing a platform the module holds no libraries for with one sentence;
/// then reads the model manifest and loads Skia's native library on a pool thread, so the first command
/// does not wait for them (about 80 ms for the manifest's JSON and 100 ms for libSkiaSharp in a new process).
/// Remove: releases the cached ONNX sessions.
/// </summary>
public sealed class ModuleLifetime : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    public void OnImport()
    {
        string moduleFolder = Path.GetDirectoryName(typeof(ModuleLifetime).Assembly.Location)!;
        if (!NativeLibraryResolver.HasNativesFor(moduleFolder))
            throw new PlatformNotSupportedException(
                $"FaceNet has no native libraries for {NativeLibraryResolver.RuntimeId}; it runs on {string.Join(", ", NativeLibraryResolver.ShippedRuntimes)} (see docs/packaging.md).");
        NativeLibraryResolver.Register(moduleFolder);
        ThreadPool.UnsafeQueueUserWorkItem(WarmUp, null);
    }

    private static void WarmUp(object? state)
    {
        try
        {
            _ = ModelLocator.Default;
            using var bitmap = new SKBitmap(1, 1);
        }
        catch (Exception)
        {
            // A missing or broken manifest is reported by the first command that needs it, with its own error.
        }
    }

    public void OnRemove(PSModuleInfo psModuleInfo) => OnnxSessionCache.Clear();
}
