using Ootd.Grains.Common;
using Ootd.Grains.StyleLeaders;
using Ootd.Grains.Users;
using Ootd.Tests.Infrastructure;
using Xunit;

namespace Ootd.Tests.Users;

public sealed class UserGrainTests(SiloFixture silo) : IClassFixture<SiloFixture>
{
    private IClusterClient Client => silo.Client;

    [Fact]
    public async Task Create_then_get_returns_the_profile()
    {
        var id = Guid.NewGuid();
        var user = Client.GetGrain<IUserGrain>(id);
        Assert.Null(await user.GetProfile());

        var created = await user.Create("Mina_K", Samples.Profile("  Mina  ", "minimal", "Minimal", "street"));
        Assert.Equal(CommandStatus.Done, created.Status);

        var profile = await user.GetProfile();
        Assert.NotNull(profile);
        Assert.Equal(id, profile.Id);
        Assert.Equal("Mina_K", profile.Username);
        Assert.Equal("Mina", profile.Profile.DisplayName);                 // trimmed
        Assert.Equal(["minimal", "street"], profile.Profile.StyleTags);     // de-duplicated, case-insensitively
        Assert.Equal(BodyShape.Hourglass, profile.Profile.BodyShape);
        Assert.Equal(0, profile.FollowerCount);
        Assert.Equal(0, profile.FollowingCount);
        Assert.Equal(0, profile.PostCount);
        Assert.True(await user.Exists());
    }

    [Fact]
    public async Task Create_twice_is_unchanged_for_the_same_username_and_a_conflict_for_another()
    {
        var user = Client.GetGrain<IUserGrain>(Guid.NewGuid());
        Assert.Equal(CommandStatus.Done, (await user.Create("ana", Samples.Profile())).Status);
        Assert.Equal(CommandStatus.Unchanged, (await user.Create("ANA", Samples.Profile())).Status);
        Assert.Equal(CommandStatus.Conflict, (await user.Create("bob", Samples.Profile())).Status);
        Assert.Equal("ana", (await user.GetProfile())!.Username);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("an extremely long display name that goes on and on past fifty chars")]
    public async Task Create_rejects_a_bad_display_name(string displayName)
    {
        var user = Client.GetGrain<IUserGrain>(Guid.NewGuid());
        var result = await user.Create("someone", Samples.Profile(displayName));
        Assert.Equal(CommandStatus.Invalid, result.Status);
        Assert.Contains("display name", result.Message);
        Assert.Null(await user.GetProfile());
    }

    [Fact]
    public async Task Update_profile_changes_it_and_reports_unchanged_when_equal()
    {
        var id = await Samples.NewUserAsync(Client);
        var user = Client.GetGrain<IUserGrain>(id);
        var newProfile = new ProfileData("Mina Park", Gender.Female, 1990, BodyShape.Pear, ["vintage"]);

        Assert.Equal(CommandStatus.Done, (await user.UpdateProfile(newProfile)).Status);
        Assert.Equal(CommandStatus.Unchanged, (await user.UpdateProfile(newProfile)).Status);
        var profile = await user.GetProfile();
        Assert.Equal("Mina Park", profile!.Profile.DisplayName);
        Assert.Equal(BodyShape.Pear, profile.Profile.BodyShape);
        Assert.Equal(["vintage"], profile.Profile.StyleTags);

        Assert.Equal(CommandStatus.Invalid, (await user.UpdateProfile(newProfile with { DisplayName = "" })).Status);
        var tooManyTags = Enumerable.Range(0, 31).Select(i => $"tag{i}").ToList();
        Assert.Equal(CommandStatus.Invalid, (await user.UpdateProfile(newProfile with { StyleTags = tooManyTags })).Status);
        Assert.Equal(CommandStatus.NotFound, (await Client.GetGrain<IUserGrain>(Guid.NewGuid()).UpdateProfile(newProfile)).Status);
    }

