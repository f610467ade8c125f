using Orleans.Runtime;
using Microsoft.Extensions.Options;
using Ootd.Grains.Common;
using Ootd.Grains.Storage;
using Ootd.Grains.StyleLeaders;

namespace Ootd.Grains.Users;

/// <summary>
/// A user: profile and recent views/likes in grain state; follow edges in the <c>follows</c> table (written with
/// their interaction row in one statement); follower and post counts come from the user's style-leader grain.
/// </summary>
public sealed class UserGrain(
    [PersistentState("user", "ootd")] IPersistentState<UserState> state,
    FollowGraph follows,
    IOptions<SocialOptions> options) : Grain, IUserGrain
{
    private long _followingCount;

    private Guid UserId => this.GetPrimaryKey();
    private int RecentLimit => Math.Max(1, options.Value.RecentInteractions);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Exists) _followingCount = await follows.FollowingCountAsync(UserId);
    }

    public Task<bool> Exists() => Task.FromResult(state.State.Exists);

    public async Task<CommandResult> Create(string username, ProfileData profile)
    {
        if ((ContentLimits.CheckUsername(username) ?? ContentLimits.CheckProfile(profile)) is { } problem)
        {
            return CommandResult.Invalid(problem);
        }

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
        state.State.Profile = normalised;
        await state.WriteStateAsync();
        return CommandResult.Ok;
    }

    public async Task<CommandResult> Follow(Guid followeeId)
    {
        if (!state.State.Exists) return CommandResult.NotFound("user does not exist");
        if (followeeId == UserId) return CommandResult.Invalid("a user cannot follow themself");
        if (followeeId == Guid.Empty) return CommandResult.Invalid("followee id is required");
        if (!await GrainFactory.GetGrain<IUserGrain>(followeeId).Exists())
        {
            return CommandResult.NotFound("the user to follow does not exist");
        }

        if (!await follows.AddAsync(UserId, followeeId)) return CommandResult.Same;
        _followingCount = await follows.FollowingCountAsync(UserId);
        await GrainFactory.GetGrain<IStyleLeaderGrain>(followeeId).FollowerAdded(UserId);
        return CommandResult.Ok;
    }

    public async Task<CommandResult> Unfollow(Guid followeeId)
    {
        if (!state.State.Exists) return CommandResult.NotFound("user does not exist");
        if (followeeId == UserId) return CommandResult.Invalid("a user cannot unfollow themself");
        if (!await follows.RemoveAsync(UserId, followeeId)) return CommandResult.Same;
        _followingCount = await follows.FollowingCountAsync(UserId);
        await GrainFactory.GetGrain<IStyleLeaderGrain>(followeeId).FollowerRemoved(UserId);
        return CommandResult.Ok;
    }

    public Task<IdPage> GetFollowing(int offset, int limit) => follows.FollowingAsync(UserId, offset, limit);

    public Task<bool> IsFollowing(Guid followeeId) => follows.IsFollowingAsync(UserId, followeeId);

    public async Task RecordInteraction(Guid ootdId, InteractionKind kind)
    {
        if (kind is not (InteractionKind.View or InteractionKind.Like))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "only views and likes are kept in the recent list");
        }
        if (!state.State.Exists) return;   // interactions of unknown users are logged by the OOTD grain only

        var recent = state.State.Recent;
        recent.RemoveAll(r => r.OotdId == ootdId && r.Kind == kind);
        var at = Clock.UtcNow();
        recent.Insert(0, new RecentInteraction(ootdId, kind, at));
        if (recent.Count > RecentLimit) recent.RemoveRange(RecentLimit, recent.Count - RecentLimit);
        await state.WriteStateAsync();
        // Recommender hook (one-way): the user's decayed TF row and style vector.
        await GrainFactory.GetGrain<Recommendation.IFeedGrain>(UserId).Interacted(new Recommendation.TasteEvent(ootdId, kind, at));
    }

    public Task<IReadOnlyList<RecentInteraction>> GetRecentInteractions() =>
        Task.FromResult<IReadOnlyList<RecentInteraction>>(state.State.Recent.ToList());

    private static ProfileData Normalise(ProfileData profile) => profile with
    {
        DisplayName = profile.DisplayName.Trim(),
        StyleTags = (profile.StyleTags ?? []).Select(t => t.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToList(),
    };

    private static bool Same(ProfileData? a, ProfileData b) =>
        a is not null && a.DisplayName == b.DisplayName && a.Gender == b.Gender && a.BirthYear == b.BirthYear
        && a.BodyShape == b.BodyShape && a.StyleTags.SequenceEqual(b.StyleTags);
}
