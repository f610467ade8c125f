using Ootd.Taxonomy;
using Xunit;

namespace Ootd.Tests;

public class TaxonomyTests
{
    [Fact]
    public void Has_the_papers_shape()
    {
        Assert.Equal(6, FashionTaxonomy.Supers.Count);
        Assert.Equal(32, FashionTaxonomy.Subs.Count);
        Assert.Equal(new[] { 6, 6, 6, 2, 7, 5 }, FashionTaxonomy.Supers.Select(s => s.SubCategories.Count));
        Assert.Equal(18, FashionTaxonomy.AttributeGroups.Count);
        Assert.Equal(7, FashionTaxonomy.AttributeGroups.Count(g => g.MultiLabel));
        Assert.Equal("bag", FashionTaxonomy.Sub("travel_bag").Super.Name);
    }

    [Fact]
    public void Super_probabilities_sum_their_sub_categories()
    {
        var p = new float[32];
        p[FashionTaxonomy.Sub("jeans").Index] = 0.5f;
        p[FashionTaxonomy.Sub("skirt").Index] = 0.25f;
        p[FashionTaxonomy.Sub("heels").Index] = 0.25f;
        var s = FashionTaxonomy.SuperProbabilities(p);
        Assert.Equal(0.75f, s[FashionTaxonomy.Super("bottom").Index]);
        Assert.Equal(0.25f, s[FashionTaxonomy.Super("shoes").Index]);
    }
}
