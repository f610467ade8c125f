using Microsoft.Extensions.DependencyInjection;
using Ootd.Grains.Catalog;
using Ootd.Grains.Common;
using Ootd.Grains.Ootds;
using Ootd.Grains.Recommendation;
using Ootd.Grains.Search;
using Xunit;

namespace Ootd.Tests.Recommendation;

/// <summary>
/// Issue 14's read paths: a post keeps its items' similar products until the catalogue version changes; the feed
/// reuses its computed list until what it was computed from changes; views are logged in groups yet every
/// acknowledged view and like is in the database.
/// </summary>
[Collection(RecommenderCluster.Name)]
public sealed class ReadPathTests(RecommendationSiloFixture f)
{
    private IServiceProvider Silo => f.Cluster.Silos[0].ServiceProvider;

    private async Task AddProductAsync(string id, string title, float[] embedding)
    {
        await f.Db.ScalarAsync(
            "INSERT INTO products (product_id, title, media_id, status, super_category, sub_category) VALUES ($1, $2, 'm', 1, 'top', 'tshirt')",
            id, title);
        await Silo.GetRequiredService<VectorSearch>().Upsert(SearchOptions.ProductsIndex, "top", id, "tshirt", embedding);
    }

    [Fact]
    public async Task A_post_keeps_its_similar_products_until_the_catalogue_version_changes()
    {
        var author = await f.NewUserAsync();
        var seed = Random.Shared.Next(10_000, 20_000);
        var post = await f.PostReadyAsync(author, 0, seed);
        var product = $"rp-{Guid.NewGuid():N}"[..20];
        await AddProductAsync(product, "first title", RecommendationSiloFixture.ItemBlocks(0, seed).Embedding);
        var version = Silo.GetRequiredService<CatalogVersion>();
        version.Invalidate();

        var grain = f.Client.GetGrain<IOotdGrain>(post);
        var first = await grain.GetDetail(5);
        Assert.NotNull(first);
        Assert.NotNull(first.CatalogVersion);
        Assert.Contains(first.SimilarProducts.Single().Products, p => p.ProductId == product && p.Title == "first title");

        // A catalogue change (any statement on products takes the next version): the next read searches again.
        await f.Db.ScalarAsync("UPDATE products SET title = 'second title' WHERE product_id = $1", product);
        version.Invalidate();
        var second = await grain.GetDetail(5);
        Assert.True(second!.CatalogVersion > first.CatalogVersion);
        Assert.Contains(second.SimilarProducts.Single().Products, p => p.ProductId == product && p.Title == "second title");

        // No change: the products kept with the post are served without a search (the item rows the search reads are gone).
        await f.Db.ScalarAsync("DELETE FROM ootd_items WHERE ootd_id = $1", post);
        version.Invalidate();
        var third = await grain.GetDetail(5);
        Assert.Equal(second.CatalogVersion, third!.CatalogVersion);
        Assert.Contains(third.SimilarProducts.Single().Products, p => p.ProductId == product && p.Title == "second title");
        Assert.Null(await f.Client.GetGrain<IOotdGrain>(Guid.NewGuid()).GetDetail(5));
    }

