using Npgsql;
using NpgsqlTypes;
using Ootd.Grains.Common;

namespace Ootd.Grains.Storage;

/// <summary>
/// The <c>follows</c> table, the source of truth of the follow graph. Each change and its interaction row are
/// written by one statement, so a crash never leaves one without the other. The followee's style-leader grain is the
/// one writer of the edges into it (<see cref="StyleLeaders.IStyleLeaderGrain.AddFollower"/>), so it keeps its
/// follower count by adding what each write changed; the follower's user grain keeps its following count the same way.
/// </summary>
public sealed class FollowGraph(NpgsqlDataSource dataSource)
{
    /// <summary>The most follows one statement writes.</summary>
    public const int MaxFollowBatch = 512;

    private readonly GroupCommit<(Guid Follower, Guid Followee), bool> _adds = new(MaxFollowBatch, group => InsertFollowsAsync(dataSource, group));

    /// <summary>
    /// Adds the edge and its interaction row (all or nothing), in a group with the follows that arrived while the
    /// previous group was being written: one statement and one commit for the group, and the caller is answered after
    /// that commit, so an acknowledged follow is as durable as with one statement per follow. True when the edge is
    /// new; false when it existed (nothing written).
    /// </summary>
    public Task<bool> AddAsync(Guid followerId, Guid followeeId) => _adds.Enqueue((followerId, followeeId));

    /// <summary>One statement for a group of follows: whether each edge was written (an edge twice in a group counts once).</summary>
    private static async Task<Func<(Guid Follower, Guid Followee), bool>> InsertFollowsAsync(NpgsqlDataSource db, List<(Guid Follower, Guid Followee)> group)
    {
        await using var cmd = db.Command("""
            WITH f AS (
              INSERT INTO follows (follower_id, followee_id)
              SELECT DISTINCT a, b FROM unnest($1::uuid[], $2::uuid[]) AS t(a, b)
              ON CONFLICT DO NOTHING RETURNING follower_id, followee_id),
            i AS (
              INSERT INTO interactions (user_id, kind, target_id) SELECT follower_id, $3, followee_id::text FROM f RETURNING 1)
            SELECT follower_id, followee_id FROM f
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = group.Select(f => f.Follower).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new NpgsqlParameter { Value = group.Select(f => f.Followee).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new NpgsqlParameter { Value = Sql.Kind(InteractionKind.Follow), NpgsqlDbType = NpgsqlDbType.Smallint });
        var written = new HashSet<(Guid, Guid)>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) written.Add((reader.GetGuid(0), reader.GetGuid(1)));
        return follow => written.Remove(follow);
    }

    /// <summary>Removes the edge with its interaction row, in one statement. True when there was an edge.</summary>
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
