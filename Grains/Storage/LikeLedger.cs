using Npgsql;
using Ootd.Grains.Common;

namespace Ootd.Grains.Storage;

/// <summary>The <c>ootd_likes</c> table: one row per (OOTD, user), so liking is idempotent.</summary>
public sealed class LikeLedger(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// The like, its interaction row and the post's new like count in one statement (all or nothing). Changed is
    /// true when the like was new.
    /// </summary>
    public async Task<LikeChange> LikeAsync(Guid ootdId, Guid userId)
    {
        await using var cmd = dataSource.Command("""
            WITH l AS (
              INSERT INTO ootd_likes (ootd_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1),
            i AS (
              INSERT INTO interactions (user_id, kind, target_id) SELECT $2, $3, $4 FROM l RETURNING 1)
            SELECT (SELECT count(*) FROM l),
                   (SELECT count(*) FROM ootd_likes WHERE ootd_id = $1) + (SELECT count(*) FROM l)
            """, ootdId, userId, Sql.Kind(InteractionKind.Like), ootdId.ToString());
        return await ReadChangeAsync(cmd);
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
