using Ootd.Grains.Common;
using Ootd.Grains.Storage;

namespace Ootd.Grains.StyleLeaders;

/// <summary>
/// A user seen as someone to follow. Its upload list and follower count are derived from the <c>ootd_posts</c>
/// and <c>follows</c> tables on activation (they are the source of truth), then kept current by the
/// notifications the OOTD and user grains send; so a silo that dies between two steps never leaves them wrong
/// for longer than one activation.
/// </summary>
public sealed class StyleLeaderGrain(PostIndex posts, FollowGraph follows) : Grain, IStyleLeaderGrain
{
    private List<Upload> _uploads = [];   // newest first
    private long _followerCount;

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

    public async Task FollowerAdded(Guid followerId) => _followerCount = await follows.FollowerCountAsync(UserId);

    public async Task FollowerRemoved(Guid followerId) => _followerCount = await follows.FollowerCountAsync(UserId);

    public Task<IdPage> GetFollowers(int offset, int limit) => follows.FollowersAsync(UserId, offset, limit);

    public Task<int> GetFollowerCount() => Task.FromResult((int)_followerCount);
}
