namespace FaceNet.Engine.Models;

/// <summary>How a face is cut out for an embedder.</summary>
public sealed record AlignmentSpec
{
    /// <summary>"Similarity5": 5-point similarity transform onto Template. "DlibChip": dlib's face chip from 68 points.</summary>
    public string Method { get; init; } = "Similarity5";
    /// <summary>Five (x,y) points in the output crop, order: left eye, right eye, nose, left mouth, right mouth.</summary>
    public float[][]? Template { get; init; }
    /// <summary>DlibChip padding, as a fraction of the mean face's extent.</summary>
    public float Padding { get; init; }
}
