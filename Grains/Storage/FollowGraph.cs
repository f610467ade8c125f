using Npgsql;
using Ootd.Grains.Common;

namespace Ootd.Grains.Storage;

/// <summary>
/// The <c>follows</c> table, the source of truth of the follow graph. Each change and its interaction row are
/// written by one statement, so a crash never leaves one without the other.
/// </summary>
public sealed class FollowGraph(NpgsqlDataSource dataSource)
{
    /// <summary>True when the edge was new.</summary>
    public async Task<bool> AddAsync(Guid followerId, Guid followeeId)
    {
        await using var cmd = dataSource.Command("""
            WITH f AS (
              INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2)
              ON CONFLICT DO NOTHING RETURNING 1),
            i AS (
              INSERT INTO interactions (user_id, kind, target_id) SELECT $1, $3, $4 FROM f RETURNING 1)
            SELECT count(*) FROM f
            """, followerId, followeeId, Sql.Kind(InteractionKind.Follow), followeeId.ToString());
        return Convert.ToInt64(await cmd.ExecuteScalarAsync()) > 0;
    }

    /// <summary>True when the edge existed.</summary>
    public async Task<bool> RemoveAsync(Guid followerId, Guid followeeId)
    {
        await using var cmd = dataSource.Command("""
            WITH f AS (
              DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2 RETURNING 1),
            i AS (
              INSERT INTO interactions (user_id, kind, target_id) SELECT $1, $3, $4 FROM f RETURNING 1)
            SELECT count(*) FROM f
            """, followerId, followeeId, Sql.Kind(InteractionKind.Unfollow), followeeId.ToString());
        return Convert.ToInt64(await cmd.ExecuteScalarAsync()) > 0;
    }

    public async Task<bool> IsFollowingAsync(Guid followerId, Guid followeeId) =>
        await dataSource.ScalarLongAsync(
            "SELECT count(*) FROM follows WHERE follower_id = $1 AND followee_id = $2", followerId, followeeId) > 0;

    public Task<long> FollowerCountAsync(Guid followeeId) =>
        dataSource.ScalarLongAsync("SELECT count(*) FROM follows WHERE followee_id = $1", followeeId);

    public Task<long> FollowingCountAsync(Guid followerId) =>
        dataSource.ScalarLongAsync("SELECT count(*) FROM follows WHERE follower_id = $1", followerId);

    /// <summary>Followers of a user, newest first.</summary>
    public async Task<IdPage> FollowersAsync(Guid followeeId, int offset, int limit)
    {
        (offset, limit) = Paging.Clamp(offset, limit);
        var total = await FollowerCountAsync(followeeId);
        var ids = await dataSource.GuidsAsync(
            "SELECT follower_id FROM follows WHERE followee_id = $1 ORDER BY created_at DESC, follower_id OFFSET $2 LIMIT $3",
            followeeId, offset, limit);
        return Paging.Page(ids, (int)total, offset);
    }

    /// <summary>Users a user follows, newest first.</summary>
    public async Task<IdPage> FollowingAsync(Guid followerId, int offset, int limit)
    {
        (offset, limit) = Paging.Clamp(offset, limit);
        var total = await FollowingCountAsync(followerId);
        var ids = await dataSource.GuidsAsync(
            "SELECT followee_id FROM follows WHERE follower_id = $1 ORDER BY created_at DESC, followee_id OFFSET $2 LIMIT $3",
            followerId, offset, limit);
        return Paging.Page(ids, (int)total, offset);
    }
}
