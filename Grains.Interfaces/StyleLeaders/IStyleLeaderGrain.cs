using Ootd.Grains.Common;

namespace Ootd.Grains.StyleLeaders;

/// <summary>
/// A user seen as someone to follow: upload history, followers, the upload style vector (recency-weighted over the
/// H newest analysed uploads, indexed in "leader-style") and the delivery of new posts to followers. Key: user id.
/// </summary>
[Orleans.CodeGeneration.Version(3)]
public interface IStyleLeaderGrain : IGrainWithGuidKey
{
    Task AddUpload(Guid ootdId, DateTimeOffset at);

    Task RemoveUpload(Guid ootdId);

    /// <summary>The user's live OOTDs, newest first.</summary>
    Task<IdPage> GetUploads(int offset, int limit);

    /// <summary>
    /// Writes the edge follower → this user (with its interaction row) and answers after it is committed: Done when it is
    /// new (the kept follower count goes up by one), Unchanged when it existed, NotFound
    /// (<see cref="Users.IUserGrain.NoFollowee"/>) when this user does not exist or was deleted. This grain is the one
    /// writer of the edges into its user, so its count is the table's without a re-read. Interleaves: the follows of
    /// one leader are written together (group commit); a count re-read waits until the writes under way are answered.
    /// Sent by the follower's user grain (<see cref="Users.IUserGrain.Follow"/>), which keeps its following count.
    /// </summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<CommandResult> AddFollower(Guid followerId);

    /// <summary>Removes the edge follower → this user (with its interaction row): Done when there was one (the count goes
    /// down by one), Unchanged otherwise. Interleaves as <see cref="AddFollower"/>.</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<CommandResult> RemoveFollower(Guid followerId);

    /// <summary>The user's account was deleted (tombstone written): no follow is accepted any more; answered after the
    /// follows under way are, so the erasure that follows removes every edge.</summary>
    Task AccountDeleted();

    /// <summary>Edges into this user changed outside <see cref="AddFollower"/> / <see cref="RemoveFollower"/> (an
    /// erased account's): the follower count is read again from the table.</summary>
    Task FollowerAdded(Guid followerId);

    /// <inheritdoc cref="FollowerAdded"/>
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
