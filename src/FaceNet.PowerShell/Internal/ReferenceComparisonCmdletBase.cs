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

    private protected List<FaceInputGroup> References { get; } = [];
    private protected List<FaceInputGroup> Differences { get; } = [];

    protected override void BeginProcessing()
    {
        CheckThresholdParameters();
        AddInputs(ReferenceObject, References);
    }

    protected override void ProcessRecord()
    {
        if (!AddPathInputs(Differences)) AddInputs(DifferenceObject, Differences);
    }
}
