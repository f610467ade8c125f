using Ootd.Grains.Common;

namespace Ootd.Grains.StyleLeaders;

/// <summary>A user seen as someone to follow: upload history and followers. Key: user id.</summary>
[Orleans.CodeGeneration.Version(1)]
public interface IStyleLeaderGrain : IGrainWithGuidKey
{
    Task AddUpload(Guid ootdId, DateTimeOffset at);

    Task RemoveUpload(Guid ootdId);

    /// <summary>The user's live OOTDs, newest first.</summary>
    Task<IdPage> GetUploads(int offset, int limit);

    Task FollowerAdded(Guid followerId);

    Task FollowerRemoved(Guid followerId);

    Task<IdPage> GetFollowers(int offset, int limit);

    Task<int> GetFollowerCount();
}
