using Orleans.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Ootd.Grains.Common;
using Ootd.Grains.Ootds;
using Ootd.Grains.Storage;
using Ootd.Grains.StyleLeaders;

namespace Ootd.Grains.Users;

/// <summary>
/// A user: profile and recent views/likes in grain state; follow edges in the <c>follows</c> table (written with
/// their interaction row in one statement); follower and post counts come from the user's style-leader grain; the
/// user's taste (TF-IDF row, style vector, seen set) in the <see cref="TasteProfile"/> it holds (UserGrain.Taste.cs).
/// Deletion (<see cref="AccountDeletion"/>): the state turns into a tombstone first (profile gone, tokens refused),
/// then the erase steps run; a reminder repeats them until they all succeed, so a dead silo never leaves half an
/// account behind.
/// </summary>
public sealed partial class UserGrain(
    [PersistentState("user", "ootd")] IPersistentState<UserState> state,
    FollowGraph follows,
    NpgsqlDataSource db,
    IOptions<SocialOptions> options,
    TasteProfile taste,
    ILogger<UserGrain> logger) : Grain, IUserGrain, IRemindable
{
    private const string EraseReminder = "erase";
    /// <summary>Grain calls a deletion keeps in flight at once (likes withdrawn, posts deleted, counts refreshed).</summary>
    private const int EraseFanOut = 64;
    private readonly AccountErasure _erasure = new(db);
    private long _followingCount;
    private bool _followingCountStale;
    private IGrainTimer? _recentWrite;

    private Guid UserId => this.GetPrimaryKey();
    private int RecentLimit => Math.Max(1, options.Value.RecentInteractions);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Exists) _followingCount = await follows.FollowingCountAsync(UserId);
        if (state.State.DeletedAt is not null && !state.State.Erased)
        {
            // A deletion a dead silo left unfinished: finish it on a turn of its own, right after activation.
            this.RegisterGrainTimer(async _ => await TryEraseAsync(), TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_recentWrite is null) return;
        _recentWrite.Dispose();
        _recentWrite = null;
        await state.WriteStateAsync(cancellationToken);
    }

    /// <summary>The recent list changed: written once <c>Social:RecentFlushSeconds</c> from now (or at once when 0).</summary>
    private async Task WriteRecentLaterAsync()
    {
        var delay = options.Value.RecentFlushSeconds;
        if (delay <= 0)
        {
            await state.WriteStateAsync();
            return;
        }
        _recentWrite ??= this.RegisterGrainTimer(async _ =>
        {
            _recentWrite?.Dispose();
            _recentWrite = null;
            try
            {
                await state.WriteStateAsync();
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "User {Id}: the recent list was not written; retrying", UserId);
                await WriteRecentLaterAsync();
            }
        }, TimeSpan.FromSeconds(delay), Timeout.InfiniteTimeSpan);
    }

    public Task<bool> Exists() => Task.FromResult(state.State.Exists);

    public async Task<CommandResult> Create(string username, ProfileData profile)
    {
        if ((ContentLimits.CheckUsername(username) ?? ContentLimits.CheckProfile(profile)) is { } problem)
        {
            return CommandResult.Invalid(problem);
        }

        if (state.State.DeletedAt is not null) return CommandResult.Conflict("this user id belongs to a deleted account");
        if (state.State.Exists)
        {
            return string.Equals(state.State.Username, username, StringComparison.OrdinalIgnoreCase)
                ? CommandResult.Same
                : CommandResult.Conflict("this user id already belongs to another username");
        }

        state.State.Exists = true;
        state.State.Username = username;
        state.State.Profile = Normalise(profile);
        state.State.CreatedAt = Clock.UtcNow();
        state.State.Recent = [];
        await state.WriteStateAsync();
        return CommandResult.Ok;
    }

    public async Task<UserProfile?> GetProfile()
    {
        if (!state.State.Exists || state.State.Profile is null) return null;
        if (_followingCountStale)
        {
            _followingCount = await follows.FollowingCountAsync(UserId);
            _followingCountStale = false;
        }

        var leader = GrainFactory.GetGrain<IStyleLeaderGrain>(UserId);
        var followers = await leader.GetFollowerCount();
        var uploads = await leader.GetUploads(0, 1);
        return new UserProfile(UserId, state.State.Username, state.State.Profile, state.State.CreatedAt,
            (int)_followingCount, followers, uploads.Total);
    }

    public async Task<CommandResult> UpdateProfile(ProfileData profile)
    {
        if (!state.State.Exists) return CommandResult.NotFound("user does not exist");
        if (ContentLimits.CheckProfile(profile) is { } problem) return CommandResult.Invalid(problem);
        var normalised = Normalise(profile);
        if (Same(state.State.Profile, normalised)) return CommandResult.Same;
        var genderBefore = state.State.Profile?.Gender;
        state.State.Profile = normalised;
        await state.WriteStateAsync();
        await TasteProfileChangedAsync();
        if (genderBefore != normalised.Gender) TellPostsWearerChanged();
        return CommandResult.Ok;
    }

    /// <summary>
    /// The declared gender chooses the products shown under the user's posts (the wearer is the author): each live post
    /// relabels its items and drops the similar products it kept for the old gender (<see cref="IOotdGrain.WearerChanged"/>),
    /// so its next read searches them again. Off this grain's turn (a detached task, as the OOTD grain's analysis): the
    /// posts read this grain's profile while they handle the call, so awaiting them from the update would deadlock; at
    /// most <see cref="EraseFanOut"/> posts at a time. The profile is stored first; a failure here is logged, and a post
    /// missed keeps its old list until the catalogue changes or the gender changes again.
    /// </summary>
    private void TellPostsWearerChanged()
    {
        var (userId, erasure, factory, log) = (UserId, _erasure, GrainFactory, logger);
        _ = Task.Run(async () =>
        {
            RequestContext.Clear();
            try
            {
                var live = await erasure.LivePostsAsync(userId);
                foreach (var chunk in live.Chunk(EraseFanOut))
                    await Task.WhenAll(chunk.Select(o => factory.GetGrain<IOotdGrain>(o).WearerChanged()));
            }
            catch (Exception e)
            {
                log.LogWarning(e, "User {Id}: not every post was told of the new declared gender; those keep their similar products", userId);
            }
        });
    }

    public async Task<CommandResult> Follow(Guid followeeId)
    {
        if (!state.State.Exists) return CommandResult.NotFound("user does not exist");
        if (followeeId == UserId) return CommandResult.Invalid("a user cannot follow themself");
        if (followeeId == Guid.Empty) return CommandResult.Invalid("followee id is required");
        // One call: the followee's style-leader grain checks that its user exists (NotFound otherwise; it remembers a
        // user it saw), writes the edge (group commit) and keeps its follower count.
        var result = await ChangeEdgeAsync(GrainFactory.GetGrain<IStyleLeaderGrain>(followeeId).AddFollower(UserId), +1);
        if (result.Succeeded) await TellFeedAsync();
        return result;
    }

    public async Task<CommandResult> Unfollow(Guid followeeId)
    {
        if (!state.State.Exists) return CommandResult.NotFound("user does not exist");
        if (followeeId == UserId) return CommandResult.Invalid("a user cannot unfollow themself");
        var result = await ChangeEdgeAsync(GrainFactory.GetGrain<IStyleLeaderGrain>(followeeId).RemoveFollower(UserId), -1);
        if (result.Succeeded) await TellFeedAsync();
        return result;
    }

    /// <summary>The user's feed computes its next first page afresh (it reuses a computed list otherwise); the edge is
    /// already stored, so a failure here only delays the change in the feed (Recommender:FeedReuseSeconds). Also after a
    /// repeated follow: a first attempt whose answer was lost may have written the edge without telling the feed.</summary>
    private async Task TellFeedAsync()
    {
        try
        {
            await GrainFactory.GetGrain<Recommendation.IFeedGrain>(UserId).FolloweesChanged();
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "User {Id}: the feed was not told about a follow change; it shows within the reuse window", UserId);
        }
    }

    /// <summary>
    /// The one write of a follow or unfollow, done by the followee's style-leader grain (the edge and its interaction
    /// row in one statement, committed before it answers). This grain is the one that changes its user's outgoing
    /// edges (an erased followee's are re-counted, <see cref="FolloweeDeleted"/>), so its following count moves by
    /// <paramref name="delta"/> when the edge changed. When the call fails the caller is told (503) and the edge may or
    /// may not be written (only its answer lost): the count is then re-read before it is shown again.
    /// </summary>
    private async Task<CommandResult> ChangeEdgeAsync(Task<CommandResult> write, int delta)
    {
        CommandResult result;
        try
        {
            result = await write;
        }
        catch
        {
            _followingCountStale = true;
            throw;
        }

        if (result.Status == CommandStatus.Done) _followingCount += delta;
        return result;
    }

    public Task<IdPage> GetFollowing(int offset, int limit) => follows.FollowingAsync(UserId, offset, limit);

    public Task<bool> IsFollowing(Guid followeeId) => follows.IsFollowingAsync(UserId, followeeId);

    public async Task RecordInteraction(Guid ootdId, InteractionKind kind)
    {
        if (kind is not (InteractionKind.View or InteractionKind.Like or InteractionKind.Unlike))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "only views, likes and unlikes reach the recent list");
        }
        if (!state.State.Exists) return;   // interactions of unknown users are logged by the OOTD grain only

        var recent = state.State.Recent;
        var at = Clock.UtcNow();
        if (kind == InteractionKind.Unlike) recent.RemoveAll(r => r.OotdId == ootdId && r.Kind == InteractionKind.Like);   // taken back
        else
        {
            recent.RemoveAll(r => r.OotdId == ootdId && r.Kind == kind);
            recent.Insert(0, new RecentInteraction(ootdId, kind, at));
        }
        if (recent.Count > RecentLimit) recent.RemoveRange(RecentLimit, recent.Count - RecentLimit);
        await WriteRecentLaterAsync();
        // The user's decayed TF row and style vector learn it on a turn of their own (one-way to this grain), so the
        // view or like is answered without waiting for them.
        await this.AsReference<IUserGrain>().Interacted(new Recommendation.TasteEvent(ootdId, kind, at));
    }

    public Task LikeTakenBack(Guid ootdId) => RecordInteraction(ootdId, InteractionKind.Unlike);

    public Task<IReadOnlyList<RecentInteraction>> GetRecentInteractions() =>
        Task.FromResult<IReadOnlyList<RecentInteraction>>(state.State.Recent.ToList());

    // ------------------------------------------------------------------ deletion

    public Task<bool> IsDeleted() => Task.FromResult(state.State.DeletedAt is not null);

    public async Task<CommandResult> Delete()
    {
        if (state.State.DeletedAt is not null || !state.State.Exists) return CommandResult.NotFound("user does not exist");

        // The tombstone: from here on the profile is gone, the user cannot follow, post or be followed, and the
        // gateway refuses the user's tokens.
        state.State.Exists = false;
        state.State.DeletedAt = Clock.UtcNow();
        state.State.Erased = false;
        state.State.Username = "";
        state.State.Profile = null;
        state.State.Recent = [];
        _followingCount = 0;
        await state.WriteStateAsync();
        try
        {
            // Gateways that remember this user as live (Auth:AccountCheckSeconds) forget it now.
            await GrainFactory.GetGrain<IAccountDeletionsGrain>(IAccountDeletionsGrain.Key).Deleted(UserId);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "User {Id}: the gateways were not told of the deletion (they ask again within Auth:AccountCheckSeconds)", UserId);
        }
        await this.RegisterOrUpdateReminder(EraseReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        // The account is deleted once the tombstone is written; an erase step that fails now is retried by the reminder.
        await TryEraseAsync();
        return CommandResult.Ok;
    }

    public async Task FolloweeDeleted(Guid followeeId)
    {
        if (state.State.Exists) _followingCount = await follows.FollowingCountAsync(UserId);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != EraseReminder) return;
        if (state.State.DeletedAt is not null && !state.State.Erased) await TryEraseAsync();
        else await ClearEraseReminderAsync();
    }

    private async Task TryEraseAsync()
    {
        if (state.State.DeletedAt is not { } at || state.State.Erased) return;
        try
        {
            await EraseAsync(at);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "User {Id}: erasing the deleted account failed; the reminder retries", UserId);
        }
    }

    /// <summary>The erase steps, each idempotent, in an order where every later step tolerates a crash before it.</summary>
    private async Task EraseAsync(DateTimeOffset at)
    {
        // The style-leader grain writes the edges into this user: it accepts no follow from now on, and answers once
        // the follows it was writing are committed, so the edge erasure below removes them too.
        await GrainFactory.GetGrain<IStyleLeaderGrain>(UserId).AccountDeleted();
        await _erasure.TombstoneAsync(UserId, at);
        // Likes are withdrawn through the OOTD grains, so their cached counts drop at once.
        await InChunks(await _erasure.LikedAsync(UserId), o => GrainFactory.GetGrain<IOotdGrain>(o).Unlike(UserId));
        // Posts are deleted like any author's delete: grain state, post row, the author's upload list.
        await InChunks(await _erasure.LivePostsAsync(UserId), o => GrainFactory.GetGrain<IOotdGrain>(o).Delete(UserId));
        var edges = await _erasure.EraseAsync(UserId, at);
        await InChunks(edges.Followees, f => GrainFactory.GetGrain<IStyleLeaderGrain>(f).FollowerRemoved(UserId));
        await InChunks(edges.Followers, f => GrainFactory.GetGrain<IUserGrain>(f).FolloweeDeleted(UserId));
        state.State.Erased = true;
        await state.WriteStateAsync();
        await ClearEraseReminderAsync();
    }

    private static async Task InChunks(IReadOnlyList<Guid> ids, Func<Guid, Task> call)
    {
        foreach (var chunk in ids.Chunk(EraseFanOut)) await Task.WhenAll(chunk.Select(call));
    }

    private async Task ClearEraseReminderAsync()
    {
        try
        {
            if (await this.GetReminder(EraseReminder) is { } reminder) await this.UnregisterReminder(reminder);
        }
        catch (Exception e)
        {
            logger.LogDebug(e, "User {Id}: erase reminder not removed (it removes itself on its next tick)", UserId);
        }
    }

    private static ProfileData Normalise(ProfileData profile) => profile with
    {
        DisplayName = profile.DisplayName.Trim(),
        StyleTags = (profile.StyleTags ?? []).Select(t => t.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToList(),
    };

    private static bool Same(ProfileData? a, ProfileData b) =>
        a is not null && a.DisplayName == b.DisplayName && a.Gender == b.Gender && a.BirthYear == b.BirthYear
        && a.BodyShape == b.BodyShape && a.StyleTags.SequenceEqual(b.StyleTags);
}