    [Fact]
    public async Task A_read_brings_the_detail_only_when_the_post_changed_since_the_stamp_held()
    {
        var author = await f.NewUserAsync();
        var post = await f.PostReadyAsync(author, 0, Random.Shared.Next(30_000, 40_000));
        var grain = f.Client.GetGrain<IOotdGrain>(post);

        var first = await grain.Read(5, 0);
        Assert.NotNull(first?.Detail);
        Assert.NotEqual(0, first.Stamp);
        Assert.Equal(OotdStatus.Ready, first.Detail.View.Status);

        // Unchanged: the counts alone, which follow a like and a view.
        var liker = await f.NewUserAsync();
        Assert.True((await grain.Like(liker)).Succeeded);
        Assert.True((await grain.RecordView(liker)).Succeeded);
        var second = await grain.Read(5, first.Stamp);
        Assert.NotNull(second);
        Assert.Null(second.Detail);
        Assert.Equal(first.Stamp, second.Stamp);
        Assert.Equal((first.LikeCount + 1, first.ViewCount + 1), (second.LikeCount, second.ViewCount));
        // A catalogue change under an unchanged post: the held body's similar products are stale, so the matching stamp
        // does not short-cut the read; the products are searched again, kept, and the stamp moves.
        var seed = Random.Shared.Next(40_000, 50_000);
        await AddProductAsync($"rp-{Guid.NewGuid():N}"[..20], "new arrival", RecommendationSiloFixture.ItemBlocks(0, seed).Embedding);
        Silo.GetRequiredService<CatalogVersion>().Invalidate();
        var afterCatalogue = await grain.Read(5, first.Stamp);
        Assert.NotNull(afterCatalogue!.Detail);
        Assert.NotEqual(first.Stamp, afterCatalogue.Stamp);
        Assert.Null((await grain.Read(5, afterCatalogue.Stamp))!.Detail);
        first = afterCatalogue;
        // Another stamp (another gateway, an old body) gets the detail; lists (k = 0) get it without similar products.
        Assert.NotNull((await grain.Read(5, first.Stamp + 1))!.Detail);
        Assert.Empty((await grain.Read(0, 0))!.Detail!.SimilarProducts);

        // A state change moves the stamp (similar products for another k are searched and kept with the post).
        var other = await grain.Read(3, first.Stamp);
        Assert.NotEqual(first.Stamp, other!.Stamp);
        Assert.NotNull(other.Detail);
        // Deleted and unknown posts read as null.
        Assert.True((await grain.Delete(author)).Succeeded);
        Assert.Null(await grain.Read(5, first.Stamp));
        Assert.Null(await f.Client.GetGrain<IOotdGrain>(Guid.NewGuid()).Read(0, 0));
    }

