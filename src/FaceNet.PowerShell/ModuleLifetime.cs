using System.Management.Automation;
using FaceNet.Engine.Models;

namespace FaceNet.PowerShell;

/// <summary>Releases the cached ONNX sessions when the module is removed.</summary>
public sealed class ModuleLifetime : IModuleAssemblyCleanup
{
    public void OnRemove(PSModuleInfo psModuleInfo) => OnnxSessionCache.Clear();
}
