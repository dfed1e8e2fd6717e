namespace FaceNet.Lab;

/// <summary>What one line of lfw-exclusions.txt names.</summary>
public enum LfwExclusionKind
{
    /// <summary><c>PersonA/ PersonB/ reason</c>: one person filed under two folder names.</summary>
    SamePerson,
    /// <summary><c>Photo.jpg * reason</c>: the photo's centred face is someone else.</summary>
    WrongFace,
    /// <summary><c>PhotoA.jpg PhotoB.jpg reason</c>: one picture filed under two names.</summary>
    SamePicture,
}

/// <summary>One line of lfw-exclusions.txt: A and B are folder names (SamePerson) or photo file names.</summary>
public sealed record LfwExclusionLine(LfwExclusionKind Kind, string A, string B, string Reason, string Text);

/// <summary>
/// Reads lfw-exclusions.txt, the list of LFW View 1's known label errors kept beside the calibration tool.
/// Shared with the lab's recognition commands, which apply the same list to identification.
/// </summary>
public static class LfwExclusionLines
{
    public static IEnumerable<LfwExclusionLine> Read(string file)
    {
        foreach (var raw in File.ReadAllLines(file))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var f = line.Split((char[]?)null, 3, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 3) throw new InvalidDataException($"'{file}': expected 'PhotoA PhotoB reason', got '{line}'.");
            if (f[0].EndsWith('/') && f[1].EndsWith('/'))
                yield return new LfwExclusionLine(LfwExclusionKind.SamePerson, f[0].TrimEnd('/'), f[1].TrimEnd('/'), f[2], line);
            else
                yield return new LfwExclusionLine(f[1] == "*" ? LfwExclusionKind.WrongFace : LfwExclusionKind.SamePicture, f[0], f[1], f[2], line);
        }
    }
}
