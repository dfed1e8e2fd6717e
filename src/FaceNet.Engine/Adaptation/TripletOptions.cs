namespace FaceNet.Engine.Adaptation;

/// <summary>
/// How a gallery's projection is learned (batch-hard triplet loss on unit vectors, squared Euclidean distance as in
/// FaceNet, Adam, weight decay toward the starting projection). The defaults were chosen on Caltech faces and LFW
/// View 1 galleries split by photo (tools/FaceNet.Lab adapt; README).
/// </summary>
public sealed record TripletOptions
{
    /// <summary>Output size. The full input size starts from the identity, i.e. from exactly the plain space.</summary>
    public int OutputDimension { get; init; } = 384;
    /// <summary>
    /// FaceNet's alpha: d(a,p) + margin &lt;= d(a,n), d the squared distance between unit vectors (2 - 2 cos). 0.4, not
    /// FaceNet's 0.2: at 0.2 the look-alike pairs of Caltech kept all their false matches (README, the sweep).
    /// </summary>
    public double Margin { get; init; } = 0.4;
    /// <summary>Pull toward the starting projection (lambda/2 ||W - W0||^2): what keeps the space good for people not trained on.</summary>
    public double WeightDecay { get; init; } = 0.01;
    public int Steps { get; init; } = 600;
    public double LearningRate { get; init; } = 5e-4;
    /// <summary>People per batch (all of them in smaller galleries) and faces per person (P x K batches).</summary>
    public int PeoplePerBatch { get; init; } = 32;
    public int FacesPerPerson { get; init; } = 4;
    /// <summary>Fixed, so the same gallery always gives the same adaptation.</summary>
    public int Seed { get; init; } = 28;

    public static TripletOptions Default { get; } = new();
}
