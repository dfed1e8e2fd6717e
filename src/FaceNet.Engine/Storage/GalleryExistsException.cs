namespace FaceNet.Engine.Storage;

/// <summary>A new gallery was asked for where one already holds faces (neither append nor replace was chosen).</summary>
public sealed class GalleryExistsException(string name)
    : Exception($"The gallery '{name}' already holds faces. Use -Append to add to it or -Force to replace it.")
{
    public string Name { get; } = name;
}
