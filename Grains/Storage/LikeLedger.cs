using Npgsql;
using NpgsqlTypes;
using Ootd.Grains.Common;

namespace Ootd.Grains.Storage;

/// <summary>The <c>ootd_likes</c> table: one row per (OOTD, user), so liking is idempotent.</summary>
public sealed class LikeLedger(NpgsqlDataSource dataSource)
{
    /// <summary>The most likes one statement writes.</summary>
    public const int MaxLikeBatch = 512;

    private sealed record PendingLike(Guid OotdId, Guid UserId, TaskCompletionSource<bool> Written);

    private readonly object _gate = new();
    private List<PendingLike> _pending = [];
    private bool _writing;

    /// <summary>
    /// The like and its interaction row (all or nothing), written in a group with the likes that arrived while the
    /// previous group was being written: one statement and one commit for the group, and each caller is answered after
    /// that commit, so an acknowledged like is durable as with one statement per like. Changed is true when the like
    /// was new; the count is <paramref name="likeCount"/> (the post's count before, which its grain keeps: it is the
    /// only writer of its likes) plus one when it was.
    /// </summary>
    public async Task<LikeChange> LikeAsync(Guid ootdId, Guid userId, long likeCount)
    {
        var pending = new PendingLike(ootdId, userId, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        var start = false;
        lock (_gate)
        {
            _pending.Add(pending);
            if (!_writing) _writing = start = true;
        }
        // The writer runs off the caller's scheduler (a grain's turn) and takes the groups one after the other.
        if (start) _ = Task.Run(WriteLikesAsync);
        var changed = await pending.Written.Task;
        return new LikeChange(changed, likeCount + (changed ? 1 : 0));
    }

    private async Task WriteLikesAsync()
    {
        while (true)
        {
            List<PendingLike> group;
            lock (_gate)
            {
                if (_pending.Count == 0)
                {
                    _writing = false;
                    return;
                }
                if (_pending.Count <= MaxLikeBatch)
                {
                    group = _pending;
                    _pending = [];
                }
                else
                {
                    group = _pending.GetRange(0, MaxLikeBatch);
                    _pending.RemoveRange(0, MaxLikeBatch);
                }
            }
            try
            {
                var written = await InsertLikesAsync(group);
                foreach (var like in group) like.Written.TrySetResult(written.Remove((like.OotdId, like.UserId)));
            }
            catch (Exception e)
            {
                foreach (var like in group) like.Written.TrySetException(e);
            }
        }
    }

    /// <summary>One statement for a group of likes: the (post, user) pairs it wrote (a pair twice in a group counts once).</summary>
    private async Task<HashSet<(Guid, Guid)>> InsertLikesAsync(List<PendingLike> group)
    {
        await using var cmd = dataSource.Command("""
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
        return written;
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