    [Fact]
    public async Task Follow_and_unfollow_update_the_graph_the_counts_and_the_log()
    {
        var a = await Samples.NewUserAsync(Client);
        var b = await Samples.NewUserAsync(Client);
        var userA = Client.GetGrain<IUserGrain>(a);

        Assert.Equal(CommandStatus.Done, (await userA.Follow(b)).Status);
        Assert.True(await userA.IsFollowing(b));
        Assert.Equal(1, (await userA.GetProfile())!.FollowingCount);
        Assert.Equal(1, (await Client.GetGrain<IUserGrain>(b).GetProfile())!.FollowerCount);
        Assert.Equal(1, await Client.GetGrain<IStyleLeaderGrain>(b).GetFollowerCount());
        Assert.Equal(1, await silo.Db.ScalarAsync("SELECT count(*) FROM follows WHERE follower_id = $1 AND followee_id = $2", a, b));

        Assert.Equal(CommandStatus.Unchanged, (await userA.Follow(b)).Status);
        Assert.Equal(1, await silo.Db.ScalarAsync("SELECT count(*) FROM follows WHERE follower_id = $1", a));

        Assert.Equal(CommandStatus.Done, (await userA.Unfollow(b)).Status);
        Assert.Equal(CommandStatus.Unchanged, (await userA.Unfollow(b)).Status);
        Assert.False(await userA.IsFollowing(b));
        Assert.Equal(0, await Client.GetGrain<IStyleLeaderGrain>(b).GetFollowerCount());
        Assert.Equal(0, (await userA.GetProfile())!.FollowingCount);

        // one Follow and one Unfollow row: the no-op repeats write nothing
        Assert.Equal(1, await silo.Db.ScalarAsync(
            "SELECT count(*) FROM interactions WHERE user_id = $1 AND kind = $2 AND target_id = $3", a, (short)InteractionKind.Follow, b.ToString()));
        Assert.Equal(1, await silo.Db.ScalarAsync(
            "SELECT count(*) FROM interactions WHERE user_id = $1 AND kind = $2 AND target_id = $3", a, (short)InteractionKind.Unfollow, b.ToString()));
    }

