using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;
using Ootd.Api.Auth;
using Ootd.Api.Contracts;
using Ootd.Api.Hosting;
using Ootd.Api.Media;
using Ootd.Api.Social;
using Ootd.Grains.Common;
using Ootd.Grains.Ootds;
using Ootd.Grains.Recommendation;

namespace Ootd.Api;

public static class OotdsApi
{
    /// <summary>Room for the text fields and multipart framing on top of the photo limit.</summary>

    public static IEndpointRouteBuilder MapOotdsApi(this IEndpointRouteBuilder app)
    {
        var photoLimit = app.ServiceProvider.GetRequiredService<PhotoInspector>().MaxBytes;
        var api = app.MapGroup("/api/v1/ootds").WithTags("Ootds");
        api.MapPost("", Upload).WithName("UploadOotd").RequireAuthorization().CountsUploads()
            .Accepts<UploadOotdForm>("multipart/form-data")
            .WithMetadata(new RequestSizeLimitAttribute(photoLimit + PhotoForms.FormOverhead))
            .WithSummary("Publishes an outfit photo (multipart: photo, description, hashtags); analysis runs in the background.");
        api.MapGet("/{id:guid}", GetOotd).WithName("GetOotd")
            .Produces<OotdResponse>().ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("One OOTD post with its author, its items and their similar products; with a token also likedByMe and followingAuthor.");
        api.MapGet("/{id:guid}/photo", GetPhoto).WithName("GetOotdPhoto")
            .Produces(StatusCodes.Status200OK, contentType: "image/jpeg").Produces(StatusCodes.Status304NotModified)
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("The post's photo: the original, or with ?w=320|640|1080 (also 64, 128) a resized JPEG (cached). ETag is the SHA-256 (plus the width); cacheable forever (immutable).");
        api.MapDelete("/{id:guid}", Delete).WithName("DeleteOotd").RequireAuthorization()
            .WithSummary("Deletes a post (author only).");
        api.MapPost("/{id:guid}/views", RecordView).WithName("RecordOotdView").RequireAuthorization()
            .WithSummary("Records that the caller viewed the post.");
        api.MapPut("/{id:guid}/like", Like).WithName("LikeOotd").RequireAuthorization()
            .WithSummary("The caller likes the post (idempotent: counted once).");
        api.MapDelete("/{id:guid}/like", Unlike).WithName("UnlikeOotd").RequireAuthorization()
            .WithSummary("The caller takes back a like (idempotent).");
        return app;
    }

    public static async Task<Results<Accepted<OotdResponse>, ValidationProblem, ProblemHttpResult>> Upload(
        HttpRequest request, ClaimsPrincipal caller, PhotoInspector inspector, MediaStore media, IClusterClient cluster,
        OotdCards cards, HashtagPages hashtagPages, CancellationToken ct)
    {
        var (form, formProblem) = await PhotoForms.ReadAsync(request, inspector,
            "Send the post as multipart/form-data with the fields photo, description and hashtags.", ct);
        if (form is null) return formProblem!;

        var errors = new Dictionary<string, string[]>();
        var description = InputRules.Description(form["description"].ToString(), errors);
        var hashtags = InputRules.Hashtags(form["hashtags"], errors);
        var file = form.Files.GetFile("photo");
        if (file is null) errors["photo"] = ["A photo file is required (form field 'photo')."];
        if (errors.Count > 0 || description is null || hashtags is null || file is null) return Problems.Invalid(errors);

        var (bytes, inspected, imageProblem) = await PhotoForms.ReadImageAsync(file, inspector, ct);
        if (bytes is null || inspected is not { } photo) return imageProblem!;

        var authorId = caller.UserId();
        if (!await cluster.GetGrain<Ootd.Grains.Users.IUserGrain>(authorId).Exists())
        {
            return Problems.NotFound("The user of this access token does not exist.");
        }

        await media.Save(photo, bytes, ct);
        var ootdId = Guid.NewGuid();
        var grain = cluster.GetGrain<IOotdGrain>(ootdId);
        var published = await grain.Publish(new NewOotd(authorId, new PhotoRef(photo.Sha256, photo.ContentType, photo.Width, photo.Height), description, hashtags));
        if (published.DuplicateOf is { } existing) return Problems.DuplicatePhoto(existing, published.Message);
        if (!published.Succeeded) return Problems.From(published);
        hashtagPages.Forget(hashtags); // the author finds the post on its hashtags' pages at once

        var view = await grain.Get() ?? new OotdView(ootdId, authorId, new PhotoRef(photo.Sha256, photo.ContentType, photo.Width, photo.Height),
            description, hashtags, OotdStatus.Analyzing, DateTimeOffset.UtcNow, 0, 0);
        return TypedResults.Accepted($"/api/v1/ootds/{ootdId}", await cards.Card(view, authorId, ct) ?? OotdResponse.From(view));
    }

