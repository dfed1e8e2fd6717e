using FaceNet.Engine.Models;
using FaceNet.Engine.Verification;
using Xunit;
using FaceNet.TestSupport;

namespace FaceNet.Engine.Tests;

/// <summary>The threshold rules of Compare-Face, Test-FaceMatch and Find-Face, tested without PowerShell.</summary>
public class ThresholdPolicyTests
{
    private static readonly ModelManifest Shipped = ModelManifest.Load(Path.Combine(TestData.ModelsDir, "models.json"));

    [Fact]
    public void TheDefaultReadsFiftyAndAnExplicitSimilarityRoundTrips()
    {
        var model = Shipped.DefaultEmbedder;
        var d = ThresholdPolicy.Resolve(Shipped, model);
        Assert.Equal(50, d.Similarity);
        Assert.Equal(d.Scale.ThresholdCosine, d.Cosine);
        Assert.Null(d.Explanation);
        var t = ThresholdPolicy.Resolve(Shipped, model, similarity: 70);
        Assert.Equal(70, t.Similarity);
        Assert.Equal(70, t.Scale.ToSimilarity(t.Cosine), 6);
        Assert.True(t.Cosine > d.Cosine);
    }

    [Fact]
    public void AFalseMatchRateIsLookedUpInTheMeasuredTable()
    {
        var model = Shipped.DefaultEmbedder;
        var loose = ThresholdPolicy.Resolve(Shipped, model, falseMatchRate: 1e-2);
        var strict = ThresholdPolicy.Resolve(Shipped, model, falseMatchRate: 1e-4);
        Assert.True(loose.Cosine < strict.Cosine);
        // The default keeps false matches at or below 1e-3 on every set measured, so 1e-3's threshold is at most it.
        Assert.True(ThresholdPolicy.Resolve(Shipped, model, falseMatchRate: 1e-3).Cosine <= ThresholdPolicy.Resolve(Shipped, model).Cosine + 1e-12);
        Assert.StartsWith("False match rate", strict.Explanation);
        Assert.Equal(strict.Scale.ToSimilarity(strict.Cosine), strict.Similarity);
    }

    [Fact]
    public void RefusesBothAtOnceARateTooLowAndAnUncalibratedModel()
    {
        var model = Shipped.DefaultEmbedder;
        Assert.Equal(ThresholdProblem.Conflict, Assert.Throws<ThresholdPolicyException>(() => ThresholdPolicy.Resolve(Shipped, model, 50, 1e-3)).Problem);
        var low = Assert.Throws<ThresholdPolicyException>(() => ThresholdPolicy.Resolve(Shipped, model, falseMatchRate: 1e-9));
        Assert.Equal(ThresholdProblem.RateTooLow, low.Problem);
        Assert.IsType<FalseMatchRateException>(low.InnerException);
        Assert.Equal(ThresholdProblem.Uncalibrated, Assert.Throws<ThresholdPolicyException>(() => ThresholdPolicy.Resolve(Shipped, "NotAModel", falseMatchRate: 1e-3)).Problem);
        // An unknown model still compares, on an uncalibrated linear scale.
        Assert.Equal(0.5, ThresholdPolicy.Resolve(Shipped, "NotAModel").Cosine, 6);
    }

    [Fact]
    public void ATableMeasuredWithOtherModelSettingsIsRefused()
    {
        var model = Shipped.Get(Shipped.DefaultEmbedder);
        var changed = Shipped.With([model with { Mirror = !model.Mirror }]);
        var ex = Assert.Throws<ThresholdPolicyException>(() => ThresholdPolicy.Resolve(changed, model.Name, falseMatchRate: 1e-3));
        Assert.Equal(ThresholdProblem.Uncalibrated, ex.Problem);
        Assert.Contains("measured again", ex.Message);
    }
}
