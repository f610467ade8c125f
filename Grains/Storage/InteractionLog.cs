using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Ootd.Grains.Common;

namespace Ootd.Grains.Storage;

/// <summary>
/// The append-only <c>interactions</c> table. Views are logged in groups (one INSERT for every view that arrived while
/// the previous group was being written, at most <see cref="MaxViewBatch"/>), and each caller is answered only after
/// the statement holding its view has committed: an acknowledged view is durable, as with one INSERT per view.
/// </summary>
public sealed class InteractionLog(NpgsqlDataSource dataSource, IOptions<SocialOptions>? options = null)
{
    /// <summary>The most views one INSERT logs.</summary>
    public const int MaxViewBatch = 512;

    private readonly GroupCommit<(Guid UserId, string TargetId), bool> _views =
        new(MaxViewBatch, group => InsertViewsAsync(dataSource, options?.Value.ViewWindow ?? TimeSpan.Zero, group));

    /// <summary>
    /// Logs a view unless the same user already has one of the same post within <see cref="SocialOptions.ViewWindow"/>
    /// (the check and the insert are one statement, so they cannot be split); true when this view was logged and
    /// counts. Completes after the view's group has committed.
    /// </summary>
    public Task<bool> AppendViewAsync(Guid userId, string targetId) => _views.Enqueue((userId, targetId));

    /// <summary>One INSERT for a group of views: whether each (user, post) pair was logged (a pair twice in a group counts
    /// once within a view window; every view is logged without one).</summary>
    private static async Task<Func<(Guid UserId, string TargetId), bool>> InsertViewsAsync(NpgsqlDataSource db, TimeSpan window, List<(Guid UserId, string TargetId)> group)
    {
        var sql = window <= TimeSpan.Zero
            ? "INSERT INTO interactions (user_id, kind, target_id, weight) SELECT u, $3, t, 1 FROM unnest($1::uuid[], $2::text[]) AS b(u, t) " +
              "RETURNING user_id, target_id"
            : "INSERT INTO interactions (user_id, kind, target_id, weight) " +
              "SELECT b.u, $3, b.t, 1 FROM (SELECT DISTINCT u, t FROM unnest($1::uuid[], $2::text[]) AS x(u, t)) AS b " +
              "WHERE NOT EXISTS (SELECT 1 FROM interactions i WHERE i.user_id = b.u AND i.kind = $3 AND i.target_id = b.t AND i.at > now() - $4) " +
              "RETURNING user_id, target_id";
        await using var cmd = db.CreateCommand(sql);
        cmd.Parameters.Add(new NpgsqlParameter { Value = group.Select(v => v.UserId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new NpgsqlParameter { Value = group.Select(v => v.TargetId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = Sql.Kind(InteractionKind.View), NpgsqlDbType = NpgsqlDbType.Smallint });
        if (window > TimeSpan.Zero) cmd.Parameters.Add(new NpgsqlParameter { Value = window, NpgsqlDbType = NpgsqlDbType.Interval });
        if (window <= TimeSpan.Zero)
        {
            await cmd.ExecuteNonQueryAsync();
            return _ => true;
        }
        var logged = new HashSet<(Guid, string)>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) logged.Add((reader.GetGuid(0), reader.GetString(1)));
        return view => logged.Remove(view);
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