    /// <summary>
    /// The leader keeps its follower count (and each user its following count) by adding what each committed write
    /// changed, with no re-read: concurrent first follows of one leader (written in groups), repeats, unfollows, unfollows
    /// of non-followers and a re-activation in the middle of the traffic must leave both counts equal to the table's.
    /// </summary>
    [Fact]
    public async Task Follower_counts_stay_exact_through_repeat_follows_unfollows_and_a_reactivation()
    {
        var leader = await Samples.NewUserAsync(Client);
        var other = await Samples.NewUserAsync(Client);
        var followers = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => Samples.NewUserAsync(Client)));
        var styleLeader = Client.GetGrain<IStyleLeaderGrain>(leader);
        Assert.Equal(0, await styleLeader.GetFollowerCount());   // activated before the follows: counted once, here
        async Task<long> TableCount() => await silo.Db.ScalarAsync("SELECT count(*) FROM follows WHERE followee_id = $1", leader);
        async Task AssertCountsExact()
        {
            Assert.Equal(await TableCount(), await styleLeader.GetFollowerCount());
            Assert.Equal(await TableCount(), (await Client.GetGrain<IUserGrain>(leader).GetProfile())!.FollowerCount);
            foreach (var f in followers)
            {
                var following = await silo.Db.ScalarAsync("SELECT count(*) FROM follows WHERE follower_id = $1", f);
                Assert.Equal(following, (await Client.GetGrain<IUserGrain>(f).GetProfile())!.FollowingCount);
            }
        }

        // Every follower follows the leader (and another user) twice at once: one Done and one Unchanged each.
        var first = await Task.WhenAll(followers.SelectMany(f => new[]
        {
            Client.GetGrain<IUserGrain>(f).Follow(leader), Client.GetGrain<IUserGrain>(f).Follow(leader), Client.GetGrain<IUserGrain>(f).Follow(other),
        }));
        Assert.Equal(80, first.Count(r => r.Status == CommandStatus.Done));
        Assert.Equal(40, first.Count(r => r.Status == CommandStatus.Unchanged));
        Assert.Equal(40, await TableCount());
        await AssertCountsExact();

        // Half of them unfollow (twice at once), the other half follow again and unfollow someone they never followed,
        // while the leader's grain is deactivated (and activated again by the calls) in the middle of it.
        var traffic = followers.Select((f, i) => i % 2 == 0
            ? Task.WhenAll(Client.GetGrain<IUserGrain>(f).Unfollow(leader), Client.GetGrain<IUserGrain>(f).Unfollow(leader))
            : Task.WhenAll(Client.GetGrain<IUserGrain>(f).Follow(leader), Client.GetGrain<IUserGrain>(f).Unfollow(Guid.NewGuid()))).ToList();
        await silo.Cluster.DeactivateAsync(styleLeader);
        await Task.WhenAll(traffic);
        Assert.Equal(20, await TableCount());
        await AssertCountsExact();

        // Counted again from the table on a new activation of every grain involved; then more changes on top of that.
        await silo.Cluster.DeactivateAsync(styleLeader);
        foreach (var f in followers) await silo.Cluster.DeactivateAsync(Client.GetGrain<IUserGrain>(f));
        await AssertCountsExact();
        await Task.WhenAll(followers.Take(10).Select(f => Client.GetGrain<IUserGrain>(f).Follow(leader)));
        await Task.WhenAll(followers.Skip(30).Select(f => Client.GetGrain<IUserGrain>(f).Unfollow(leader)));
        Assert.Equal(20 + 5 - 5, await TableCount());
        await AssertCountsExact();
    }

    [Fact]
    public async Task A_deleted_user_cannot_be_followed_once_its_leader_knew_it()
    {
        var a = await Samples.NewUserAsync(Client);
        var b = await Samples.NewUserAsync(Client);
        var c = await Samples.NewUserAsync(Client);
        Assert.Equal(CommandStatus.Done, (await Client.GetGrain<IUserGrain>(a).Follow(b)).Status);   // b's leader saw b exist
        Assert.Equal(CommandStatus.Done, (await Client.GetGrain<IUserGrain>(b).Delete()).Status);
        var refused = await Client.GetGrain<IUserGrain>(c).Follow(b);
        Assert.Equal(CommandStatus.NotFound, refused.Status);
        Assert.Equal(IUserGrain.NoFollowee, refused.Message);
        Assert.Equal(0, await silo.Db.ScalarAsync("SELECT count(*) FROM follows WHERE followee_id = $1", b));
    }

    [Fact]
    public async Task Follow_rejects_self_unknown_users_and_unknown_followers()
    {
        var a = await Samples.NewUserAsync(Client);
        var userA = Client.GetGrain<IUserGrain>(a);
        Assert.Equal(CommandStatus.Invalid, (await userA.Follow(a)).Status);
        Assert.Equal(CommandStatus.NotFound, (await userA.Follow(Guid.NewGuid())).Status);
        Assert.Equal(CommandStatus.NotFound, (await Client.GetGrain<IUserGrain>(Guid.NewGuid()).Follow(a)).Status);
        Assert.Equal(0, await silo.Db.ScalarAsync("SELECT count(*) FROM follows WHERE follower_id = $1 OR followee_id = $1", a));
    }

    [Fact]
    public async Task Two_users_following_each_other_at_once_do_not_deadlock()
    {
        var a = await Samples.NewUserAsync(Client);
        var b = await Samples.NewUserAsync(Client);
        var results = await Task.WhenAll(
            Client.GetGrain<IUserGrain>(a).Follow(b),
            Client.GetGrain<IUserGrain>(b).Follow(a)).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.All(results, r => Assert.Equal(CommandStatus.Done, r.Status));
    }

    [Fact]
    public async Task Follower_and_following_pages_are_newest_first_and_complete()
    {
        var leader = await Samples.NewUserAsync(Client);
        var followers = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            var f = await Samples.NewUserAsync(Client);
            Assert.Equal(CommandStatus.Done, (await Client.GetGrain<IUserGrain>(f).Follow(leader)).Status);
            followers.Add(f);
        }

        var styleLeader = Client.GetGrain<IStyleLeaderGrain>(leader);
        var first = await styleLeader.GetFollowers(0, 2);
        Assert.Equal(5, first.Total);
        Assert.Equal([followers[4], followers[3]], first.Items);
        Assert.Equal(2, first.NextOffset);

        var second = await styleLeader.GetFollowers(2, 2);
        Assert.Equal([followers[2], followers[1]], second.Items);
        var last = await styleLeader.GetFollowers(4, 2);
        Assert.Equal([followers[0]], last.Items);
        Assert.Null(last.NextOffset);
        Assert.Empty((await styleLeader.GetFollowers(10, 2)).Items);

        var following = await Client.GetGrain<IUserGrain>(followers[0]).GetFollowing(0, 10);
        Assert.Equal([leader], following.Items);
        Assert.Equal(1, following.Total);
        Assert.Null(following.NextOffset);
    }

    [Fact]
    public async Task Recent_interactions_are_newest_first_deduplicated_and_bounded_to_H()
    {
        var id = await Samples.NewUserAsync(Client);
        var user = Client.GetGrain<IUserGrain>(id);
        var ootds = Enumerable.Range(0, 55).Select(_ => Guid.NewGuid()).ToList();
        foreach (var ootd in ootds) await user.RecordInteraction(ootd, InteractionKind.View);
        await user.RecordInteraction(ootds[10], InteractionKind.View);   // seen again: moves to the front
        await user.RecordInteraction(ootds[54], InteractionKind.Like);

        var recent = await user.GetRecentInteractions();
        Assert.Equal(50, recent.Count);
        Assert.Equal(new RecentInteraction(ootds[54], InteractionKind.Like, recent[0].At), recent[0]);
        Assert.Equal(ootds[10], recent[1].OotdId);
        Assert.Equal(ootds[54], recent[2].OotdId);
        Assert.Equal(InteractionKind.View, recent[2].Kind);
        Assert.Single(recent, r => r.OotdId == ootds[10]);
        Assert.DoesNotContain(recent, r => r.OotdId == ootds[0]);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => user.RecordInteraction(ootds[0], InteractionKind.Follow));
    }
}
