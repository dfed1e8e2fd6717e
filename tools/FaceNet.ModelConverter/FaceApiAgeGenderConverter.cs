namespace FaceNet.ModelConverter;

/// <summary>
/// Builds face-api.js' AgeGenderNet (@vladmandic/face-api 1.7.15, model/age_gender_model.bin and its weights
/// manifest) as an ONNX graph.
///
/// Contract of the produced model:
///   input  "input"  float32 [N,3,112,112], RGB, already normalised as (pixel - mean_c) / 255 with
///                   mean (R,G,B) = (122.782, 117.001, 104.298), as face-api's TinyXception does.
///   output "age"    float32 [N,1], age in years (face-api's raw regression output).
///   output "gender" float32 [N,2], softmax probabilities [female, male]. face-api's own fc/gender is ordered
///                   [male, female] (predictAgeAndGender reads index 0 as the male probability); the converter
///                   swaps the two columns of fc/gender's weights and bias, so no node reorders at run time.
///
/// Network facts (src/xception/TinyXception.ts with 2 main blocks, src/ageGenderNet/AgeGenderNet.ts):
///   entry: relu(conv_in 3x3/2) 112 -> 56, reduction_block_0 (input not activated) -> 28, reduction_block_1 -> 14;
///   reduction block: sep conv0(relu?(x)), sep conv1(relu(.)), 3x3/2 'same' max pool, + expansion conv 1x1/2 of x;
///   main block: x + sep conv2(relu(sep conv1(relu(sep conv0(relu(x))))));
///   exit: reduction_block -> 7, relu(sep conv 256 -> 512); 7x7/2 'valid' average pool (one cell);
///   fc/age 512 -> 1, fc/gender 512 -> 2 then softmax.
/// </summary>
public sealed class FaceApiAgeGenderConverter(TfjsWeights weights)
{
    public const int InputSize = 112;
    public const int MainBlocks = 2;
    public const string AgeOutput = "age";
    public const string GenderOutput = "gender";
    public static readonly string[] GenderLabels = ["female", "male"];

    /// <summary>Column of face-api's fc/gender for each of our outputs: face-api's index 0 is male, 1 female.</summary>
    private static readonly int[] GenderColumns = [1, 0];

    private readonly FaceApiLayers _layers = new(weights);

    public byte[] Convert()
    {
        var x = _layers.Relu(_layers.Conv(_layers.Input(InputSize), "entry_flow/conv_in", stride: 2));
        x = ReductionBlock(x, "entry_flow/reduction_block_0", activateInput: false);
        x = ReductionBlock(x, "entry_flow/reduction_block_1");
        for (var i = 0; i < MainBlocks; i++) x = MainBlock(x, $"middle_flow/main_block_{i}");
        x = ReductionBlock(x, "exit_flow/reduction_block");
        x = _layers.Relu(_layers.SeparableConv(x, "exit_flow/separable_conv", stride: 1));

        var features = _layers.AvgPoolValidToVector(x, kernel: 7, stride: 2);
        _layers.FullyConnected(features, x.Channels, "fc/age", AgeOutput);
        var genderLogits = _layers.FullyConnected(features, x.Channels, "fc/gender", columnOrder: GenderColumns);
        _layers.Graph.AddNode("Softmax", [genderLogits], GenderOutput, OnnxAttribute.Of("axis", 1L));
        _layers.Graph.AddOutput(AgeOutput, OnnxDataType.Float, "N", 1L);
        _layers.Graph.AddOutput(GenderOutput, OnnxDataType.Float, "N", (long)GenderLabels.Length);

        return _layers.ToModelBytes("faceapi_age_gender_net",
            "face-api.js AgeGenderNet (MIT, Vincent Muehler; @vladmandic/face-api 1.7.15 age_gender_model). " +
            "input: float32 [N,3,112,112] RGB, (pixel - (122.782,117.001,104.298)) / 255; face-api pads the face box to a square " +
            "(zeros, centred) and resizes it bilinearly to 112x112. outputs: 'age' float32 [N,1] years; 'gender' float32 [N,2] " +
            "softmax probabilities [female, male] (face-api's own order is [male, female]; the columns were swapped at conversion).");
    }

    private FaceApiTensor ReductionBlock(FaceApiTensor x, string prefix, bool activateInput = true)
    {
        var h = _layers.SeparableConv(activateInput ? _layers.Relu(x) : x, $"{prefix}/separable_conv0", stride: 1);
        h = _layers.SeparableConv(_layers.Relu(h), $"{prefix}/separable_conv1", stride: 1);
        h = _layers.MaxPoolSame(h, kernel: 3, stride: 2);
        return _layers.Add(h, _layers.Conv(x, $"{prefix}/expansion_conv", stride: 2));
    }

    private FaceApiTensor MainBlock(FaceApiTensor x, string prefix)
    {
        var h = x;
        foreach (var conv in new[] { "separable_conv0", "separable_conv1", "separable_conv2" })
            h = _layers.SeparableConv(_layers.Relu(h), $"{prefix}/{conv}", stride: 1);
        return _layers.Add(h, x);
    }
}
