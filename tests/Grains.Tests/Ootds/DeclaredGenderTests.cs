using Ootd.Grains.Inference;
using Ootd.Grains.Ootds;
using Ootd.Grains.Users;
using Ootd.Inference.Models;
using Xunit;

namespace Ootd.Tests.Ootds;

public class DeclaredGenderTests
{
    private static readonly string[] Labels = ["Men", "Women", "Unisex", "Girls", "Boys"];
    private static readonly string[] Subs = ["dress", "jeans", "formal_shoes", "heels", "backpack"];

    private static readonly AttributePriorSpec Prior = new(
        new()
        {
            ["dress"] = [0.03f, 0.62f, 0.04f, 0.27f, 0.04f],
            ["jeans"] = [0.68f, 0.28f, 0.01f, 0.01f, 0.02f],
            ["formal_shoes"] = [0.96f, 0.01f, 0.01f, 0.01f, 0.01f],   // the women's side has 3 %: exclusive to men
            ["heels"] = [0.01f, 0.97f, 0.01f, 0.005f, 0.005f],        // the men's side has 2.5 %: exclusive to women
            ["backpack"] = [0.11f, 0.02f, 0.85f, 0.01f, 0.01f],       // Unisex counts for both sides
        },
        [0.6f, 0.3f, 0.05f, 0.03f, 0.02f], ProductHeadPower: 1, OutfitHeadPower: 0.25f, Source: "test");

    private static AttributeGroupSpec Group(AttributePriorSpec? prior = null) =>
        new("gender", false, "gender", Labels, Subs, "test", prior ?? Prior);

    private static OotdItem Item(string sub, string modelGender = "Men", float confidence = 0.8f) => new(
        new ItemBox(0, 0, 10, 10), "x", 0.9f, sub, 0.8f, 1f,
        [
            new ItemAttribute("color", false, [new LabelConfidence("Blue", 0.6f)]),
            new ItemAttribute("gender", false, [new LabelConfidence(modelGender, confidence)]),
        ],
        ["pattern"], "blue");

    private static LabelConfidence ShownGender(OotdItem item) => Assert.Single(Assert.Single(item.Attributes, a => a.Group == "gender").Values);

    [Fact]
    public void A_female_author_s_dress_and_jeans_are_Women_with_the_other_groups_untouched()
    {
        var rule = new DeclaredGender(Group());
        foreach (var sub in new[] { "dress", "jeans", "backpack" })
        {
            var item = Item(sub);
            var shown = rule.Apply(item, Gender.Female);
            Assert.Equal(new LabelConfidence("Women", 1f), ShownGender(shown));
            Assert.Equal(item.Attributes[0], shown.Attributes[0]);
            Assert.Equal((item.SubCategory, item.Box, item.PixelColour), (shown.SubCategory, shown.Box, shown.PixelColour));
        }
    }

    [Fact]
    public void A_sub_category_exclusive_to_the_other_gender_keeps_the_model_s_label()
    {
        var rule = new DeclaredGender(Group());
        var shoes = Item("formal_shoes", "Men", 0.9f);
        Assert.Same(shoes, rule.Apply(shoes, Gender.Female));
        var heels = Item("heels", "Women", 0.7f);
        Assert.Same(heels, rule.Apply(heels, Gender.Male));
        Assert.Equal(new LabelConfidence("Men", 1f), ShownGender(rule.Apply(Item("jeans", "Women", 0.6f), Gender.Male)));
        Assert.Equal(new LabelConfidence("Men", 1f), ShownGender(rule.Apply(Item("backpack", "Unisex", 0.6f), Gender.Male)));
        // the threshold is a setting: at 2 % the heels are no longer exclusive to women
        Assert.Equal("Men", ShownGender(new DeclaredGender(Group(), 0.02f).Apply(heels, Gender.Male)).Label);
    }

    [Theory]
    [InlineData(Gender.Unspecified)]
    [InlineData(Gender.Other)]
    public void Without_a_declared_female_or_male_gender_nothing_changes(Gender declared)
    {
        var item = Item("dress");
        Assert.Same(item, new DeclaredGender(Group()).Apply(item, declared));
    }

    [Fact]
    public void Items_without_a_gender_attribute_or_groups_without_the_labels_are_left_alone()
    {
        var bag = Item("dress") with { Attributes = [new ItemAttribute("color", false, [new LabelConfidence("Red", 0.5f)])] };
        Assert.Same(bag, new DeclaredGender(Group()).Apply(bag, Gender.Female));
        var notCovered = Item("sneakers");   // the group does not apply to sneakers
        Assert.Same(notCovered, new DeclaredGender(Group()).Apply(notCovered, Gender.Female));
        var kids = new AttributeGroupSpec("gender", false, "gender", ["Girls", "Boys"], Subs, "test");
        var item = Item("dress", "Boys");
        Assert.Same(item, new DeclaredGender(kids).Apply(item, Gender.Female));
    }

    [Fact]
    public void Without_a_prior_every_item_the_group_applies_to_gets_the_declared_gender()
    {
        var noPrior = new AttributeGroupSpec("gender", false, "gender", Labels, Subs, "test");
        Assert.Equal("Women", ShownGender(new DeclaredGender(noPrior).Apply(Item("formal_shoes"), Gender.Female)).Label);
    }

    [Fact]
    public void An_analysis_result_keeps_its_vectors_and_a_failure_stays_a_failure()
    {
        var vectors = new ItemVectors([1f], [1f], [0.8f, 0.2f], [1f]);
        var analysis = new PhotoAnalysis(10, 10, "JPEG", 7, [new AnalysedItem(Item("dress"), vectors), new AnalysedItem(Item("formal_shoes"), vectors)], "CPU");
        var rule = new DeclaredGender(Group());
        var shown = rule.Apply(AnalysisResult.Ok(analysis), Gender.Female);
        Assert.Equal(new[] { "Women", "Men" }, shown.Analysis!.Items.Select(i => ShownGender(i.Item).Label));
        Assert.All(shown.Analysis.Items, i => Assert.Same(vectors, i.Vectors));
        Assert.Equal((analysis.Width, analysis.PerceptualHash), (shown.Analysis.Width, shown.Analysis.PerceptualHash));
        var failed = AnalysisResult.Unavailable("down");
        Assert.Same(failed, rule.Apply(failed, Gender.Female));
    }

    [Fact]
    public void A_bad_prior_or_threshold_is_a_clear_error()
    {
        var bad = Prior with { Overall = [0.5f, 0.5f] };
        Assert.Throws<InvalidDataException>(() => new DeclaredGender(Group(bad)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DeclaredGender(Group(), 1.5f));
    }
}
