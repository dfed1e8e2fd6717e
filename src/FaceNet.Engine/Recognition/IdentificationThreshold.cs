using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using FaceNet.Engine.Models;
using FaceNet.Engine.Platform;

namespace FaceNet.Engine.Recognition;

/// <summary>
/// The open-set identification threshold of an embedder: the cosine a probe's best gallery face must reach to be
/// named. Stored as "identificationThreshold" in the embedder's models.json entry (written by
/// tools/FaceNet.Lab recognition). It is higher than the 1:1 verification threshold: a probe gets one chance to
/// match falsely per enrolled person, so the rate of wrongly named strangers grows with the gallery's size.
/// </summary>
public static class IdentificationThreshold
{
    public const string PropertyName = "identificationThreshold";

    /// <summary>The stored threshold of <paramref name="model"/> in the manifest's models.json, or null when none is stored.</summary>
    public static double? Read(ModelManifest manifest, string model)
    {
        var file = Path.Combine(manifest.Directory, ModelLocator.ManifestFileName);
        if (!File.Exists(file)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            foreach (var m in doc.RootElement.GetProperty("models").EnumerateArray())
                if (m.TryGetProperty("name", out var n) && string.Equals(n.GetString(), model, StringComparison.OrdinalIgnoreCase)
                    && m.TryGetProperty(PropertyName, out var t) && t.ValueKind == JsonValueKind.Number)
                    return t.GetDouble();
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException) { }
        return null;
    }

    /// <summary>
    /// Writes the threshold (and a note on its source) into the model's entry of a models.json, editing the text in place
    /// so the rest of the file (formatting, others' fields) stays as it is. The file is read right before writing.
    /// </summary>
    public static void Write(string manifestFile, string model, double threshold, string source)
    {
        var text = File.ReadAllText(manifestFile);
        var nameMatch = Regex.Match(text, "\"name\"\\s*:\\s*\"" + Regex.Escape(model) + "\"", RegexOptions.IgnoreCase);
        if (!nameMatch.Success) throw new KeyNotFoundException($"No model '{model}' in {manifestFile}.");
        // The entry runs to the next entry's "name" at the same level, or the end of the models array.
        int start = nameMatch.Index;
        var next = Regex.Match(text[(start + nameMatch.Length)..], "\\n    \\{");
        int end = next.Success ? start + nameMatch.Length + next.Index : text.LastIndexOf(']');
        var entry = text[start..end];
        string value = threshold.ToString("0.0000", CultureInfo.InvariantCulture);
        string escaped = JsonEncodedText.Encode(source).ToString();
        string updated;
        if (Regex.IsMatch(entry, "\"" + PropertyName + "\"\\s*:"))
        {
            updated = Regex.Replace(entry, "(\"" + PropertyName + "\"\\s*:\\s*)[-0-9.eE+]+", "${1}" + value);
            updated = Regex.Replace(updated, "(\"" + PropertyName + "Source\"\\s*:\\s*)\"(?:[^\"\\\\]|\\\\.)*\"", "${1}\"" + escaped.Replace("$", "$$") + "\"");
        }
        else
        {
            // Insert after the first line of the entry, with its indentation.
            var firstLine = Regex.Match(entry, "^[^\\n]*\\n(\\s*)");
            if (!firstLine.Success) throw new InvalidDataException($"Cannot edit the entry of '{model}' in {manifestFile}.");
            string indent = firstLine.Groups[1].Value;
            int at = firstLine.Groups[1].Index + indent.Length;
            updated = entry[..at] + $"\"{PropertyName}\": {value},\n{indent}\"{PropertyName}Source\": \"{escaped}\",\n{indent}" + entry[at..];
        }
        var result = text[..start] + updated + text[end..];
        using (JsonDocument.Parse(result, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })) { }
        var tmp = manifestFile + ".tmp";
        File.WriteAllText(tmp, result);
        FileReplace.Move(tmp, manifestFile);
    }
}
