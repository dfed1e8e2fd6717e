namespace FaceNet.Engine.Recognition;

/// <summary>One cluster: member rows (ascending) and its medoid (the member with the highest total cosine to the others).</summary>
public sealed record FaceCluster(int[] Members, int Medoid);
