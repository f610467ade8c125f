using Npgsql;
using Ootd.Grains.Common;

namespace Ootd.Grains.Storage;

/// <summary>
/// The <c>follows</c> table, the source of truth of the follow graph. Each change and its interaction row are
/// written by one statement, so a crash never leaves one without the other.
/// </summary>
public sealed class FollowGraph(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Adds the edge and its interaction row, and reads the follower's new following count, in one statement: it
    /// either happens whole or not at all, so a failure reported to the caller never leaves an edge behind (and a
    /// count read that fails cannot follow an edge that was written). Changed is false when the edge existed.
    /// </summary>
    public async Task<EdgeChange> AddAsync(Guid followerId, Guid followeeId)
    {
        await using var cmd = dataSource.Command("""
            WITH f AS (
              INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2)
              ON CONFLICT DO NOTHING RETURNING 1),
            i AS (
              INSERT INTO interactions (user_id, kind, target_id) SELECT $1, $3, $4 FROM f RETURNING 1)
            SELECT (SELECT count(*) FROM f),
                   (SELECT count(*) FROM follows WHERE follower_id = $1) + (SELECT count(*) FROM f)
            """, followerId, followeeId, Sql.Kind(InteractionKind.Follow), followeeId.ToString());
        return await ReadChangeAsync(cmd);
    }

    /// <summary>Removes the edge (with its interaction row) and reads the new following count, in one statement.</summary>
    public async Task<EdgeChange> RemoveAsync(Guid followerId, Guid followeeId)
    {
        await using var cmd = dataSource.Command("""
            WITH f AS (
              DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2 RETURNING 1),
            i AS (
              INSERT INTO interactions (user_id, kind, target_id) SELECT $1, $3, $4 FROM f RETURNING 1)
            SELECT (SELECT count(*) FROM f),
                   (SELECT count(*) FROM follows WHERE follower_id = $1) - (SELECT count(*) FROM f)
            """, followerId, followeeId, Sql.Kind(InteractionKind.Unfollow), followeeId.ToString());
        return await ReadChangeAsync(cmd);
    }

    private static async Task<EdgeChange> ReadChangeAsync(NpgsqlCommand cmd)
    {
        await using var reader = await cmd.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new EdgeChange(reader.GetInt64(0) > 0, reader.GetInt64(1));
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

/// <summary>The outcome of one follow or unfollow statement: whether the edge changed, and the follower's following count after it.</summary>
public readonly record struct EdgeChange(bool Changed, long FollowingCount);
