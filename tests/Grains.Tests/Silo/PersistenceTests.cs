using Microsoft.Extensions.DependencyInjection;
using Ootd.Grains.Common;
using Ootd.Grains.Ootds;
using Ootd.Grains.StyleLeaders;
using Ootd.Grains.Users;
using Ootd.Silo;
using Ootd.Tests.Infrastructure;
using Orleans.Storage;
using Xunit;

namespace Ootd.Tests.Silo;

/// <summary>What the grains wrote is read back after a deactivation or a whole-cluster restart, and the
/// project's storage SQL enforces ETags.</summary>
public sealed class PersistenceTests(SiloFixture silo) : IClassFixture<SiloFixture>
{
    private IClusterClient Client => silo.Client;

    [Fact]
    public async Task State_and_counts_survive_deactivation()
    {
        var author = await Samples.NewUserAsync(Client);
        var fan = await Samples.NewUserAsync(Client);
        var id = Guid.NewGuid();
        var ootd = Client.GetGrain<IOotdGrain>(id);
        await ootd.Publish(Samples.Post(author, "trench coat day"));
        await ootd.Like(fan);
        await ootd.RecordView(fan);
        await ootd.RecordView(author);

        await silo.Cluster.DeactivateAsync(ootd);
        await silo.Cluster.DeactivateAsync(Client.GetGrain<IUserGrain>(fan));

        var view = await ootd.Get();
        Assert.NotNull(view);
        Assert.Equal("trench coat day", view.Description);
        Assert.Equal(1, view.LikeCount);      // recounted from ootd_likes
        Assert.Equal(2, view.ViewCount);      // recounted from interactions
        Assert.Equal(CommandStatus.Unchanged, (await ootd.Like(fan)).Status);
        Assert.Equal(2, (await Client.GetGrain<IUserGrain>(fan).GetRecentInteractions()).Count);
    }

    [Fact]
    public async Task Everything_survives_a_cluster_restart()
    {
        var author = await Samples.NewUserAsync(Client, "restart_author");
        var fan = await Samples.NewUserAsync(Client);
        var id = Guid.NewGuid();
        await Client.GetGrain<IOotdGrain>(id).Publish(Samples.Post(author));
        await Client.GetGrain<IOotdGrain>(id).Like(fan);
        await Client.GetGrain<IUserGrain>(fan).Follow(author);
        var deletedId = Guid.NewGuid();
        await Client.GetGrain<IOotdGrain>(deletedId).Publish(Samples.Post(author));
        await Client.GetGrain<IOotdGrain>(deletedId).Delete(author);

        await silo.RestartClusterAsync();

        var profile = await Client.GetGrain<IUserGrain>(author).GetProfile();
        Assert.NotNull(profile);
        Assert.Equal("restart_author", profile.Username);
        Assert.Equal(1, profile.FollowerCount);
        Assert.Equal(1, profile.PostCount);
        Assert.Equal(1, (await Client.GetGrain<IUserGrain>(fan).GetProfile())!.FollowingCount);
        Assert.True(await Client.GetGrain<IUserGrain>(fan).IsFollowing(author));
        Assert.Equal([id], (await Client.GetGrain<IStyleLeaderGrain>(author).GetUploads(0, 10)).Items);
        var post = await Client.GetGrain<IOotdGrain>(id).Get();
        Assert.Equal(1, post!.LikeCount);
        Assert.Equal(OotdStatus.Analyzing, post.Status);
        Assert.Null(await Client.GetGrain<IOotdGrain>(deletedId).Get());
        Assert.Equal(InteractionKind.Like, (await Client.GetGrain<IUserGrain>(fan).GetRecentInteractions())[0].Kind);
    }

