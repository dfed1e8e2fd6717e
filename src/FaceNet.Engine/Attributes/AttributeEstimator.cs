using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Landmarks;
using FaceNet.Engine.Models;

namespace FaceNet.Engine.Attributes;

/// <summary>
/// Expression, age and gender of faces from one or more attribute models: each attribute is the weighted mean of
/// what the models that give it say (probabilities per class, years), so an ensemble needs no code. Only the models
/// giving an attribute that was asked for run.
/// </summary>
public sealed class AttributeEstimator
{
    private readonly OnnxAttributeModel[] _models;

    public AttributeEstimator(ModelManifest manifest, IEnumerable<string> modelNames)
    {
        _models = modelNames.Select(n =>
        {
            var d = manifest.Get(n);
            if (!d.IsAttributeModel) throw new ArgumentException($"Model '{d.Name}' is a {d.Kind}, not an attribute model.");
            return new OnnxAttributeModel(manifest, d);
        }).ToArray();
        foreach (var m in _models) Available |= m.Provides;
    }

    private static readonly ConditionalWeakTable<ModelManifest, AttributeEstimator> s_defaults = new();

    /// <summary>The manifest's default attribute models (DefaultAttributeModels), built once per manifest.</summary>
    public static AttributeEstimator For(ModelManifest manifest) =>
        s_defaults.GetValue(manifest, m => new AttributeEstimator(m, m.DefaultAttributeModels));

    public FaceAttributeKinds Available { get; }

    /// <summary>The models that run when these attributes are asked for.</summary>
    public IReadOnlyList<string> ModelsFor(FaceAttributeKinds kinds) =>
        _models.Where(m => (m.Provides & kinds) != 0).Select(m => m.Name).ToList();

    /// <summary>Expression classes that no model in use gives (a five-class model, say): they read as unknown.</summary>
    public IReadOnlyList<string> MissingExpressions
    {
        get
        {
            var given = new bool[ExpressionClasses.Count];
            foreach (var o in _models.SelectMany(m => m.Outputs).Where(o => o.Attribute == "Expression"))
                foreach (var c in o.Classes ?? [])
                    if (c is not null && ExpressionClasses.IndexOf(c) is int k and >= 0) given[k] = true;
            return ExpressionClasses.Names.Where((_, i) => !given[i]).ToList();
        }
    }

    public void Preload(FaceAttributeKinds kinds, ModelManifest manifest)
    {
        foreach (var m in _models.Where(m => (m.Provides & kinds) != 0)) OnnxSessionCache.Preload(manifest, manifest.Get(m.Name));
    }

    public FaceAttributeEstimate[] Estimate(FaceImage image, IReadOnlyList<FaceLandmarks> faces, FaceAttributeKinds kinds)
    {
        int n = faces.Count;
        var expressions = new float[n][];
        var expressionWeights = new float[n][];
        var age = new float[n]; var ageWeight = new float[n];
        var female = new float[n]; var genderWeight = new float[n];
        for (int i = 0; i < n; i++) { expressions[i] = new float[ExpressionClasses.Count]; expressionWeights[i] = new float[ExpressionClasses.Count]; }
        foreach (var model in _models)
        {
            if ((model.Provides & kinds) == 0) continue;
            var outputs = model.Run(image, faces);
            for (int o = 0; o < model.Outputs.Count; o++)
            {
                var spec = model.Outputs[o];
                for (int i = 0; i < n; i++)
                {
                    var values = outputs[i][o];
                    switch (spec.Attribute)
                    {
                        case "Expression" when kinds.HasFlag(FaceAttributeKinds.Expression):
                            AddClasses(values, spec, expressions[i], expressionWeights[i], ExpressionClasses.IndexOf);
                            break;
                        case "Age" when kinds.HasFlag(FaceAttributeKinds.Age):
                            age[i] += spec.Weight * values[0]; ageWeight[i] += spec.Weight;
                            break;
                        case "Gender" when kinds.HasFlag(FaceAttributeKinds.Gender):
                            var pair = new float[2]; var pairWeight = new float[2];
                            AddClasses(values, spec, pair, pairWeight, GenderClasses.IndexOf);
                            if (pairWeight[0] > 0 && pairWeight[1] > 0)
                            {
                                female[i] += spec.Weight * pair[0] / (pair[0] + pair[1]);
                                genderWeight[i] += spec.Weight;
                            }
                            break;
                    }
                }
            }
        }
        var result = new FaceAttributeEstimate[n];
        for (int i = 0; i < n; i++)
        {
            float[]? expr = null;
            if (kinds.HasFlag(FaceAttributeKinds.Expression) && expressionWeights[i].Any(w => w > 0))
            {
                expr = new float[ExpressionClasses.Count];
                float sum = 0;
                for (int k = 0; k < expr.Length; k++)
                {
                    expr[k] = expressionWeights[i][k] > 0 ? expressions[i][k] / expressionWeights[i][k] : float.NaN;
                    if (!float.IsNaN(expr[k])) sum += expr[k];
                }
                // Models with different class sets: the known classes still sum to one.
                if (sum > 0) for (int k = 0; k < expr.Length; k++) expr[k] /= sum;
            }
            result[i] = new FaceAttributeEstimate(
                expr,
                ageWeight[i] > 0 ? age[i] / ageWeight[i] : null,
                genderWeight[i] > 0 ? female[i] / genderWeight[i] : null);
        }
        return result;
    }

    private static void AddClasses(float[] values, AttributeOutput spec, float[] sums, float[] weights, Func<string, int> indexOf)
    {
        var classes = spec.Classes ?? [];
        for (int c = 0; c < classes.Length && c < values.Length; c++)
        {
            if (classes[c] is not string name || indexOf(name) is not (int k and >= 0)) continue;
            sums[k] += spec.Weight * values[c];
            weights[k] += spec.Weight;
        }
    }
}
