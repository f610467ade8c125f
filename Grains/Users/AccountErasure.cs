using Npgsql;
using Ootd.Grains.Storage;

namespace Ootd.Grains.Users;

/// <summary>What the erase step removed, so the grains that cache counts can be told.</summary>
public sealed record ErasedEdges(IReadOnlyList<Guid> Followees, IReadOnlyList<Guid> Followers);

/// <summary>
/// The table side of an account deletion (<see cref="AccountDeletion"/>). Every statement is idempotent, so a
/// deletion that a dead silo left half done is simply run again.
/// </summary>
public sealed class AccountErasure(NpgsqlDataSource db)
{
    /// <summary>
    /// The tombstone, in one transaction: the user joins <c>deleted_users</c> (the recommender's never-show rule) and
    /// the account's password hash is erased (the username stays reserved and can never sign in again).
    /// </summary>
    public async Task TombstoneAsync(Guid userId, DateTimeOffset at)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await ExecuteAsync(connection, tx,
            "INSERT INTO deleted_users (user_id, deleted_at) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING", userId, at.ToUniversalTime());
        await ExecuteAsync(connection, tx, "UPDATE accounts SET password_hash = $2 WHERE user_id = $1", userId, AccountDeletion.ErasedPasswordHash);
        await tx.CommitAsync();
    }

    /// <summary>OOTDs the user still likes (their grains withdraw the like and its count).</summary>
    public Task<List<Guid>> LikedAsync(Guid userId) =>
        db.GuidsAsync("SELECT ootd_id FROM ootd_likes WHERE user_id = $1", userId);

    /// <summary>The user's posts that are not deleted yet.</summary>
    public Task<List<Guid>> LivePostsAsync(Guid userId) =>
        db.GuidsAsync("SELECT ootd_id FROM ootd_posts WHERE author_id = $1 AND deleted_at IS NULL", userId);

    /// <summary>
    /// Erases the user's own rows in one transaction: follow edges both ways (returned, so the other side's counts
    /// can be refreshed), remaining likes, posts not yet marked deleted, the whole interaction log of the user, their
    /// block list and their recommender rows. Other users' rows about the user (their blocks, their interactions
    /// with the user's posts) are kept.
    /// </summary>
    public async Task<ErasedEdges> EraseAsync(Guid userId, DateTimeOffset at)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        var followees = await GuidsAsync(connection, tx, "DELETE FROM follows WHERE follower_id = $1 RETURNING followee_id", userId);
        var followers = await GuidsAsync(connection, tx, "DELETE FROM follows WHERE followee_id = $1 RETURNING follower_id", userId);
        await ExecuteAsync(connection, tx, "DELETE FROM ootd_likes WHERE user_id = $1", userId);
        await ExecuteAsync(connection, tx, "UPDATE ootd_posts SET deleted_at = $2 WHERE author_id = $1 AND deleted_at IS NULL", userId, at.ToUniversalTime());
        await ExecuteAsync(connection, tx, "DELETE FROM interactions WHERE user_id = $1", userId);
        await ExecuteAsync(connection, tx, "DELETE FROM user_blocks WHERE blocker_id = $1", userId);
        await ExecuteAsync(connection, tx, "DELETE FROM rec_users WHERE user_id = $1", userId);
        await ExecuteAsync(connection, tx, "DELETE FROM rec_pull_authors WHERE user_id = $1", userId);
        await ExecuteAsync(connection, tx, "DELETE FROM rec_user_neighbours WHERE user_id = $1", userId);
        await ExecuteAsync(connection, tx, "DELETE FROM rec_served WHERE user_id = $1", userId);
        await tx.CommitAsync();
        return new ErasedEdges(followees, followers);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, params object?[] args)
    {
        await using var cmd = Command(connection, tx, sql, args);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<List<Guid>> GuidsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, params object?[] args)
    {
        await using var cmd = Command(connection, tx, sql, args);
        await using var reader = await cmd.ExecuteReaderAsync();
        var ids = new List<Guid>();
        while (await reader.ReadAsync()) ids.Add(reader.GetGuid(0));
        return ids;
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, object?[] args)
    {
        var cmd = new NpgsqlCommand(sql, connection, tx);
        foreach (var arg in args) cmd.Parameters.Add(Sql.Parameter(arg));
        return cmd;
    }
}
