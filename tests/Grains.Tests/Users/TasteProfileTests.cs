using Ootd.Grains.Common;
using Ootd.Grains.Ootds;
using Ootd.Grains.Recommendation;
using Ootd.Grains.Users;
using Ootd.Tests.Recommendation;
using Xunit;

namespace Ootd.Tests.Users;

/// <summary>The user's taste (TF row, style vector, seen set), kept by their <see cref="UserGrain"/> (<see cref="TasteProfile"/>).</summary>
[Collection(RecommenderCluster.Name)]
public sealed class TasteProfileTests(RecommendationSiloFixture f)
{
    private IClusterClient Client => f.Client;

    [Fact]
    public async Task User_style_is_the_recency_weighted_mean_of_recent_views_and_rebuilds_from_the_log()
    {
        var author = await f.NewUserAsync();
        var viewer = await f.NewUserAsync();
        var a = await f.PostReadyAsync(author, 1, 31);
        var b = await f.PostReadyAsync(author, 0, 32);
        await f.ViewAsync(viewer, a);
        await f.ViewAsync(viewer, b, InteractionKind.Like);

        var sa = (await Client.GetGrain<IOotdGrain>(a).GetStyle())!;
        var sb = (await Client.GetGrain<IOotdGrain>(b).GetStyle())!;
        var o = RecommenderOptions.Default;
        // b is the most recent and liked (weight 1); a was only viewed (weight ViewTasteWeight).
        var expected = StyleVectors.UserStyle([sb, sa], [1.0, o.ViewTasteWeight], o.History, o.Alpha)!;
        Assert.True(Similarity.Cosine(expected, StyleVectors.UserStyle([sb, sa], o.History, o.Alpha)!) < 0.99, "the view weight makes a difference here");
        var user = Client.GetGrain<IUserGrain>(viewer);
        var taste = await user.GetTaste();
        Assert.Equal(1.0, Similarity.Cosine(expected, taste.Style!), 5);
        // The like weighs more than the view in the decayed TF row (same idf: no batch has run for these).
        Assert.True(taste.Ratings[b] > taste.Ratings[a]);
        Assert.InRange(taste.Mass, 3.9, 4.0 + 1e-9);

        // A new activation reads the same taste from the interactions log and ootd_styles.
        await f.Cluster.DeactivateAsync(user);
        var again = await user.GetTaste();
        Assert.Equal(1.0, Similarity.Cosine(expected, again.Style!), 5);
        Assert.Equal(taste.Ratings.Keys.Order(), again.Ratings.Keys.Order());
        foreach (var (ootd, rating) in taste.Ratings) Assert.Equal(rating, again.Ratings[ootd], 3);
        Assert.Equal(taste.Mass, again.Mass, 3);
    }

    [Fact]
    public async Task Own_taste_lists_recent_views_newest_first_and_every_seen_post_with_the_profile_segment()
    {
        var author = await f.NewUserAsync();
        var viewer = await f.NewUserAsync(Gender.Male, 1980, "tailored");
        var posts = new List<Guid>();
        for (var i = 0; i < 3; i++) posts.Add(await f.PostReadyAsync(author, i % 2, 33 + i));
        foreach (var p in posts) await f.ViewAsync(viewer, p);

        var own = await Client.GetGrain<IUserGrain>(viewer).GetOwnTaste();
        Assert.Equal(posts.AsEnumerable().Reverse(), own.Recent);
        Assert.Equal(posts.Order(), own.Seen.Order());
        Assert.Equal(DemographicSegment.Of(Gender.Male, 1980, DateTimeOffset.UtcNow.Year), own.Taste.Segment);
        Assert.Equal(["tailored"], own.Taste.StyleTags);

        // A profile change reaches the taste other users' feeds read (and rec_users, which the nightly job reads) at once.
        Assert.True((await Client.GetGrain<IUserGrain>(viewer).UpdateProfile(new ProfileData("Tester", Gender.Female, 1980, BodyShape.Pear, ["Boho"]))).Succeeded);
        var taste = await Client.GetGrain<IUserGrain>(viewer).GetTaste();
        Assert.Equal(DemographicSegment.Of(Gender.Female, 1980, DateTimeOffset.UtcNow.Year), taste.Segment);
        Assert.Equal(["boho"], taste.StyleTags);
        Assert.Equal(1, await f.Db.ScalarAsync("SELECT count(*) FROM rec_users WHERE user_id = $1 AND style_tags = ARRAY['boho']", viewer));
    }
}
