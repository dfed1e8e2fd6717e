namespace FaceNet.PowerShell;

/// <summary>One cluster from Group-Face: faces of (probably) one person.</summary>
public sealed class FaceGroup
{
    public FaceGroup() { }
    /// <summary>1-based, largest group first.</summary>
    public int Id { get; set; }
    public int Count { get; set; }
    public FaceEmbedding[] Faces { get; set; } = [];
    /// <summary>The medoid: the member most similar to all the others.</summary>
    public FaceEmbedding? Representative { get; set; }
    /// <summary>The most common Label among members (null when none has one).</summary>
    public string? Label { get; set; }

    public override string ToString() => $"Group {Id}: {Count} faces{(Label is null ? "" : " of " + Label)}";
}
