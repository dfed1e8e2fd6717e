namespace FaceNet.Engine.Platform;

/// <summary>
/// Moves a finished temporary file over its target, the last step of every atomic write (galleries, reports,
/// annotation pictures). On Windows a file someone holds open cannot be replaced: our own handles are closed before
/// this (SQLite galleries open with pooling off, so closing releases the file), but a virus scanner or search indexer
/// often holds a just-written file for a moment, so a sharing violation there is retried briefly before it is reported.
/// </summary>
public static class FileReplace
{
    private const int ErrorAccessDenied = unchecked((int)0x80070005);
    private const int ErrorSharingViolation = unchecked((int)0x80070020);
    private const int ErrorLockViolation = unchecked((int)0x80070021);

    /// <summary><see cref="File.Move(string, string, bool)"/>, retried for up to about a second on Windows sharing violations.</summary>
    public static void Move(string source, string destination, bool overwrite = true)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                File.Move(source, destination, overwrite);
                return;
            }
            catch (Exception ex) when (attempt < 10 && OperatingSystem.IsWindows() && IsTransientLock(ex))
            {
                Thread.Sleep(20 * (attempt + 1));
            }
        }
    }

    private static bool IsTransientLock(Exception ex) =>
        ex is IOException { HResult: ErrorSharingViolation or ErrorLockViolation } || ex is UnauthorizedAccessException { HResult: ErrorAccessDenied };
}
