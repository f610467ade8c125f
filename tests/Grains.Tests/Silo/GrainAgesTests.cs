using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Ootd.Grains.Common;
using Ootd.Grains.Ootds;
using Ootd.Grains.Recommendation;
using Ootd.Grains.StyleLeaders;
using Ootd.Grains.Users;
using Ootd.Tests.Infrastructure;
using Orleans.Configuration;
using Xunit;

namespace Ootd.Tests.Silo;

/// <summary>
/// The idle age of the per-user and per-post grains is configuration (README "Read paths": memory per active user):
/// Orleans:GrainCollection:PerUserAndPostAge for all four classes, Orleans' own ClassSpecificCollectionAge entry for one.
/// </summary>
public sealed class GrainAgesTests(SiloFixture silo) : IClassFixture<SiloFixture>
{
    private static readonly string[] Classes =
        [typeof(UserGrain).FullName!, typeof(FeedGrain).FullName!, typeof(StyleLeaderGrain).FullName!, typeof(OotdGrain).FullName!];

    private static GrainCollectionOptions Configured(params (string Key, string Value)[] values)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
        var options = new GrainCollectionOptions();
        config.GetSection("Orleans:GrainCollection").Bind(options);
        GrainAges.Apply(options, config);
        return options;
    }

    [Fact]
    public void Without_configuration_the_four_classes_are_collected_after_ten_idle_minutes()
    {
        var options = Configured();
        Assert.Equal(Classes.Order(), options.ClassSpecificCollectionAge.Keys.Order());
        Assert.All(Classes, c => Assert.Equal(TimeSpan.FromMinutes(10), options.ClassSpecificCollectionAge[c]));
        Assert.Equal(new GrainCollectionOptions().CollectionAge, options.CollectionAge);   // the other grains keep Orleans' default
    }

    [Fact]
    public void The_age_comes_from_configuration_and_a_class_of_its_own_wins()
    {
        var options = Configured((GrainAges.PerUserAndPostKey, "00:04:00"),
            ("Orleans:GrainCollection:ClassSpecificCollectionAge:Ootd.Grains.Recommendation.FeedGrain", "00:01:30"));
        Assert.Equal(TimeSpan.FromMinutes(4), options.ClassSpecificCollectionAge[typeof(UserGrain).FullName!]);
        Assert.Equal(TimeSpan.FromMinutes(4), options.ClassSpecificCollectionAge[typeof(OotdGrain).FullName!]);
        Assert.Equal(TimeSpan.FromMinutes(4), options.ClassSpecificCollectionAge[typeof(StyleLeaderGrain).FullName!]);
        Assert.Equal(TimeSpan.FromSeconds(90), options.ClassSpecificCollectionAge[typeof(FeedGrain).FullName!]);
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("-00:05:00")]
    public void A_non_positive_age_stops_the_silo_with_the_key_named(string age)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Configured((GrainAges.PerUserAndPostKey, age)));
        Assert.Contains(GrainAges.PerUserAndPostKey, error.Message);
    }

    [Fact]
    public void No_per_user_or_post_grain_class_carries_an_age_attribute_that_would_override_configuration()
    {
        // Orleans reads a [CollectionAgeLimit] before ClassSpecificCollectionAge: with one, configuration is ignored.
        foreach (var type in GrainAges.PerUserAndPostGrains)
            Assert.Null(type.GetCustomAttribute<CollectionAgeLimitAttribute>());
    }

    [Fact]
    public void The_silo_runs_with_the_ages()
    {
        var options = silo.Cluster.Silos[0].ServiceProvider.GetRequiredService<IOptions<GrainCollectionOptions>>().Value;
        Assert.All(Classes, c => Assert.Equal(GrainAges.PerUserAndPost, options.ClassSpecificCollectionAge[c]));
    }
}
