using Npgsql;
using NpgsqlTypes;
using Ootd.Grains.Common;

namespace Ootd.Grains.Storage;

/// <summary>The <c>ootd_likes</c> table: one row per (OOTD, user), so liking is idempotent.</summary>
public sealed class LikeLedger(NpgsqlDataSource dataSource)
{
    /// <summary>The most likes one statement writes.</summary>
    public const int MaxLikeBatch = 512;

    private readonly GroupCommit<(Guid OotdId, Guid UserId), bool> _likes = new(MaxLikeBatch, group => InsertLikesAsync(dataSource, group));

    /// <summary>
    /// The like and its interaction row (all or nothing), written in a group with the likes that arrived while the
    /// previous group was being written: one statement and one commit for the group, and each caller is answered after
    /// that commit, so an acknowledged like is durable as with one statement per like. Changed is true when the like
    /// was new; the count is <paramref name="likeCount"/> (the post's count before, which its grain keeps: it is the
    /// only writer of its likes) plus one when it was.
    /// </summary>
    public async Task<LikeChange> LikeAsync(Guid ootdId, Guid userId, long likeCount)
    {
        var changed = await _likes.Enqueue((ootdId, userId));
        return new LikeChange(changed, likeCount + (changed ? 1 : 0));
    }

    /// <summary>One statement for a group of likes: whether each (post, user) pair was written (a pair twice in a group counts once).</summary>
    private static async Task<Func<(Guid OotdId, Guid UserId), bool>> InsertLikesAsync(NpgsqlDataSource db, List<(Guid OotdId, Guid UserId)> group)
    {
        await using var cmd = db.Command("""
            WITH l AS (
              INSERT INTO ootd_likes (ootd_id, user_id)
              SELECT DISTINCT o, u FROM unnest($1::uuid[], $2::uuid[]) AS t(o, u)
              ON CONFLICT DO NOTHING RETURNING ootd_id, user_id),
            i AS (
              INSERT INTO interactions (user_id, kind, target_id) SELECT user_id, $3, ootd_id::text FROM l RETURNING 1)
            SELECT ootd_id, user_id FROM l
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = group.Select(l => l.OotdId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new NpgsqlParameter { Value = group.Select(l => l.UserId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new NpgsqlParameter { Value = Sql.Kind(InteractionKind.Like), NpgsqlDbType = NpgsqlDbType.Smallint });
        var written = new HashSet<(Guid, Guid)>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) written.Add((reader.GetGuid(0), reader.GetGuid(1)));
        return like => written.Remove(like);
    }

    /// <summary>Takes the like back (with its interaction row) and reads the new count, in one statement. Changed is true when there was a like.</summary>
    public async Task<LikeChange> UnlikeAsync(Guid ootdId, Guid userId)
    {
        await using var cmd = dataSource.Command("""
            WITH l AS (
              DELETE FROM ootd_likes WHERE ootd_id = $1 AND user_id = $2 RETURNING 1),
            i AS (
              INSERT INTO interactions (user_id, kind, target_id) SELECT $2, $3, $4 FROM l RETURNING 1)
            SELECT (SELECT count(*) FROM l),
                   (SELECT count(*) FROM ootd_likes WHERE ootd_id = $1) - (SELECT count(*) FROM l)
            """, ootdId, userId, Sql.Kind(InteractionKind.Unlike), ootdId.ToString());
        return await ReadChangeAsync(cmd);
    }

    private static async Task<LikeChange> ReadChangeAsync(NpgsqlCommand cmd)
    {
        await using var reader = await cmd.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new LikeChange(reader.GetInt64(0) > 0, reader.GetInt64(1));
    }

    public Task<long> CountAsync(Guid ootdId) =>
        dataSource.ScalarLongAsync("SELECT count(*) FROM ootd_likes WHERE ootd_id = $1", ootdId);
}

/// <summary>The outcome of one like or unlike statement: whether the like changed, and the post's like count after it.</summary>
public readonly record struct LikeChange(bool Changed, long LikeCount);
