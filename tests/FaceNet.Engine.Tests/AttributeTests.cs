using FaceNet.Engine.Alignment;
using FaceNet.Engine.Attributes;
using FaceNet.Engine.Geometry;
using FaceNet.Engine.Imaging;
using FaceNet.Engine.Landmarks;
using FaceNet.Engine.Models;
using FaceNet.Engine.Pipeline;
using FaceNet.TestSupport;
using Xunit;

namespace FaceNet.Engine.Tests;

/// <summary>Expression, age and gender: the shipped attribute models on the demo photos and on face crops, and the combination rules.</summary>
public sealed class AttributeTests
{
    private static ModelManifest Manifest => ModelManifest.Load(Path.Combine(TestData.ModelsDir, "models.json"));

    private static (FaceImage Image, IReadOnlyList<AnalyzedFace> Faces) Demo(FaceAnalyzer analyzer, int sample)
    {
        var image = ImageLoader.Load(TestData.Sample(sample));
        return (image, analyzer.Detect(image));
    }

    [Fact]
    public void The_default_models_give_all_three_attributes_and_every_expression()
    {
        var estimator = AttributeEstimator.For(Manifest);
        Assert.Equal(FaceAttributeKinds.All, estimator.Available);
        Assert.Empty(estimator.MissingExpressions);
    }

    [Fact]
    public void A_face_gives_the_same_attributes_alone_as_in_a_batch_with_the_others()
    {
        var m = Manifest;
        var analyzer = new FaceAnalyzer(m);
        var (image, faces) = Demo(analyzer, 5);
        using (image)
        {
            Assert.Equal(5, faces.Count);
            var together = analyzer.EstimateAttributes(image, faces, FaceAttributeKinds.All);
            for (int i = 0; i < faces.Count; i++)
            {
                var alone = analyzer.EstimateAttributes(image, [faces[i]], FaceAttributeKinds.All)[0];
                for (int k = 0; k < ExpressionClasses.Count; k++) Assert.Equal(together[i].Expressions![k], alone.Expressions![k], 4);
                Assert.Equal(together[i].Age!.Value, alone.Age!.Value, 3);
                Assert.Equal(together[i].FemaleProbability!.Value, alone.FemaleProbability!.Value, 4);
            }
        }
    }

    [Fact]
    public void Asking_for_one_attribute_leaves_the_others_unset()
    {
        var analyzer = new FaceAnalyzer(Manifest);
        var (image, faces) = Demo(analyzer, 1);
        using (image)
        {
            var e = analyzer.EstimateAttributes(image, faces, FaceAttributeKinds.Age)[0];
            Assert.Null(e.Expressions);
            Assert.Null(e.FemaleProbability);
            Assert.InRange(e.Age!.Value, 15, 60);
        }
    }

    /// <summary>
    /// A model with fewer classes maps onto the seven: the classes it lacks stay unknown (NaN, listed as missing), the
    /// ones it gives still sum to one. Made from the shipped expression model by naming only five of its classes.
    /// </summary>
    [Fact]
    public void A_model_with_fewer_classes_leaves_the_others_unknown()
    {
        var m = Manifest;
        var fer = m.Get("FerMobileFaceNet");
        // The model's order: angry, disgust, fearful, happy, neutral, sad, surprised; drop disgust and fearful.
        var five = fer with
        {
            Name = "FerFive",
            Outputs = [fer.Outputs![0] with { Classes = ["Angry", null, null, "Happy", "Neutral", "Sad", "Surprised"] }],
        };
        var manifest = m.With([five]);
        var estimator = new AttributeEstimator(manifest, ["FerFive"]);
        Assert.Equal(["Fearful", "Disgusted"], estimator.MissingExpressions);
        Assert.Equal(FaceAttributeKinds.Expression, estimator.Available);
        using var image = ImageLoader.Load(TestData.Sample(1));
        var faces = new FaceAnalyzer(manifest).Detect(image);
        var e = estimator.Estimate(image, faces.Select(f => f.Landmarks).ToList(), FaceAttributeKinds.All)[0];
        Assert.True(float.IsNaN(e.Expressions![ExpressionClasses.IndexOf("Fearful")]));
        Assert.True(float.IsNaN(e.Expressions[ExpressionClasses.IndexOf("Disgusted")]));
        Assert.Equal(1f, e.Expressions.Where(p => !float.IsNaN(p)).Sum(), 4);
        Assert.Equal("Happy", e.Expression);
        Assert.Null(e.Age);
    }

