using Ootd.Grains.Catalog;
using Ootd.Grains.Inference;
using Ootd.Grains.Search;
using Ootd.Grains.Users;
using Ootd.Taxonomy;
using Xunit;

namespace Ootd.Tests.Catalog;

/// <summary>Products that fit the wearer (audience, wearer, filter) and the calibrated similar-product ranking.</summary>
public sealed class ProductFitTests
{
    private static readonly SimilarProductOptions Defaults = new();
    private static readonly SimilarProductOptions Uncapped = new() { MaxPerSubCategory = 0 };

    private static IReadOnlyList<ItemAttribute> Worn(string genderLabel, float confidence = 0.9f, string colour = "Black") =>
    [
        new ItemAttribute("color", false, [new LabelConfidence(colour, 0.8f)]),
        new ItemAttribute("gender", false, [new LabelConfidence(genderLabel, confidence)]),
        new ItemAttribute("season", true, [new LabelConfidence("Summer", 0.7f), new LabelConfidence("Fall", 0.6f)]),
    ];

    private static readonly ProductAudience Women = new(AudienceGender.Women, false), Men = new(AudienceGender.Men, false),
        Unisex = new(AudienceGender.Unisex, false), Girls = new(AudienceGender.Women, true), Boys = new(AudienceGender.Men, true),
        Kids = new(AudienceGender.Unisex, true), Unknown = ProductAudience.Unknown;

    [Theory]
    [InlineData("Women", "Everyday jeans", "women")]
    [InlineData("men", "Roadster Women Blue Jeans", "men")]              // the shop's field wins over the title's gender
    [InlineData(null, "Roadster Women Blue Jeans", "women")]
    [InlineData(null, "Turtle Check Men Navy Blue Shirt", "men")]
    [InlineData("Men", "Palm Tree Kids Boys Solid Black Shorts", "boys")] // kids' wear labelled Men: the title says kids
    [InlineData("Women", "Doodle Girl Cute Purple Tops", "girls")]
    [InlineData("Unisex", "Disney Kids-Unisex Diamond Red Sandals", "kids")]
    [InlineData(null, "Levis Kids Blue Solid Jean", "kids")]
    [InlineData(null, "ADIDAS Unisex Black Backpack", "unisex")]
    [InlineData(null, "Black leather tote", null)]
    public void A_products_audience_comes_from_the_gender_field_else_the_title_and_kids_words_always_count(string? field, string title, string? expected)
    {
        var audience = ProductAudience.Resolve(field, title);
        Assert.Equal(expected, audience.Name);
        Assert.Equal(audience, ProductAudience.FromCode(audience.Code));
        if (expected is not null) Assert.Equal(audience, ProductAudience.Parse(expected)); // the stored name reads back
        Assert.Null(ProductAudience.Parse("martian"));
    }

    [Fact]
    public void Kids_wear_is_never_shown_for_an_adults_post_even_when_the_tagger_calls_the_item_kids_wear()
    {
        // the author declared female: an adult; the tagger reads the small dress as girls' wear
        var items = new[] { Worn("Girls", 0.95f), Worn("Women") };
        var wearer = WearerFit.Of(Gender.Female, items, Defaults.WearerGenderMargin);
        Assert.True(wearer.Declared);
        foreach (var item in items)
        {
            var mask = wearer.MaskFor(item, Defaults);
            Assert.True(mask.Allows(Women));
            Assert.True(mask.Allows(Unisex));
            Assert.False(mask.Allows(Men));
            foreach (var kids in new[] { Girls, Boys, Kids }) Assert.False(mask.Allows(kids), kids.Name);
        }
        // a declared man: men's and unisex, never women's or kids'
        var man = WearerFit.Of(Gender.Male, items, Defaults.WearerGenderMargin).MaskFor(items[0], Defaults);
        Assert.True(man.Allows(Men) && man.Allows(Unisex));
        Assert.False(man.Allows(Women) || man.Allows(Boys) || man.Allows(Girls) || man.Allows(Kids));
    }

