namespace FaceNet.Engine.Models;

/// <summary>A shipped or user model is missing, altered or unloadable. Fatal for the operation that needed it.</summary>
public sealed class ModelLoadException : Exception
{
    public ModelLoadException(string modelName, string path, string message, Exception? inner = null)
        : base(message, inner)
    {
        ModelName = modelName;
        ModelPath = path;
    }

    public string ModelName { get; }
    public string ModelPath { get; }
}
