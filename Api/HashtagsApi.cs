using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Ootd.Api.Contracts;
using Ootd.Api.Social;
using Ootd.Grains.Ootds;

namespace Ootd.Api;

/// <summary>Hashtag pages: the live posts carrying a hashtag, newest first.</summary>
public static class HashtagsApi
{
    public static IEndpointRouteBuilder MapHashtagsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/hashtags/{tag}/ootds", GetHashtagOotds).WithName("GetHashtagOotds").WithTags("Hashtags")
            .Produces<CursorPage<OotdCard>>().ProducesValidationProblem()
            .WithSummary("Posts with the hashtag (a leading '#' and case are ignored), newest first, with author and (with a token) the caller's state; " +
                         "cursor paging (limit 1–100, default 20; pass nextCursor back as cursor). An unknown tag has an empty page.");
        return app;
    }

    public static async Task<Results<Ok<CursorPage<OotdCard>>, ValidationProblem>> GetHashtagOotds(
        string tag, string? cursor, int? limit, ClaimsPrincipal caller, NpgsqlDataSource db, IClusterClient cluster, OotdCards cards, CancellationToken ct)
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

        var found = new List<(Guid Id, DateTimeOffset At)>();
        await using (var cmd = db.CreateCommand("""
            SELECT p.ootd_id, p.created_at FROM ootd_posts p
            WHERE p.hashtags @> ARRAY[$1]::text[] AND p.deleted_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM deleted_users d WHERE d.user_id = p.author_id)
              AND ($2::timestamptz IS NULL OR (p.created_at, p.ootd_id) < ($2, $3))
            ORDER BY p.created_at DESC, p.ootd_id DESC LIMIT $4
            """))
        {
            cmd.Parameters.AddWithValue(key);
            cmd.Parameters.Add(new NpgsqlParameter { Value = string.IsNullOrEmpty(cursor) ? DBNull.Value : beforeAt.UtcDateTime, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
            cmd.Parameters.Add(new NpgsqlParameter { Value = beforeId, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
            cmd.Parameters.AddWithValue(l + 1);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct)) found.Add((r.GetGuid(0), new DateTimeOffset(r.GetDateTime(1), TimeSpan.Zero)));
        }
        var page = found.Take(l).ToList();
        var next = found.Count > l ? TimeIdCursor.Format("h1", page[^1].At, page[^1].Id) : null;
        var views = (await cluster.GetGrain<IOotdShelfGrain>(IOotdShelfGrain.Pool).Get(page.Select(p => p.Id).ToList())).OfType<OotdView>().ToList();
        return TypedResults.Ok(new CursorPage<OotdCard>((await cards.Cards(views, OotdCards.ViewerOf(caller), ct)).Select(OotdCard.From).ToList(), next));
    }
}
