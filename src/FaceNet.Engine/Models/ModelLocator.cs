namespace FaceNet.Engine.Models;

/// <summary>Finds the shipped models folder: $FACENET_MODELS, else models/ beside the engine assembly, else up the tree.</summary>
public static class ModelLocator
{
    public const string ManifestFileName = "models.json";

    public static string FindManifest()
    {
        var env = Environment.GetEnvironmentVariable("FACENET_MODELS");
        if (!string.IsNullOrEmpty(env))
        {
            var p = Path.Combine(env, ManifestFileName);
            if (File.Exists(p)) return p;
        }
        var dir = new DirectoryInfo(Path.GetDirectoryName(typeof(ModelLocator).Assembly.Location) ?? AppContext.BaseDirectory);
        for (var d = dir; d is not null; d = d.Parent)
        {
            var p = Path.Combine(d.FullName, "models", ManifestFileName);
            if (File.Exists(p)) return p;
        }
        throw new FileNotFoundException(
            $"The model manifest 'models/{ManifestFileName}' was not found beside {dir.FullName} or above it. " +
            "Rebuild the module with ./build.ps1 or restore the models folder from the repository.");
    }

    private static readonly Lazy<ModelManifest> s_default = new(() => ModelManifest.Load(FindManifest()));

    public static ModelManifest Default => s_default.Value;
}
