using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Ootd.Grains.Catalog;
using Ootd.Grains.Recommendation;
using Ootd.Grains.Search;
using Ootd.Grains.Storage;
using Ootd.Silo;
using Xunit;

namespace Ootd.Tests.Silo;

/// <summary>
/// The silo's option sections are checked at start: a bad value makes resolving the options (what
/// <c>ValidateOnStart</c> does when the host starts) fail with the offending key named; the defaults pass.
/// </summary>
public sealed class OptionsAtStartTests
{
    private static ServiceProvider Silo(params (string Key, string Value)[] values)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new());
        builder.Configuration.AddInMemoryCollection([new("ConnectionStrings:Postgres", "Host=127.0.0.1;Database=unused"),
            .. values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))]);
        builder.AddOotdSilo();
        return builder.Services.BuildServiceProvider();
    }

    [Fact]
    public async Task The_defaults_pass()
    {
        await using var services = Silo();
        Assert.Equal(50, services.GetRequiredService<IOptions<SocialOptions>>().Value.RecentInteractions);
        Assert.Equal(4, services.GetRequiredService<IOptions<SearchOptions>>().Value.RebuildHourUtc);
        Assert.Equal(2.977f, services.GetRequiredService<IOptions<SimilarProductOptions>>().Value.SubCategoryWeight);
        Assert.Equal(3, services.GetRequiredService<IOptions<RecommenderServingOptions>>().Value.NightlyHourUtc);
        services.GetRequiredService<IStartupValidator>().Validate();
    }

    [Fact]
    public async Task Good_values_are_bound()
    {
        await using var services = Silo(("Social:RecentInteractions", "80"), ("Search:Shards:products:top", "4"),
            ("Catalog:SimilarProducts:SubCategoryWeight", "0.5"), ("Recommender:Lambda", "0.3"));
        Assert.Equal(80, services.GetRequiredService<IOptions<SocialOptions>>().Value.RecentInteractions);
        Assert.Equal(4, services.GetRequiredService<IOptions<SearchOptions>>().Value.ShardCount("products", "top"));
        Assert.Equal(0.5f, services.GetRequiredService<IOptions<SimilarProductOptions>>().Value.SubCategoryWeight);
        Assert.Equal(0.3, services.GetRequiredService<IOptions<RecommenderServingOptions>>().Value.Lambda);
    }

    [Fact]
    public async Task The_recommender_formulas_are_made_once_from_the_bound_values_and_shared()
    {
        await using var services = Silo(("Recommender:Lambda", "0.3"), ("Recommender:History", "30"));
        var options = services.GetRequiredService<IOptions<RecommenderServingOptions>>().Value;
        // One instance for every per-user and per-post helper (README "Read paths", seventh pass), with the bound values.
        var shared = options.SharedFormulas();
        Assert.Same(shared, options.SharedFormulas());
        Assert.Same(shared, services.GetRequiredService<IOptions<RecommenderServingOptions>>().Value.SharedFormulas());
        Assert.Equal((0.3, 30), (shared.Lambda, shared.History));
        Assert.Equal(options.Formulas().LeaderQuotas, shared.LeaderQuotas);
    }

    [Theory]
    [InlineData("Social:RecentInteractions", "0", "RecentInteractions")]
    [InlineData("Social:ViewWindow", "-00:05:00", "ViewWindow")]
    public Task A_bad_social_value_is_refused(string key, string value, string named) => Refused<SocialOptions>(key, value, named);

    [Theory]
    [InlineData("Search:RebuildHourUtc", "24", "Search:RebuildHourUtc")]
    [InlineData("Search:MaxResults", "0", "Search:MaxResults")]
    [InlineData("Search:Shards:products:top", "0", "Search:Shards:products:top")]
    [InlineData("Search:Indexes:products:Dimensions", "0", "Search:Indexes:products:Dimensions")]
    [InlineData("Search:Indexes:products:Connectivity", "1", "Search:Indexes:products:Connectivity")]
    [InlineData("Search:Indexes:products:ShardExpansionSearch", "0", "Search:Indexes:products:ShardExpansionSearch")]
    public Task A_bad_search_value_is_refused(string key, string value, string named) => Refused<SearchOptions>(key, value, named);

    [Theory]
    [InlineData("Catalog:SimilarProducts:SubCategoryWeight", "-1", "SubCategoryWeight")]
    [InlineData("Catalog:SimilarProducts:WearerGenderMargin", "1.5", "WearerGenderMargin")]
    [InlineData("Catalog:SimilarProducts:ExtraSuperCategoryProbability", "-0.1", "ExtraSuperCategoryProbability")]
    public Task A_bad_similar_products_value_is_refused(string key, string value, string named) => Refused<SimilarProductOptions>(key, value, named);

    [Theory]
    [InlineData("Recommender:NightlyHourUtc", "24", "NightlyHourUtc")]
    [InlineData("Recommender:FeedDepth", "0", "FeedDepth")]
    [InlineData("Recommender:BatchIntervalSeconds", "-1", "BatchIntervalSeconds")]
    [InlineData("Recommender:Alpha", "1.5", "Recommender:Alpha")]
    [InlineData("Recommender:History", "0", "Recommender:History")]
    public Task A_bad_recommender_value_is_refused(string key, string value, string named) => Refused<RecommenderServingOptions>(key, value, named);

    private static async Task Refused<T>(string key, string value, string named) where T : class
    {
        await using var services = Silo((key, value));
        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<T>>().Value);
        Assert.Contains(named, error.Message);
        // The host's start runs the same check (ValidateOnStart registers it).
        Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());
    }
}