    [Fact]
    public void The_declared_gender_wins_over_what_the_items_say()
    {
        var menswear = new[] { Worn("Men", 0.99f), Worn("Boys", 0.9f), Worn("Men", 0.8f) };
        Assert.Equal(AudienceGender.Men, WearerFit.Of(Gender.Unspecified, menswear, 0.2f).Gender);
        Assert.Equal(AudienceGender.Women, WearerFit.Of(Gender.Female, menswear, 0.2f).Gender);
        Assert.Equal(AudienceGender.Men, WearerFit.Of(Gender.Male, [Worn("Women", 0.99f)], 0.2f).Gender);
        // "other" is no gender to filter by: predicted from the items like an unspecified one
        Assert.Equal(AudienceGender.Men, WearerFit.Of(Gender.Other, menswear, 0.2f).Gender);
    }

    [Fact]
    public void An_undeclared_wearer_is_predicted_only_past_the_margin()
    {
        Assert.Equal(AudienceGender.Women, WearerFit.Of(Gender.Unspecified, [Worn("Women", 0.9f), Worn("Unisex", 0.6f)], 0.2f).Gender);
        // one women's item (0.6) and one men's (0.5): mean 0.05 < margin: unknown, every gender is shown
        var unsure = WearerFit.Of(Gender.Unspecified, [Worn("Women", 0.6f), Worn("Men", 0.5f)], 0.2f);
        Assert.Equal(AudienceGender.Unknown, unsure.Gender);
        var mask = unsure.MaskFor(Worn("Women", 0.6f), Defaults);
        Assert.True(mask.Allows(Women) && mask.Allows(Men) && mask.Allows(Unisex));
        Assert.False(mask.Allows(Girls));
        // no gender group at all: unknown
        Assert.Equal(AudienceGender.Unknown, WearerFit.Of(Gender.Unspecified, [Array.Empty<ItemAttribute>()], 0.2f).Gender);
    }

    [Fact]
    public void An_undeclared_kids_item_gets_only_kids_wear()
    {
        var items = new[] { Worn("Girls", 0.9f) };
        var wearer = WearerFit.Of(Gender.Unspecified, items, 0.2f);
        Assert.True(wearer.IsKidsItem(items[0], Defaults.KidsItemProbability));
        var mask = wearer.MaskFor(items[0], Defaults);
        Assert.True(mask.Allows(Girls) && mask.Allows(Kids));
        Assert.False(mask.Allows(Boys) || mask.Allows(Women) || mask.Allows(Men) || mask.Allows(Unisex));
        // a less sure kids' reading stays adult wear
        Assert.False(wearer.IsKidsItem(Worn("Girls", 0.4f), Defaults.KidsItemProbability));
    }

    [Fact]
    public void A_product_shot_searched_without_a_declaration_finds_kids_and_adult_wear_of_the_predicted_gender()
    {
        // An adult reading of a kids' top: its own (girls') product still qualifies, men's and boys' wear do not.
        var shot = Worn("Women", 0.9f);
        var undeclared = WearerFit.Of(Gender.Unspecified, [shot], 0.2f);
        var mask = undeclared.ShotMaskFor(shot, Defaults);
        Assert.True(mask.Allows(Women) && mask.Allows(Girls) && mask.Allows(Unisex) && mask.Allows(Kids));
        Assert.False(mask.Allows(Men) || mask.Allows(Boys));
        Assert.False(undeclared.MaskFor(shot, Defaults).Allows(Girls)); // an outfit's item stays adult wear
        // A declared person searches as the wearer: never kids' wear.
        var declared = WearerFit.Of(Gender.Female, [shot], 0.2f);
        Assert.Equal(declared.MaskFor(shot, Defaults), declared.ShotMaskFor(shot, Defaults));
        Assert.False(declared.ShotMaskFor(shot, Defaults).Allows(Girls));
    }

