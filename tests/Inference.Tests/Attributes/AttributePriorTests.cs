using Ootd.Inference;
using Ootd.Inference.Attributes;
using Ootd.Inference.Models;
using Xunit;

namespace Ootd.Tests;

public class PriorCombinationTests
{
    private static readonly float[] WrongHeadOnADress = [0.7f, 0.2f, 0.06f, 0.03f, 0.01f];   // Men, Women, Unisex, Girls, Boys
    private static readonly float[] DressPrior = [0.02f, 0.9f, 0.02f, 0.05f, 0.01f];

    [Fact]
    public void Combined_probabilities_are_a_distribution()
    {
        var rng = new Random(3);
        foreach (var power in new[] { 0f, 0.25f, 1f, 3f, 40f })
            for (int t = 0; t < 20; t++)
            {
                var head = Distribution(rng, 5);
                var prior = Distribution(rng, 5);
                var p = PriorCombination.Combine(head, prior, power);
                Assert.All(p, v => Assert.InRange(v, 0f, 1f));
                Assert.Equal(1.0, p.Sum(), 4);
            }
    }

    [Fact]
    public void A_strong_prior_flips_a_wrong_head_on_a_dress()
    {
        var p = PriorCombination.Combine(WrongHeadOnADress, DressPrior, 1f);
        Assert.Equal(1, Array.IndexOf(p, p.Max()));   // Women
        // Bayes: 0.2·0.9 against 0.7·0.02
        Assert.Equal(0.2 * 0.9 / (0.7 * 0.02 + 0.2 * 0.9 + 0.06 * 0.02 + 0.03 * 0.05 + 0.01 * 0.01), p[1], 4);
    }

    [Fact]
    public void The_power_sets_how_much_the_head_counts()
    {
        var priorOnly = PriorCombination.Combine(WrongHeadOnADress, DressPrior, 0f);
        Assert.Equal(DressPrior.Select(v => (double)v), priorOnly.Select(v => (double)v), new Tolerance(1e-5));
        // a head sure enough, with a large power, beats the prior
        var sureHead = new[] { 0.98f, 0.01f, 0.005f, 0.003f, 0.002f };
        var headWins = PriorCombination.Combine(sureHead, DressPrior, 8f);
        Assert.Equal(0, Array.IndexOf(headWins, headWins.Max()));
        // a smaller power moves the result towards the prior
        Assert.True(PriorCombination.Combine(WrongHeadOnADress, DressPrior, 0.5f)[1] > PriorCombination.Combine(WrongHeadOnADress, DressPrior, 2f)[1]);
    }

    [Fact]
    public void A_zero_head_value_can_still_win_with_the_prior_and_a_zero_prior_value_never_does()
    {
        var p = PriorCombination.Combine([1f, 0f], [1e-9f, 1f - 1e-9f], 0.05f);
        Assert.True(p[1] > p[0]);
        var q = PriorCombination.Combine([0.01f, 0.99f], [1f, 0f], 1f);
        Assert.Equal(new[] { 1f, 0f }, q);
    }

    [Fact]
    public void Bad_inputs_are_clear_errors()
    {
        Assert.Throws<ArgumentException>(() => PriorCombination.Combine([0.5f, 0.5f], [1f], 1f));
        Assert.Throws<ArgumentException>(() => PriorCombination.Combine([], [], 1f));
        Assert.Throws<ArgumentException>(() => PriorCombination.Combine([0.5f, 0.5f], [0.5f, 0.5f], -1f));
        Assert.Throws<ArgumentException>(() => PriorCombination.Combine([0.5f, 0.5f], [0.5f, 0.5f], float.NaN));
        Assert.Throws<ArgumentException>(() => PriorCombination.Combine([float.NaN, 0.5f], [0.5f, 0.5f], 1f));
        Assert.Throws<ArgumentException>(() => PriorCombination.Combine([0.5f, 0.5f], [-0.5f, 1.5f], 1f));
    }

    private static float[] Distribution(Random rng, int n)
    {
        var v = Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble() + 1e-3f).ToArray();
        float s = v.Sum();
        return v.Select(x => x / s).ToArray();
    }

    private sealed class Tolerance(double eps) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= eps;
        public int GetHashCode(double v) => 0;
    }
}

public class AttributeReaderTests
{
    private static readonly string[] Genders = ["Men", "Women", "Unisex"];
    private static readonly string[] Seasons = ["Summer", "Winter"];
    private static readonly string[] Subs = ["dress", "tshirt", "backpack"];

