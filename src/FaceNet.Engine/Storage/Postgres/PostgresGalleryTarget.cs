using Npgsql;

namespace FaceNet.Engine.Storage.Postgres;

/// <summary>
/// Where a shared gallery lives: an Npgsql connection string, optionally with a user name and password given apart
/// (PowerShell's -Credential), which win over those in the string. <see cref="Display"/> names the gallery in every
/// message without its password; <see cref="Mask"/> scrubs the password from any text that might still hold it.
/// </summary>
public sealed class PostgresGalleryTarget
{
    private const string Hidden = "********";
    private readonly string? _password;

    private PostgresGalleryTarget(NpgsqlConnectionStringBuilder builder)
    {
        _password = string.IsNullOrEmpty(builder.Password) ? null : builder.Password;
        Host = builder.Host ?? "localhost";
        Port = builder.Port;
        Database = builder.Database ?? builder.Username ?? "";
        Username = builder.Username ?? Environment.UserName;
        Schema = string.IsNullOrWhiteSpace(builder.SearchPath) ? null : builder.SearchPath;
        var schema = Schema is null ? "" : $"?search_path={Schema}";
        Display = $"postgresql://{Username}@{Host}:{Port}/{Database}{schema}";
        ConnectionString = builder.ConnectionString;
    }

    /// <exception cref="GalleryConnectionException">The connection string is not one (<see cref="GalleryConnectionFailure.InvalidConnectionString"/>).</exception>
    public static PostgresGalleryTarget Parse(string connectionString, string? username = null, string? password = null)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException)
        {
            // The builder's message may quote the string, password included: say what is wrong without it.
            var keywords = string.Join(", ", connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries)
                .Select(part => part.Split('=', 2)[0].Trim()).Where(k => k.Length > 0 && k.Length < 40));
            throw new GalleryConnectionException(GalleryConnectionFailure.InvalidConnectionString, "(the connection string)",
                $"The connection string is not a valid PostgreSQL (Npgsql) connection string: {Scrub(ex.Message, connectionString).TrimEnd('.')}. " +
                $"Its keywords were: {keywords}. Write it as 'Host=server;Port=5432;Database=faces;Username=enrol' and give the password with -Credential.");
        }
        if (string.IsNullOrWhiteSpace(builder.Host))
            throw new GalleryConnectionException(GalleryConnectionFailure.InvalidConnectionString, "(the connection string)",
                "The connection string names no server: add Host=name (and Port=, Database=, Username=).");
        if (username is not null) builder.Username = username;
        if (password is not null) builder.Password = password;
        builder.ApplicationName ??= "FaceNet";
        return new PostgresGalleryTarget(builder);
    }

    public string Host { get; }
    public int Port { get; }
    public string Database { get; }
    public string Username { get; }
    /// <summary>The search path given (Search Path=...): the schema that holds the gallery's tables; null for the default.</summary>
    public string? Schema { get; }
    /// <summary>postgresql://user@host:port/database: the gallery's name in messages, progress and output (never the password).</summary>
    public string Display { get; }
    internal string ConnectionString { get; }

    /// <summary>The text with this target's password replaced by asterisks.</summary>
    public string Mask(string text) => _password is null ? text : text.Replace(_password, Hidden, StringComparison.Ordinal);

    private static string Scrub(string message, string connectionString)
    {
        // Hide every value of the string (a password among them) that the message might repeat.
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = part.Split('=', 2);
            if (kv.Length == 2 && kv[1].Trim().Length > 0) message = message.Replace(kv[1].Trim(), Hidden, StringComparison.Ordinal);
        }
        return message;
    }
}