    [Fact]
    public void An_undeclared_product_shot_prefers_the_predicted_gender_without_filtering_the_other_out()
    {
        // a men's sandal read as a heel: the tagger (with the heel's prior) says women's
        var shot = Worn("Women", 0.99f);
        var undeclared = WearerFit.Of(Gender.Unspecified, [shot], 0.2f);
        Assert.Equal(AudienceGender.Women, undeclared.Gender);
        var soft = new SimilarProductOptions { ShotGenderWeight = 0.05f };
        var search = undeclared.ShotSearchFor(shot, soft);
        // every gender is searched, adults' and kids' wear (as ShotMaskFor)
        foreach (var a in new[] { Women, Men, Unisex, Girls, Boys, Kids, Unknown }) Assert.True(search.Searched.Allows(a), a.Name);
        // the predicted gender's products (and unisex, unknown) get the bonus, men's and boys' do not
        Assert.Equal(0.05f, search.BonusFor(Women));
        Assert.Equal(0.05f, search.BonusFor(Girls));
        Assert.Equal(0.05f, search.BonusFor(Unisex));
        Assert.Equal(0f, search.BonusFor(Men));
        Assert.Equal(0f, search.BonusFor(Boys));

        // a negative weight keeps the hard filter; a declared person always searches as the wearer
        var hard = undeclared.ShotSearchFor(shot, new SimilarProductOptions { ShotGenderWeight = -1 });
        Assert.Equal(undeclared.ShotMaskFor(shot, Defaults), hard.Searched);
        Assert.False(hard.Searched.Allows(Men));
        Assert.Equal(0f, hard.BonusFor(Women));
        var declared = WearerFit.Of(Gender.Male, [shot], 0.2f);
        var asWearer = declared.ShotSearchFor(shot, soft);
        Assert.Equal(declared.MaskFor(shot, soft), asWearer.Searched);
        Assert.False(asWearer.Searched.Allows(Women) || asWearer.Searched.Allows(Boys));
        // an unsure prediction (no gender) searches every gender with no bonus
        var unsure = WearerFit.Of(Gender.Unspecified, [Worn("Women", 0.55f), Worn("Men", 0.5f)], 0.2f);
        var open = unsure.ShotSearchFor(shot, soft);
        Assert.True(open.Searched.Allows(Men) && open.Searched.Allows(Women));
        Assert.Equal(0f, open.BonusFor(Women));
    }

    [Fact]
    public void The_gender_bonus_breaks_near_ties_but_a_clearly_closer_product_of_the_other_gender_wins()
    {
        var shot = new SimilarProductOptions { Bias = -2.5f, VisualWeight = 1, SubCategoryWeight = 0, ColourWeight = 0, AttributeWeight = 0, MaxPerSubCategory = 0 };
        var item = new ItemQuery(_ => 0f);
        ProductCandidate[] candidates =
        [
            new(new SimilarItem("own-mens-sandal", "sandals", 0.31f)),                    // cosine 0.69, not the predicted gender
            new(new SimilarItem("womens-heel", "heels", 0.48f), LogitBonus: 0.05f),       // cosine 0.52, predicted gender
            new(new SimilarItem("womens-near-tie", "heels", 0.33f), LogitBonus: 0.05f),   // cosine 0.67: within the bonus
        ];
        var ranked = SimilarProductRanking.Rank(candidates, item, shot, 3);
        Assert.Equal(["womens-near-tie", "own-mens-sandal", "womens-heel"], ranked.Select(r => r.Hit.Key));
        // the score carries the bonus and stays in [0, 1]; the match terms do not change
        Assert.Equal(1 / (1 + Math.Exp(-(-2.5 + 0.67 + 0.05))), ranked[0].Score, 5);
        Assert.Equal(0.67f, ranked[0].Match.Visual, 5);
        Assert.InRange(SimilarProductRanking.Score(new MatchTerms(1, 1, 1, 1), shot, float.NaN), 0f, 1f);
        Assert.Equal(SimilarProductRanking.Score(new MatchTerms(0.5f, 0, 0, 0), shot), SimilarProductRanking.Score(new MatchTerms(0.5f, 0, 0, 0), shot, float.PositiveInfinity));
    }

