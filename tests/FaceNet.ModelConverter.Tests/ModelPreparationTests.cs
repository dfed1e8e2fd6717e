using System.Runtime.CompilerServices;
using FaceNet.Engine.Models;
using FaceNet.ModelConverter;
using FaceNet.ModelConverter.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit;
using FaceNet.TestSupport;

namespace FaceNet.ModelConverter.Tests;

/// <summary>
/// Denormal floats: the shipped weights hold none (and nothing nonzero below the manifest's bound), the preparation
/// step that flushed them does what it says, and every model pass runs with denormals flushed on its thread.
/// </summary>
public sealed class ModelPreparationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("facenet-prep-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static ModelManifest Shipped => ModelManifest.Load(Path.Combine(TestData.ModelsDir, "models.json"));

    public static TheoryData<string> ShippedModelFiles()
    {
        var data = new TheoryData<string>();
        foreach (var m in Shipped.Models.Where(m => m.File is not null)) data.Add(m.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(ShippedModelFiles))]
    public void Shipped_model_has_no_denormal_or_below_bound_weight(string name)
    {
        var manifest = Shipped;
        var d = manifest.Get(name);
        Assert.True(d.Preparation is not null, $"{name}: models.json records no 'preparation' (the flush bound every shipped model is held to).");
        double bound = d.Preparation!.FlushBelow;
        Assert.InRange(bound, 1e-38, 1e-6);
        var census = WeightFlush.Census(OnnxModelFile.Load(manifest.PathOf(d)), (float)bound);
        Assert.True(census.Values > 0, $"{name}: no float weights found; the reader does not understand the file.");
        Assert.True(census.Denormals == 0, $"{name}: {census.Denormals} denormal weights. Run tools/FaceNet.ModelConverter prepare on it (models/README.md).");
        Assert.True(census.BelowBound == 0, $"{name}: {census.BelowBound} nonzero weights below the documented bound {bound:R}.");
    }

    [Fact]
    public void Prepare_flushes_tiny_weights_keeps_the_rest_and_is_repeatable()
    {
        float[] weights = [1e-45f, -3e-39f, 5e-10f, -9.99e-10f, 1e-9f, -2e-9f, 0f, 0.5f, -1.25f, 1e-30f];
        var original = TinyModel(weights, inputDims: [1, 10], outputDims: [1, 10]);
        var before = WeightFlush.Census(new OnnxModelFile(original), 1e-9f);
        Assert.Equal(new WeightCensus(10, 1, 2, 5, 1e-45f, 1e-9f), before);

        var result = ModelPreparer.Prepare(original, 1e-9f, dynamicBatch: false);
        Assert.Equal(5, result.Before.BelowBound);
        Assert.Equal(2, result.Before.Denormals);
        Assert.Equal(0, result.After.BelowBound);
        Assert.Equal(0, result.After.Denormals);
        Assert.Equal(original.Length, result.Bytes.Length); // same-length edits only
        var kept = Floats(new OnnxModelFile(result.Bytes));
        Assert.Equal([0f, 0f, 0f, 0f, 1e-9f, -2e-9f, 0f, 0.5f, -1.25f, 0f], kept);

        // Re-running on the prepared file changes nothing; re-running on the original gives the same bytes.
        Assert.Equal(result.Bytes, ModelPreparer.Prepare(result.Bytes, 1e-9f, dynamicBatch: false).Bytes);
        Assert.Equal(result.Bytes, ModelPreparer.Prepare(original, 1e-9f, dynamicBatch: false).Bytes);
        // Nothing to flush: the file comes back byte for byte.
        var clean = TinyModel([0.5f, 2f], inputDims: [1, 2], outputDims: [1, 2]);
        Assert.Equal(clean, ModelPreparer.Prepare(clean, 1e-9f, dynamicBatch: false).Bytes);
    }

    [Fact]
    public void Dynamic_batch_rewrites_a_batch_one_reshape_and_runs_any_batch()
    {
        // x [1,2,2] -> Mul by weights -> Reshape [1,-1]: the published MobileFaceNet's ending in miniature.
        var b = new OnnxGraphBuilder();
        b.AddInput("input", OnnxDataType.Float, 1L, 2L, 2L);
        var w = b.AddFloats("w", [2, 2], [1f, 2f, 3f, 4f]);
        var shape = b.AddInt64s("shape", [2], [1, -1]);
        var product = b.AddNode("Mul", ["input", w]);
        b.AddNode("Reshape", [product, shape], "output");
        b.AddOutput("output", OnnxDataType.Float, 1L, 4L);
        var original = b.ToModelBytes("tiny", 8, 13, "FaceNet tests", "1", "");

        var result = ModelPreparer.Prepare(original, 1e-9f, dynamicBatch: true);
        var prepared = new OnnxModelFile(result.Bytes);
        Assert.Equal([0L, -1L], prepared.Int64Initializer("shape"));
        Assert.Equal(["N", 2L, 2L], prepared.Inputs[0].Dims);
        Assert.Equal(["N", 4L], prepared.Outputs[0].Dims);

        var path = Path.Combine(_dir, "batch.onnx");
        File.WriteAllBytes(path, result.Bytes);
        using var session = new InferenceSession(path);
        var input = new DenseTensor<float>(new float[] { 1, 1, 1, 1, 2, 2, 2, 2, -1, 0, 1, 0 }, [3, 2, 2]);
        using var outputs = session.Run([NamedOnnxValue.CreateFromTensor("input", input)]);
        var y = outputs[0].AsTensor<float>();
        Assert.Equal([3, 4], y.Dimensions.ToArray());
        Assert.Equal(new float[] { 1, 2, 3, 4, 2, 4, 6, 8, -1, 0, 3, 0 }, y.ToArray());
    }

    [Theory]
    [InlineData(PReluForm.TwoConvs)]
    [InlineData(PReluForm.Depthwise)]
    public void PRelu_rewrite_gives_the_same_outputs_with_convolutions_instead_of_PRelu(PReluForm form)
    {
        // input -> Conv(3x3, 4 -> 8, bias) -> PRelu(slopes in [-0.9, 0.9]) -> Conv(3x3 depthwise, no bias) -> PRelu
        // -> Conv(1x1, 8 -> 8, no bias) -> PRelu(slopes of both signs and one of 1.2: kept by the two-Conv form) ->
        // Conv(1x1) -> PRelu(one shared slope 1.5: the two-Conv form's Relu + Clip) -> output. Random weights; ONNX
        // Runtime runs both graphs on random inputs.
        var rnd = new Random(3);
        float[] R(int n, float scale) => Enumerable.Range(0, n).Select(_ => (float)(rnd.NextDouble() * 2 - 1) * scale).ToArray();
        var b = new OnnxGraphBuilder();
        b.AddInput("input", OnnxDataType.Float, "N", 4L, 9L, 9L);
        var w1 = b.AddFloats("w1", [8, 4, 3, 3], R(8 * 4 * 9, 0.5f));
        var b1 = b.AddFloats("b1", [8], R(8, 0.2f));
        var z1 = b.AddNode("Conv", ["input", w1, b1], null, OnnxAttribute.Of("kernel_shape", 3L, 3L), OnnxAttribute.Of("pads", 1L, 1L, 1L, 1L));
        var s1 = b.AddFloats("s1", [8, 1, 1], R(8, 0.9f));
        var p1 = b.AddNode("PRelu", [z1, s1]);
        var wd = b.AddFloats("wd", [8, 1, 3, 3], R(72, 0.5f));
        var zd = b.AddNode("Conv", [p1, wd], null, OnnxAttribute.Of("kernel_shape", 3L, 3L), OnnxAttribute.Of("pads", 1L, 1L, 1L, 1L), OnnxAttribute.Of("group", 8L));
        var sd = b.AddFloats("sd", [8, 1, 1], R(8, 0.9f));
        var pd = b.AddNode("PRelu", [zd, sd]);
        var w2 = b.AddFloats("w2", [8, 8, 1, 1], R(64, 0.5f));
        var z2 = b.AddNode("Conv", [pd, w2], null, OnnxAttribute.Of("kernel_shape", 1L, 1L));
        var s2 = b.AddFloats("s2", [8, 1, 1], [.. R(7, 0.9f), 1.2f]);
        var p2 = b.AddNode("PRelu", [z2, s2]);
        var w3 = b.AddFloats("w3", [8, 8, 1, 1], R(64, 0.5f));
        var b3 = b.AddFloats("b3", [8], R(8, 0.2f));
        var z3 = b.AddNode("Conv", [p2, w3, b3], null, OnnxAttribute.Of("kernel_shape", 1L, 1L));
        var s3 = b.AddFloats("s3", [1], [1.5f]);
        b.AddNode("PRelu", [z3, s3], "output");
        b.AddOutput("output", OnnxDataType.Float, "N", 8L, 9L, 9L);
        var original = b.ToModelBytes("prelu", 8, 13, "FaceNet tests", "1", "");

        var result = ModelPreparer.Prepare(original, 1e-9f, dynamicBatch: false, rewritePRelu: true, preluForm: form);
        var ops = new OnnxModelFile(result.Bytes).Nodes.Select(n => n.OpType).ToList();
        if (form == PReluForm.TwoConvs)
        {
            Assert.Equal(1, ops.Count(o => o == "PRelu"));   // the one with slopes on both sides of [0, 1]
            Assert.Equal(7, ops.Count(o => o == "Conv"));     // two per rewritten pair, one left
            Assert.Equal(1, ops.Count(o => o == "Clip"));     // the shared slope of 1.5
            Assert.Contains(result.BatchChanges, c => c.StartsWith("3 Conv -> PRelu pairs rewritten as two fused Convs"));
        }
        else
        {
            Assert.Equal(0, ops.Count(o => o == "PRelu"));   // every slope works in z + (1 - s) Relu(-z)
            Assert.Equal(4 + 2 * 4, ops.Count(o => o == "Conv")); // the four published ones, two 1x1 depthwise each
            Assert.Equal(4, ops.Count(o => o == "Relu"));
            Assert.Contains(result.BatchChanges, c => c.StartsWith("4 Conv -> PRelu pairs rewritten as two 1x1 depthwise Convs"));
        }

        File.WriteAllBytes(Path.Combine(_dir, "prelu.onnx"), original);
        File.WriteAllBytes(Path.Combine(_dir, "rewritten.onnx"), result.Bytes);
        using var before = new InferenceSession(Path.Combine(_dir, "prelu.onnx"));
        using var after = new InferenceSession(Path.Combine(_dir, "rewritten.onnx"));
        var x = new DenseTensor<float>(R(2 * 4 * 81, 2f), [2, 4, 9, 9]);
        using var y0 = before.Run([NamedOnnxValue.CreateFromTensor("input", x)]);
        using var y1 = after.Run([NamedOnnxValue.CreateFromTensor("input", x)]);
        var a0 = y0[0].AsTensor<float>().ToArray();
        var a1 = y1[0].AsTensor<float>().ToArray();
        Assert.Equal(a0.Length, a1.Length);
        Assert.Contains(a0, v => v < 0); // negative inputs reached the PRelu: the slopes were exercised
        for (int i = 0; i < a0.Length; i++) Assert.True(MathF.Abs(a0[i] - a1[i]) <= 1e-5f * (1 + MathF.Abs(a0[i])), $"output {i}: {a0[i]} vs {a1[i]}");
    }

    [Fact]
    public void Shipped_MobileFaceNet_batch_gives_what_single_faces_give()
    {
        var manifest = Shipped;
        var d = manifest.Get("MobileFaceNet");
        Assert.True(d.DynamicBatch);
        var session = OnnxSessionCache.Get(manifest, d);
        var rnd = new Random(7);
        var batch = new DenseTensor<float>([3, 3, 112, 112]);
        for (int i = 0; i < batch.Length; i++) batch.Buffer.Span[i] = (float)(rnd.NextDouble() * 2 - 1);
        using var all = session.Run([NamedOnnxValue.CreateFromTensor("input", batch)]);
        var together = all[0].AsTensor<float>();
        Assert.Equal([3, 512], together.Dimensions.ToArray());
        int size = 3 * 112 * 112;
        for (int n = 0; n < 3; n++)
        {
            var one = new DenseTensor<float>(batch.Buffer.Slice(n * size, size).ToArray(), [1, 3, 112, 112]);
            using var single = session.Run([NamedOnnxValue.CreateFromTensor("input", one)]);
            var alone = single[0].AsTensor<float>().ToArray();
            for (int k = 0; k < 512; k++) Assert.Equal(alone[k], together[n, k], 1e-6f);
        }
    }

    [Fact]
    public void Denormal_flush_scope_zeroes_denormals_and_restores_the_thread()
    {
        if (!DenormalFlush.IsSupported) { Assert.False(OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64, "glibc x86-64 must support the flush"); return; }
        float tiny = Opaque(1e-38f), denormal = Opaque(BitConverter.Int32BitsToSingle(1));
        Assert.NotEqual(0f, Multiply(tiny, Opaque(1e-3f)));     // IEEE: a denormal result
        Assert.False(DenormalFlush.IsOnForCurrentThread());
        using (DenormalFlush.Enter())
        {
            Assert.True(DenormalFlush.IsOnForCurrentThread());
            Assert.Equal(0f, Multiply(tiny, Opaque(1e-3f)));    // flush to zero: results
            Assert.Equal(0f, Multiply(denormal, Opaque(1e30f))); // denormals are zero: inputs
            using (DenormalFlush.Enter()) { }                    // nested: the outer scope stays on
            Assert.True(DenormalFlush.IsOnForCurrentThread());
        }
        Assert.False(DenormalFlush.IsOnForCurrentThread());
        Assert.NotEqual(0f, Multiply(denormal, Opaque(1e30f)));
    }

    [Fact]
    public void Model_passes_run_with_denormals_flushed()
    {
        if (!DenormalFlush.IsSupported) return;
        // output = input * 1e-30: 1e-10 in gives a denormal 1e-40 out, unless the pass flushes it.
        var b = new OnnxGraphBuilder();
        b.AddInput("input", OnnxDataType.Float, "N", 4L);
        var k = b.AddFloats("k", [1], [1e-30f]);
        b.AddNode("Mul", ["input", k], "output");
        b.AddOutput("output", OnnxDataType.Float, "N", 4L);
        File.WriteAllBytes(Path.Combine(_dir, "mul.onnx"), b.ToModelBytes("mul", 8, 13, "FaceNet tests", "1", ""));
        var manifest = Shipped.With([new ModelDescriptor { Name = "Mul", Kind = "Embedder", File = Path.Combine(_dir, "mul.onnx"), OutputSize = 4 }]);
        var input = new DenseTensor<float>(new[] { 1e-10f, 2e-10f, 1f, 0f }, [1, 4]);

        using (var plain = new InferenceSession(Path.Combine(_dir, "mul.onnx")))
        using (var raw = plain.Run([NamedOnnxValue.CreateFromTensor("input", input)]))
            Assert.NotEqual(0f, raw[0].AsTensor<float>()[0, 0]); // the test can fail: without the flush the output is denormal

        var session = OnnxSessionCache.Get(manifest, manifest.Get("Mul"));
        using var flushed = session.Run([NamedOnnxValue.CreateFromTensor("input", input)]);
        var y = flushed[0].AsTensor<float>();
        Assert.Equal(0f, y[0, 0]);
        Assert.Equal(0f, y[0, 1]);
        Assert.Equal(1e-30f, y[0, 2]);
        Assert.False(DenormalFlush.IsOnForCurrentThread()); // the caller's mode is back
    }

    private static byte[] TinyModel(float[] weights, long[] inputDims, long[] outputDims)
    {
        var b = new OnnxGraphBuilder();
        b.AddInput("input", OnnxDataType.Float, inputDims.Cast<object>().ToArray());
        var w = b.AddFloats("w", [weights.Length], weights);
        b.AddNode("Mul", ["input", w], "output");
        b.AddOutput("output", OnnxDataType.Float, outputDims.Cast<object>().ToArray());
        return b.ToModelBytes("tiny", 8, 13, "FaceNet tests", "1", "");
    }

    private static float[] Floats(OnnxModelFile model)
    {
        var values = new List<float>();
        foreach (var t in model.FloatTensors()) t.Visit(v => { values.Add(v); return v; });
        return [.. values];
    }

    // Not inlined, so the JIT cannot fold the arithmetic at compile time, where the thread's mode does not apply.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Opaque(float v) => v;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Multiply(float a, float b) => a * b;
}