    private static ModelManifest Tagger(AttributePriorSpec? prior) => new()
    {
        Name = "tagger", Kind = "attribute-tagger", File = "tagger.onnx", Rebuild = "test",
        Inputs = [new TensorSpec("features", [-1, 512])],
        Outputs = [new TensorSpec("gender", [-1, 3], "softmax", Genders), new TensorSpec("season", [-1, 2], "sigmoid", Seasons)],
        AttributeGroups =
        [
            new AttributeGroupSpec("gender", false, "gender", Genders, Subs, "test", prior),
            new AttributeGroupSpec("season", true, "season", Seasons, ["dress", "tshirt"], "test"),
        ],
        NotCovered = ["pattern"],
    };

    private static readonly AttributePriorSpec Prior = new(
        new() { ["dress"] = [0.02f, 0.96f, 0.02f], ["tshirt"] = [0.6f, 0.3f, 0.1f] }, [0.5f, 0.4f, 0.1f],
        ProductHeadPower: 4f, OutfitHeadPower: 0.25f, Source: "test");

    private static readonly Dictionary<string, float[]> MenHead = new() { ["gender"] = [0.8f, 0.15f, 0.05f], ["season"] = [0.9f, 0.6f] };

    [Fact]
    public void Without_a_prior_the_head_is_shown_as_it_is()
    {
        var reading = new AttributeReader(Tagger(null)).Read(MenHead, "dress", PhotoKind.Outfit);
        var gender = Assert.Single(reading.Attributes, a => a.Group == "gender");
        Assert.Equal(("Men", 0.8f), (gender.Values[0].Label, gender.Values[0].Probability));
        Assert.Equal(new[] { 0.8f, 0.15f, 0.05f, 0.9f, 0.6f }, reading.Vector);
        var season = Assert.Single(reading.Attributes, a => a.Group == "season");
        Assert.Equal(new[] { "Summer", "Winter" }, season.Values.Select(v => v.Label));
    }

    [Fact]
    public void On_an_outfit_photo_the_prior_counts_more_than_on_a_product_photo()
    {
        var reader = new AttributeReader(Tagger(Prior));
        var outfit = reader.Read(MenHead, "dress", PhotoKind.Outfit);
        var product = reader.Read(MenHead, "dress", PhotoKind.Product);
        var shownOutfit = Assert.Single(Assert.Single(outfit.Attributes, a => a.Group == "gender").Values);
        var shownProduct = Assert.Single(Assert.Single(product.Attributes, a => a.Group == "gender").Values);
        Assert.Equal("Women", shownOutfit.Label);
        Assert.Equal(PriorCombination.Combine(MenHead["gender"], Prior.For("dress"), 0.25f)[1], shownOutfit.Probability, 5);
        Assert.Equal("Men", shownProduct.Label);   // 0.8^4·0.02 > 0.15^4·0.96
        // the recommender's vector is the head's raw output either way
        Assert.Equal(new[] { 0.8f, 0.15f, 0.05f, 0.9f, 0.6f }, outfit.Vector);
        Assert.Equal(outfit.Vector, product.Vector);
        // a sub-category without a row uses the overall distribution
        Assert.Equal(PriorCombination.Combine(MenHead["gender"], Prior.Overall, 0.25f),
            AttributeReader.Shown(reader.Group("gender")!, MenHead["gender"], "backpack", PhotoKind.Outfit));
    }

    [Fact]
    public void Groups_that_do_not_apply_are_left_out_and_missing_outputs_are_clear_errors()
    {
        var reader = new AttributeReader(Tagger(Prior));
        var bag = reader.Read(MenHead, "backpack", PhotoKind.Outfit);
        Assert.DoesNotContain(bag.Attributes, a => a.Group == "season");
        Assert.Equal(5, bag.Vector.Length);
        Assert.Throws<ArgumentException>(() => reader.Read(new Dictionary<string, float[]> { ["gender"] = [0.5f, 0.5f, 0f] }, "dress", PhotoKind.Outfit));
        Assert.Throws<ArgumentException>(() => reader.Read(new Dictionary<string, float[]> { ["gender"] = [1f, 0f], ["season"] = [0f, 0f] }, "dress", PhotoKind.Outfit));
    }
}

