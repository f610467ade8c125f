using Ootd.Grains.Ootds;
using Ootd.Grains.Recommendation;
using Ootd.Grains.StyleLeaders;
using Ootd.Tests.Recommendation;
using Xunit;

namespace Ootd.Tests.StyleLeaders;

/// <summary>The upload style vector, kept by the author's <see cref="StyleLeaderGrain"/> (<see cref="UploadStyle"/>).</summary>
[Collection(RecommenderCluster.Name)]
public sealed class UploadStyleTests(RecommendationSiloFixture f)
{
    private IClusterClient Client => f.Client;

    [Fact]
    public async Task Upload_style_is_the_recency_weighted_mean_of_analysed_uploads_indexed_and_rebuilt_from_the_tables()
    {
        var author = await f.NewUserAsync();
        var fan = await f.NewUserAsync();
        await f.FollowAsync(fan, author);
        var older = await f.PostReadyAsync(author, 1, 51);
        var newer = await f.PostReadyAsync(author, 0, 52);
        var o = RecommenderOptions.Default;
        var expected = StyleVectors.UserStyle(
            [(await Client.GetGrain<IOotdGrain>(newer).GetStyle())!, (await Client.GetGrain<IOotdGrain>(older).GetStyle())!], o.History, o.Alpha)!;

        var leader = Client.GetGrain<IStyleLeaderGrain>(author);
        var style = await leader.GetLeaderStyle();
        Assert.Equal(author, style.UserId);
        Assert.Equal([newer, older], style.RecentUploads);
        Assert.Equal(1, style.Followers);
        Assert.Equal(1.0, Similarity.Cosine(expected, style.UploadStyle!), 5);
        Assert.Equal(1, await f.Db.ScalarAsync("SELECT count(*) FROM item_vectors WHERE index_name = 'leader-style' AND item_key = $1", author.ToString()));

        await f.Cluster.DeactivateAsync(leader);
        var again = await leader.GetLeaderStyle();
        Assert.Equal([newer, older], again.RecentUploads);
        Assert.Equal(1.0, Similarity.Cosine(expected, again.UploadStyle!), 5);
        // Nothing uploaded, nothing to follow by style.
        Assert.Null((await Client.GetGrain<IStyleLeaderGrain>(fan).GetLeaderStyle()).UploadStyle);
    }
}
