using SkiaSharp;

namespace FaceNet.Engine.Annotation;

/// <summary>
/// The label typeface: DejaVu Sans, embedded in this assembly (see Fonts/README.md), so labels render
/// the same on machines without any system fonts.
/// </summary>
public static class FontProvider
{
    internal const string ResourceName = "FaceNet.Engine.Fonts.DejaVuSans.ttf";

    private static readonly Lazy<SKTypeface> s_typeface = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    public static SKTypeface Typeface => s_typeface.Value;

    private static SKTypeface Load()
    {
        using var resource = typeof(FontProvider).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded font '{ResourceName}' is missing from {typeof(FontProvider).Assembly.GetName().Name}.");
        // A private copy in memory: the typeface keeps reading from the stream it is given for its whole life.
        var memory = new MemoryStream();
        resource.CopyTo(memory);
        memory.Position = 0;
        return SKTypeface.FromStream(memory)
            ?? throw new InvalidOperationException($"The embedded font '{ResourceName}' could not be loaded.");
    }
}
