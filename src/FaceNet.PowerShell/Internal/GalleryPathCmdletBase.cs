using System.Management.Automation;
using FaceNet.Engine.Storage.Postgres;

namespace FaceNet.PowerShell.Internal;

/// <summary>
/// Cmdlets that open existing galleries: files by -Path (wildcards) or -LiteralPath, or a PostgreSQL gallery by
/// -ConnectionString and -Credential (Import-FaceGallery, Optimize-FaceGallery).
/// </summary>
public abstract class GalleryPathCmdletBase : PathCmdletBase
{
    /// <summary>A PostgreSQL gallery: an Npgsql connection string (Host=...;Database=...;Username=...).</summary>
    [Parameter(Mandatory = true, ParameterSetName = SharedGalleryConnection.ConnectionSet)]
    [ValidateNotNullOrEmpty]
    public string ConnectionString { get; set; } = "";

    /// <summary>The user name and password for -ConnectionString; they win over any in the string.</summary>
    [Parameter(ParameterSetName = SharedGalleryConnection.ConnectionSet)]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>True in the -ConnectionString parameter set.</summary>
    protected bool IsShared => ParameterSetName == SharedGalleryConnection.ConnectionSet;

    /// <exception cref="GalleryConnectionException">The connection string cannot be parsed.</exception>
    private protected PostgresGalleryTarget SharedTarget() => SharedGalleryConnection.Target(ConnectionString, Credential);
}
