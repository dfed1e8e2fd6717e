namespace FaceNet.Engine.Detection;

/// <summary>
/// Where one YuNet Detect call spent its time, for the benchmark's stage table: each pyramid level's resize, and
/// each tile's input copy, ONNX pass and output decoding; then the second look at doubtful small faces.
/// </summary>
public sealed class YuNetTimings
{
    public sealed record Tile(int Level, int Index, int Width, int Height, double PrepMs, double RunMs, double DecodeMs);

    public List<(int Level, int Width, int Height, double ResizeMs)> Levels { get; } = [];
    public List<Tile> Tiles { get; } = [];
    public double RecheckMs { get; set; }
    public int Rechecks { get; set; }

    /// <summary>Set before Detect: keep a copy of every input tensor YuNet ran (tiles, then the recheck batch), so a benchmark can replay the same passes.</summary>
    public bool CaptureInputs { get; init; }

    public List<Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>> Inputs { get; } = [];

    internal void Capture(Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float> tensor)
    {
        if (!CaptureInputs) return;
        var copy = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(tensor.Dimensions.ToArray());
        tensor.Buffer.Span.CopyTo(copy.Buffer.Span);
        Inputs.Add(copy);
    }
}
