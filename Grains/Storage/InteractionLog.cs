using Microsoft.Extensions.Options;
using Npgsql;
using Ootd.Grains.Common;

namespace Ootd.Grains.Storage;

/// <summary>The append-only <c>interactions</c> table.</summary>
public sealed class InteractionLog(NpgsqlDataSource dataSource, IOptions<SocialOptions>? options = null)
{
    /// <summary>
    /// Logs a view unless the same user already has one of the same post within <see cref="SocialOptions.ViewWindow"/>
    /// (one statement, so the check and the insert cannot be split); true when this view was logged and counts.
    /// </summary>
    public async Task<bool> AppendViewAsync(Guid userId, string targetId)
    {
        var window = options?.Value.ViewWindow ?? TimeSpan.Zero;
        if (window <= TimeSpan.Zero)
        {
            await AppendAsync(userId, InteractionKind.View, targetId);
            return true;
        }

        await using var cmd = dataSource.Command(
            "INSERT INTO interactions (user_id, kind, target_id, weight) SELECT $1, $2, $3, 1 " +
            "WHERE NOT EXISTS (SELECT 1 FROM interactions WHERE user_id = $1 AND kind = $2 AND target_id = $3 AND at > now() - $4)",
            userId, Sql.Kind(InteractionKind.View), targetId, window);
        return await cmd.ExecuteNonQueryAsync() == 1;
    }

    public async Task AppendAsync(Guid userId, InteractionKind kind, string targetId, float weight = 1f)
    {
        await using var cmd = dataSource.Command(
            "INSERT INTO interactions (user_id, kind, target_id, weight) VALUES ($1, $2, $3, $4)",
            userId, Sql.Kind(kind), targetId, weight);
        await cmd.ExecuteNonQueryAsync();
    }

    public Task<long> CountAsync(string targetId, InteractionKind kind) => dataSource.ScalarLongAsync(
        "SELECT count(*) FROM interactions WHERE target_id = $1 AND kind = $2", targetId, Sql.Kind(kind));
}
