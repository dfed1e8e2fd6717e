namespace FaceNet.Engine.Models;

/// <summary>
/// One output of an attribute model (kind "Attributes" in models.json): which attribute it gives and how its numbers
/// read. Classes name the model's classes in its own order with our names (ExpressionClasses, GenderClasses); a
/// class of the model's that we do not use is written as null and dropped.
/// </summary>
public sealed record AttributeOutput
{
    /// <summary>The ONNX output's name.</summary>
    public string Name { get; init; } = "";
    /// <summary>Expression, Age or Gender.</summary>
    public string Attribute { get; init; } = "";
    public string?[]? Classes { get; init; }
    /// <summary>Softmax when the graph gives logits; None when it already gives probabilities (or years).</summary>
    public string Activation { get; init; } = "None";
    /// <summary>Age: the output times Scale is years (Open Model Zoo's nets give age / 100).</summary>
    public float Scale { get; init; } = 1;
    /// <summary>This output's share when several models give the same attribute (probabilities and years averaged by weight).</summary>
    public float Weight { get; init; } = 1;
}
