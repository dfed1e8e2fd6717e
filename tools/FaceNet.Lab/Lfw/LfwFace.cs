using FaceNet.Engine.Geometry;

namespace FaceNet.Lab;

/// <summary>
/// The one rule for which face a dataset photo is about, shared by every lab command. LFW photos are centred on the
/// named person: the largest detection whose box contains the image centre, else the largest. Other sets of photos
/// (centred: false) take the largest detection.
/// </summary>
public static class LfwFace
{
    /// <summary>The index of the chosen box, or -1 when there is none. Ties go to the earlier box.</summary>
    public static int Choose(IReadOnlyList<FaceBox> boxes, int imageWidth, int imageHeight, bool centred = true)
    {
        float cx = imageWidth / 2f, cy = imageHeight / 2f;
        int best = -1, bestAny = -1;
        for (int i = 0; i < boxes.Count; i++)
        {
            var b = boxes[i];
            if (bestAny < 0 || b.Area > boxes[bestAny].Area) bestAny = i;
            bool contains = b.X <= cx && cx <= b.Right && b.Y <= cy && cy <= b.Bottom;
            if (centred && contains && (best < 0 || b.Area > boxes[best].Area)) best = i;
        }
        return best >= 0 ? best : bestAny;
    }
}