    [Fact]
    public async Task State_rows_keep_the_names_earlier_releases_wrote_them_under()
    {
        // Rows written the way every release so far writes them (state "user" / "ootd" of the grains UserGrain and
        // OotdGrain) load into today's grains. A renamed grain class or state name orphans them: it needs a migration.
        var storage = silo.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(SiloHosting.StorageName);
        var userId = Guid.NewGuid();
        var user = Client.GetGrain<IUserGrain>(userId);
        var profile = Samples.Profile("Old Release", "vintage");
        await storage.WriteStateAsync("user", user.GetGrainId(), new ProbeState<UserState>(new UserState
        {
            Exists = true, Username = "old_release", Profile = profile, CreatedAt = DateTimeOffset.UtcNow.AddYears(-1),
        }));
        var ootdId = Guid.NewGuid();
        var ootd = Client.GetGrain<IOotdGrain>(ootdId);
        var photo = Samples.Post(userId).Photo;
        await storage.WriteStateAsync("ootd", ootd.GetGrainId(), new ProbeState<OotdState>(new OotdState
        {
            Exists = true, AuthorId = userId, Photo = photo, Description = "from the old release", Status = OotdStatus.Failed,
            CreatedAt = DateTimeOffset.UtcNow.AddDays(-1), AnalysisError = "kept",
        }));

        Assert.Equal("old_release", (await user.GetProfile())!.Username);
        var view = (await ootd.Get())!;
        Assert.Equal("from the old release", view.Description);
        Assert.Equal(OotdStatus.Failed, view.Status);

        // and write back where they read: no second row, and the stored row holds the change
        async Task<long> Rows() => await silo.Db.ScalarAsync("SELECT count(*) FROM orleans_grain_state");
        var rows = await Rows();
        Assert.Equal(CommandStatus.Done, (await user.UpdateProfile(profile with { DisplayName = "New Release" })).Status);
        Assert.Equal(CommandStatus.Done, (await ootd.Delete(userId)).Status);
        Assert.Equal(rows, await Rows());
        var stored = new ProbeState<UserState>(new UserState());
        await storage.ReadStateAsync("user", user.GetGrainId(), stored);
        Assert.Equal("New Release", stored.State.Profile!.DisplayName);
        var storedPost = new ProbeState<OotdState>(new OotdState());
        await storage.ReadStateAsync("ootd", ootd.GetGrainId(), storedPost);
        Assert.Equal(OotdStatus.Deleted, storedPost.State.Status);
    }

    [Fact]
    public async Task A_write_with_a_stale_etag_is_rejected_by_the_storage_sql()
    {
        var storage = silo.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(SiloHosting.StorageName);
        var grainId = Client.GetGrain<IUserGrain>(Guid.NewGuid()).GetGrainId();
        const string stateName = "user";

        var first = new ProbeState<UserState>(new UserState { Username = "first" });
        await storage.WriteStateAsync(stateName, grainId, first);
        Assert.Equal("1", first.ETag);
        Assert.True(first.RecordExists);

        // a second writer that never read the row (double activation) must not overwrite it
        var blind = new ProbeState<UserState>(new UserState { Username = "blind" });
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(stateName, grainId, blind));

        var reader = new ProbeState<UserState>(new UserState());
        await storage.ReadStateAsync(stateName, grainId, reader);
        Assert.Equal("1", reader.ETag);
        Assert.Equal("first", reader.State.Username);

        first.State.Username = "second";
        await storage.WriteStateAsync(stateName, grainId, first);
        Assert.Equal("2", first.ETag);

        reader.State.Username = "stale";        // still holds ETag 1
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(stateName, grainId, reader));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync(stateName, grainId, reader));

        var check = new ProbeState<UserState>(new UserState());
        await storage.ReadStateAsync(stateName, grainId, check);
        Assert.Equal("second", check.State.Username);
        Assert.Equal("2", check.ETag);

        await storage.ClearStateAsync(stateName, grainId, check);
        var cleared = new ProbeState<UserState>(new UserState { Username = "x" });
        await storage.ReadStateAsync(stateName, grainId, cleared);
        Assert.Equal("", cleared.State.Username);
        Assert.Equal("3", cleared.ETag);
    }

    private sealed class ProbeState<T>(T state) : IGrainState<T>
    {
        [System.Diagnostics.CodeAnalysis.AllowNull]
        public T State { get; set; } = state;
        public string? ETag { get; set; }
        public bool RecordExists { get; set; }
    }
}
