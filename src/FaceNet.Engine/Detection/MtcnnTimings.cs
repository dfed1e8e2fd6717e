namespace FaceNet.Engine.Detection;

/// <summary>Milliseconds per MTCNN stage of one Detect call (the pyramid's first level, then P-Net with the other levels built alongside, R-Net, O-Net), and the boxes each stage passed on.</summary>
public sealed class MtcnnTimings
{
    public double Pyramid { get; set; }
    public double PNet { get; set; }
    public double RNet { get; set; }
    public double ONet { get; set; }
    public int Proposals { get; set; }
    public int Refined { get; set; }
}
