using FaceNet.Engine.Storage;
using FaceNet.Engine.Storage.Postgres;

namespace FaceNet.PowerShell.Internal;

/// <summary>Reads a gallery into a FaceGallery: for Import-FaceGallery, and for Find-Face -Gallery given a path.</summary>
internal static class GalleryReader
{
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="file"/>.</exception>
    /// <exception cref="GalleryFormatException">The file is not a gallery, is damaged, or is from a newer FaceNet.</exception>
    public static FaceGallery Read(string file, Action<string>? warn = null)
    {
        if (!File.Exists(file))
            throw new FileNotFoundException(Directory.Exists(file)
                ? $"'{file}' is a folder, not a gallery file."
                : $"Cannot find the gallery '{file}'.", file);
        using var g = GalleryFile.Open(file);
        return Read(g, warn);
    }

    /// <summary>Reads a shared gallery: every vector in one pass, ready for Find-Face's in-memory index.</summary>
    /// <exception cref="GalleryConnectionException">Unreachable, refused, no rights.</exception>
    /// <exception cref="GalleryFormatException">The database holds no gallery, or one from a newer FaceNet.</exception>
    public static FaceGallery Read(PostgresGalleryTarget target, Action<string>? warn = null)
    {
        using var g = PostgresGallery.Open(target, create: false);
        return Read(g, warn);
    }

    /// <param name="warn">Told when the faces were embedded by another version of the model (ModelVersionCheck).</param>
    private static FaceGallery Read(IGalleryStore g, Action<string>? warn)
    {
        if (warn is not null && ModelVersionCheck.Warning(g.Name, g.Model, g.ModelVersions()) is { } w) warn(w);
        var embeddings = g.ReadEntries().Select(GalleryEntryMapping.FromEntry).ToArray();
        return new FaceGallery
        {
            Path = g.Name,
            Model = g.Model ?? "",
            Dimension = g.Dimension,
            Embeddings = embeddings,
            Labels = embeddings.Select(e => e.Label).Where(l => l is not null).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray()!,
            Photos = g.Count().Photos,
            Adaptation = g.ReadAdaptation() is { } a ? new FaceGalleryAdaptation(g.Name, a) : null,
        };
    }

    /// <summary>Only the adaptation of a gallery file (Compare-Face and Test-FaceMatch -Gallery need no faces).</summary>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="file"/>.</exception>
    /// <exception cref="GalleryFormatException">The file is not a gallery, or its adaptation is damaged.</exception>
    public static FaceGalleryAdaptation? ReadAdaptation(string file)
    {
        if (!File.Exists(file)) throw new FileNotFoundException($"Cannot find the gallery '{file}'.", file);
        using var g = GalleryFile.Open(file);
        return g.ReadAdaptation() is { } a ? new FaceGalleryAdaptation(g.Path, a) : null;
    }
}
