using Ootd.Api.Catalog;
using Ootd.Grains.Catalog;
using Ootd.Grains.Search;
using Ootd.Inference.Models;
using Ootd.Taxonomy;

namespace Ootd.Tests.Api;

/// <summary>
/// The categories are defined once (<see cref="FashionTaxonomy"/>, project Taxonomy/): the API's filters, the search
/// shards' scopes, the catalogue's hint reader and the trained models' label lists must all name the same ones, in
/// the same order.
/// </summary>
public sealed class TaxonomyAgreementTests
{
    private static readonly string[] Supers = ["outer", "top", "bottom", "dress", "shoes", "bag"];

    [Fact]
    public void The_api_the_search_shards_and_the_models_name_the_same_categories()
    {
        // The design card's six super-categories, in its order.
        Assert.Equal(Supers, FashionTaxonomy.SuperNames);

        // API: the product listing's filter; search by photo names the same set when it refuses a scope.
        Assert.Equal(FashionTaxonomy.SuperNames, ProductBrowser.Supers);
        Assert.Equal("outer, top, bottom, dress, shoes or bag", FashionTaxonomy.SuperNamesText);

        // Search shards: the products index has one scope per super-category and refuses any other.
        var search = new SearchOptions();
        Assert.Equal(FashionTaxonomy.SuperNames, search.GetIndex(SearchOptions.ProductsIndex).EffectiveSuperCategories);
        foreach (var super in FashionTaxonomy.SuperNames) search.GetScope(SearchOptions.ProductsIndex, super);
        Assert.Throws<UnknownSearchScopeException>(() => search.GetScope(SearchOptions.ProductsIndex, "hats"));

        // Catalogue hints: the same supers and subs.
        Assert.Equal(FashionTaxonomy.SuperNames, CategoryHints.Taxonomy.Keys);
        foreach (var super in FashionTaxonomy.Supers) Assert.Equal(super.SubCategories, CategoryHints.Taxonomy[super.Name]);

        // The trained models in models/: the classifier's 32 sub-categories, the detector's supers (+ background).
        var models = ModelRepository.Default();
        Assert.Equal(FashionTaxonomy.Subs.Select(s => s.Name), models.Get("classifier").Outputs[0].Labels!);
        var detectorLabels = models.Get("detector").Outputs.Single(o => o.Name == "scores").Labels!;
        Assert.Equal(FashionTaxonomy.SuperNames.Append("background"), detectorLabels);
    }
}
