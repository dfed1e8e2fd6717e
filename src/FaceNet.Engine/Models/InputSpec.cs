namespace FaceNet.Engine.Models;

/// <summary>How an image becomes the model's input tensor.</summary>
public sealed record InputSpec
{
    public int Width { get; init; }
    public int Height { get; init; }
    public int Channels { get; init; } = 3;
    /// <summary>RGB, BGR or Grey.</summary>
    public string ColorOrder { get; init; } = "RGB";
    /// <summary>Per-channel value subtracted from 0-255 pixels (in ColorOrder order).</summary>
    public float[] Mean { get; init; } = [0, 0, 0];
    /// <summary>Per-channel divisor applied after the mean.</summary>
    public float[] Std { get; init; } = [1, 1, 1];
    public string Name { get; init; } = "input";
}
