using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Ootd.Api.Contracts;
using Ootd.Api.Social;
using Ootd.Grains.Recommendation;

namespace Ootd.Api;

/// <summary>Hashtag pages: the live posts carrying a hashtag, newest first.</summary>
public static class HashtagsApi
{
    public static IEndpointRouteBuilder MapHashtagsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/hashtags/{tag}/ootds", GetHashtagOotds).WithName("GetHashtagOotds").WithTags("Hashtags")
            .ProducesValidationProblem()
            .WithSummary("Posts with the hashtag (a leading '#' and case are ignored), newest first, with author and (with a token) the caller's state; " +
                         "cursor paging (limit 1–100, default 20; pass nextCursor back as cursor). An unknown tag has an empty page. " +
                         "A first page can lag a post made through another gateway by up to Gateway:HashtagFirstPageMilliseconds (1 s).");
        return app;
    }

    public static async Task<Results<PreparedJson<CursorPage<OotdCard>>, ValidationProblem>> GetHashtagOotds(
        string tag, string? cursor, int? limit, ClaimsPrincipal caller, NpgsqlDataSource db, IClusterClient cluster, PostBodies bodies, OotdCards cards,
        AuthorSummaries authors, HashtagPages held, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var key = tag.Trim().TrimStart('#').Trim().ToLowerInvariant();
        if (key.Length == 0 || key.Length > InputRules.MaxTagLength || key.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c == ','))
            errors["tag"] = [$"A hashtag is 1 to {InputRules.MaxTagLength} characters without spaces or commas."];
        var l = limit ?? 20;
        if (l is < 1 or > 100) errors["limit"] = ["The limit must be between 1 and 100."];
        DateTimeOffset beforeAt = DateTimeOffset.MaxValue;
        var beforeId = Guid.Empty;
        if (!string.IsNullOrEmpty(cursor) && !TimeIdCursor.TryParse(cursor, "h1", out beforeAt, out beforeId))
            errors["cursor"] = ["The cursor is not one this API returned."];
        if (errors.Count > 0) return Problems.Invalid(errors);

        // A first page and a cursor page are each a range of the key (a cursor is a row comparison the index bounds); a
        // first page's rows are kept by the gateway for a moment (HashtagPages), a cursor page's are read each time.
        var first = string.IsNullOrEmpty(cursor);
        async Task<IReadOnlyList<HashtagPages.Row>> Read(int take, CancellationToken token)
        {
            var rows = new List<HashtagPages.Row>(take);
            await using var cmd = db.CreateCommand(first
                ? """
                  SELECT ootd_id, created_at, author_id FROM ootd_hashtags WHERE tag = $1
                  ORDER BY created_at DESC, ootd_id DESC LIMIT $2
                  """
                : """
                  SELECT ootd_id, created_at, author_id FROM ootd_hashtags WHERE tag = $1 AND (created_at, ootd_id) < ($3, $4)
                  ORDER BY created_at DESC, ootd_id DESC LIMIT $2
                  """);
            cmd.Parameters.AddWithValue(key);
            cmd.Parameters.AddWithValue(take);
            if (!first)
            {
                cmd.Parameters.Add(new NpgsqlParameter { Value = beforeAt.UtcDateTime, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
                cmd.Parameters.Add(new NpgsqlParameter { Value = beforeId, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
            }
            await using var r = await cmd.ExecuteReaderAsync(token);
            while (await r.ReadAsync(token)) rows.Add(new(r.GetGuid(0), new DateTimeOffset(r.GetDateTime(1), TimeSpan.Zero), r.GetGuid(2)));
            return rows;
        }

        for (var fresh = false; ; fresh = true)
        {
            var found = first ? await held.First(key, () => Read(HashtagPages.Rows, CancellationToken.None), fresh, ct) : await Read(l + 1, ct);
            var page = found.Take(l).ToList();
            var next = found.Count > l ? TimeIdCursor.Format("h1", page[^1].At, page[^1].OotdId) : null;
            var items = await Show(page);
            // Kept rows can name a post deleted (or by an author erased) since: the page is asked again from the table.
            if (items.Count < page.Count && first && !fresh) continue;
            return new PreparedJson<CursorPage<OotdCard>>(w => PostJson.WriteCursorPage(w, items, next, bodies.Json), bodies.Json);
        }

        // ootd_hashtags (migration 0801) holds the live posts' tags in page order: a page is a range of its key. The posts
        // as cards from the bodies this gateway keeps (one call to the silo sends only what changed since), their authors
        // and the caller's state as every list shows them; a post deleted or an author erased since is left out.
        async Task<IReadOnlyList<PostJson.Shown>> Show(List<HashtagPages.Row> page)
        {
            var ids = page.Select(p => p.OotdId).ToList();
            if (OotdCards.ViewerOf(caller) is { } me)
            {
                // A signed-in reader: one call to the reader's feed grain answers the posts (kept reads, as for feed pages)
                // and the reader's likedByMe / followingAuthor (kept there, their own writes applied at once); authors are
                // the gateway's kept summaries.
                var read = await cluster.GetGrain<IFeedGrain>(me).ReadPosts(ids, page.Select(p => p.AuthorId).ToList(), 0);
                return await PostJson.Show(await bodies.Resolve(ids, 0, read.Reads), read.Viewer, authors, ct);
            }
            return await PostJson.Show((await bodies.Read(ids, 0)).OfType<PostSnapshot>().ToList(), null, cards, ct);
        }
    }
}
