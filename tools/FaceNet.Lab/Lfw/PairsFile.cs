namespace FaceNet.Lab;

/// <summary>One verification pair: two image paths, whether they show the same person, and its fold (0 for View 1).</summary>
public sealed record ImagePair(string PathA, string PathB, bool Same, int Fold);

/// <summary>
/// Reads LFW pairs files. View 1 (pairsDevTrain/DevTest): first line N, then N "Name i j" lines and N
/// "Name1 i Name2 j" lines. View 2 (pairs.txt): first line "folds n", then per fold n same + n different lines.
/// Both are parsed by line shape (3 fields = same, 4 = different), so only the header decides the folds.
/// </summary>
public sealed class PairsFile
{
    public required IReadOnlyList<ImagePair> Pairs { get; init; }
    public int Folds { get; init; } = 1;
    public required string Path { get; init; }

    public IEnumerable<string> DistinctImages => Pairs.SelectMany(p => new[] { p.PathA, p.PathB }).Distinct(StringComparer.Ordinal);

    public static PairsFile Load(string pairsPath, string imageRoot)
    {
        var lines = File.ReadAllLines(pairsPath).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        if (lines.Count == 0) throw new InvalidDataException($"'{pairsPath}' is empty.");
        var header = lines[0].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        int folds, perFold;
        if (header.Length == 1) { folds = 1; perFold = int.Parse(header[0]); }          // View 1
        else if (header.Length == 2) { folds = int.Parse(header[0]); perFold = int.Parse(header[1]); } // View 2
        else throw new InvalidDataException($"'{pairsPath}': unrecognised header '{lines[0]}'.");

        int expected = folds * perFold * 2;
        if (lines.Count - 1 != expected)
            throw new InvalidDataException($"'{pairsPath}': header promises {expected} pairs, found {lines.Count - 1} lines.");

        var pairs = new List<ImagePair>(expected);
        for (int k = 0; k < expected; k++)
        {
            var f = lines[k + 1].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            int fold = k / (2 * perFold);
            bool sameBlock = k % (2 * perFold) < perFold;
            ImagePair pair = f.Length switch
            {
                3 => new ImagePair(ImagePath(imageRoot, f[0], f[1]), ImagePath(imageRoot, f[0], f[2]), true, fold),
                4 => new ImagePair(ImagePath(imageRoot, f[0], f[1]), ImagePath(imageRoot, f[2], f[3]), false, fold),
                _ => throw new InvalidDataException($"'{pairsPath}' line {k + 2}: expected 3 or 4 fields, got '{lines[k + 1]}'."),
            };
            // The files put all same pairs of a fold before its different pairs; a mismatch means a wrong header.
            if (pair.Same != sameBlock)
                throw new InvalidDataException($"'{pairsPath}' line {k + 2}: a {(pair.Same ? "same" : "different")} pair where the layout expects the other kind.");
            pairs.Add(pair);
        }
        return new PairsFile { Pairs = pairs, Folds = folds, Path = pairsPath };
    }

    /// <summary>LFW layout: ROOT/Name/Name_0001.jpg.</summary>
    public static string ImagePath(string root, string name, string index) =>
        System.IO.Path.Combine(root, name, $"{name}_{int.Parse(index):D4}.jpg");

    /// <summary>The folder holding the Name/ folders: the dataset folder itself, or its one subfolder that does (e.g. lfw/).</summary>
    public static string FindImageRoot(string dataset, PairsFile? probe = null)
    {
        static bool HasPersonFolders(string dir) =>
            Directory.EnumerateDirectories(dir).Take(50).Any(d => Directory.EnumerateFiles(d, "*_0001.jpg").Any());
        if (HasPersonFolders(dataset)) return dataset;
        foreach (var sub in Directory.EnumerateDirectories(dataset))
            if (HasPersonFolders(sub)) return sub;
        throw new DirectoryNotFoundException($"No LFW person folders (Name/Name_0001.jpg) in '{dataset}' or its subfolders.");
    }
}
