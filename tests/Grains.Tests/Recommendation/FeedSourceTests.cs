using Ootd.Grains.Recommendation;
using Xunit;

namespace Ootd.Tests.Recommendation;

/// <summary>The feed sources' pure parts (issue 16): capped exploration, seen dropped before the cut, tag taste, profile prior.</summary>
public class FeedSourceTests
{
    private static Guid G(int n) => new(n, 0, 0, new byte[8]);

    [Fact]
    public void Exploration_never_exceeds_its_quota_on_any_prefix_even_when_the_other_sources_run_dry()
    {
        var options = RecommenderOptions.Default;
        var ex = new FeedExclusions(G(999), _ => G(998), new HashSet<Guid>(), new HashSet<Guid>(), new HashSet<Guid>());
        var explore = Enumerable.Range(1000, 500).Select(G).ToList();
        // Plenty of personal candidates, then a cold user (personal quotas scaled to 0), then every other source dry.
        foreach (var (mass, others) in new[] { (100.0, 200), (0.0, 200), (100.0, 5) })
        {
            var ranked = new Dictionary<FeedSource, IReadOnlyList<Guid>>
            {
                [FeedSource.UserBased] = Enumerable.Range(1, others).Select(G).ToList(),
                [FeedSource.ItemBased] = Enumerable.Range(300, others).Select(G).ToList(),
                [FeedSource.WeeklyBest] = Enumerable.Range(600, others).Select(G).ToList(),
                [FeedSource.Exploration] = explore,
            };
            var feed = FeedMixer.Mix(ranked, ex, options, mass, false, 200);
            var quota = options.FeedQuotas[FeedSource.Exploration];
            Assert.Equal(0.09, quota);
            for (var n = 1; n <= feed.Count; n++)
                Assert.True(feed.Take(n).Count(e => e.Source == FeedSource.Exploration) <= Math.Ceiling(quota * n),
                    $"mass {mass}, others {others}: exploration above its quota in the first {n}");
            Assert.Contains(feed, e => e.Source == FeedSource.Exploration);
            var page = feed.Take(20).Count(e => e.Source == FeedSource.Exploration);
            Assert.InRange(page, 1, 2);
        }
    }

    [Fact]
    public void User_based_drops_seen_posts_before_the_cut()
    {
        var me = new UserSignals(G(1), new Dictionary<Guid, double> { [G(100)] = 1, [G(101)] = 1 }, null, new HashSet<string>());
        // The neighbour's strongest posts are the ones I saw; its weaker ones are new to me.
        var ratings = new Dictionary<Guid, double> { [G(100)] = 5, [G(101)] = 5 };
        for (var i = 0; i < 10; i++) ratings[G(200 + i)] = 4 - i * 0.1;
        var neighbour = new UserSignals(G(2), ratings, null, new HashSet<string>());
        var seen = new HashSet<Guid> { G(100), G(101) };
        var cut = UserBasedScorer.Score(me, [neighbour], RecommenderOptions.Default, 3, id => !seen.Contains(id));
        Assert.Equal([G(200), G(201), G(202)], cut.Select(s => s.OotdId));
        // Without the filter the cut is mostly seen posts.
        Assert.Equal(2, UserBasedScorer.Score(me, [neighbour], RecommenderOptions.Default, 3).Count(s => seen.Contains(s.OotdId)));
    }

    [Fact]
    public void Tag_taste_is_the_log_lift_of_likes_over_what_was_seen()
    {
        // 10 seen: 5 dresses, 5 jeans; 4 liked, all dresses.
        var seen = Enumerable.Range(0, 10).Select(i => (IReadOnlyCollection<string>)(i < 5 ? ["dress", "summer"] : ["jeans", "summer"])).ToList();
        var liked = Enumerable.Range(0, 4).Select(_ => (IReadOnlyCollection<string>)["dress", "summer"]).ToList();
        var taste = TagTaste.Compute(seen, liked);
        // q = (4 + 2·0.5)/(4 + 2) = 5/6, p = 0.5: ln(5/3); jeans: q = (0 + 1)/6: ln(1/3); summer (on every post): 0.
        Assert.Equal(Math.Log(5.0 / 3), taste["dress"], 9);
        Assert.Equal(Math.Log(1.0 / 3), taste["jeans"], 9);
        Assert.Equal(0, taste["summer"], 9);
        Assert.True(TagTaste.Score(taste, ["dress", "summer"]) > TagTaste.Score(taste, ["jeans", "summer"]));
        Assert.Empty(TagTaste.Compute(seen, []));   // views alone say nothing
    }

