using Ootd.Grains.Common;
using Ootd.Grains.Ootds;
using Ootd.Grains.Recommendation;
using Ootd.Tests.Recommendation;
using Xunit;

namespace Ootd.Tests.Ootds;

/// <summary>The OOTD's style vector and TF-IDF column, kept by its <see cref="OotdGrain"/> (<see cref="OotdStyle"/>).</summary>
[Collection(RecommenderCluster.Name)]
public sealed class OotdStyleTests(RecommendationSiloFixture f)
{
    private IClusterClient Client => f.Client;

    private static float[] Compose(int style, int seed)
    {
        var (p, a, e) = RecommendationSiloFixture.ItemBlocks(style, seed);
        return StyleVectors.ComposeItem([p, a, e], RecommenderOptions.Default.ItemBlockWeights);
    }

    [Fact]
    public async Task Ready_ootd_style_is_the_max_of_its_uncentred_item_vectors_while_the_sub_category_mean_keeps_growing()
    {
        var author = await f.NewUserAsync();
        var sub = "polo-" + Guid.NewGuid().ToString("N")[..8];
        var first = await f.PostReadyAsync(author, 0, 11, sub, "Street", "#linen");
        var second = await f.PostReadyAsync(author, 1, 12, sub);

        var s1 = (await Client.GetGrain<IOotdGrain>(first).GetStyleSignals())!;
        var s2 = (await Client.GetGrain<IOotdGrain>(second).GetStyleSignals())!;
        var v1 = Compose(0, 11);
        var v2 = Compose(1, 12);
        // MaxComposition (the default): a one-item post's style is its item vector, not centred by the first post's
        // (the centred mean gave v2 − v1 here and lost what the two items share).
        Assert.Equal(v1.Length, s1.Style!.Length);
        for (var i = 0; i < v1.Length; i++)
        {
            Assert.Equal(v1[i], s1.Style[i], 4);
            Assert.Equal(v2[i], s2.Style![i], 4);
        }
        Assert.Contains("street", s1.Tags);
        Assert.Contains("linen", s1.Tags);
        Assert.Contains(sub, s1.Tags);
        var (mean, count) = await Client.GetGrain<ICategoryStatsGrain>(sub).GetMean();
        Assert.Equal(2, count);
        Assert.Equal((v1[3] + v2[3]) / 2, mean[3], 4);
        Assert.Equal(2, await f.Db.ScalarAsync("SELECT count(*) FROM ootd_styles WHERE author_id = $1", author));
        Assert.Equal(2, await f.Db.ScalarAsync("SELECT count(*) FROM item_vectors WHERE index_name = 'ootd-style' AND item_key = ANY($1)", (object)new[] { first.ToString(), second.ToString() }));
    }

    [Fact]
    public async Task Style_and_tf_idf_column_are_read_back_after_the_post_deactivates_and_never_centred_twice()
    {
        var author = await f.NewUserAsync();
        var viewer = await f.NewUserAsync();
        var liker = await f.NewUserAsync();
        var sub = "blazer-" + Guid.NewGuid().ToString("N")[..8];
        var post = await f.PostReadyAsync(author, 0, 13, sub);
        await f.ViewAsync(viewer, post);
        await f.ViewAsync(liker, post, InteractionKind.Like);
        var ootd = Client.GetGrain<IOotdGrain>(post);
        var o = RecommenderOptions.Default;
        await RecommendationSiloFixture.Eventually(async () => (await ootd.GetStyleSignals())!.Column.Count == 2, "both users in the column");
        var before = (await ootd.GetStyleSignals())!;
        Assert.Equal(o.KindWeight(InteractionKind.View), before.Column[viewer], 3);
        Assert.Equal(o.KindWeight(InteractionKind.Like), before.Column[liker], 3);

        await f.Cluster.DeactivateAsync(ootd);
        var after = (await ootd.GetStyleSignals())!;
        Assert.Equal(before.Style, after.Style);
        Assert.Equal(before.Tags, after.Tags);
        Assert.Equal(before.Column.Keys.Order(), after.Column.Keys.Order());
        foreach (var (user, weight) in before.Column) Assert.Equal(weight, after.Column[user], 3);
        Assert.Equal(author, after.AuthorId);

        // Asking again (the nightly repair does) keeps the vector and adds nothing to the sub-category's mean.
        Assert.True(await ootd.ComputeStyle());
        Assert.Equal(1, (await Client.GetGrain<ICategoryStatsGrain>(sub).GetMean()).Count);
        Assert.Equal(before.Style, await ootd.GetStyle());
        // A post that is not analysed has none, and an unknown id neither.
        Assert.Null(await Client.GetGrain<IOotdGrain>(Guid.NewGuid()).GetStyleSignals());
        Assert.False(await Client.GetGrain<IOotdGrain>(Guid.NewGuid()).ComputeStyle());
    }
}
