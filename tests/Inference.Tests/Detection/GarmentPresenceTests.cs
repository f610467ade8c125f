using Ootd.Inference;
using Ootd.Inference.Models;
using Ootd.Inference.Parsing;
using Xunit;

namespace Ootd.Tests.Detection;

/// <summary>
/// The garment-presence head (models/garments.onnx) and what it reads (<see cref="GarmentRegionFeatures"/>). The two
/// street photos are CCP test photos the head never trained on (Fixtures/README.md): 0043 shows a coat, trousers, a hat
/// and sneakers; 0380 a dress, stockings and a bag (CCP labels of at least 1,500 pixels).
/// </summary>
public sealed class GarmentPresenceTests(AnalyzerFixture fixture) : IClassFixture<AnalyzerFixture>
{
    private static byte[] Photo(string name) => TestImages.Fixture(name);

    [Fact]
    public void Region_features_are_each_garment_class_s_probability_weighted_mean_its_mass_and_the_plain_mean()
    {
        // Two cells of width 2, three classes (two garments + background), class-major probabilities.
        float[] rows = [1, 2, 3, 4];
        float[] probabilities = [1, 0, 0.25f, 0.75f, 0, 0.25f];
        var x = GarmentRegionFeatures.Of(rows, 2, probabilities, 3, 2);
        Assert.Equal(GarmentRegionFeatures.WidthFor(2, 3), x.Length);
        Assert.Equal([1f, 2f], x[0..2]);                      // class 0: only the first cell
        Assert.Equal([2.5f, 3.5f], x[2..4]);                  // class 1: (0.25·[1,2] + 0.75·[3,4]) / 1
        Assert.Equal([0.5f, 0.5f], x[4..6]);                  // mean probability of each garment class
        Assert.Equal([2f, 3f], x[6..8]);                      // every cell alike
        // A class nowhere in the photo: zeros, not NaN.
        var none = GarmentRegionFeatures.Of(rows, 2, [0, 0, 1, 1, 0, 0], 3, 2);
        Assert.Equal([0f, 0f], none[0..2]);
        Assert.Throws<ArgumentException>(() => GarmentRegionFeatures.Of(rows, 2, [1, 0, 0], 3, 2));
        Assert.Throws<ArgumentException>(() => GarmentRegionFeatures.Of(rows[..3], 2, probabilities, 3, 2));
    }

    [Fact]
    public void The_committed_head_reads_the_parser_s_regions_and_names_its_labels()
    {
        var repo = ModelRepository.Default();
        var garments = repo.Get("garments");
        var parser = repo.Get("parser").Parser!;
        Assert.Equal(GarmentRegionFeatures.WidthFor(898, parser.Classes.Length), garments.Inputs[0].Shape[^1]);
        Assert.Contains("skirt", garments.Outputs[0].Labels!);
        Assert.Contains("stockings", garments.Outputs[0].Labels!);
    }

    [Theory]
    [InlineData("shot-outfit-1.jpg", new[] { "coat", "pants" }, new[] { "dress", "skirt" })]
    [InlineData("shot-outfit-2.jpg", new[] { "dress", "stockings" }, new[] { "pants", "jeans" })]
    public void A_post_names_the_garments_its_photo_shows_above_those_it_does_not(string name, string[] shown, string[] absent)
    {
        var analysis = fixture.Analyzer.Analyze(Photo(name), PhotoKind.Post);
        Assert.Equal(PhotoKind.Outfit, analysis.Kind);
        Assert.Equal(ModelRepository.Default().Get("garments").Outputs[0].Labels!, analysis.Garments.Select(g => g.Label));
        Assert.All(analysis.Garments, g => Assert.InRange(g.Probability, 0f, 1f));
        var p = analysis.Garments.ToDictionary(g => g.Label, g => g.Probability);
        foreach (var s in shown)
            foreach (var a in absent)
                Assert.True(p[s] > p[a] + 0.1f, $"{name}: {s} {p[s]:F3} against {a} {p[a]:F3}");
    }

    [Fact]
    public void A_product_photo_names_no_garments()
    {
        var analysis = fixture.Analyzer.Analyze(Photo("shot-single-2.jpg"), PhotoKind.Product);
        Assert.Equal(PhotoKind.Product, analysis.Kind);
        Assert.Empty(analysis.Garments);
    }
}
