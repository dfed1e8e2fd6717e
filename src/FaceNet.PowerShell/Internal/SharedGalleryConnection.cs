using System.Management.Automation;
using FaceNet.Engine.Storage.Postgres;

namespace FaceNet.PowerShell.Internal;

/// <summary>-ConnectionString and -Credential to a shared gallery's target: the credential's user and password win over the string's.</summary>
internal static class SharedGalleryConnection
{
    public const string ConnectionSet = "ConnectionString";

    /// <exception cref="GalleryConnectionException">The connection string cannot be parsed.</exception>
    public static PostgresGalleryTarget Target(string connectionString, PSCredential? credential)
    {
        bool given = credential is not null && credential != PSCredential.Empty;
        return PostgresGalleryTarget.Parse(connectionString, given ? credential!.UserName : null, given ? credential!.GetNetworkCredential().Password : null);
    }
}
