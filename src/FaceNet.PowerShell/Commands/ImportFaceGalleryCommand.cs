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
        foreach (var (file, error) in SelectedPaths())
        {
            if (error is not null) { WritePathError(error); continue; }
            try
            {
                WriteObject(GalleryReader.Read(file));
            }
            catch (FileNotFoundException ex)
            {
                WriteError(new ErrorRecord(ex, ErrorIds.FileNotFound, ErrorCategory.ObjectNotFound, file));
            }
            catch (GalleryFormatException ex)
            {
                WriteError(new ErrorRecord(ex, ErrorIds.NotAGallery, ErrorCategory.InvalidData, file));
            }
        }
    }
}
