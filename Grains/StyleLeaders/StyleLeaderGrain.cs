using Ootd.Grains.Common;
using Ootd.Grains.Recommendation;
using Ootd.Grains.Storage;

namespace Ootd.Grains.StyleLeaders;

/// <summary>
/// A user seen as someone to follow. Its upload list and follower count are derived from the <c>ootd_posts</c>
/// and <c>follows</c> tables on activation (they are the source of truth), then kept current by the
/// notifications the OOTD and user grains send; so a silo that dies between two steps never leaves them wrong
/// for longer than one activation. It holds the leader's upload style vector (<see cref="UploadStyle"/>, read when
/// first needed) and delivers each analysed upload to the followers' feeds (<see cref="FollowerFanOut"/>).
/// </summary>
public sealed class StyleLeaderGrain(PostIndex posts, FollowGraph follows, UploadStyle uploadStyle, FollowerFanOut fanOut)
    : Grain, IStyleLeaderGrain
{
    private List<Upload> _uploads = [];   // newest first
    private long _followerCount;
    private bool _followerCountStale;

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

    public Task<IdPage> GetUploads(int offset, int limit) =>
        Task.FromResult(Paging.Slice(_uploads.Select(u => u.OotdId).ToList(), offset, limit));

    public Task FollowerAdded(Guid followerId) => RefreshFollowerCountAsync();

    public Task FollowerRemoved(Guid followerId) => RefreshFollowerCountAsync();

    public Task<IdPage> GetFollowers(int offset, int limit) => follows.FollowersAsync(UserId, offset, limit);

    public async Task<int> GetFollowerCount()
    {
        // A count that could not be re-read after a change is read now (a failure here is an honest 503 on a read).
        if (_followerCountStale) await RefreshFollowerCountAsync(rethrow: true);
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
    /// Re-reads the follower count from the <c>follows</c> table. A follow whose edge is already written must not be
    /// reported as failed because this read failed: the count is then marked stale and read again when next shown.
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
