using Ootd.Grains.Common;
using Ootd.Grains.Recommendation;
using Ootd.Grains.Storage;
using Ootd.Grains.Users;

namespace Ootd.Grains.StyleLeaders;

/// <summary>
/// A user seen as someone to follow. Its upload list and follower count are derived from the <c>ootd_posts</c>
/// and <c>follows</c> tables on activation (they are the source of truth), then kept current: the uploads by the
/// notifications the OOTD grains send, the follower count by this grain's own writes (it is the one writer of the
/// edges into its user, <see cref="AddFollower"/> / <see cref="RemoveFollower"/>: the count moves by what each
/// committed write changed, with no re-read); a write whose outcome is unknown (an error after the statement was
/// sent) marks the count stale, and it is read again, once no write is under way, before it is next shown. It holds the leader's upload style vector (<see cref="UploadStyle"/>, read when
/// first needed) and delivers each analysed upload to the followers' feeds (<see cref="FollowerFanOut"/>).
/// </summary>
public sealed class StyleLeaderGrain(PostIndex posts, FollowGraph follows, UploadStyle uploadStyle, FollowerFanOut fanOut)
    : Grain, IStyleLeaderGrain
{
    private List<Upload> _uploads = [];   // newest first
    private long _followerCount;
    private bool _followerCountStale;
    // Edge writes (AddFollower/RemoveFollower, interleaving) under way, and what completes when they are all answered.
    private int _writes;
    private TaskCompletionSource? _drained;
    // A count re-read or the account's deletion under way: new writes wait for it (ExclusiveAsync).
    private Task? _exclusive;
    private bool _userExists;   // the user was seen to exist in this activation (a deletion sets _deleted)
    private bool _deleted;

    private Guid UserId => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _uploads = await posts.LiveUploadsAsync(UserId);
        _followerCount = await follows.FollowerCountAsync(UserId);
    }

    public Task AddUpload(Guid ootdId, DateTimeOffset at)
    {
        if (_uploads.All(u => u.OotdId != ootdId))
        {
            var index = _uploads.FindIndex(u => u.At < at);
            _uploads.Insert(index < 0 ? _uploads.Count : index, new Upload(ootdId, at));
        }
        return Task.CompletedTask;
    }

    public Task RemoveUpload(Guid ootdId)
    {
        _uploads.RemoveAll(u => u.OotdId == ootdId);
        return Task.CompletedTask;
    }

    // Only the page is copied: a profile read asks for (0, 1) to learn the count, and copying a prolific author's
    // whole uploads list for it was a copy of every post id.
    public Task<IdPage> GetUploads(int offset, int limit) => Task.FromResult(Paging.Slice(_uploads, offset, limit, u => u.OotdId));

    public Task<CommandResult> AddFollower(Guid followerId) => WriteEdgeAsync(followerId, adding: true);

    public Task<CommandResult> RemoveFollower(Guid followerId) => WriteEdgeAsync(followerId, adding: false);

    /// <summary>
    /// One follow or unfollow. Counted in <see cref="_writes"/> from before the existence check, so a deletion
    /// (<see cref="AccountDeleted"/>) either comes first (NotFound) or waits for this write, and the erasure after it
    /// removes the edge. The count moves only after the commit; an exception leaves it stale (the statement may have
    /// committed with only its answer lost).
    /// </summary>
    private async Task<CommandResult> WriteEdgeAsync(Guid followerId, bool adding)
    {
        if (followerId == Guid.Empty) return CommandResult.Invalid("follower id is required");
        if (followerId == UserId) return CommandResult.Invalid("a user cannot follow themself");
        while (_exclusive is { } other) await other;
        _writes++;
        try
        {
            if (adding)
            {
                if (!_deleted && !_userExists) _userExists = await GrainFactory.GetGrain<IUserGrain>(UserId).Exists();
                if (_deleted || !_userExists) return CommandResult.NotFound(IUserGrain.NoFollowee);
            }
            bool changed;
            try
            {
                changed = adding ? await follows.AddAsync(followerId, UserId) : await follows.RemoveAsync(followerId, UserId);
            }
            catch
            {
                _followerCountStale = true;
                throw;
            }
            if (!changed) return CommandResult.Same;
            _followerCount += adding ? 1 : -1;
            return CommandResult.Ok;
        }
        finally
        {
            if (--_writes == 0 && _drained is { } drained)
            {
                _drained = null;
                drained.TrySetResult();
            }
        }
    }

    public async Task AccountDeleted()
    {
        _deleted = true;
        await ExclusiveAsync(() => Task.CompletedTask);
    }

    public Task FollowerAdded(Guid followerId) => ExclusiveAsync(() => RefreshFollowerCountAsync());

    public Task FollowerRemoved(Guid followerId) => ExclusiveAsync(() => RefreshFollowerCountAsync());

    /// <summary>
    /// Runs <paramref name="action"/> with no edge write under way: new writes wait until it is done, and it starts once
    /// the writes already under way are answered (they await only the database and the user grain's interleaving
    /// <see cref="IUserGrain.Exists"/>, so this never waits on itself). A count read here is the table's, and no
    /// write's +1/−1 lands after it for an edge the read already saw.
    /// </summary>
    private async Task ExclusiveAsync(Func<Task> action)
    {
        while (_exclusive is { } other) await other;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _exclusive = done.Task;
        try
        {
            while (_writes > 0)
            {
                _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                await _drained.Task;
            }
            await action();
        }
        finally
        {
            _exclusive = null;
            done.SetResult();
        }
    }

    public Task<IdPage> GetFollowers(int offset, int limit) => follows.FollowersAsync(UserId, offset, limit);

    public async Task<int> GetFollowerCount()
    {
        // A count whose last write's outcome is unknown is read now (a failure here is an honest 503 on a read).
        if (_followerCountStale) await ExclusiveAsync(() => RefreshFollowerCountAsync(rethrow: true));
        return (int)_followerCount;
    }

    public async Task UploadReady(Guid ootdId, DateTimeOffset createdAt, float[] style)
    {
        ArgumentNullException.ThrowIfNull(style);
        await uploadStyle.LoadAsync(UserId);
        await uploadStyle.AddAsync(ootdId, createdAt, style);
        await fanOut.DeliverAsync(UserId, ootdId, createdAt, await GetFollowerCount());
    }

    public async Task<LeaderStyle> GetLeaderStyle()
    {
        await uploadStyle.LoadAsync(UserId);
        return new LeaderStyle(UserId, uploadStyle.Vector, await GetFollowerCount(), uploadStyle.RecentUploads);
    }

    /// <summary>
    /// Re-reads the follower count from the <c>follows</c> table (only inside <see cref="ExclusiveAsync"/>). A change
    /// already written must not be reported as failed because this read failed: the count is then marked stale and
    /// read again when next shown.
    /// </summary>
    private async Task RefreshFollowerCountAsync(bool rethrow = false)
    {
        try
        {
            _followerCount = await follows.FollowerCountAsync(UserId);
            _followerCountStale = false;
        }
        catch (Exception e) when (!rethrow && e is not OperationCanceledException)
        {
            _followerCountStale = true;
        }
    }
}
