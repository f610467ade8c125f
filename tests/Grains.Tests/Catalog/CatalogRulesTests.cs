using Ootd.Grains.Catalog;
using Ootd.Grains.Inference;
using Ootd.Grains.Search;
using Ootd.Taxonomy;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace Ootd.Tests.Catalog;

public sealed class CatalogRulesTests
{
    [Theory]
    [InlineData("Tshirts", "top", "tshirt")]
    [InlineData("Casual Shoes", "shoes", "sneakers")]
    [InlineData("Flip Flops", "shoes", "slippers")]
    [InlineData("Track Pants", "bottom", "track_pants")]
    [InlineData("Dresses", "dress", "dress")]
    [InlineData("Clutches", "bag", "clutch_wallet")]
    [InlineData("jeans", "bottom", "jeans")]
    [InlineData("  HOODIE ", "top", "hoodie_sweatshirt")]
    [InlineData("t-shirt", "top", "tshirt")]
    [InlineData("padded_jacket", "outer", "padded_jacket")]
    public void A_hint_naming_a_sub_category_files_it_there(string hint, string super, string sub)
    {
        Assert.Equal((super, (string?)sub), CategoryHints.Read(hint));
    }

    [Theory]
    [InlineData("Shoes", "shoes")]
    [InlineData("bags", "bag")]
    [InlineData("Outerwear", "outer")]
    [InlineData("Bottomwear", "bottom")]
    public void A_hint_naming_only_a_super_category_gives_no_sub_category(string hint, string super)
    {
        Assert.Equal((super, (string?)null), CategoryHints.Read(hint));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Watches")]
    [InlineData("Sunglasses")]
    public void Unknown_words_are_no_hint(string? hint) => Assert.Null(CategoryHints.Read(hint));

    [Fact]
    public void The_hint_taxonomy_is_the_models_taxonomy()
    {
        Assert.Equal(FashionTaxonomy.Supers.Select(s => s.Name), CategoryHints.Taxonomy.Keys);
        foreach (var super in FashionTaxonomy.Supers)
            Assert.Equal(super.SubCategories, CategoryHints.Taxonomy[super.Name]);
        Assert.Equal(SearchOptions.FashionSuperCategories, CategoryHints.Taxonomy.Keys);
    }

    [Fact]
    public void Ranking_scores_similarity_with_the_sub_category_as_a_soft_term()
    {
        SimilarItem[] hits =
        [
            new("a", "jeans", 0.10f), new("b", "trousers", 0.05f), new("c", "jeans", 0.30f),
            new("d", "shorts", 0.001f), new("e", "jeans", 0.20f), new("a", "jeans", 0.40f), new("f", "shorts", 1.6f),
        ];
        var candidates = hits.Select(h => new ProductCandidate(h)).ToArray();
        var weights = new SimilarProductOptions { Bias = 0, VisualWeight = 10, SubCategoryWeight = 1, ColourWeight = 0, AttributeWeight = 0, MaxPerSubCategory = 0 };
        var ranked = SimilarProductRanking.Rank(candidates, new ItemQuery(SimilarProductRanking.SameSub("jeans")), weights, 5);
        // d (cosine 0.999) and b (0.95), of other sub-categories, beat the farther jeans e and c: no tier pushes a
        // nearer product behind every product of the item's sub-category
        Assert.Equal(["a", "d", "b", "e", "c"], ranked.Select(r => r.Hit.Key));
        Assert.Equal(0.10f, ranked[0].Hit.Distance); // a duplicate key keeps its nearest hit
        Assert.Equal(1 / (1 + Math.Exp(-(10 * 0.9 + 1))), ranked[0].Score, 5);
        Assert.Equal(new MatchTerms(0.9f, 1f, 0f, 0f), ranked[0].Match with { Visual = MathF.Round(ranked[0].Match.Visual, 5) });
        Assert.All(SimilarProductRanking.Rank(candidates, new ItemQuery(SimilarProductRanking.SameSub("jeans")), weights, 10), r => Assert.InRange(r.Score, 0f, 1f));
        Assert.Equal(0f, SimilarProductRanking.Rank(candidates, new ItemQuery(SimilarProductRanking.SameSub(null)), weights, 10)[^1].Match.Visual); // cosine −0.6 → 0
        // sub-category weight 0: visual similarity alone; visual weight 0: the sub-category alone (ties by distance)
        Assert.Equal(["d", "b", "a"], SimilarProductRanking.Rank(candidates, new ItemQuery(SimilarProductRanking.SameSub("jeans")), new SimilarProductOptions { SubCategoryWeight = 0, MaxPerSubCategory = 0 }, 3).Select(r => r.Hit.Key));
        Assert.Equal(["a", "e", "c"], SimilarProductRanking.Rank(candidates, new ItemQuery(SimilarProductRanking.SameSub("jeans")), new SimilarProductOptions { VisualWeight = 0, MaxPerSubCategory = 0 }, 3).Select(r => r.Hit.Key));
        Assert.Empty(SimilarProductRanking.Rank(candidates, new ItemQuery(SimilarProductRanking.SameSub("jeans")), weights, 0));
    }

    [Fact]
    public void Sub_category_agreement_is_the_classifier_probability()
    {
        var probabilities = new float[FashionTaxonomy.Subs.Count];
        probabilities[FashionTaxonomy.Sub("tshirt").Index] = 0.55f;
        probabilities[FashionTaxonomy.Sub("knit_sweater").Index] = 0.45f;
        var agreement = SimilarProductRanking.SubProbabilities(probabilities);
        Assert.Equal(0.55f, agreement("tshirt"));
        Assert.Equal(0.45f, agreement("knit_sweater"));
        Assert.Equal(0f, agreement("jeans"));
        Assert.Equal(0f, agreement("no-such-sub"));
        Assert.Equal(0f, SimilarProductRanking.SubProbabilities([1f, 0f])("tshirt")); // wrong length: no evidence
        // a sweater-like t-shirt photo: its own t-shirt product (cosine 1) stays ahead of a similar sweater
        SimilarItem[] hits = [new("sweater", "knit_sweater", 0.08f), new("own", "tshirt", 0f)];
        Assert.Equal("own", SimilarProductRanking.Rank(hits.Select(h => new ProductCandidate(h)), new ItemQuery(agreement), new SimilarProductOptions(), 2)[0].Hit.Key);
    }

    [Fact]
    public void An_item_is_searched_in_its_super_category_and_the_other_likely_ones()
    {
        var probabilities = new float[FashionTaxonomy.Subs.Count];
        probabilities[FashionTaxonomy.Sub("shirt_blouse").Index] = 0.6f;
        probabilities[FashionTaxonomy.Sub("dress").Index] = 0.25f;
        probabilities[FashionTaxonomy.Sub("jacket").Index] = 0.05f;
        probabilities[FashionTaxonomy.Sub("blazer").Index] = 0.04f;   // outer 0.09 in all
        probabilities[FashionTaxonomy.Sub("heels").Index] = 0.06f;
        var all = SearchOptions.FashionSuperCategories;
        Assert.Equal(["top", "dress"], SimilarProductRanking.SuperCategories("top", probabilities, 0.1f, all));
        Assert.Equal(["top", "outer", "dress"], SimilarProductRanking.SuperCategories("top", probabilities, 0.085f, all));
        Assert.Equal(["bag", "top", "dress"], SimilarProductRanking.SuperCategories("bag", probabilities, 0.1f, all)); // its own first
        Assert.Equal(["top"], SimilarProductRanking.SuperCategories("top", probabilities, 0.1f, ["top", "bottom"]));  // only searchable ones
        Assert.Equal(["top"], SimilarProductRanking.SuperCategories("top", probabilities, 1.5f, all));              // switched off
        Assert.Equal(["top"], SimilarProductRanking.SuperCategories("top", null, 0.1f, all));
    }

    [Fact]
    public void The_search_asks_for_more_candidates_than_it_returns()
    {
        Assert.Equal(45, SimilarProductRanking.CandidateCount(5, 1000));
        Assert.Equal(200, SimilarProductRanking.CandidateCount(50, 1000));
        Assert.Equal(30, SimilarProductRanking.CandidateCount(50, 30));
    }

    private static AnalysedItem Item(string super, string sub, float x0, float y0, float x1, float y1, float score)
    {
        var probabilities = new float[FashionTaxonomy.Subs.Count];
        probabilities[FashionTaxonomy.Sub(sub).Index] = 0.6f;
        probabilities[FashionTaxonomy.Sub("sneakers").Index] += 0.1f;
        probabilities[FashionTaxonomy.Sub("boots").Index] += 0.3f;
        var item = new OotdItem(new ItemBox(x0, y0, x1, y1), super, 0.9f, sub, 0.6f, score, [], [], "black");
        return new AnalysedItem(item, new ItemVectors(new float[128], probabilities, [], new float[512]));
    }

    [Fact]
    public void Filing_uses_the_hint_and_picks_the_hinted_item_in_a_worn_photo()
    {
        AnalysedItem[] items =
        [
            Item("top", "tshirt", 0, 0, 100, 100, 0.9f),
            Item("shoes", "sneakers", 0, 100, 30, 120, 0.8f),
            Item("shoes", "heels", 50, 100, 100, 140, 0.8f),
        ];
        var byHint = ProductFilingRules.File(items, "Casual Shoes");
        Assert.Equal(new ProductFiling(2, "shoes", "sneakers", "heels"), byHint); // the larger shoe; the hint's sub-category

        var superOnly = ProductFilingRules.File(items, "footwear");
        Assert.Equal(2, superOnly.ItemIndex);
        Assert.Equal(("shoes", "heels"), (superOnly.SuperCategory, superOnly.SubCategory)); // the classifier's best shoe

        var noHint = ProductFilingRules.File(items, null);
        Assert.Equal(new ProductFiling(0, "top", "tshirt", "tshirt"), noHint); // largest confident item
        Assert.Throws<ArgumentException>(() => ProductFilingRules.File([], "jeans"));
    }

    [Fact]
    public void Product_fields_are_checked()
    {
        var image = new ProductImage("abc", "image/jpeg", 10, 10);
        var ok = new ProductDraft("Blue jeans", "Levi's", new Price(49.9m, "EUR"), "https://shop.example/p/1", image, "jeans");
        Assert.Empty(ProductRules.Validate("sku-1.a:b_c", ok));
        Assert.Contains("id", ProductRules.Validate("bad/id", ok).Keys);
        Assert.Contains("id", ProductRules.Validate("", ok).Keys);
        Assert.Contains("id", ProductRules.Validate(new string('a', 129), ok).Keys);
        Assert.Contains("title", ProductRules.Validate("p1", ok with { Title = " " }).Keys);
        Assert.Contains("currency", ProductRules.Validate("p1", ok with { Price = new Price(1m, "euro") }).Keys);
        Assert.Contains("price", ProductRules.Validate("p1", ok with { Price = new Price(-1m, "EUR") }).Keys);
        Assert.Contains("shopUrl", ProductRules.Validate("p1", ok with { ShopUrl = "javascript:alert(1)" }).Keys);
        Assert.Contains("shopUrl", ProductRules.Validate("p1", ok with { ShopUrl = "/relative" }).Keys);
    }
}