    [Fact]
    public void Profile_prior_maps_declared_tags_to_post_tags_and_averages_unit_means()
    {
        Assert.Equal(["street style", "street_style", "streetstyle", "boho"], ProfilePrior.TagVariants(["#Street Style", "boho", "BOHO"]));
        var prior = ProfilePrior.Combine([[2f, 0f], [4f, 0f]], [[0f, 3f]])!;
        Assert.Equal([1f, 0.5f], prior);
        Assert.Equal([0f, 1f], ProfilePrior.Combine([], [[0f, 3f]])!);
        Assert.Null(ProfilePrior.Combine([], []));
    }

    [Fact]
    public void Profile_prior_adds_the_body_shape_list_at_half_weight()
    {
        // tags (1, 0, 0) + ½ segment (0, 1, 0) + ½ shape (0, 0, 1), each part a unit mean.
        Assert.Equal([1f, 0.5f, 0.5f], ProfilePrior.Combine([[2f, 0f, 0f]], [[0f, 5f, 0f]], [[0f, 0f, 1f], [0f, 0f, 3f]])!);
        // Only a shape declared: its unit mean alone.
        Assert.Equal([0f, 0f, 1f], ProfilePrior.Combine([], [], [[0f, 0f, 4f]])!);
        // Segment and shape without tags: equal weights (only the direction counts).
        Assert.Equal([0f, 1f, 1f], ProfilePrior.Combine([], [[0f, 2f, 0f]], [[0f, 0f, 2f]])!);
        // A shape part of another length than the first present part is skipped; no parts at all: no prior.
        Assert.Equal([1f, 0f, 0f], ProfilePrior.Combine([[1f, 0f, 0f]], [], [[1f, 1f]])!);
        Assert.Null(ProfilePrior.Combine([], [], []));
        // Without a shape part: exactly as before the shape part existed.
        Assert.Equal(ProfilePrior.Combine([[2f, 0f], [4f, 0f]], [[0f, 3f]]), ProfilePrior.Combine([[2f, 0f], [4f, 0f]], [[0f, 3f]], []));
    }

    [Fact]
    public void A_profile_prior_gives_a_new_user_an_item_based_quota()
    {
        var o = RecommenderOptions.Default;
        Assert.Equal(0, FeedMixer.Quotas(o, 0)[FeedSource.ItemBased]);
        Assert.Equal(o.FeedQuotas[FeedSource.ItemBased] / 2, FeedMixer.Quotas(o, 0, hasProfilePrior: true)[FeedSource.ItemBased], 12);
        Assert.Equal(0, FeedMixer.Quotas(o, 0, hasProfilePrior: true)[FeedSource.UserBased]);
        Assert.Equal(0.40, FeedMixer.Quotas(o, 0, hasProfilePrior: true)[FeedSource.Followees]);
        Assert.Equal(0, FeedMixer.Quotas(o with { ProfilePriorWeight = 0 }, 0, hasProfilePrior: true)[FeedSource.ItemBased]);
    }

    [Fact]
    public void Views_weigh_less_than_likes_in_the_user_style_vector()
    {
        float[] liked = [1f, 0f], viewed = [0f, 1f];
        var style = StyleVectors.UserStyle([viewed, liked], [0.2, 1.0], 50, 0.5)!;
        Assert.True(style[0] > 4 * style[1], $"{style[0]} vs {style[1]}");
        Assert.Null(StyleVectors.UserStyle([viewed], [0.0], 50, 0.5));
    }
}
