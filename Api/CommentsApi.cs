using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Ootd.Api.Accounts;
using Ootd.Api.Auth;
using Ootd.Api.Contracts;
using Ootd.Api.Social;
using Ootd.Grains.Ootds;

namespace Ootd.Api;

/// <summary>Comments on posts: write and delete through the post's comments grain, pages read from <c>ootd_comments</c>.</summary>
public static class CommentsApi
{
    public static IEndpointRouteBuilder MapCommentsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/ootds/{id:guid}/comments").WithTags("Comments");
        api.MapPost("", Add).WithName("AddComment").RequireAuthorization()
            .Produces<CommentResponse>(StatusCodes.Status201Created).ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary($"Comments on the post ({{\"body\": \"…\"}}, 1 to {IOotdCommentsGrain.MaxLength} characters); logged as a Comment interaction (recommender weight Recommender:CommentWeight).");
        api.MapGet("", List).WithName("GetComments")
            .Produces<CursorPage<CommentResponse>>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("The post's comments, oldest first, each with its author; cursor paging (limit 1–100, default 20; pass nextCursor back as cursor).");
        api.MapDelete("/{commentId:guid}", Delete).WithName("DeleteComment").RequireAuthorization()
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Deletes a comment (its author or the post's author only).");
        return app;
    }

    public static async Task<Results<Created<CommentResponse>, ValidationProblem, ProblemHttpResult>> Add(
        Guid id, CommentRequest? request, ClaimsPrincipal caller, IClusterClient cluster, UserDirectory directory, CancellationToken ct)
    {
        var body = request?.Body?.Trim() ?? "";
        if (body.Length == 0) return Problems.Invalid(new() { ["body"] = ["A comment needs a body."] });
        if (body.Length > IOotdCommentsGrain.MaxLength) return Problems.Invalid(new() { ["body"] = [$"A comment is at most {IOotdCommentsGrain.MaxLength} characters."] });
        if (body.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')))
            return Problems.Invalid(new() { ["body"] = ["A comment must not contain control characters."] });

        var me = caller.UserId();
        var added = await cluster.GetGrain<IOotdCommentsGrain>(id).Add(me, body);
        if (!added.Result.Succeeded || added.Comment is null) return Problems.From(added.Result);
        var author = await directory.Summary(me, ct) ?? new AuthorSummary(me, "", "", null);
        return TypedResults.Created($"/api/v1/ootds/{id}/comments/{added.Comment.Id}", CommentResponse.From(added.Comment, author));
    }

    public static async Task<Results<Ok<CursorPage<CommentResponse>>, ValidationProblem, ProblemHttpResult>> List(
        Guid id, string? cursor, int? limit, NpgsqlDataSource db, IClusterClient cluster, UserDirectory directory, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var l = limit ?? 20;
        if (l is < 1 or > 100) errors["limit"] = ["The limit must be between 1 and 100."];
        DateTimeOffset afterAt = DateTimeOffset.UnixEpoch;
        var afterId = Guid.Empty;
        if (!string.IsNullOrEmpty(cursor) && !TimeIdCursor.TryParse(cursor, "c1", out afterAt, out afterId))
            errors["cursor"] = ["The cursor is not one this API returned."];
        if (errors.Count > 0) return Problems.Invalid(errors);
        if (await cluster.GetGrain<IOotdGrain>(id).Get() is null) return Problems.NotFound($"No OOTD {id}.");

        var rows = new List<CommentView>();
        await using (var cmd = db.CreateCommand("""
            SELECT c.comment_id, c.author_id, c.body, c.created_at FROM ootd_comments c
            WHERE c.ootd_id = $1 AND c.deleted_at IS NULL AND (c.created_at, c.comment_id) > ($2, $3)
              AND NOT EXISTS (SELECT 1 FROM deleted_users d WHERE d.user_id = c.author_id)
            ORDER BY c.created_at, c.comment_id LIMIT $4
            """))
        {
            cmd.Parameters.AddWithValue(id);
            cmd.Parameters.AddWithValue(afterAt.UtcDateTime);
            cmd.Parameters.AddWithValue(afterId);
            cmd.Parameters.AddWithValue(l + 1);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                rows.Add(new CommentView(r.GetGuid(0), id, r.GetGuid(1), r.GetString(2), new DateTimeOffset(r.GetDateTime(3), TimeSpan.Zero)));
        }
        var page = rows.Take(l).ToList();
        var next = rows.Count > l ? TimeIdCursor.Format("c1", page[^1].CreatedAt, page[^1].Id) : null;
        var authors = await directory.Summaries(page.Select(c => c.AuthorId), ct);
        var items = page.Where(c => authors.ContainsKey(c.AuthorId)).Select(c => CommentResponse.From(c, authors[c.AuthorId])).ToList();
        return TypedResults.Ok(new CursorPage<CommentResponse>(items, next));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Delete(Guid id, Guid commentId, ClaimsPrincipal caller, IClusterClient cluster)
    {
        var result = await cluster.GetGrain<IOotdCommentsGrain>(id).Delete(commentId, caller.UserId());
        return result.Succeeded ? TypedResults.NoContent() : Problems.From(result);
    }
}

public sealed record CommentRequest(string? Body);

public sealed record CommentResponse(Guid Id, Guid OotdId, string Body, DateTimeOffset CreatedAt, AuthorSummary Author)
{
    public static CommentResponse From(CommentView c, AuthorSummary author) => new(c.Id, c.OotdId, c.Body, c.CreatedAt, author);
}
