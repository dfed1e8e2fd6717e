namespace FaceNet.Engine.Recognition;

/// <summary>Settings of <see cref="FaceClustering"/>.</summary>
public sealed record ClusteringOptions
{
    /// <summary>
    /// Two clusters merge while the average cosine over all their cross pairs is at least this. Average linkage:
    /// one strong link between two people is diluted by all their other pairs, so it cannot chain them.
    /// </summary>
    public double Cut { get; init; } = 0.35;
    /// <summary>
    /// Pairs below this cosine are not stored (the graph stays sparse); in averages they count as this value,
    /// an upper bound of their true cosine. Must be below Cut.
    /// </summary>
    public double Floor { get; init; } = 0.30;
    /// <summary>Faces with the same non-null source (photo) are never put in one cluster.</summary>
    public bool SeparateSameSource { get; init; } = true;
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;
}