    [Fact]
    public void A_street_item_the_classifier_splits_is_searched_in_both_super_categories_and_ranked_together()
    {
        // the parser calls the garment a top; the crop classifier says dress 0.55, top 0.35 (StreetExtraSuperCategoryProbability 0.2)
        var probabilities = new float[FashionTaxonomy.Subs.Count];
        probabilities[FashionTaxonomy.Sub("dress").Index] = 0.55f;
        probabilities[FashionTaxonomy.Sub("sleeveless_top").Index] = 0.35f;
        probabilities[FashionTaxonomy.Sub("jeans").Index] = 0.10f;
        string[] all = ["outer", "top", "bottom", "dress", "shoes", "bag"];
        Assert.Equal(["top", "dress"], SimilarProductRanking.SuperCategories("top", probabilities, 0.2f, all));
        Assert.Equal(["top"], SimilarProductRanking.SuperCategories("top", probabilities, 2f, all)); // the default: own only
        // the hits of both shards ranked by one score: the likelier dress beats an equally close top
        var item = new ItemQuery(SimilarProductRanking.SubProbabilities(probabilities));
        ProductCandidate[] hits =
        [
            new(new SimilarItem("top-a", "sleeveless_top", 0.85f)),
            new(new SimilarItem("dress-a", "dress", 0.85f)),
            new(new SimilarItem("top-b", "tshirt", 0.8f)),
        ];
        var ranked = SimilarProductRanking.Rank(hits, item, Uncapped, 3);
        Assert.Equal(["dress-a", "top-a", "top-b"], ranked.Select(r => r.Hit.Key));
    }

    [Fact]
    public void Products_of_unknown_audience_are_shown_only_when_allowed()
    {
        Assert.True(AudienceMask.For(AudienceGender.Women, kidsItem: false, allowUnknown: true).Allows(Unknown));
        Assert.False(AudienceMask.For(AudienceGender.Women, kidsItem: false, allowUnknown: false).Allows(Unknown));
        Assert.False(AudienceMask.For(AudienceGender.Unknown, kidsItem: false, allowUnknown: false).Allows(Unknown));
        var strict = new SimilarProductOptions { AllowUnknownAudience = false };
        Assert.False(WearerFit.Of(Gender.Female, [Worn("Women")], 0.2f).Fits(Unknown, Worn("Women"), strict));
        Assert.True(WearerFit.Of(Gender.Female, [Worn("Women")], 0.2f).Fits(Unknown, Worn("Women"), Defaults));
        Assert.True(AudienceMask.All.IsAll);
    }

    [Fact]
    public void Scores_are_in_zero_to_one_whatever_the_terms_and_weights()
    {
        var extreme = new SimilarProductOptions { Bias = -50, VisualWeight = 50, SubCategoryWeight = 50, ColourWeight = 50, AttributeWeight = 50 };
        foreach (var options in new[] { Defaults, extreme, new SimilarProductOptions { Bias = 50 } })
        foreach (var distance in new[] { 0f, 0.3f, 1f, 1.9f, 2f })
        foreach (var agreement in new[] { -1f, 0f, 0.5f, 1f, 7f, float.NaN })
        {
            var terms = SimilarProductRanking.Terms(new ProductCandidate(new SimilarItem("p", "jeans", distance), "Black", ["season=Summer"]),
                new ItemQuery(_ => agreement, "Black", ["season=Summer"]));
            Assert.InRange(terms.Visual, 0f, 1f);
            Assert.InRange(terms.SubCategory, 0f, 1f);
            Assert.InRange(SimilarProductRanking.Score(terms, options), 0f, 1f);
        }
        // σ(bias + weights · terms) with the configured weights
        var t = new MatchTerms(0.8f, 0.5f, 1f, 0.5f);
        var z = Defaults.Bias + Defaults.VisualWeight * 0.8 + Defaults.SubCategoryWeight * 0.5 + Defaults.ColourWeight + Defaults.AttributeWeight * 0.5;
        Assert.Equal(1 / (1 + Math.Exp(-z)), SimilarProductRanking.Score(t, Defaults), 5);
    }

