namespace FaceNet.Engine.Models;

/// <summary>
/// A model of the manifest that runs through ONNX Runtime: its descriptor, its input spec, and the process-wide
/// session it shares with every other user of the same model file (OnnxSessionCache).
/// </summary>
public abstract class OnnxModelRunner
{
    private protected readonly ModelManifest _manifest;
    private protected readonly ModelDescriptor _model;
    private protected readonly InputSpec _input;

    private protected OnnxModelRunner(ModelManifest manifest, ModelDescriptor model)
    {
        _manifest = manifest;
        _model = model;
        _input = model.Input ?? throw new InvalidDataException($"Model '{model.Name}' has no input spec.");
    }

    public string Name => _model.Name;
}
