using Ootd.Grains.Catalog;
using Ootd.Grains.Inference;
using Ootd.Grains.Search;
using Ootd.Inference.Taxonomy;
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
    public void Ranking_puts_the_items_sub_category_first_then_the_nearest()
    {
        SimilarItem[] hits =
        [
            new("a", "jeans", 0.10f), new("b", "trousers", 0.05f), new("c", "jeans", 0.30f),
            new("d", "shorts", 0.01f), new("e", "jeans", 0.20f), new("a", "jeans", 0.40f),
        ];
        var ranked = SimilarProductRanking.Rank(hits, "jeans", 4);
        Assert.Equal(["a", "e", "c", "d"], ranked.Select(h => h.Key));
        Assert.Equal(0.10f, ranked[0].Distance); // a duplicate key keeps its nearest hit
        Assert.Equal(["d", "b", "a"], SimilarProductRanking.Rank(hits, null, 3).Select(h => h.Key));
        Assert.Empty(SimilarProductRanking.Rank(hits, "jeans", 0));
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
