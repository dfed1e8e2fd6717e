using System.Management.Automation;
using FaceNet.Engine.Verification;
using FaceNet.PowerShell.Internal;

namespace FaceNet.PowerShell.Commands;

/// <summary>
/// $true when two photos (or faces, or embeddings) show the same person. By default the most prominent face
/// (largest box) of each input is compared; -AnyFace is true when any pair of faces matches. One result per
/// difference input (image, or the faces/embeddings of one image); true if it matches any reference input.
/// An input that could not be compared (a path matching no file, an unreadable photo, a photo without a face)
/// gets an error and no Boolean, so "different person" is never confused with "no such file".
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "FaceMatch", DefaultParameterSetName = ObjectSet)]
[OutputType(typeof(bool))]
public sealed class TestFaceMatchCommand : ReferenceComparisonCmdletBase
{
    /// <summary>Compares every face of each input, not only the most prominent; true if any pair matches.</summary>
    [Parameter]
    public SwitchParameter AnyFace { get; set; }

    protected override void EndProcessing()
    {
        Prepare(References, Differences);
        // No Boolean without a comparison: each input that could not be read or has no face has had its error.
        var refs = References.Where(CheckHasFaces).SelectMany(Select).ToList();
        foreach (var g in Differences)
        {
            if (!CheckHasFaces(g) || refs.Count == 0) continue;
            var diffs = Select(g).ToList();
            var pairs = FaceComparer.Compare(InSpace(refs), InSpace(diffs), Scale, ThresholdCosine, top: 1);
            var best = pairs[0];
            // A Boolean cannot say where it was decided: the verbose line does (space and threshold).
            WriteVerbose(FormattableString.Invariant($"{ToComparison(refs[best.Reference], diffs[best.Difference], best)} (threshold {ThresholdSimilarity:0.#}, cosine {ThresholdCosine:0.0000}; space: {Space})"));
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
