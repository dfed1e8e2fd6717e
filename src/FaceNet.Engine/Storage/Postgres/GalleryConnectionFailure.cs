namespace FaceNet.Engine.Storage.Postgres;

/// <summary>Why a shared gallery could not be used; each maps to one ErrorId in the cmdlets.</summary>
public enum GalleryConnectionFailure
{
    /// <summary>The connection string cannot be parsed, or names no server.</summary>
    InvalidConnectionString,
    /// <summary>The server cannot be reached (name, port, network, timeout), or the database does not exist.</summary>
    Unreachable,
    /// <summary>The server refused the login (wrong user or password, or no password given).</summary>
    Authentication,
    /// <summary>The user may not read, write or create the gallery's tables.</summary>
    PermissionDenied,
    /// <summary>Any other database error.</summary>
    Failed,
}