    [Fact]
    public void Two_models_of_one_attribute_average_by_weight()
    {
        var m = Manifest;
        var fer = m.Get("FerMobileFaceNet");
        var heavy = fer with { Name = "FerHeavy", Outputs = [fer.Outputs![0] with { Weight = 3 }] };
        var manifest = m.With([heavy]);
        using var image = ImageLoader.Load(TestData.Sample(2));
        var faces = new FaceAnalyzer(manifest).Detect(image).Select(f => f.Landmarks).ToList();
        var one = new AttributeEstimator(manifest, ["FerMobileFaceNet"]).Estimate(image, faces, FaceAttributeKinds.Expression);
        var both = new AttributeEstimator(manifest, ["FerMobileFaceNet", "FerHeavy"]).Estimate(image, faces, FaceAttributeKinds.Expression);
        // The same model twice, at any weights, is the model alone.
        for (int i = 0; i < faces.Count; i++)
            for (int k = 0; k < ExpressionClasses.Count; k++) Assert.Equal(one[i].Expressions![k], both[i].Expressions![k], 5);
    }

    [Fact]
    public void A_fixed_batch_graph_gives_what_the_dynamic_batch_gives()
    {
        var m = Manifest;
        var ageGender = m.Get("FaceApiAgeGender");
        Assert.True(ageGender.Mirror);
        // The same file run as if its graph took batch 1 only: each face, then each of its two views, in its own pass.
        var manifest = m.With([ageGender with { Name = "OneByOne", DynamicBatch = false }]);
        using var image = ImageLoader.Load(TestData.Sample(5));
        var faces = new FaceAnalyzer(manifest).Detect(image).Select(f => f.Landmarks).ToList();
        var batched = new AttributeEstimator(manifest, ["FaceApiAgeGender"]).Estimate(image, faces, FaceAttributeKinds.All);
        var single = new AttributeEstimator(manifest, ["OneByOne"]).Estimate(image, faces, FaceAttributeKinds.All);
        for (int i = 0; i < faces.Count; i++)
        {
            Assert.Equal(batched[i].Age!.Value, single[i].Age!.Value, 3);
            Assert.Equal(batched[i].FemaleProbability!.Value, single[i].FemaleProbability!.Value, 4);
        }
    }

    [Fact]
    public void LandmarkBox_centres_the_padded_landmark_box_in_a_square_with_black_sides()
    {
        // A tall face: landmarks spanning 100 x 200 px from (50, 20).
        var points = Enumerable.Range(0, 68).Select(i => new PointF2(50 + (i % 2) * 100, 20 + (i % 3) * 100)).ToList();
        var landmarks = FaceLandmarks.From68(points);
        var spec = new AlignmentSpec { Method = "LandmarkBox", Padding = 0.2f };
        // Padded box: 120 x 240 at (40, 0); square side 240 centred on x 100, so 60 px black each side; 112 px out.
        var rect = FaceAligner.ContentRect(landmarks, spec, 112, 112)!.Value;
        Assert.Equal((28, 0, 84, 112), rect);
        var t = FaceAligner.TransformFor(landmarks, spec, 112, 112);
        var corner = t.MapPoint(40, 0);
        Assert.Equal(28f, corner.X, 3);
        Assert.Equal(0f, corner.Y, 3);
    }

    [Fact]
    public void Grey_48px_crops_of_the_demo_faces_keep_their_expression()
    {
        var m = Manifest;
        var analyzer = new FaceAnalyzer(m);
        int same = 0, total = 0;
        foreach (int sample in new[] { 1, 3, 5 })
        {
            var (image, faces) = Demo(analyzer, sample);
            using (image)
            {
                var full = analyzer.EstimateAttributes(image, faces, FaceAttributeKinds.Expression);
                for (int i = 0; i < faces.Count; i++)
                {
                    // Clear expressions only: a face the models call at 0.6 can go either way at 48 px.
                    if (full[i].Expressions![full[i].ExpressionIndex] < 0.9f) continue;
                    using var crop = TightCropTests.TightGreyCrop(image, faces[i].Box, 48, 48);
                    var found = analyzer.Detect(crop);
                    Assert.True(found.Count >= 1, $"sample{sample} face {i}: no face in its 48x48 grey crop");
                    var e = analyzer.EstimateAttributes(crop, [found.MaxBy(f => f.Box.Area)!], FaceAttributeKinds.Expression)[0];
                    total++;
                    if (e.Expression == full[i].Expression) same++;
                }
            }
        }
        // A 48 px grey crop keeps a clear expression for nearly every face.
        Assert.True(total >= 6, $"only {total} clear faces");
        Assert.True(same >= total - 1, $"{same} of {total} crops kept their expression");
    }
}
