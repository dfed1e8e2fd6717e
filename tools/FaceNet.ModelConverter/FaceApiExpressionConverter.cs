namespace FaceNet.ModelConverter;

/// <summary>
/// Builds face-api.js' FaceExpressionNet (@vladmandic/face-api 1.7.15, model/face_expression_model.bin and its
/// weights manifest) as an ONNX graph.
///
/// Contract of the produced model:
///   input  "input"       float32 [N,3,112,112], RGB, already normalised as (pixel - mean_c) / 255 with
///                        mean (R,G,B) = (122.782, 117.001, 104.298), as face-api's FaceFeatureExtractor does.
///   output "expressions" float32 [N,7], softmax probabilities in face-api's order
///                        neutral, happy, sad, angry, fearful, disgusted, surprised.
///
/// Network facts (src/faceFeatureExtractor/FaceFeatureExtractor.ts, denseBlock.ts, src/faceProcessor/FaceProcessor.ts,
/// src/faceExpressionNet/FaceExpressionNet.ts): four dense blocks, each
///   out1 = relu(conv0(x, stride 2))  (dense0: a plain 3x3 conv; dense1-3: separable convs)
///   out2 = sep conv1(out1); out3 = sep conv2(relu(out1 + out2)); out4 = sep conv3(relu(out1 + out2 + out3))
///   y    = relu(out1 + out2 + out3 + out4)
/// taking 112 -> 56 -> 28 -> 14 -> 7 and 3 -> 32 -> 64 -> 128 -> 256 channels; then a 7x7/2 'valid' average
/// pool (one cell), fc 256 -> 7 and softmax.
/// </summary>
public sealed class FaceApiExpressionConverter(TfjsWeights weights)
{
    public const int InputSize = 112;
    public const string OutputName = "expressions";
    public static readonly string[] Labels = ["neutral", "happy", "sad", "angry", "fearful", "disgusted", "surprised"];

    private readonly FaceApiLayers _layers = new(weights);

    public byte[] Convert()
    {
        var x = _layers.Input(InputSize);
        x = DenseBlock4(x, "dense0", firstIsPlainConv: true);
        x = DenseBlock4(x, "dense1");
        x = DenseBlock4(x, "dense2");
        x = DenseBlock4(x, "dense3");

        var features = _layers.AvgPoolValidToVector(x, kernel: 7, stride: 2);
        var logits = _layers.FullyConnected(features, x.Channels, "fc");
        if (_layers.Weights["fc/bias"].ElementCount != Labels.Length) throw new InvalidDataException($"fc has {_layers.Weights["fc/bias"].ElementCount} outputs, expected {Labels.Length}.");
        _layers.Graph.AddNode("Softmax", [logits], OutputName, OnnxAttribute.Of("axis", 1L));
        _layers.Graph.AddOutput(OutputName, OnnxDataType.Float, "N", (long)Labels.Length);

        return _layers.ToModelBytes("faceapi_face_expression_net",
            "face-api.js FaceExpressionNet (MIT, Vincent Muehler; @vladmandic/face-api 1.7.15 face_expression_model). " +
            "input: float32 [N,3,112,112] RGB, (pixel - (122.782,117.001,104.298)) / 255; face-api pads the face box to a square " +
            "(zeros, centred) and resizes it bilinearly to 112x112. output 'expressions': float32 [N,7] softmax probabilities of " +
            string.Join(", ", Labels) + ".");
    }

    private FaceApiTensor DenseBlock4(FaceApiTensor x, string prefix, bool firstIsPlainConv = false)
    {
        var out1 = _layers.Relu(firstIsPlainConv ? _layers.Conv(x, $"{prefix}/conv0", stride: 2) : _layers.SeparableConv(x, $"{prefix}/conv0", stride: 2));
        var out2 = _layers.SeparableConv(out1, $"{prefix}/conv1", stride: 1);
        var out3 = _layers.SeparableConv(_layers.Relu(_layers.Add(out1, out2)), $"{prefix}/conv2", stride: 1);
        var out4 = _layers.SeparableConv(_layers.Relu(_layers.Add(out1, out2, out3)), $"{prefix}/conv3", stride: 1);
        return _layers.Relu(_layers.Add(out1, out2, out3, out4));
    }
}
