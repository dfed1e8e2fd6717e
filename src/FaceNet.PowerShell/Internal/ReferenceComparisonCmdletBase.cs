using System.Management.Automation;

namespace FaceNet.PowerShell.Internal;

/// <summary>
/// Compare-Face and Test-FaceMatch: reference inputs (-ReferenceObject) against difference inputs, which come as
/// objects (-DifferenceObject, the pipeline) or as photo paths (-Path, -LiteralPath).
/// </summary>
public abstract class ReferenceComparisonCmdletBase : VerificationCmdletBase
{
    /// <summary>Image paths or files, faces from Get-Face, or embeddings (also from Import-Clixml/ConvertFrom-Json).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [AllowEmptyCollection]
    public object[] ReferenceObject { get; set; } = [];

    /// <summary>The same kinds of input as -ReferenceObject; from the pipeline too.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ParameterSetName = ObjectSet)]
    [AllowEmptyCollection]
    public object[] DifferenceObject { get; set; } = [];

    /// <summary>
    /// A gallery (its file's path, or a gallery from Import-FaceGallery, also -ConnectionString): compares in its adapted
    /// space at its thresholds, when Optimize-FaceGallery has adapted it. Results say which space they used.
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public object? Gallery { get; set; }

    private protected List<FaceInputGroup> References { get; } = [];
    private protected List<FaceInputGroup> Differences { get; } = [];

    protected override void BeginProcessing()
    {
        CheckThresholdParameters();
        if (Gallery is not null) ReadGalleryAdaptation(Gallery);
        AddInputs(ReferenceObject, References);
    }

    /// <summary>A FaceGallery's adaptation, or a gallery file's (read without its faces).</summary>
    private void ReadGalleryAdaptation(object gallery)
    {
        var value = gallery is PSObject p ? p.BaseObject : gallery;
        if (value is FaceGallery g) { UseAdaptation(g.Adaptation, g.Path); return; }
        string? file = value switch
        {
            string s => SessionState.Path.GetUnresolvedProviderPathFromPSPath(s),
            System.IO.FileInfo f => f.FullName,
            _ => null,
        };
        if (file is null)
            ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-Gallery takes a gallery file's path or a gallery from Import-FaceGallery, not a {value.GetType().FullName}."),
                ErrorIds.UnsupportedInputObject, ErrorCategory.InvalidArgument, gallery));
        try { UseAdaptation(GalleryReader.ReadAdaptation(file!), file!); }
        catch (System.IO.FileNotFoundException ex) { ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.FileNotFound, ErrorCategory.ObjectNotFound, file)); }
        catch (FaceNet.Engine.Storage.GalleryFormatException ex) { ThrowTerminatingError(ErrorIds.ForGallery(ex, file!)); }
    }

    protected override void ProcessRecord()
    {
        if (!AddPathInputs(Differences)) AddInputs(DifferenceObject, Differences);
    }
}
