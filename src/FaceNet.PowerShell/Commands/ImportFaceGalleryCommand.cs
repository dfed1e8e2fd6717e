using System.Management.Automation;
using FaceNet.Engine.Storage;
using FaceNet.PowerShell.Internal;

namespace FaceNet.PowerShell.Commands;

/// <summary>Reads a gallery file written by Export-FaceGallery: labelled embeddings of one model, for Find-Face -Gallery.</summary>
[Cmdlet(VerbsData.Import, "FaceGallery", DefaultParameterSetName = PathSet)]
[OutputType(typeof(FaceGallery))]
public sealed class ImportFaceGalleryCommand : PathCmdletBase
{
    protected override void ProcessRecord()
    {
        foreach (var file in SelectedPaths())
        {
            if (!File.Exists(file))
            {
                WriteError(new ErrorRecord(new FileNotFoundException($"Cannot find the gallery '{file}'.", file), ErrorIds.FileNotFound, ErrorCategory.ObjectNotFound, file));
                continue;
            }
            try
            {
                using var g = GalleryFile.Open(file);
                var embeddings = g.ReadEntries().Select(EmbeddingInput.FromEntry).ToArray();
                WriteObject(new FaceGallery
                {
                    Path = file,
                    Model = g.Model,
                    Dimension = g.Dimension,
                    Embeddings = embeddings,
                    Labels = embeddings.Select(e => e.Label).Where(l => l is not null).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray()!,
                    Photos = g.ReadSources().Count,
                });
            }
            catch (GalleryFormatException ex)
            {
                WriteError(new ErrorRecord(ex, ErrorIds.NotAGallery, ErrorCategory.InvalidData, file));
            }
        }
    }
}
