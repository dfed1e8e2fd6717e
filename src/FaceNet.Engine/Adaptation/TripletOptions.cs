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
    /// FaceNet's alpha: d(a,p) + margin &lt;= d(a,n), d the squared distance between unit vectors (2 - 2 cos). 0.7, not
    /// FaceNet's 0.2: at 0.2 the look-alike pairs of Caltech kept all their false matches; on Clean's vectors without
    /// FaceReid's mirror view, 0.7 gained more than 0.4-0.6 on the large galleries and held same-person acceptance within
    /// a point on every gallery and split measured (README, the sweep). Every stored adaptation holds its margin.
    /// </summary>
    public double Margin { get; init; } = 0.7;
    /// <summary>
    /// Pull toward the starting projection (lambda/2 ||W - W0||^2). 0.001 with background negatives; without them 0.01
    /// was needed to keep strangers from being named more often (README, the sweep).
    /// </summary>
    public double WeightDecay { get; init; } = 0.001;
    public int Steps { get; init; } = 600;
    public double LearningRate { get; init; } = 5e-4;
    /// <summary>
    /// People per batch (all of them in galleries up to this size) and faces per person (P x K batches). 128 rather
    /// than 32: batch-hard mining only sees look-alikes that share a batch, and in a 126-person gallery two given
    /// people shared one batch in 16 at 32.
    /// </summary>
    public int PeoplePerBatch { get; init; } = 128;
    public int FacesPerPerson { get; init; } = 4;
    /// <summary>
    /// Strangers: faces of the reference set's background half added to each batch as negatives only, each anchor's
    /// hardest one a triplet of its own beside its hardest other gallery person (0: none, as adaptations made before
    /// this option were, so their stored options still read true). The other half of the reference people calibrates the
    /// thresholds, so no threshold is set on faces trained against.
    /// </summary>
    public int BackgroundPerBatch { get; init; }
    /// <summary>Other gallery people each anchor is pushed from: its most similar ones, each a triplet (FaceNet's batch-hard: 1).</summary>
    public int NegativePeople { get; init; } = 1;
    /// <summary>Fixed, so the same gallery always gives the same adaptation.</summary>
    public int Seed { get; init; } = 28;

    /// <summary>The chosen settings: 128 strangers a batch (the initialiser's 0 is for reading older adaptations).</summary>
    public static TripletOptions Default { get; } = new() { BackgroundPerBatch = 128 };
}