public class AttributePriorManifestTests
{
    private const string Old = """
        {
          "name": "tagger", "kind": "attribute-tagger", "file": "tagger.onnx", "rebuild": "old",
          "inputs": [{ "name": "features", "shape": [-1, 512] }],
          "outputs": [{ "name": "gender", "shape": [-1, 2], "activation": "softmax", "labels": ["Men", "Women"] }],
          "attributeGroups": [{ "name": "gender", "multiLabel": false, "output": "gender", "labels": ["Men", "Women"],
                                "appliesTo": ["dress", "jeans"], "source": "products" }]
        }
        """;

    private static string WithPrior(string prior) => Old.Replace("\"source\": \"products\" }", $"\"source\": \"products\", \"prior\": {prior} }}");

    [Fact]
    public void A_manifest_without_priors_still_loads_and_reads_as_before()
    {
        var manifest = ModelManifest.Parse(Old);
        Assert.Null(manifest.AttributeGroups![0].Prior);
        var reading = new AttributeReader(manifest).Read(new Dictionary<string, float[]> { ["gender"] = [0.7f, 0.3f] }, "dress", PhotoKind.Outfit);
        Assert.Equal(("Men", 0.7f), (reading.Attributes[0].Values[0].Label, reading.Attributes[0].Values[0].Probability));
        Assert.DoesNotContain("prior", manifest.ToJson());
    }

    [Fact]
    public void A_manifest_with_a_prior_loads_and_round_trips()
    {
        var json = WithPrior("""
            { "bySubCategory": { "dress": [0.05, 0.95] }, "overall": [0.6, 0.4], "productHeadPower": 1, "outfitHeadPower": 0.5, "source": "train" }
            """);
        var prior = ModelManifest.Parse(json).AttributeGroups![0].Prior!;
        Assert.Equal(new[] { 0.05f, 0.95f }, prior.For("dress"));
        Assert.Equal(new[] { 0.6f, 0.4f }, prior.For("jeans"));
        Assert.Equal((1f, 0.5f), (prior.ProductHeadPower, prior.OutfitHeadPower));
        var again = ModelManifest.Parse(ModelManifest.Parse(json).ToJson()).AttributeGroups![0].Prior!;
        Assert.Equal(prior.For("dress"), again.For("dress"));
        Assert.Equal(prior.Overall, again.Overall);
        var shown = new AttributeReader(ModelManifest.Parse(json)).Read(new Dictionary<string, float[]> { ["gender"] = [0.7f, 0.3f] }, "dress", PhotoKind.Outfit);
        Assert.Equal("Women", shown.Attributes[0].Values[0].Label);
    }

    [Theory]
    [InlineData("""{ "bySubCategory": { "dress": [0.05, 0.9, 0.05] }, "overall": [0.6, 0.4], "productHeadPower": 1, "outfitHeadPower": 1, "source": "x" }""")]
    [InlineData("""{ "bySubCategory": { "dress": [0.5, 0.2] }, "overall": [0.6, 0.4], "productHeadPower": 1, "outfitHeadPower": 1, "source": "x" }""")]
    [InlineData("""{ "bySubCategory": { "dress": [0.5, 0.5] }, "productHeadPower": 1, "outfitHeadPower": 1, "source": "x" }""")]
    [InlineData("""{ "bySubCategory": { "dress": [0.5, 0.5] }, "overall": [0.6, 0.4], "productHeadPower": -1, "outfitHeadPower": 1, "source": "x" }""")]
    [InlineData("""{ "overall": [0.6, 0.4], "productHeadPower": 1, "outfitHeadPower": 1, "source": "x" }""")]
    public void A_prior_that_does_not_fit_its_group_is_a_clear_error(string prior) =>
        Assert.Throws<InvalidDataException>(() => ModelManifest.Parse(WithPrior(prior)));

    [Fact]
    public void The_committed_tagger_has_a_gender_prior_for_every_sub_category_it_saw()
    {
        var gender = ModelRepository.Default().Get("tagger").AttributeGroups!.Single(g => g.Name == "gender");
        var prior = Assert.IsType<AttributePriorSpec>(gender.Prior);
        Assert.Equal(gender.Labels.Length, prior.Overall.Length);
        int women = Array.IndexOf(gender.Labels, "Women");
        foreach (var sub in new[] { "dress", "skirt", "heels" }) Assert.Equal(women, Array.IndexOf(prior.For(sub), prior.For(sub).Max()));
        Assert.True(prior.OutfitHeadPower <= prior.ProductHeadPower);
    }
}
