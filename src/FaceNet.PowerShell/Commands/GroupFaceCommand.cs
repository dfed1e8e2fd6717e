using System.Management.Automation;
using FaceNet.Engine.Recognition;
using FaceNet.PowerShell.Internal;

namespace FaceNet.PowerShell.Commands;

/// <summary>
/// Clusters face embeddings into people: agglomerative clustering with average linkage, cut where the mean cosine
/// between two groups falls below -Cut. Faces of one photo are never put in one group (unless -AllowSamePhoto).
/// One FaceGroup per cluster, largest first; faces matching nobody are singleton groups (or left out with -MinClusterSize).
/// </summary>
[Cmdlet(VerbsData.Group, "Face")]
[OutputType(typeof(FaceGroup))]
public sealed class GroupFaceCommand : PSCmdlet
{
    /// <summary>Embeddings from Get-FaceEmbedding (also from Import-Clixml/ConvertFrom-Json), or a gallery.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [AllowEmptyCollection]
    public object[] InputObject { get; set; } = [];

    /// <summary>Groups smaller than this are left out (default 1: every face is in some group).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int MinClusterSize { get; set; } = 1;

    /// <summary>Mean cosine between two groups at or above which they merge. Default: measured on LFW View 1 for the model.</summary>
    [Parameter]
    [ValidateRange(-1.0, 1.0)]
    public double Cut { get; set; } = double.NaN;

    /// <summary>Lets two faces of one photo end up in one group.</summary>
    [Parameter]
    public SwitchParameter AllowSamePhoto { get; set; }

    private readonly List<FaceEmbedding> _faces = [];

    /// <summary>Inputs from which clustering shows a progress record (under this it takes well under a second).</summary>
    internal const int ProgressFrom = 500;

    protected override void ProcessRecord()
    {
        foreach (var item in PipelineInputBinder.Flatten(InputObject))
        {
            if (PipelineInputBinder.ToEmbedding(item) is { } e)
            {
                if (_faces.Count > 0 && FaceNet.Engine.Verification.FaceComparer.FindMismatch(_faces[0].Model,
                        [new(_faces[0].Model, _faces[0].Vector), new(e.Model, e.Vector)]) is { } mismatch)
                    ThrowTerminatingError(new ErrorRecord(mismatch.Error, ErrorIds.ModelMismatch, ErrorCategory.InvalidData, e));
                _faces.Add(e);
            }
            else
                WriteError(new ErrorRecord(new ArgumentException($"Cannot group a {(item is PSObject p ? p.TypeNames.FirstOrDefault() : item.GetType().FullName)}: give embeddings from Get-FaceEmbedding."),
                    ErrorIds.UnsupportedInputObject, ErrorCategory.InvalidArgument, item));
        }
    }

    protected override void EndProcessing()
    {
        if (_faces.Count == 0) return;
        double cut = double.IsNaN(Cut) ? ClusteringDefaults.CutFor(_faces[0].Model) : Cut;
        var options = ClusteringDefaults.OptionsFor(cut) with { SeparateSameSource = !AllowSamePhoto };
        WriteVerbose($"Clustering {_faces.Count} faces of model {_faces[0].Model}: average linkage, cut {cut:0.000}.");
        var sources = _faces.Select(f => string.IsNullOrEmpty(f.Path) ? null : f.Path).ToList();
        // One call does the work (every pair's cosine, then the merges): show what it is doing while it runs.
        var progress = new ProgressReporter(this, "Grouping faces by person", unit: "faces");
        if (_faces.Count >= ProgressFrom)
            progress.Show($"Clustering {_faces.Count:N0} faces: comparing {(long)_faces.Count * (_faces.Count - 1) / 2:N0} pairs, then merging");
        var clusters = FaceClustering.Cluster(_faces.Select(f => f.Vector).ToList(), sources, options);
        progress.Complete();
        int id = 0;
        foreach (var c in clusters)
        {
            if (c.Members.Length < MinClusterSize) continue;
            var members = c.Members.Select(i => _faces[i]).ToArray();
            var label = members.Where(m => m.Label is not null).GroupBy(m => m.Label!, StringComparer.Ordinal)
                .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Key).FirstOrDefault();
            WriteObject(new FaceGroup { Id = ++id, Count = members.Length, Faces = members, Representative = _faces[c.Medoid], Label = label });
        }
    }
}
