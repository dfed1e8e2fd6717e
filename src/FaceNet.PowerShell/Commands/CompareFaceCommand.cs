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
public sealed class CompareFaceCommand : ReferenceComparisonCmdletBase
{
    /// <summary>For each reference face, keeps only its N most similar difference faces (across all difference photos).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Top { get; set; }

    protected override void EndProcessing()
    {
        Prepare(References, Differences);
        var refs = References.Where(CheckHasFaces).SelectMany(g => g.Embeddings).ToList();
        var diffs = Differences.Where(CheckHasFaces).SelectMany(g => g.Embeddings).ToList();
        if (refs.Count == 0 || diffs.Count == 0) return;
        var pairs = FaceComparer.Compare(InSpace(refs), InSpace(diffs), Scale, ThresholdCosine, Top);
        foreach (var c in pairs)
            WriteObject(ToComparison(refs[c.Reference], diffs[c.Difference], c));
    }
}
