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

    [Fact]
    public async Task A_declared_body_shape_reaches_the_taste_and_rec_users_and_a_change_of_shape_too()
    {
        var author = await f.NewUserAsync();
        var viewer = await f.NewUserAsync();   // declares Pear
        await f.ViewAsync(viewer, await f.PostReadyAsync(author, 0, 51));
        var user = Client.GetGrain<IUserGrain>(viewer);
        Assert.Equal(BodyShape.Pear, (await user.GetTaste()).BodyShape);
        Assert.Equal(BodyShape.Pear, (await user.GetOwnTaste()).Taste.BodyShape);
        Assert.Equal(1, await f.Db.ScalarAsync("SELECT count(*) FROM rec_users WHERE user_id = $1 AND body_shape = 'pear'", viewer));

        // Only the shape changes: it reaches the taste and rec_users like a segment change does.
        Assert.True((await user.UpdateProfile(new ProfileData("Tester", Gender.Female, 1994, BodyShape.InvertedTriangle, ["street"]))).Succeeded);
        Assert.Equal(BodyShape.InvertedTriangle, (await user.GetTaste()).BodyShape);
        Assert.Equal(1, await f.Db.ScalarAsync("SELECT count(*) FROM rec_users WHERE user_id = $1 AND body_shape = 'invertedTriangle'", viewer));

        // Unspecified: no shape (NULL), so the user is in no shape list.
        Assert.True((await user.UpdateProfile(new ProfileData("Tester", Gender.Female, 1994, BodyShape.Unspecified, ["street"]))).Succeeded);
        Assert.Equal(BodyShape.Unspecified, (await user.GetTaste()).BodyShape);
        Assert.Equal(1, await f.Db.ScalarAsync("SELECT count(*) FROM rec_users WHERE user_id = $1 AND body_shape IS NULL", viewer));

        // A new activation reads the shape from the profile again.
        await f.Cluster.DeactivateAsync(user);
        Assert.Equal(BodyShape.Unspecified, (await user.GetTaste()).BodyShape);
    }

    [Fact]
    public async Task A_like_taken_back_leaves_a_view_in_the_taste_and_the_co_likes_now_and_after_a_reload()
    {
        var author = await f.NewUserAsync();
        var viewer = await f.NewUserAsync();
        var other = await f.NewUserAsync();
        var a = await f.PostReadyAsync(author, 1, 41);
        var b = await f.PostReadyAsync(author, 0, 42);
        await f.ViewAsync(viewer, a, InteractionKind.Like);
        await f.ViewAsync(other, b, InteractionKind.Like);
        await f.ViewAsync(viewer, b, InteractionKind.Like);
        var user = Client.GetGrain<IUserGrain>(viewer);
        var store = new RecommendationStore(f.Db.DataSource);
        Assert.Equal([other], await store.CoLikersAsync(viewer, 10));
        var before = await user.GetOwnTaste();
        Assert.Equal([b, a], before.RecentLikes);
        Assert.True(before.TasteModelBias is not null, "two likes fit a model");

        Assert.True((await Client.GetGrain<IOotdGrain>(b).Unlike(viewer)).Succeeded);

        async Task TakenBack(string when)
        {
            var own = await user.GetOwnTaste();
            Assert.Equal([a], own.RecentLikes);
            Assert.Equal([a], own.Taste.Likes);
            Assert.Contains(b, own.Seen);                                   // seen: not shown again
            Assert.Equal([b, a], own.Recent);                               // still in the recent list, as a view
            // b weighs as a view (1), a as a like (3): the like's weight is gone from the TF row.
            Assert.True(own.Taste.Ratings[b] < own.Taste.Ratings[a] / 2, $"{when}: {own.Taste.Ratings[b]} vs {own.Taste.Ratings[a]}");
            Assert.InRange(own.Taste.Mass, 3.9, 4.0 + 1e-9);
        }
        await RecommendationSiloFixture.Eventually(async () => !(await user.GetOwnTaste()).RecentLikes.Contains(b), "unlike reached the taste");
        await TakenBack("live");
        Assert.Empty(await store.CoLikersAsync(viewer, 10));
        Assert.Empty(await store.CoLikersAsync(other, 10));
        // The post's own column: the viewer's weight there is a view's now.
        var column = (await Client.GetGrain<IOotdGrain>(b).GetStyleSignals())!.Column;
        Assert.True(column[viewer] < column[other] / 2, $"column: {column[viewer]} vs {column[other]}");

        await f.Cluster.DeactivateAsync(user);
        await TakenBack("reloaded");
        await f.Cluster.DeactivateAsync(Client.GetGrain<IOotdGrain>(b));
        column = (await Client.GetGrain<IOotdGrain>(b).GetStyleSignals())!.Column;
        Assert.True(column[viewer] < column[other] / 2, $"reloaded column: {column[viewer]} vs {column[other]}");
    }
}