    [Fact]
    public async Task Every_acknowledged_view_and_like_is_in_the_database_when_the_call_returns()
    {
        var author = await f.NewUserAsync();
        var post = await f.PostReadyAsync(author, 1, Random.Shared.Next(20_000, 30_000));
        var viewers = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => f.NewUserAsync()));
        var grain = f.Client.GetGrain<IOotdGrain>(post);

        // 40 views at once (grouped into few INSERTs), plus each viewer's repeat, which the view window does not count.
        // While the log cannot be written (a transaction holds a lock that blocks inserts), no view is acknowledged.
        await using (var blocker = await f.Db.DataSource.OpenConnectionAsync())
        {
            await using var tx = await blocker.BeginTransactionAsync();
            await using (var lockCmd = new Npgsql.NpgsqlCommand("LOCK TABLE interactions IN EXCLUSIVE MODE", blocker, tx)) await lockCmd.ExecuteNonQueryAsync();
            var views = Task.WhenAll(viewers.Concat(viewers).Select(v => grain.RecordView(v)));
            await Task.WhenAny(views, Task.Delay(TimeSpan.FromSeconds(1)));
            Assert.False(views.IsCompleted, "a view was acknowledged before its log row was written");
            await tx.RollbackAsync();
            Assert.All(await views, r => Assert.True(r.Succeeded));
        }
        Assert.Equal(40, await f.Db.ScalarAsync(
            "SELECT count(*) FROM interactions WHERE target_id = $1 AND kind = $2", post.ToString(), (short)InteractionKind.View));
        Assert.Equal(40, (await grain.Get())!.ViewCount);

        Assert.True((await grain.Like(viewers[0])).Succeeded);
        Assert.Equal(1, await f.Db.ScalarAsync("SELECT count(*) FROM ootd_likes WHERE ootd_id = $1 AND user_id = $2", post, viewers[0]));
        Assert.Equal(1, (await grain.Get())!.LikeCount);

        // Likes of many posts at once are written in groups: none is acknowledged before its group commits, each new
        // one counts once, a repeat is Unchanged, and the counts the posts answer match the table.
        var posts = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => f.PostReadyAsync(author, i % 2, Random.Shared.Next(40_000, 50_000))));
        await using (var blocker = await f.Db.DataSource.OpenConnectionAsync())
        {
            await using var tx = await blocker.BeginTransactionAsync();
            await using (var lockCmd = new Npgsql.NpgsqlCommand("LOCK TABLE ootd_likes IN EXCLUSIVE MODE", blocker, tx)) await lockCmd.ExecuteNonQueryAsync();
            var likes = Task.WhenAll(posts.SelectMany(p => viewers.Take(10).Select(v => f.Client.GetGrain<IOotdGrain>(p).SetLike(v, true))));
            await Task.WhenAny(likes, Task.Delay(TimeSpan.FromSeconds(1)));
            Assert.False(likes.IsCompleted, "a like was acknowledged before its row was written");
            await tx.RollbackAsync();
            Assert.All(await likes, o => Assert.Equal(CommandStatus.Done, o.Result.Status));
        }
        foreach (var p in posts)
        {
            Assert.Equal(10, await f.Db.ScalarAsync("SELECT count(*) FROM ootd_likes WHERE ootd_id = $1", p));
            Assert.Equal(10, await f.Db.ScalarAsync("SELECT count(*) FROM interactions WHERE target_id = $1 AND kind = $2", p.ToString(), (short)InteractionKind.Like));
            var again = await f.Client.GetGrain<IOotdGrain>(p).SetLike(viewers[0], true);
            Assert.Equal((CommandStatus.Unchanged, 10L), (again.Result.Status, again.LikeCount));
            var more = await f.Client.GetGrain<IOotdGrain>(p).SetLike(viewers[20], true);
            Assert.Equal((CommandStatus.Done, 11L), (more.Result.Status, more.LikeCount));
        }
    }

    [Fact]
    public async Task The_feed_reuses_its_list_until_the_user_follows_someone_whose_posts_then_show_at_once()
    {
        var me = await f.NewUserAsync();
        var friend = await f.NewUserAsync();
        var star = await f.NewUserAsync();
        await f.FollowAsync(me, friend);
        for (var i = 0; i < 3; i++) await f.PostReadyAsync(friend, i % 2, Random.Shared.Next(30_000, 40_000));
        var starPosts = new List<Guid>();
        for (var i = 0; i < 2; i++) starPosts.Add(await f.PostReadyAsync(star, i % 2, Random.Shared.Next(40_000, 50_000)));
        var feed = f.Client.GetGrain<IFeedGrain>(me);
        await RecommendationSiloFixture.Eventually(async () => (await feed.GetFeed(null, 100)).Items.Count(e => e.Source == FeedSource.Followees) >= 3,
            "the friend's posts in the feed");

        // Nothing changed: the next first page comes from the same computed list (same cursor generation).
        var page1 = await feed.GetFeed(null, 1);
        var again = await feed.GetFeed(null, 1);
        Assert.NotNull(page1.NextCursor);
        Assert.Equal(page1.NextCursor, again.NextCursor);

        // A follow: the new followee's existing posts are in the very next first page, as followee posts.
        await f.FollowAsync(me, star);
        var after = await feed.GetFeed(null, 100);
        Assert.All(starPosts, p => Assert.Contains(after.Items, e => e.OotdId == p && e.Source == FeedSource.Followees));
    }

    [Fact]
    public async Task A_feed_writes_each_served_row_once_and_a_fresh_list_keeps_what_was_written()
    {
        var me = await f.NewUserAsync();
        var friend = await f.NewUserAsync();
        var star = await f.NewUserAsync();
        await f.FollowAsync(me, friend);
        for (var i = 0; i < 3; i++) await f.PostReadyAsync(friend, i % 2, Random.Shared.Next(60_000, 70_000));
        var starPosts = new List<Guid>();
        for (var i = 0; i < 2; i++) starPosts.Add(await f.PostReadyAsync(star, i % 2, Random.Shared.Next(70_000, 80_000)));
        var feed = f.Client.GetGrain<IFeedGrain>(me);
        await RecommendationSiloFixture.Eventually(async () => (await feed.GetFeed(null, 100)).Items.Count(e => e.Source == FeedSource.Followees) >= 3,
            "the friend's posts in the feed");
        Task<long> Rows(IEnumerable<Guid> posts) =>
            f.Db.ScalarAsync("SELECT count(*) FROM rec_served WHERE user_id = $1 AND ootd_id = ANY($2)", me, posts.ToArray());

        // Every entry of a page served is recorded with the source that placed it.
        var page = await feed.GetFeed(null, 100);
        var served = page.Items.Select(e => e.OotdId).Distinct().ToList();
        Assert.Equal(served.Count, await Rows(served));

        // The rows taken away behind the grain's back show what it writes: the same page served again writes nothing.
        await f.Db.ScalarAsync("DELETE FROM rec_served WHERE user_id = $1", me);
        var again = await feed.GetFeed(null, 100);
        Assert.Equal(served, again.Items.Select(e => e.OotdId).Distinct());
        Assert.Equal(0, await Rows(served));

        // A follow makes a fresh list: the posts this activation recorded are still not written again; the new
        // followee's posts (and any other entry not served before) are.
        await f.FollowAsync(me, star);
        var after = await feed.GetFeed(null, 100);
        Assert.All(starPosts, p => Assert.Contains(after.Items, e => e.OotdId == p));
        var kept = after.Items.Select(e => e.OotdId).Where(served.Contains).ToList();
        Assert.NotEmpty(kept);
        Assert.Equal(0, await Rows(kept));
        var fresh = after.Items.Select(e => e.OotdId).Where(id => !served.Contains(id)).Distinct().ToList();
        Assert.Equal(fresh.Count, await Rows(fresh));
    }

    [Fact]
    public async Task An_idle_feed_drops_its_list_and_a_cursor_from_it_pages_a_fresh_list_from_the_same_place()
    {
        var options = Silo.GetRequiredService<Microsoft.Extensions.Options.IOptions<RecommenderServingOptions>>().Value;
        var before = options.FeedIdleDropSeconds;
        options.FeedIdleDropSeconds = 1;
        try
        {
            var me = await f.NewUserAsync();
            var friend = await f.NewUserAsync();
            await f.FollowAsync(me, friend);
            for (var i = 0; i < 8; i++) await f.PostReadyAsync(friend, i % 2, Random.Shared.Next(80_000, 90_000));
            var feed = f.Client.GetGrain<IFeedGrain>(me);
            await RecommendationSiloFixture.Eventually(async () => (await feed.GetFeed(null, 100)).Items.Count(e => e.Source == FeedSource.Followees) >= 8,
                "the friend's posts in the feed");
            static int Generation(string? cursor)
            {
                Assert.True(FeedCursor.TryParse(cursor!, out var generation, out _), cursor);
                return generation;
            }

            // Read at once, a cursor pages the same list (its generation stays) ...
            var first = await feed.GetFeed(null, 2);
            var second = await feed.GetFeed(first.NextCursor, 2);
            Assert.Equal(Generation(first.NextCursor), Generation(second.NextCursor));
            Assert.Equal("4", second.NextCursor!.Split('.')[1]);

            // ... after the idle time the list is gone: the same cursor gets a fresh list (a new generation) at the same place.
            await Task.Delay(TimeSpan.FromSeconds(2.5));
            var third = await feed.GetFeed(second.NextCursor, 2);
            Assert.NotEqual(Generation(second.NextCursor), Generation(third.NextCursor));
            Assert.Equal("6", third.NextCursor!.Split('.')[1]);
            Assert.NotEmpty(third.Items);
        }
        finally
        {
            options.FeedIdleDropSeconds = before;
        }
    }

    [Fact]
    public async Task Styles_kept_for_feed_scoring_are_answered_from_memory_until_their_keep_time_or_a_save_on_the_silo()
    {
        var author = await f.NewUserAsync();
        var post = await f.PostReadyAsync(author, 0, Random.Shared.Next(90_000, 95_000));
        var store = new RecommendationStore(f.Db.DataSource,
            Microsoft.Extensions.Options.Options.Create(new RecommenderServingOptions { StyleKeepSeconds = 60 }));
        var first = (await store.ReadStylesKeptAsync([post]))[post];

        // The row changed behind the store's back: the kept style is answered (no query) ...
        await f.Db.ScalarAsync("UPDATE ootd_styles SET tags = ARRAY['changed'] WHERE ootd_id = $1", post);
        Assert.Same(first, (await store.ReadStylesKeptAsync([post]))[post]);
        Assert.Equal(["changed"], (await store.ReadStylesAsync([post]))[post].Tags);

        // ... until a save through this store (the post analysed again on this silo) drops it.
        await store.SaveStyleAsync(first with { Tags = ["saved"] });
        Assert.Equal(["saved"], (await store.ReadStylesKeptAsync([post]))[post].Tags);

        // With no keep time every read goes to the table.
        var fresh = new RecommendationStore(f.Db.DataSource,
            Microsoft.Extensions.Options.Options.Create(new RecommenderServingOptions { StyleKeepSeconds = 0 }));
        await fresh.ReadStylesKeptAsync([post]);
        await f.Db.ScalarAsync("UPDATE ootd_styles SET tags = ARRAY['again'] WHERE ootd_id = $1", post);
        Assert.Equal(["again"], (await fresh.ReadStylesKeptAsync([post]))[post].Tags);
    }

    /// <summary>A new user following a friend with three Ready posts, once those posts are in the user's feed.</summary>
    private async Task<(Guid Me, IFeedGrain Feed)> FeedWithAFriendsPostsAsync()
    {
        var me = await f.NewUserAsync();
        var friend = await f.NewUserAsync();
        await f.FollowAsync(me, friend);
        for (var i = 0; i < 3; i++) await f.PostReadyAsync(friend, i % 2, Random.Shared.Next(50_000, 60_000));
        var feed = f.Client.GetGrain<IFeedGrain>(me);
        await RecommendationSiloFixture.Eventually(async () => (await feed.GetFeed(null, 100)).Items.Count(e => e.Source == FeedSource.Followees) >= 3,
            "the friend's posts in the feed");
        return (me, feed);
    }

    [Fact]
    public async Task The_feed_reuses_its_viewer_until_the_user_views_a_post_which_then_leaves_the_next_first_page()
    {
        var (me, feed) = await FeedWithAFriendsPostsAsync();

        // Unchanged taste: the same list serves the first page and the explore lists read the held viewer.
        var page1 = await feed.GetFeed(null, 100);
        var again = await feed.GetFeed(null, 100);
        Assert.Equal(page1.NextCursor, again.NextCursor);
        Assert.Equal(page1.Items.Select(e => e.OotdId), again.Items.Select(e => e.OotdId));
        var stamp = await f.Client.GetGrain<Ootd.Grains.Users.IUserGrain>(me).OwnTasteStamp();
        Assert.NotEqual(0, stamp);

        // A view moves the user's taste stamp: the held viewer (and the list computed from it) is not reused, and the
        // viewed post is in neither the next first page nor the weekly list.
        var viewed = page1.Items.First(e => e.Source == FeedSource.Followees).OotdId;
        await f.ViewAsync(me, viewed);
        Assert.NotEqual(stamp, await f.Client.GetGrain<Ootd.Grains.Users.IUserGrain>(me).OwnTasteStamp());
        var after = await feed.GetFeed(null, 100);
        Assert.DoesNotContain(after.Items, e => e.OotdId == viewed);
        Assert.DoesNotContain(await feed.WeeklyBest(100), e => e.OotdId == viewed);
        Assert.Contains(after.Items, e => e.Source == FeedSource.Followees);
    }

    /// <summary>
    /// Twelfth pass (README "Read paths"): the feed reuses its held viewer until the user grain tells it of a change. A
    /// user grain deactivated and activated again while its feed stays active (idle collection, a rebalance) must tell
    /// the feed of its first change too, or the feed would keep a viewer whose seen set lacks what was viewed since.
    /// </summary>
    [Fact]
    public async Task A_user_grain_activated_again_while_its_feed_stays_active_tells_the_feed_of_its_first_change()
    {
        var (me, feed) = await FeedWithAFriendsPostsAsync();
        var page1 = await feed.GetFeed(null, 100);
        Assert.Equal(page1.Items.Select(e => e.OotdId), (await feed.GetFeed(null, 100)).Items.Select(e => e.OotdId));

        // The user grain goes (its feed stays), then a view activates it again: a new activation's stamps differ.
        var user = f.Client.GetGrain<Ootd.Grains.Users.IUserGrain>(me);
        var before = await user.OwnTasteStamp();
        Assert.NotEqual(0, before);
        await user.AsReference<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();
        var viewed = page1.Items.First(e => e.Source == FeedSource.Followees).OotdId;
        await RecommendationSiloFixture.Eventually(async () =>
        {
            var stamp = await user.OwnTasteStamp();
            return stamp == 0 || stamp >> 32 != before >> 32;
        }, "a new activation of the user grain");
        await f.ViewAsync(me, viewed);
        Assert.NotEqual(before >> 32, await user.OwnTasteStamp() >> 32);

        var after = await feed.GetFeed(null, 100);
        Assert.DoesNotContain(after.Items, e => e.OotdId == viewed);
        Assert.DoesNotContain(await feed.WeeklyBest(100), e => e.OotdId == viewed);
    }

    /// <summary>
    /// Ninth pass (README "Read paths"): co-likers are counted from the likes when a feed reads them, so a like counts
    /// the moment it is acknowledged and an unlike the moment it is, with nothing written per like.
    /// </summary>
    [Fact]
    public async Task Co_likers_are_read_from_the_likes_most_shared_first_at_once_after_each_like_and_unlike()
    {
        var author = await f.NewUserAsync();
        var posts = new Guid[4];
        for (var i = 0; i < posts.Length; i++) posts[i] = await f.PostReadyAsync(author, i % 2, Random.Shared.Next(60_000, 70_000));
        var (me, a, b, c, stranger) = (await f.NewUserAsync(), await f.NewUserAsync(), await f.NewUserAsync(), await f.NewUserAsync(), await f.NewUserAsync());
        var store = new RecommendationStore(f.Db.DataSource);
        async Task Like(Guid user, params int[] which)
        {
            foreach (var i in which) Assert.True((await f.Client.GetGrain<IOotdGrain>(posts[i]).Like(user)).Succeeded);
        }
        await Like(me, 0, 1, 2);
        Assert.Empty(await store.CoLikersAsync(me, 10));
        await Like(a, 0, 1, 2);   // three posts shared
        await Like(b, 0, 1);      // two
        await Like(c, 2);         // one
        await Like(stranger, 3);  // none
        Assert.Equal([a, b, c], await store.CoLikersAsync(me, 10));
        Assert.Equal([a], await store.CoLikersAsync(me, 1));
        Assert.Equal([me, b, c], await store.CoLikersAsync(a, 10));
        Assert.Empty(await store.CoLikersAsync(stranger, 10));

        // a takes two likes back: one shared post left, as with c; of two at one shared post, the most recent like first.
        Assert.True((await f.Client.GetGrain<IOotdGrain>(posts[0]).Unlike(a)).Succeeded);
        Assert.True((await f.Client.GetGrain<IOotdGrain>(posts[1]).Unlike(a)).Succeeded);
        Assert.Equal([b, c, a], await store.CoLikersAsync(me, 10));
        await Like(a, 3);
        Assert.Equal([b, c, a], await store.CoLikersAsync(me, 10));
        Assert.Equal([a], await store.CoLikersAsync(stranger, 10));
    }

    /// <summary>
    /// Sixth pass (README "Read paths"): a feed page read again is answered from what the feed grain keeps (post reads
    /// for Recommender:FeedPostReadMilliseconds, the viewer's likedByMe / followingAuthor), yet the user's own unlike and
    /// unfollow show on the very next page, a post deleted since is never answered, and another user's like shows in the
    /// count within the read's hold time.
    /// </summary>
    [Fact]
    public async Task A_kept_feed_page_shows_the_users_own_unlike_and_unfollow_at_once_and_never_a_post_deleted_since()
    {
        var me = await f.NewUserAsync();
        var friend = await f.NewUserAsync();
        var fan = await f.NewUserAsync();
        await f.FollowAsync(me, friend);
        var posts = new List<Guid>();
        for (var i = 0; i < 3; i++) posts.Add(await f.PostReadyAsync(friend, i % 2, Random.Shared.Next(60_000, 70_000)));
        // An old like of mine, in the table only (not among my recent interactions, so the post stays in my feed).
        await f.Db.ScalarAsync("INSERT INTO ootd_likes (ootd_id, user_id) VALUES ($1, $2) RETURNING 1", posts[0], me);
        var feed = f.Client.GetGrain<IFeedGrain>(me);
        await RecommendationSiloFixture.Eventually(async () => posts.All((await feed.ReadFeed(null, 100, 0)).Items.Select(e => e.OotdId).Contains),
            "the friend's posts in the feed");

        byte Flags(FeedPage page, Guid post) => page.Viewer![page.Items.Select(e => e.OotdId).ToList().IndexOf(post)];
        OotdRead? Read(FeedPage page, Guid post) => page.Posts[page.Items.Select(e => e.OotdId).ToList().IndexOf(post)];
        var page = await feed.ReadFeed(null, 100, 0);
        Assert.NotNull(page.Viewer);
        Assert.Equal(page.Items.Count, page.Viewer!.Length);
        Assert.Equal(FeedViewerFlags.Liked | FeedViewerFlags.FollowingAuthor, Flags(page, posts[0]));
        Assert.Equal(FeedViewerFlags.FollowingAuthor, Flags(page, posts[1]));

        // My unlike: the next page says so at once (the viewer state is otherwise kept for a minute).
        Assert.True((await f.Client.GetGrain<IOotdGrain>(posts[0]).Unlike(me)).Succeeded);
        page = await feed.ReadFeed(null, 100, 0);
        Assert.Equal(FeedViewerFlags.FollowingAuthor, Flags(page, posts[0]));

        // Another user's like: the count on my page catches up within the read's hold time (2 s).
        var before = Read(page, posts[1])!.LikeCount;
        Assert.True((await f.Client.GetGrain<IOotdGrain>(posts[1]).Like(fan)).Succeeded);
        await RecommendationSiloFixture.Eventually(async () => Read(await feed.ReadFeed(null, 100, 0), posts[1])?.LikeCount == before + 1,
            "the fan's like counted on my page", seconds: 5);

        // My unfollow: the friend's posts still on the page are no longer marked as followed.
        Assert.True((await f.Client.GetGrain<Ootd.Grains.Users.IUserGrain>(me).Unfollow(friend)).Succeeded);
        page = await feed.ReadFeed(null, 100, 0);
        var still = posts.Where(p => page.Items.Any(e => e.OotdId == p)).ToList();
        Assert.NotEmpty(still);
        Assert.All(still, p => Assert.Equal(0, Flags(page, p) & FeedViewerFlags.FollowingAuthor));

        // A post deleted right after a page kept its read: the next page answers it as gone.
        page = await feed.ReadFeed(null, 100, 0);
        var victim = still.Last();
        Assert.NotNull(Read(page, victim));
        Assert.True((await f.Client.GetGrain<IOotdGrain>(victim).Delete(friend)).Succeeded);
        page = await feed.ReadFeed(null, 100, 0);
        Assert.True(!page.Items.Any(e => e.OotdId == victim) || Read(page, victim) is null, "the deleted post was answered from the kept read");
    }
}
