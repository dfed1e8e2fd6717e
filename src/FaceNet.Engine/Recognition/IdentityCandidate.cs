namespace FaceNet.Engine.Recognition;

/// <summary>One enrolled person (or one unlabelled face) of a gallery, scored by its best face.</summary>
/// <param name="Identity">Index of the identity in the gallery.</param>
/// <param name="Label">The person's label; null for an unlabelled gallery face (an identity of its own).</param>
/// <param name="Row">The gallery face that gave the best score.</param>
/// <param name="Cosine">Cosine similarity of the probe with that face.</param>
/// <param name="Faces">How many gallery faces the identity has.</param>
public sealed record IdentityCandidate(int Identity, string? Label, int Row, float Cosine, int Faces);
