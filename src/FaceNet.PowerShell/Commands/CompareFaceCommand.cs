using System.Management.Automation;
using FaceNet.Engine.Verification;
using FaceNet.PowerShell.Internal;

namespace FaceNet.PowerShell.Commands;

/// <summary>
/// Compares every reference face with every difference face: one FaceComparison per pair, best match first,
/// with a calibrated 0-100 Similarity (the default threshold reads 50). The difference photos come as objects
/// (-DifferenceObject, the pipeline) or as paths (-Path with wildcards, -LiteralPath).
/// </summary>
[Cmdlet(VerbsData.Compare, "Face", DefaultParameterSetName = ObjectSet)]
[OutputType(typeof(FaceComparison))]
public sealed class CompareFaceCommand : VerificationCmdletBase
{
    /// <summary>Image paths or files, faces from Get-Face, or embeddings (also from Import-Clixml/ConvertFrom-Json).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [AllowEmptyCollection]
    public object[] ReferenceObject { get; set; } = [];

    /// <summary>The same kinds of input as -ReferenceObject; from the pipeline too.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ParameterSetName = ObjectSet)]
    [AllowEmptyCollection]
    public object[] DifferenceObject { get; set; } = [];

    /// <summary>For each reference face, keeps only its N most similar difference faces (across all difference photos).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Top { get; set; }

    private readonly List<FaceInputGroup> _references = [];
    private readonly List<FaceInputGroup> _differences = [];

    protected override void BeginProcessing()
    {
        CheckThresholdParameters();
        AddInputs(ReferenceObject, _references);
    }

    protected override void ProcessRecord()
    {
        if (!AddPathInputs(_differences)) AddInputs(DifferenceObject, _differences);
    }

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