    public static async Task<Results<PreparedJson<OotdResponse>, ProblemHttpResult>> GetOotd(
        Guid id, ClaimsPrincipal caller, IClusterClient cluster, PostBodies bodies, OotdCards cards, AuthorSummaries authors, CancellationToken ct)
    {
        // The post with its items' similar products, which the post grain keeps until the catalogue changes; the
        // gateway keeps the post's serialised body while the post is unchanged and asks the grain for the counts.
        var viewer = OotdCards.ViewerOf(caller);
        IReadOnlyList<PostJson.Shown> shown;
        if (viewer is { } me && bodies.HeldAuthor(id, SearchApi.DefaultK) is { } author)
        {
            // A signed-in reader of a post this gateway holds: one call to the reader's feed grain answers the post's
            // counts (kept reads, as for feed pages) and the reader's likedByMe / followingAuthor (kept there, their
            // own likes and follows applied at once); the author summary is the gateway's kept one.
            var read = await cluster.GetGrain<IFeedGrain>(me).ReadPost(id, author, SearchApi.DefaultK);
            shown = await PostJson.Show(await bodies.Resolve([id], SearchApi.DefaultK, [read.Read]), [read.Viewer], authors, ct);
        }
        else shown = await bodies.Read(id, SearchApi.DefaultK) is { } post ? await PostJson.Show([post], viewer, cards, ct) : [];
        if (shown.Count == 0) return Problems.NotFound($"No OOTD {id}.");
        return new PreparedJson<OotdResponse>(w => PostJson.WritePost(w, shown[0], bodies.Json), bodies.Json);
    }

    public static async Task<Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult, ValidationProblem>> GetPhoto(
        Guid id, string? w, HttpContext http, IClusterClient cluster, PhotoVariants variants, CancellationToken ct)
    {
        if (!PhotoVariants.TryWidth(w, out var width)) return Problems.Invalid(new() { ["w"] = [PhotoVariants.WidthRule] });
        var view = await cluster.GetGrain<IOotdGrain>(id).Get();
        if (view is null) return Problems.NotFound($"No OOTD {id}.");
        return await variants.Serve(http, view.Photo.MediaId, width, $"The photo of OOTD {id} is missing.", ct);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Delete(Guid id, ClaimsPrincipal caller, IClusterClient cluster, HashtagPages hashtagPages)
    {
        var grain = cluster.GetGrain<IOotdGrain>(id);
        var view = await grain.Get();
        if (view is null) return Problems.NotFound($"No OOTD {id}.");
        var me = caller.UserId();
        if (view.AuthorId != me) return Problems.Forbidden("Only the author can delete this OOTD.");

        var result = await grain.Delete(me);
        if (result.Succeeded) hashtagPages.Forget(view.Hashtags);
        return result.Succeeded ? TypedResults.NoContent() : Problems.From(result);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RecordView(Guid id, ClaimsPrincipal caller, IClusterClient cluster)
    {
        // One grain call: the grain answers NotFound for an unknown or deleted post.
        var result = await cluster.GetGrain<IOotdGrain>(id).RecordView(caller.UserId());
        if (result.Status == CommandStatus.NotFound) return Problems.NotFound($"No OOTD {id}.");
        return result.Succeeded ? TypedResults.NoContent() : Problems.From(result);
    }

    public static Task<Results<Ok<LikeResponse>, ProblemHttpResult>> Like(Guid id, ClaimsPrincipal caller, IClusterClient cluster) =>
        ChangeLike(id, caller.UserId(), cluster, liked: true);

    public static Task<Results<Ok<LikeResponse>, ProblemHttpResult>> Unlike(Guid id, ClaimsPrincipal caller, IClusterClient cluster) =>
        ChangeLike(id, caller.UserId(), cluster, liked: false);

    private static async Task<Results<Ok<LikeResponse>, ProblemHttpResult>> ChangeLike(Guid id, Guid userId, IClusterClient cluster, bool liked)
    {
        // One call: the grain answers NotFound for an unknown or deleted post, and the like count with the result.
        var outcome = await cluster.GetGrain<IOotdGrain>(id).SetLike(userId, liked);
        if (outcome.Result.Status == CommandStatus.NotFound) return Problems.NotFound($"No OOTD {id}.");
        if (!outcome.Result.Succeeded) return Problems.From(outcome.Result);
        return TypedResults.Ok(new LikeResponse(id, liked, outcome.LikeCount));
    }

}
