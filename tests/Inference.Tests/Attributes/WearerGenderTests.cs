using Ootd.Inference;
using Ootd.Inference.Attributes;
using Ootd.Inference.Models;
using Xunit;

namespace Ootd.Tests.Attributes;

/// <summary>The wearer's gender (the author's declared profile gender) on an item's attributes, as the model host
/// applies it to a post's items.</summary>
public class WearerGenderTests
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

    private static IReadOnlyList<AttributePrediction> Attributes(string modelGender = "Men", float confidence = 0.8f) =>
    [
        new AttributePrediction("color", false, [new LabelScore("Blue", 0.6f)]),
        new AttributePrediction("gender", false, [new LabelScore(modelGender, confidence)]),
    ];

    private static LabelScore ShownGender(IReadOnlyList<AttributePrediction> attributes) =>
        Assert.Single(Assert.Single(attributes, a => a.Group == "gender").Values);

    [Fact]
    public void A_female_wearer_s_dress_jeans_and_backpack_are_Women_with_the_other_groups_untouched()
    {
        foreach (var sub in new[] { "dress", "jeans", "backpack" })
        {
            var attributes = Attributes();
            var shown = WearerGender.Apply(Group(), attributes, Wearer.Female, sub);
            Assert.Equal(new LabelScore("Women", 1f), ShownGender(shown));
            Assert.Equal(attributes[0], shown[0]);
            Assert.Equal(new LabelScore("Men", 0.8f), ShownGender(attributes));   // the input is not changed
        }
    }

    [Fact]
    public void A_sub_category_exclusive_to_the_other_gender_keeps_the_model_s_label()
    {
        var shoes = Attributes("Men", 0.9f);
        Assert.Same(shoes, WearerGender.Apply(Group(), shoes, Wearer.Female, "formal_shoes"));
        var heels = Attributes("Women", 0.7f);
        Assert.Same(heels, WearerGender.Apply(Group(), heels, Wearer.Male, "heels"));
        Assert.Equal(new LabelScore("Men", 1f), ShownGender(WearerGender.Apply(Group(), Attributes("Women", 0.6f), Wearer.Male, "jeans")));
        Assert.Equal(new LabelScore("Men", 1f), ShownGender(WearerGender.Apply(Group(), Attributes("Unisex", 0.6f), Wearer.Male, "backpack")));
        // the threshold is a setting: at 2 % the heels are no longer exclusive to women
        Assert.Equal("Men", ShownGender(WearerGender.Apply(Group(), heels, Wearer.Male, "heels", 0.02f)).Label);
    }

    [Fact]
    public void Items_without_a_gender_attribute_or_groups_without_the_labels_are_left_alone()
    {
        IReadOnlyList<AttributePrediction> colourOnly = [new AttributePrediction("color", false, [new LabelScore("Red", 0.5f)])];
        Assert.Same(colourOnly, WearerGender.Apply(Group(), colourOnly, Wearer.Female, "dress"));
        var notCovered = Attributes();   // the group does not apply to sneakers
        Assert.Same(notCovered, WearerGender.Apply(Group(), notCovered, Wearer.Female, "sneakers"));
        var kids = new AttributeGroupSpec("gender", false, "gender", ["Girls", "Boys"], Subs, "test");
        var boys = Attributes("Boys");
        Assert.Same(boys, WearerGender.Apply(kids, boys, Wearer.Female, "dress"));
    }

    [Fact]
    public void Without_a_prior_every_item_the_group_applies_to_gets_the_wearer_s_gender()
    {
        var noPrior = new AttributeGroupSpec("gender", false, "gender", Labels, Subs, "test");
        Assert.Equal("Women", ShownGender(WearerGender.Apply(noPrior, Attributes(), Wearer.Female, "formal_shoes")).Label);
    }

    [Fact]
    public void A_bad_prior_or_threshold_is_a_clear_error()
    {
        var bad = Prior with { Overall = [0.5f, 0.5f] };
        Assert.Throws<InvalidDataException>(() => ModelManifest.CheckPrior(Group(bad)));
        Assert.Throws<ArgumentOutOfRangeException>(() => WearerGender.Apply(Group(), Attributes(), Wearer.Female, "dress", 1.5f));
    }
}
