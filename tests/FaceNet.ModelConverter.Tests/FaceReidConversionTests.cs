using System.Text.Json;
using FaceNet.ModelConverter.OpenVino;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit;
using Xunit.Abstractions;
using FaceNet.TestSupport;

namespace FaceNet.ModelConverter.Tests;

/// <summary>
/// Proves models/face_reid_0095.onnx (tools/FaceNet.ModelConverter openvino, then prepare --rewrite-prelu-depthwise, from Open
/// Model Zoo's face-reidentification-retail-0095 FP16 IR) computes what the IR computes. The references in
/// tests/data/face-reid-reference come from IrReference, a naive interpreter of the IR as stored (GroupConvolution
/// weights, the bias as its own Add, PReLU on axis 1, AvgPool with exclude-pad), which shares no code with the ONNX
/// writer; the inputs are remade here by ReferenceInputs.All.
/// </summary>
public sealed class FaceReidConversionTests(ITestOutputHelper output)
{
    [Fact]
    public void Onnx_matches_the_IR_reference_within_2e5()
    {
        var file = Path.Combine(TestData.RepoRoot, "tests", "data", "face-reid-reference", "face-reidentification-retail-0095-reference.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(file));
        Assert.Equal("241229ca3d206321868d46ce74a3c0b06c49cea58db7dc70b2e842ff287545d1", doc.RootElement.GetProperty("source").GetProperty("binSha256").GetString());
        var cases = doc.RootElement.GetProperty("cases").EnumerateArray().ToList();
        var inputs = ReferenceInputs.All(3, 128, 128).ToList();
        Assert.Equal(inputs.Count, cases.Count);
        using var session = new InferenceSession(Path.Combine(TestData.ModelsDir, "face_reid_0095.onnx"));
        // All cases in one batch: the prepared graph's batch is symbolic.
        var batch = new DenseTensor<float>(inputs.SelectMany(i => i.Values).ToArray(), [inputs.Count, 3, 128, 128]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", batch)]);
        var got = results.First(r => r.Name == "embedding").AsTensor<float>();
        Assert.Equal([inputs.Count, 256], got.Dimensions.ToArray());
        for (int k = 0; k < cases.Count; k++)
        {
            Assert.Equal(inputs[k].Name, cases[k].GetProperty("Name").GetString());
            var expected = cases[k].GetProperty("Output").EnumerateArray().Select(e => e.GetSingle()).ToArray();
            Assert.Equal(256, expected.Length);
            double worst = 0;
            for (int i = 0; i < 256; i++) worst = Math.Max(worst, Math.Abs(expected[i] - got[k, i]));
            output.WriteLine($"{inputs[k].Name}: max |difference| {worst:E2}");
            Assert.True(worst < 2e-5, $"{inputs[k].Name}: {worst}");
        }
    }
}
