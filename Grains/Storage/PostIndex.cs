using Npgsql;
using Ootd.Grains.Common;

namespace Ootd.Grains.Storage;

/// <summary>An upload of a style leader: the OOTD and when it was posted.</summary>
public readonly record struct Upload(Guid OotdId, DateTimeOffset At);

/// <summary>The <c>ootd_posts</c> table: one row per post, for paging and batch jobs.</summary>
public sealed class PostIndex(NpgsqlDataSource dataSource)
{
    /// <summary>Records a new post with its Upload interaction; a second call for the same post changes nothing.</summary>
    public async Task<bool> AddAsync(Guid ootdId, Guid authorId, string mediaId, DateTimeOffset createdAt)
    {
        await using var cmd = dataSource.Command("""
            WITH p AS (
              INSERT INTO ootd_posts (ootd_id, author_id, media_id, created_at) VALUES ($1, $2, $3, $4)
              ON CONFLICT DO NOTHING RETURNING 1),
            i AS (
              INSERT INTO interactions (user_id, kind, target_id, at) SELECT $2, $5, $6, $4 FROM p RETURNING 1)
            SELECT count(*) FROM p
            """, ootdId, authorId, mediaId, createdAt.ToUniversalTime(), Sql.Kind(InteractionKind.Upload), ootdId.ToString());
        return Convert.ToInt64(await cmd.ExecuteScalarAsync()) > 0;
    }

    /// <summary>Stores the post's hashtags (lower case) for hashtag pages; a no-op when they are already there.</summary>
    public async Task SetHashtagsAsync(Guid ootdId, IEnumerable<string> hashtags)
    {
        var tags = hashtags.Select(t => t.Trim().TrimStart('#').ToLowerInvariant()).Where(t => t.Length > 0).Distinct().ToArray();
        await using var cmd = dataSource.Command(
            "UPDATE ootd_posts SET hashtags = $2 WHERE ootd_id = $1 AND hashtags IS DISTINCT FROM $2", ootdId, tags);
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Live posts whose hashtags were never stored (made before the column existed), for the repair step.</summary>
    public Task<List<Guid>> WithoutHashtagsAsync(int limit) => dataSource.GuidsAsync(
        "SELECT ootd_id FROM ootd_posts WHERE hashtags IS NULL AND deleted_at IS NULL LIMIT $1", limit);

    /// <summary>Sets deleted_at once and writes the DeletePost interaction with it.</summary>
    public async Task<bool> MarkDeletedAsync(Guid ootdId, Guid authorId, DateTimeOffset deletedAt)
    {
        await using var cmd = dataSource.Command("""
            WITH p AS (
              UPDATE ootd_posts SET deleted_at = $3 WHERE ootd_id = $1 AND deleted_at IS NULL RETURNING 1),
            i AS (
              INSERT INTO interactions (user_id, kind, target_id, at) SELECT $2, $4, $5, $3 FROM p RETURNING 1)
            SELECT count(*) FROM p
            """, ootdId, authorId, deletedAt.ToUniversalTime(), Sql.Kind(InteractionKind.DeletePost), ootdId.ToString());
        return Convert.ToInt64(await cmd.ExecuteScalarAsync()) > 0;
    }

    /// <summary>An author's live posts, newest first.</summary>
    public async Task<List<Upload>> LiveUploadsAsync(Guid authorId)
    {
        await using var cmd = dataSource.Command(
            "SELECT ootd_id, created_at FROM ootd_posts WHERE author_id = $1 AND deleted_at IS NULL ORDER BY created_at DESC, ootd_id",
            authorId);
        await using var reader = await cmd.ExecuteReaderAsync();
        var uploads = new List<Upload>();
        while (await reader.ReadAsync())
        {
            uploads.Add(new Upload(reader.GetGuid(0), new DateTimeOffset(reader.GetDateTime(1), TimeSpan.Zero)));
        }
        return uploads;
    }
}