    [Fact]
    public void A_much_better_visual_match_of_another_sub_category_beats_a_weak_one_of_the_likely_sub_category()
    {
        // the classifier is unsure between jeans (0.5) and trousers (0.4): with the configured (val-fitted) weights an
        // identical-looking pair of trousers beats a pair of jeans that hardly looks alike; no tier puts every pair of jeans first
        var probabilities = new float[FashionTaxonomy.Subs.Count];
        probabilities[FashionTaxonomy.Sub("jeans").Index] = 0.5f;
        probabilities[FashionTaxonomy.Sub("trousers").Index] = 0.4f;
        var item = new ItemQuery(SimilarProductRanking.SubProbabilities(probabilities), "Blue", ["season=Summer"]);
        ProductCandidate[] candidates =
        [
            new(new SimilarItem("weak-jeans", "jeans", 0.95f), "Blue", ["season=Summer"]),
            new(new SimilarItem("close-trousers", "trousers", 0f), "Blue", ["season=Summer"]),
            new(new SimilarItem("far-shorts", "shorts", 0.7f), "Blue", ["season=Summer"]),
            new(new SimilarItem("weak-jeans", "jeans", 0.99f)), // a duplicate key keeps its nearest hit
        ];
        var ranked = SimilarProductRanking.Rank(candidates, item, Defaults, 5);
        Assert.Equal(["close-trousers", "weak-jeans", "far-shorts"], ranked.Select(r => r.Hit.Key));
        Assert.Equal(0.95f, ranked[1].Hit.Distance);
        Assert.All(ranked, r => Assert.InRange(r.Score, 0f, 1f));
        Assert.Equal(0.5f, ranked[1].Match.SubCategory);
        Assert.Equal(0.05f, ranked[1].Match.Visual, 5);
        // the same visual gap with the sub-category agreeing fully: it decides (a likely pair of jeans first)
        var sure = new ItemQuery(SimilarProductRanking.SameSub("jeans"));
        Assert.Equal("weak-jeans", SimilarProductRanking.Rank(candidates, sure, Defaults, 1)[0].Hit.Key);
        Assert.Empty(SimilarProductRanking.Rank(candidates, item, Defaults, 0));
    }

    [Fact]
    public void Colour_and_attribute_agreement_are_soft_terms()
    {
        var item = new ItemQuery(_ => 0f, "Black", ItemTraits.Traits(Worn("Women")));
        Assert.Equal(["season=Summer", "season=Fall"], item.Traits);
        Assert.Equal("Black", ItemTraits.Colour(Worn("Women")));
        var same = SimilarProductRanking.Terms(new ProductCandidate(new SimilarItem("a", "dress", 0.2f), "Black", ["season=Summer"]), item);
        Assert.Equal(1f, same.Colour);
        Assert.Equal(0.5f, same.Attributes); // Jaccard {Summer, Fall} vs {Summer}
        var other = SimilarProductRanking.Terms(new ProductCandidate(new SimilarItem("b", "dress", 0.2f), "Red", ["occasion=Party"]), item);
        Assert.Equal(0f, other.Colour);
        Assert.Equal(0f, other.Attributes);   // no group in common: no evidence
        var unknown = SimilarProductRanking.Terms(new ProductCandidate(new SimilarItem("c", "dress", 0.2f)), item);
        Assert.Equal(0f, unknown.Colour + unknown.Attributes);
        // equal visual match and sub-category: the agreeing colour ranks first
        var ranked = SimilarProductRanking.Rank([new ProductCandidate(new SimilarItem("red", "dress", 0.2f), "Red"),
            new ProductCandidate(new SimilarItem("black", "dress", 0.2f), "Black")], item, Defaults, 2);
        Assert.Equal("black", ranked[0].Hit.Key);
        Assert.True(ranked[0].Score > ranked[1].Score);
    }

