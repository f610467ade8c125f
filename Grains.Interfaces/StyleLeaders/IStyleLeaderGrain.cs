using Ootd.Grains.Common;

namespace Ootd.Grains.StyleLeaders;

/// <summary>
/// A user seen as someone to follow: upload history, followers, the upload style vector (recency-weighted over the
/// H newest analysed uploads, indexed in "leader-style") and the delivery of new posts to followers. Key: user id.
/// </summary>
[Orleans.CodeGeneration.Version(2)]
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

    /// <summary>
    /// An upload became Ready: update the upload style vector and its index entry, push the post to followers (or
    /// mark the author pull-only).
    /// </summary>
    Task UploadReady(Guid ootdId, DateTimeOffset createdAt, float[] style);

    /// <summary>The upload style vector and follower count (the latent who-to-follow source).</summary>
    Task<Recommendation.LeaderStyle> GetLeaderStyle();
}
