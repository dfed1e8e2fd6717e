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
}
