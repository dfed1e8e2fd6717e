namespace FaceNet.Engine.Annotation;

/// <summary>
/// Line width, label font size and landmark dot radius for one output picture, in output pixels. They
/// grow with the picture (the square root of its area) so a 4000 px photo and a 250 px crop both read well.
/// </summary>
public readonly record struct AnnotationStyle(float LineWidth, float FontSize, float PointRadius)
{
    public const float MinLineWidth = 2;
    public const float MinFontSize = 12;

    public static AnnotationStyle ForSize(int width, int height)
    {
        float scale = MathF.Sqrt(MathF.Max(1, width) * (float)MathF.Max(1, height));
        float line = MathF.Max(MinLineWidth, MathF.Round(scale / 380f));
        float font = MathF.Max(MinFontSize, MathF.Round(scale / 55f));
        float radius = MathF.Max(2, line * 1.25f);
        return new AnnotationStyle(line, font, radius);
    }
}
