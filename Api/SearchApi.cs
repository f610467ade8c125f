using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Ootd.Api.Auth;
using Ootd.Api.Catalog;
using Ootd.Api.Media;
using Ootd.Grains.Catalog;
using Ootd.Grains.Inference;
using Ootd.Grains.Ootds;
using Ootd.Grains.Search;
using Ootd.Grains.Users;
using Ootd.Taxonomy;

namespace Ootd.Api;

public static class SearchApi
{
    public const int DefaultK = OotdDetail.DefaultK;
    public const int MaxK = 50;

    public static IEndpointRouteBuilder MapSearchApi(this IEndpointRouteBuilder app)
    {
        var photoLimit = app.ServiceProvider.GetRequiredService<PhotoInspector>().MaxBytes;
        var api = app.MapGroup("/api/v1/search").WithTags("Search");
        api.MapPost("/image", SearchByImage).WithName("SearchByImage").RequireAuthorization()
            .Accepts<ImageSearchForm>("multipart/form-data")
            .WithMetadata(new RequestSizeLimitAttribute(photoLimit + PhotoForms.FormOverhead))
            .Produces<ImageSearchResponse>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Finds the fashion items in a photo and, for each, the catalog products that look like it and fit the wearer: the caller's declared " +
                         "gender (else predicted from the items), never kids' wear for an adult (multipart: photo, optional superCategory and k).");
        return app;
    }

    public static async Task<IResult> SearchByImage(HttpRequest request, ClaimsPrincipal caller, PhotoInspector inspector, IClusterClient cluster,
        ILoggerFactory loggers, CancellationToken ct)
    {
        var (form, problem) = await PhotoForms.ReadAsync(request, inspector, "Send multipart/form-data with the fields photo, superCategory (optional) and k (optional).", ct);
        if (form is null) return problem!;
        var errors = new Dictionary<string, string[]>();
        var super = form["superCategory"].ToString().Trim();
        var kText = form["k"].ToString().Trim();
        int k = DefaultK;
        if (kText.Length > 0 && (!int.TryParse(kText, NumberStyles.None, CultureInfo.InvariantCulture, out k) || k < 1 || k > MaxK))
            errors["k"] = [$"k must be a whole number 1..{MaxK}."];
        var file = form.Files.GetFile("photo");
        if (file is null) errors["photo"] = ["A photo file is required (form field 'photo')."];
        if (errors.Count > 0 || file is null) return Problems.Invalid(errors);

        var (bytes, photo, imageProblem) = await PhotoForms.ReadImageAsync(file, inspector, ct);
        if (photo is null) return imageProblem!;

        PhotoSearchResult result;
        try
        {
            // The caller wears what they photograph: their declared gender chooses the products that fit.
            var wearer = await DeclaredGenderAsync(caller, cluster, loggers.CreateLogger(typeof(SearchApi)));
            result = await cluster.GetGrain<ISimilarProductsGrain>(ISimilarProductsGrain.Pool).ForPhotoWornBy(bytes!, super.Length > 0 ? super : null, k, wearer);
        }
        catch (UnknownSearchScopeException)
        {
            return Problems.Invalid(new() { ["superCategory"] = [$"Unknown super-category '{super}': use {FashionTaxonomy.SuperNamesText}."] });
        }
        return result.Failure switch
        {
            AnalysisFailure.None => TypedResults.Ok(new ImageSearchResponse(result.Width, result.Height,
                result.Items.Select((i, n) => ItemResponse.From(n, i.Item, i.Products)).ToArray())),
            AnalysisFailure.Rejected => Problems.BadRequest("The photo could not be analysed: " + result.Reason),
            _ => Problems.Status(503, "Analysis unavailable", $"The photo could not be analysed now ({result.Reason}); retry later."),
        };
    }

    /// <summary>The caller's declared profile gender; unspecified (predicted from the items) without one or on an error.</summary>
    private static async Task<Gender> DeclaredGenderAsync(ClaimsPrincipal caller, IClusterClient cluster, ILogger logger)
    {
        try
        {
            return await cluster.GetGrain<IUserGrain>(caller.UserId()).GetProfile() is { } profile ? profile.Profile.Gender : Gender.Unspecified;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "The caller's declared gender could not be read; the wearer is predicted from the items");
            return Gender.Unspecified;
        }
    }

    /// <summary>The items of a post with the similar products its grain keeps (<see cref="IOotdGrain.GetDetail"/>).</summary>
    public static IReadOnlyList<ItemResponse> OotdItems(OotdDetail detail)
    {
        if (detail.View.Items is not { Count: > 0 } items) return [];
        var byItem = detail.SimilarProducts.ToDictionary(f => f.ItemNo);
        return items.Select((item, n) => ItemResponse.From(n, item, byItem.TryGetValue(n, out var p) ? p.Products : [])).ToArray();
    }
}
