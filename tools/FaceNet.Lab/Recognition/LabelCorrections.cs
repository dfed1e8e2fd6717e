namespace FaceNet.Lab;

/// <summary>
/// LFW's known label errors, read from the list the verification calibration keeps
/// (tools/FaceNet.Lab/Lfw/lfw-exclusions.txt, same format), applied to identification and clustering:
/// <list type="bullet">
/// <item><c>PersonA/ PersonB/ reason</c>: one person filed under two folder names; both folders become one identity labelled PersonA.</item>
/// <item><c>Photo.jpg * reason</c>: the photo's centred face is someone else; the photo is left out.</item>
/// <item><c>PhotoA.jpg PhotoB.jpg reason</c>: the same picture of one person under two labels (one of them wrong); PhotoB,
/// the second photo of the line, is left out, so the picture counts once, under PhotoA's label.</item>
/// </list>
/// Every name must exist in the dataset, as in the calibration tool.
/// </summary>
public sealed class LabelCorrections
{
    private readonly Dictionary<string, string> _parent = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _leftOut = new(StringComparer.Ordinal); // photo file -> why
    private readonly List<(string A, string B)> _merges = [];

    public string File { get; private init; } = "";
    public int MergeLines => _merges.Count;

    public static LabelCorrections None { get; } = new();

    public static LabelCorrections Load(string file, string dataset)
    {
        var c = new LabelCorrections { File = file };
        if (!System.IO.File.Exists(file)) throw new FileNotFoundException($"Label corrections '{file}' not found (use --exclusions FILE or --no-corrections).", file);
        static string PersonOf(string photo) => photo[..photo.LastIndexOf('_')];
        bool PhotoExists(string photo) => photo.Contains('_') && System.IO.File.Exists(Path.Combine(dataset, PersonOf(photo), photo));
        foreach (var x in LfwExclusionLines.Read(file))
        {
            if (x.Kind == LfwExclusionKind.SamePerson)
            {
                if (!Directory.Exists(Path.Combine(dataset, x.A)) || !Directory.Exists(Path.Combine(dataset, x.B)))
                    throw new InvalidDataException($"'{file}': unknown person in '{x.Text}'.");
                c._merges.Add((x.A, x.B));
                string ra = c.Root(x.A), rb = c.Root(x.B);
                if (ra != rb) c._parent[rb] = ra; // PersonA's label (or the label PersonA already merged into) names both
                continue;
            }
            if (!PhotoExists(x.A)) throw new InvalidDataException($"'{file}': unknown photo '{x.A}'.");
            if (x.Kind == LfwExclusionKind.WrongFace) c._leftOut.TryAdd(x.A, "its centred face is someone else");
            else if (PhotoExists(x.B)) c._leftOut.TryAdd(x.B, $"the same picture as {x.A}");
            else throw new InvalidDataException($"'{file}': unknown photo '{x.B}'.");
        }
        return c;
    }

    private string Root(string person)
    {
        while (_parent.TryGetValue(person, out var p)) person = p;
        return person;
    }

    /// <summary>The photos with merged folders relabelled and the listed photos left out (file names unchanged).</summary>
    public List<PhotoEmbedding> Apply(List<PhotoEmbedding> photos) =>
        photos.Where(p => !_leftOut.ContainsKey(p.File))
              .Select(p => _parent.ContainsKey(p.Person) ? p with { Person = Root(p.Person) } : p)
              .ToList();

    /// <summary>One line: what was corrected in these photos.</summary>
    public string Describe(List<PhotoEmbedding> photos)
    {
        if (ReferenceEquals(this, None)) return "Label corrections: none (--no-corrections); figures use LFW's folder names as filed.";
        var present = photos.Select(p => p.File).ToHashSet(StringComparer.Ordinal);
        var left = _leftOut.Where(kv => present.Contains(kv.Key)).Select(kv => $"{kv.Key} ({kv.Value})").ToList();
        var merged = _merges.Select(m => $"{m.B}->{Root(m.A)}").ToList();
        int before = photos.Select(p => p.Person).Distinct().Count();
        var after = Apply(photos);
        return $"Label corrections from {File}: {merged.Count} identities merged into another folder's label ({string.Join(", ", merged)}), " +
               $"{left.Count} photos left out ({string.Join("; ", left)}); {after.Count} photos of {after.Select(p => p.Person).Distinct().Count()} people (as filed: {photos.Count} of {before}).";
    }
}
