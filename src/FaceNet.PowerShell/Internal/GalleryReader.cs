using FaceNet.Engine.Storage;

namespace FaceNet.PowerShell.Internal;

/// <summary>Reads a gallery file into a FaceGallery: for Import-FaceGallery, and for Find-Face -Gallery given a path.</summary>
internal static class GalleryReader
{
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="file"/>.</exception>
    /// <exception cref="GalleryFormatException">The file is not a gallery, or is damaged.</exception>
    public static FaceGallery Read(string file)
    {
        if (!File.Exists(file))
            throw new FileNotFoundException(Directory.Exists(file)
                ? $"'{file}' is a folder, not a gallery file."
                : $"Cannot find the gallery '{file}'.", file);
        using var g = GalleryFile.Open(file);
        var embeddings = g.ReadEntries().Select(GalleryEntryMapping.FromEntry).ToArray();
        return new FaceGallery
        {
            Path = file,
            Model = g.Model,
            Dimension = g.Dimension,
            Embeddings = embeddings,
            Labels = embeddings.Select(e => e.Label).Where(l => l is not null).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray()!,
            Photos = g.ReadSources().Count,
        };
    }
}
