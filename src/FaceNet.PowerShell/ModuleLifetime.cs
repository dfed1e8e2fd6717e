using System.Management.Automation;
using FaceNet.Engine.Models;
using SkiaSharp;

namespace FaceNet.PowerShell;

/// <summary>
/// Import: reads the model manifest and loads Skia's native library on a pool thread, so the first command
/// does not wait for them (about 80 ms for the manifest's JSON and 100 ms for libSkiaSharp in a new process).
/// Remove: releases the cached ONNX sessions.
/// </summary>
public sealed class ModuleLifetime : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    public void OnImport() => ThreadPool.UnsafeQueueUserWorkItem(_ =>
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
    }, null);

    public void OnRemove(PSModuleInfo psModuleInfo) => OnnxSessionCache.Clear();
}
