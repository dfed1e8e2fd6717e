using System.Management.Automation;
using FaceNet.Engine.Storage;
using FaceNet.Engine.Storage.Postgres;
using FaceNet.PowerShell.Internal;

namespace FaceNet.PowerShell.Commands;

/// <summary>
/// Reads a gallery written by Export-FaceGallery, from a file or a PostgreSQL database (-ConnectionString): labelled
/// embeddings of one model, for Find-Face -Gallery.
/// </summary>
[Cmdlet(VerbsData.Import, "FaceGallery", DefaultParameterSetName = PathSet)]
[OutputType(typeof(FaceGallery))]
public sealed class ImportFaceGalleryCommand : GalleryPathCmdletBase
{
    protected override void ProcessRecord()
    {
        if (IsShared)
        {
            ReadShared();
            return;
        }
        foreach (var (file, error) in SelectedPaths())
        {
            if (error is not null) { WritePathError(error); continue; }
            try
            {
                WriteObject(GalleryReader.Read(file, WriteWarning));
            }
            catch (FileNotFoundException ex)
            {
                WriteError(new ErrorRecord(ex, ErrorIds.FileNotFound, ErrorCategory.ObjectNotFound, file));
            }
            catch (GalleryFormatException ex)
            {
                WriteError(ErrorIds.ForGallery(ex, file));
            }
        }
    }

    private void ReadShared()
    {
        try
        {
            var target = SharedTarget();
            WriteVerbose($"Reading the gallery {target.Display}.");
            var start = System.Diagnostics.Stopwatch.StartNew();
            var gallery = GalleryReader.Read(target, WriteWarning);
            WriteVerbose($"Read {gallery.Count} faces of {gallery.Labels.Length} people from {target.Display} in {start.Elapsed.TotalSeconds:0.0} s.");
            WriteObject(gallery);
        }
        catch (GalleryConnectionException ex)
        {
            WriteError(ErrorIds.ForGallery(ex));
        }
        catch (GalleryFormatException ex)
        {
            WriteError(ErrorIds.ForGallery(ex, ex.Path));
        }
    }
}
