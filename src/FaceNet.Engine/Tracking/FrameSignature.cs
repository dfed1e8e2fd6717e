using FaceNet.Engine.Imaging;

namespace FaceNet.Engine.Tracking;

/// <summary>
/// A 16x9 grey thumbnail of a frame, to tell a cut from motion: across a cut the thumbnail changes everywhere, so a
/// face at the same place is not taken for the same person without its embedding's word.
/// </summary>
public sealed class FrameSignature
{
    private const int Columns = 16, Rows = 9;
    private readonly byte[] _cells;

    private FrameSignature(byte[] cells) => _cells = cells;

    /// <summary>Block means over a sparse grid of pixels: under a millisecond for a 1080p frame.</summary>
    public static unsafe FrameSignature Of(FaceImage image)
    {
        var level = image.LevelFor(1e-3f);
        var bitmap = level.Bitmap;
        int w = bitmap.Width, h = bitmap.Height, stride = bitmap.RowBytes;
        byte* p = (byte*)bitmap.GetPixels();
        var cells = new byte[Columns * Rows];
        for (int r = 0; r < Rows; r++)
        for (int c = 0; c < Columns; c++)
        {
            int x0 = c * w / Columns, x1 = Math.Max(x0 + 1, (c + 1) * w / Columns);
            int y0 = r * h / Rows, y1 = Math.Max(y0 + 1, (r + 1) * h / Rows);
            int sx = Math.Max(1, (x1 - x0) / 8), sy = Math.Max(1, (y1 - y0) / 8);
            long sum = 0, n = 0;
            for (int y = y0; y < y1; y += sy)
            {
                byte* row = p + (long)y * stride;
                for (int x = x0; x < x1; x += sx)
                {
                    byte* px = row + x * 4;
                    sum += (px[0] * 77 + px[1] * 150 + px[2] * 29) >> 8;
                    n++;
                }
            }
            cells[r * Columns + c] = (byte)(sum / Math.Max(1, n));
        }
        return new FrameSignature(cells);
    }

    /// <summary>Mean absolute difference of the two thumbnails, 0-255.</summary>
    public float Distance(FrameSignature other)
    {
        int sum = 0;
        for (int i = 0; i < _cells.Length; i++) sum += Math.Abs(_cells[i] - other._cells[i]);
        return sum / (float)_cells.Length;
    }
}
