using Npgsql;
using Ootd.Grains.Common;

namespace Ootd.Grains.Storage;

/// <summary>The <c>ootd_likes</c> table: one row per (OOTD, user), so liking is idempotent.</summary>
public sealed class LikeLedger(NpgsqlDataSource dataSource)
{
    /// <summary>True when the like was new (and its interaction row was written with it).</summary>
    public async Task<bool> LikeAsync(Guid ootdId, Guid userId)
    {
        await using var cmd = dataSource.Command("""
            WITH l AS (
              INSERT INTO ootd_likes (ootd_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1),
            i AS (
              INSERT INTO interactions (user_id, kind, target_id) SELECT $2, $3, $4 FROM l RETURNING 1)
            SELECT count(*) FROM l
            """, ootdId, userId, Sql.Kind(InteractionKind.Like), ootdId.ToString());
        return Convert.ToInt64(await cmd.ExecuteScalarAsync()) > 0;
    }

    /// <summary>True when there was a like to remove.</summary>
    public async Task<bool> UnlikeAsync(Guid ootdId, Guid userId)
    {
        await using var cmd = dataSource.Command("""
            WITH l AS (
              DELETE FROM ootd_likes WHERE ootd_id = $1 AND user_id = $2 RETURNING 1),
            i AS (
              INSERT INTO interactions (user_id, kind, target_id) SELECT $2, $3, $4 FROM l RETURNING 1)
            SELECT count(*) FROM l
            """, ootdId, userId, Sql.Kind(InteractionKind.Unlike), ootdId.ToString());
        return Convert.ToInt64(await cmd.ExecuteScalarAsync()) > 0;
    }

    public Task<long> CountAsync(Guid ootdId) =>
        dataSource.ScalarLongAsync("SELECT count(*) FROM ootd_likes WHERE ootd_id = $1", ootdId);
}
