using System.Management.Automation;

namespace FaceNet.PowerShell.Internal;

/// <summary>
/// Cmdlets whose input is photo files: -Path (wildcards, pipeline strings) and -LiteralPath (alias PSPath,
/// bound by property name, so Get-ChildItem | Cmdlet works).
/// </summary>
public abstract class PathCmdletBase : FaceCmdletBase
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PathSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>The files this record names, through whichever of -Path or -LiteralPath was bound.</summary>
    protected IEnumerable<ResolvedPath> SelectedPaths() =>
        ResolvePaths(ParameterSetName == LiteralPathSet ? LiteralPath : Path, literal: ParameterSetName == LiteralPathSet);
}
