using Npgsql;
using Ootd.Grains.Common;

namespace Ootd.Grains.Storage;

/// <summary>The append-only <c>interactions</c> table.</summary>
public sealed class InteractionLog(NpgsqlDataSource dataSource)
{
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
