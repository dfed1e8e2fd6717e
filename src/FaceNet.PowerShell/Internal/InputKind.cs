namespace FaceNet.PowerShell.Internal;

/// <summary>What one pipeline value is, once bound.</summary>
internal enum InputKind
{
    /// <summary>A FaceEmbedding: live, or read back with Import-Clixml or ConvertFrom-Json.</summary>
    Embedding,
    /// <summary>A Face from Get-Face: live, or read back.</summary>
    Face,
    /// <summary>A file (FileInfo, live or deserialized): its full path.</summary>
    File,
    /// <summary>A folder (DirectoryInfo, live or deserialized).</summary>
    Folder,
    /// <summary>A string: a path, possibly with wildcards, for the cmdlet to resolve.</summary>
    PathText,
    /// <summary>Anything else.</summary>
    Unsupported,
}
