using FaceNet.Engine.Imaging;
using FaceNet.Engine.Landmarks;

namespace FaceNet.Engine.Tracking;

/// <summary>
/// How good a face is as a track's picture: sharp (variance of the Laplacian over the face, on a 48x48 grey sample),
/// frontal (the nose between the eyes and the eyes level, from the five landmarks) and large. 0 to about 1.
/// </summary>
public static class FaceQuality
{
    private const int Side = 48;

    public static unsafe float Score(FaceImage image, Geometry.FaceBox box, FaceLandmarks landmarks)
    {
        var bitmap = image.Bitmap;
        int w = bitmap.Width, h = bitmap.Height, stride = bitmap.RowBytes;
        byte* p = (byte*)bitmap.GetPixels();
        float sx = box.Width / Side, sy = box.Height / Side;
        var g = new float[Side * Side];
        for (int y = 0; y < Side; y++)
        for (int x = 0; x < Side; x++)
        {
            int ix = Math.Clamp((int)(box.X + (x + 0.5f) * sx), 0, w - 1), iy = Math.Clamp((int)(box.Y + (y + 0.5f) * sy), 0, h - 1);
            byte* px = p + (long)iy * stride + ix * 4;
            g[y * Side + x] = (px[0] * 0.299f + px[1] * 0.587f + px[2] * 0.114f);
        }
        double sum = 0, sum2 = 0;
        int n = 0;
        for (int y = 1; y < Side - 1; y++)
        for (int x = 1; x < Side - 1; x++)
        {
            float lap = 4 * g[y * Side + x] - g[y * Side + x - 1] - g[y * Side + x + 1] - g[(y - 1) * Side + x] - g[(y + 1) * Side + x];
            sum += lap;
            sum2 += lap * lap;
            n++;
        }
        double variance = sum2 / n - (sum / n) * (sum / n);
        // A face sampled at less than its own resolution looks sharper than it is: small faces are worth less.
        float sharp = (float)(variance / (variance + 300));
        float eyeDx = landmarks.RightEye.X - landmarks.LeftEye.X, eyeDy = landmarks.RightEye.Y - landmarks.LeftEye.Y;
        float eyeDistance = MathF.Sqrt(eyeDx * eyeDx + eyeDy * eyeDy);
        float frontal = 0;
        if (eyeDistance > 1)
        {
            float mid = (landmarks.LeftEye.X + landmarks.RightEye.X) / 2;
            float offset = MathF.Abs(landmarks.Nose.X - mid) / eyeDistance;   // 0 when frontal, about 0.5 in profile
            float roll = MathF.Abs(eyeDy) / eyeDistance;
            frontal = Math.Clamp(1 - 2 * offset - roll, 0, 1);
        }
        float size = Math.Clamp(MathF.Max(box.Width, box.Height) / 112f, 0, 1);
        return sharp * (0.25f + 0.75f * frontal) * (0.5f + 0.5f * size);
    }
}
