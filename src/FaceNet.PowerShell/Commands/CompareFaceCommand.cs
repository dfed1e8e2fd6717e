using System.Management.Automation;
using FaceNet.Engine.Verification;
using FaceNet.PowerShell.Internal;

namespace FaceNet.PowerShell.Commands;

/// <summary>
/// Compares every reference face with every difference face: one FaceComparison per pair, best match first,
/// with a calibrated 0-100 Similarity (the default threshold reads 50).
/// </summary>
[Cmdlet(VerbsData.Compare, "Face", DefaultParameterSetName = ThresholdSet)]
[OutputType(typeof(FaceComparison))]
public sealed class CompareFaceCommand : VerificationCmdletBase
{
    /// <summary>Image paths or files, faces from Get-Face, or embeddings (also from Import-Clixml/ConvertFrom-Json).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [AllowEmptyCollection]
    public object[] ReferenceObject { get; set; } = [];

    /// <summary>The same kinds of input as -ReferenceObject; from the pipeline too.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true)]
    [AllowEmptyCollection]
    public object[] DifferenceObject { get; set; } = [];

    /// <summary>Keeps the N best matches per difference face.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Top { get; set; }

    private readonly List<FaceInputGroup> _references = [];
    private readonly List<FaceInputGroup> _differences = [];

    protected override void BeginProcessing() => AddInputs(ReferenceObject, _references);

    protected override void ProcessRecord() => AddInputs(DifferenceObject, _differences);

    protected override void EndProcessing()
    {
        Prepare(_references, _differences);
        var refs = _references.Where(CheckHasFaces).SelectMany(g => g.Embeddings).ToList();
        var diffs = _differences.Where(CheckHasFaces).SelectMany(g => g.Embeddings).ToList();
        if (refs.Count == 0 || diffs.Count == 0) return;
        var pairs = FaceComparer.Compare(Comparable(refs), Comparable(diffs), Scale, ThresholdCosine, Top);
        foreach (var c in pairs)
            WriteObject(ToComparison(refs[c.Reference], diffs[c.Difference], c));
    }
}
