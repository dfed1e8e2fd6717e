namespace FaceNet.PowerShell;

/// <summary>A gallery's name in one line: a file's name, or a shared gallery's postgresql://user@host:port/database whole.</summary>
internal static class GalleryName
{
    public static string Short(string path) => path.Contains("://", StringComparison.Ordinal) ? path : System.IO.Path.GetFileName(path);
}
