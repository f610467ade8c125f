using Ootd.Grains.Common;
using Ootd.Grains.Ootds;
using Ootd.Grains.StyleLeaders;
using Ootd.Grains.Users;
using Ootd.Tests.Infrastructure;
using Xunit;

namespace Ootd.Tests.Ootds;

public sealed class OotdGrainTests(SiloFixture silo) : IClassFixture<SiloFixture>
{
    private IClusterClient Client => silo.Client;

    private Task<long> InteractionsAsync(Guid userId, InteractionKind kind, Guid target) => silo.Db.ScalarAsync(
        "SELECT count(*) FROM interactions WHERE user_id = $1 AND kind = $2 AND target_id = $3", userId, (short)kind, target.ToString());

    [Fact]
    public async Task An_authors_uploads_page_newest_first_with_the_total_and_the_next_offset()
    {
        var author = await Samples.NewUserAsync(Client);
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            var id = Guid.NewGuid();
            Assert.Equal(CommandStatus.Done, (await Client.GetGrain<IOotdGrain>(id).Publish(Samples.Post(author, $"look {i}"))).Status);
            ids.Insert(0, id);   // newest first
        }
        var leader = Client.GetGrain<IStyleLeaderGrain>(author);
        var first = await leader.GetUploads(0, 1);
        Assert.Equal([ids[0]], first.Items);
        Assert.Equal(3, first.Total);
        Assert.Equal(1, first.NextOffset);
        var middle = await leader.GetUploads(1, 1);
        Assert.Equal([ids[1]], middle.Items);
        Assert.Equal(2, middle.NextOffset);
        var last = await leader.GetUploads(2, 5);
        Assert.Equal([ids[2]], last.Items);
        Assert.Null(last.NextOffset);
        Assert.Empty((await leader.GetUploads(3, 5)).Items);
        Assert.Equal(ids, (await leader.GetUploads(-4, 0)).Items);   // clamped: offset 0, the default limit
        Assert.Equal(3, (await Client.GetGrain<IUserGrain>(author).GetProfile())!.PostCount);
    }

    [Fact]
    public async Task Publish_persists_the_post_in_state_table_and_uploads()
    {
        var author = await Samples.NewUserAsync(Client);
        var id = Guid.NewGuid();
        var ootd = Client.GetGrain<IOotdGrain>(id);

        var post = Samples.Post(author, "white tee, black slacks", "mono", "office", "Mono");
        var result = await ootd.Publish(post);
        Assert.Equal(CommandStatus.Done, result.Status);

        var view = await ootd.Get();
        Assert.NotNull(view);
        Assert.Equal(id, view.Id);
        Assert.Equal(author, view.AuthorId);
        Assert.Equal(OotdStatus.Analyzing, view.Status);
        Assert.Equal("white tee, black slacks", view.Description);
        Assert.Equal(["mono", "office"], view.Hashtags);
        Assert.Equal(post.Photo.MediaId, view.Photo.MediaId);
        Assert.Equal(0, view.LikeCount);

        Assert.Equal(1, await silo.Db.ScalarAsync("SELECT count(*) FROM ootd_posts WHERE ootd_id = $1 AND author_id = $2 AND deleted_at IS NULL", id, author));
        Assert.Equal(1, await InteractionsAsync(author, InteractionKind.Upload, id));
        var uploads = await Client.GetGrain<IStyleLeaderGrain>(author).GetUploads(0, 10);
        Assert.Equal([id], uploads.Items);
        Assert.Equal(1, (await Client.GetGrain<IUserGrain>(author).GetProfile())!.PostCount);

        // publishing the same post again is a no-op; another post under the same id is a conflict
        Assert.Equal(CommandStatus.Unchanged, (await ootd.Publish(post)).Status);
        var other = await Samples.NewUserAsync(Client);
        Assert.Equal(CommandStatus.Conflict, (await ootd.Publish(Samples.Post(other))).Status);
        Assert.Equal(1, await InteractionsAsync(author, InteractionKind.Upload, id));
    }

    [Fact]
    public async Task Publish_rejects_unknown_authors_and_oversized_content()
    {
        var ootd = Client.GetGrain<IOotdGrain>(Guid.NewGuid());
        Assert.Equal(CommandStatus.NotFound, (await ootd.Publish(Samples.Post(Guid.NewGuid()))).Status);
        Assert.Null(await ootd.Get());

        var author = await Samples.NewUserAsync(Client);
        Assert.Equal(CommandStatus.Invalid, (await ootd.Publish(Samples.Post(author, new string('x', 2_001)))).Status);
        var tags = Enumerable.Range(0, 31).Select(i => $"t{i}").ToArray();
        Assert.Equal(CommandStatus.Invalid, (await ootd.Publish(Samples.Post(author, "ok", tags))).Status);
        Assert.Equal(CommandStatus.Invalid, (await ootd.Publish(Samples.Post(author) with { Photo = new PhotoRef("", "image/jpeg", 1, 1) })).Status);
        Assert.Null(await ootd.Get());

        Assert.Equal(CommandStatus.Done, (await ootd.Publish(Samples.Post(author, new string('x', 2_000), tags[..30]))).Status);
    }

    [Fact]
    public async Task Only_the_author_may_delete_and_a_deleted_post_reads_as_null()
    {
        var author = await Samples.NewUserAsync(Client);
        var stranger = await Samples.NewUserAsync(Client);
        var id = Guid.NewGuid();
        var ootd = Client.GetGrain<IOotdGrain>(id);
        Assert.Equal(CommandStatus.Done, (await ootd.Publish(Samples.Post(author))).Status);

        Assert.Equal(CommandStatus.Forbidden, (await ootd.Delete(stranger)).Status);
        Assert.NotNull(await ootd.Get());

        Assert.Equal(CommandStatus.Done, (await ootd.Delete(author)).Status);
        Assert.Null(await ootd.Get());
        Assert.Equal(CommandStatus.NotFound, (await ootd.Delete(author)).Status);
        Assert.Equal(CommandStatus.NotFound, (await ootd.Like(stranger)).Status);
        Assert.Equal(CommandStatus.NotFound, (await ootd.RecordView(stranger)).Status);

        Assert.Equal(1, await silo.Db.ScalarAsync("SELECT count(*) FROM ootd_posts WHERE ootd_id = $1 AND deleted_at IS NOT NULL", id));
        Assert.Equal(1, await InteractionsAsync(author, InteractionKind.DeletePost, id));
        Assert.Empty((await Client.GetGrain<IStyleLeaderGrain>(author).GetUploads(0, 10)).Items);
        Assert.Equal(CommandStatus.NotFound, (await Client.GetGrain<IOotdGrain>(Guid.NewGuid()).Delete(author)).Status);
    }

    [Fact]
    public async Task Liking_twice_counts_once_and_unlike_removes_it()
    {
        var author = await Samples.NewUserAsync(Client);
        var fan = await Samples.NewUserAsync(Client);
        var id = Guid.NewGuid();
        var ootd = Client.GetGrain<IOotdGrain>(id);
        await ootd.Publish(Samples.Post(author));

        Assert.Equal(CommandStatus.Done, (await ootd.Like(fan)).Status);
        Assert.Equal(CommandStatus.Unchanged, (await ootd.Like(fan)).Status);
        Assert.Equal(1, (await ootd.Get())!.LikeCount);
        Assert.Equal(1, await silo.Db.ScalarAsync("SELECT count(*) FROM ootd_likes WHERE ootd_id = $1", id));
        Assert.Equal(1, await InteractionsAsync(fan, InteractionKind.Like, id));
        var recent = await Client.GetGrain<IUserGrain>(fan).GetRecentInteractions();
        Assert.Equal(id, recent[0].OotdId);
        Assert.Equal(InteractionKind.Like, recent[0].Kind);

        Assert.Equal(CommandStatus.Done, (await ootd.Unlike(fan)).Status);
        Assert.Equal(CommandStatus.Unchanged, (await ootd.Unlike(fan)).Status);
        Assert.Equal(0, (await ootd.Get())!.LikeCount);
        Assert.Equal(0, await silo.Db.ScalarAsync("SELECT count(*) FROM ootd_likes WHERE ootd_id = $1", id));
        Assert.Equal(1, await InteractionsAsync(fan, InteractionKind.Unlike, id));
    }

    [Fact]
    public async Task A_users_views_of_a_post_count_once_per_view_window()
    {
        var author = await Samples.NewUserAsync(Client);
        var viewer = await Samples.NewUserAsync(Client);
        var other = await Samples.NewUserAsync(Client);
        var id = Guid.NewGuid();
        var ootd = Client.GetGrain<IOotdGrain>(id);
        await ootd.Publish(Samples.Post(author));

        // 21 views by one user inside the window (default 30 minutes): every call succeeds, one counts and is logged.
        for (var i = 0; i < 21; i++) Assert.Equal(CommandStatus.Done, (await ootd.RecordView(viewer)).Status);
        Assert.Equal(1, (await ootd.Get())!.ViewCount);
        Assert.Equal(1, await InteractionsAsync(viewer, InteractionKind.View, id));
        var recent = await Client.GetGrain<IUserGrain>(viewer).GetRecentInteractions();
        Assert.Single(recent);
        Assert.Equal(new RecentInteraction(id, InteractionKind.View, recent[0].At), recent[0]);

        // Another user's view counts on its own.
        Assert.Equal(CommandStatus.Done, (await ootd.RecordView(other)).Status);
        Assert.Equal(2, (await ootd.Get())!.ViewCount);

        // Once the window has passed (the logged view moved 31 minutes back), the same user's view counts again.
        Assert.Equal(1, await silo.Db.ScalarAsync(
            "WITH moved AS (UPDATE interactions SET at = at - interval '31 minutes' WHERE user_id = $1 AND kind = $2 AND target_id = $3 RETURNING 1) " +
            "SELECT count(*) FROM moved", viewer, (short)InteractionKind.View, id.ToString()));
        Assert.Equal(CommandStatus.Done, (await ootd.RecordView(viewer)).Status);
        Assert.Equal(3, (await ootd.Get())!.ViewCount);
        Assert.Equal(2, await InteractionsAsync(viewer, InteractionKind.View, id));
        Assert.Equal(CommandStatus.NotFound, (await Client.GetGrain<IOotdGrain>(Guid.NewGuid()).RecordView(viewer)).Status);
    }
}