    [Fact]
    public void At_most_m_products_of_one_sub_category_while_others_are_left()
    {
        var candidates = new[] { ("j1", "jeans", 0.05f), ("j2", "jeans", 0.06f), ("j3", "jeans", 0.07f), ("j4", "jeans", 0.08f), ("t1", "trousers", 0.3f), ("s1", "shorts", 0.5f) }
            .Select(c => new ProductCandidate(new SimilarItem(c.Item1, c.Item2, c.Item3))).ToArray();
        var item = new ItemQuery(SimilarProductRanking.SameSub("jeans"));
        Assert.Equal(["j1", "j2", "j3", "j4", "t1"], SimilarProductRanking.Rank(candidates, item, Uncapped, 5).Select(r => r.Hit.Key));
        var capped = new SimilarProductOptions { MaxPerSubCategory = 3 };
        Assert.Equal(["j1", "j2", "j3", "t1", "s1"], SimilarProductRanking.Rank(candidates, item, capped, 5).Select(r => r.Hit.Key));
        // nothing else left: the deferred ones fill the list, still in score order
        Assert.Equal(["j1", "j2", "j3", "j4"], SimilarProductRanking.Rank(candidates.Take(4), item, capped, 5).Select(r => r.Hit.Key));
        Assert.Equal(["j1", "j2", "j3", "j4", "t1"], SimilarProductRanking.Rank(candidates.Take(5), item, new SimilarProductOptions { MaxPerSubCategory = 1 }, 5).Select(r => r.Hit.Key));
    }

    [Fact]
    public void An_unsure_classifier_shares_the_places_in_proportion_to_its_probabilities()
    {
        var probabilities = new float[FashionTaxonomy.Subs.Count];
        probabilities[FashionTaxonomy.Sub("jeans").Index] = 0.5f;    // ⌈2.5⌉ = 3 places of 5
        probabilities[FashionTaxonomy.Sub("trousers").Index] = 0.3f; // ⌈1.5⌉ = 2
        probabilities[FashionTaxonomy.Sub("shorts").Index] = 0.1f;   // at least 1
        var item = new ItemQuery(SimilarProductRanking.SubProbabilities(probabilities));
        var candidates = new[]
            {
                ("j1", "jeans", 0.05f), ("j2", "jeans", 0.06f), ("j3", "jeans", 0.07f), ("j4", "jeans", 0.08f),
                ("t1", "trousers", 0.09f), ("t2", "trousers", 0.1f), ("t3", "trousers", 0.1f), ("s1", "shorts", 0.1f),
            }
            .Select(c => new ProductCandidate(new SimilarItem(c.Item1, c.Item2, c.Item3))).ToArray();
        var slots = new SimilarProductOptions { SubCategorySlotsByProbability = true, MaxPerSubCategory = 0 };
        Assert.Equal(["j1", "j2", "j3", "j4", "t1"], SimilarProductRanking.Rank(candidates, item, Uncapped, 5).Select(r => r.Hit.Key));
        Assert.Equal(["j1", "j2", "j3", "t1", "t2"], SimilarProductRanking.Rank(candidates, item, slots, 5).Select(r => r.Hit.Key));
        // a sure classifier keeps every place
        var sure = new ItemQuery(SimilarProductRanking.SameSub("jeans"));
        Assert.Equal(["j1", "j2", "j3", "j4", "t1"], SimilarProductRanking.Rank(candidates, sure, slots, 5).Select(r => r.Hit.Key));
    }
}
