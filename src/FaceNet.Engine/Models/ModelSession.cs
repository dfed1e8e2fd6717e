using Microsoft.ML.OnnxRuntime;

namespace FaceNet.Engine.Models;

/// <summary>
/// One model's ONNX Runtime session, shared by every thread (Run is thread-safe). Every pass goes through
/// <see cref="Run"/>, which runs it with denormals flushed to zero on the calling thread (<see cref="DenormalFlush"/>).
/// </summary>
public sealed class ModelSession : IDisposable
{
    internal ModelSession(ModelDescriptor descriptor, InferenceSession session, GraphOptimizationLevel optimization)
    {
        Descriptor = descriptor;
        Session = session;
        Optimization = optimization;
    }

    public ModelDescriptor Descriptor { get; }

    /// <summary>The session itself, for metadata. Run passes through <see cref="Run"/>.</summary>
    public InferenceSession Session { get; }

    /// <summary>The graph optimisation level the session was built with (the manifest's graphOptimization).</summary>
    public GraphOptimizationLevel Optimization { get; }

    public IDisposableReadOnlyCollection<DisposableNamedOnnxValue> Run(IReadOnlyCollection<NamedOnnxValue> inputs)
    {
        using (DenormalFlush.Enter())
            return Session.Run(inputs);
    }

    public void Dispose() => Session.Dispose();
}
