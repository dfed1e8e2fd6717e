using System.Management.Automation;
using FaceNet.Engine.Verification;
using FaceNet.PowerShell.Internal;

namespace FaceNet.PowerShell.Commands;

/// <summary>
/// $true when two photos (or faces, or embeddings) show the same person. By default the most prominent face
/// (largest box) of each input is compared; -AnyFace is true when any pair of faces matches. One result per
/// difference input (image, or the faces/embeddings of one image); true if it matches any reference input.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "FaceMatch", DefaultParameterSetName = ThresholdSet)]
[OutputType(typeof(bool))]
public sealed class TestFaceMatchCommand : VerificationCmdletBase
{
    /// <summary>Image paths or files, faces from Get-Face, or embeddings (also from Import-Clixml/ConvertFrom-Json).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    public object[] ReferenceObject { get; set; } = [];

    /// <summary>The same kinds of input as -ReferenceObject; from the pipeline too.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true)]
    public object[] DifferenceObject { get; set; } = [];

    /// <summary>Compares every face of each input, not only the most prominent; true if any pair matches.</summary>
    [Parameter]
    public SwitchParameter AnyFace { get; set; }

    private readonly List<FaceInputGroup> _references = [];
    private readonly List<FaceInputGroup> _differences = [];

    protected override void BeginProcessing() => AddInputs(ReferenceObject, _references);

    protected override void ProcessRecord() => AddInputs(DifferenceObject, _differences);

    protected override void EndProcessing()
    {
        Prepare(_references, _differences);
        var refs = _references.Where(CheckHasFaces).SelectMany(Select).ToList();
        if (_differences.Count == 0) WriteObject(false);
        foreach (var g in _differences)
        {
            if (!CheckHasFaces(g) || refs.Count == 0) { WriteObject(false); continue; }
            var diffs = Select(g).ToList();
            var pairs = FaceComparer.Compare(Comparable(refs), Comparable(diffs), Scale, ThresholdCosine, top: 1);
            var best = pairs[0];
            WriteVerbose(ToComparison(refs[best.Reference], diffs[best.Difference], best).ToString());
            WriteObject(pairs.Any(p => p.IsMatch));
        }
    }

    /// <summary>All faces with -AnyFace, else the largest, with a warning when there were several.</summary>
    private IEnumerable<FaceEmbedding> Select(FaceInputGroup g)
    {
        if (AnyFace || g.Embeddings.Count == 1) return g.Embeddings;
        var largest = g.Embeddings.MaxBy(e => (e.Face?.Width ?? 0) * (e.Face?.Height ?? 0))!;
        WriteWarning($"'{g.DisplayName}' has {g.Embeddings.Count} faces; comparing the most prominent one (face {largest.Index}, the largest). Use -AnyFace to compare every face.");
        return [largest];
    }
}
