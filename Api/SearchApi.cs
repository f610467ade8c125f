using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Ootd.Api.Catalog;
using Ootd.Api.Media;
using Ootd.Grains.Catalog;
using Ootd.Grains.Inference;
using Ootd.Grains.Ootds;
using Ootd.Grains.Search;
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
            .WithSummary("Finds the fashion items in a photo and, for each, the most similar catalog products (multipart: photo, optional superCategory and k).");
        return app;
    }

    public static async Task<IResult> SearchByImage(HttpRequest request, PhotoInspector inspector, IClusterClient cluster, CancellationToken ct)
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
            result = await cluster.GetGrain<ISimilarProductsGrain>(ISimilarProductsGrain.Pool).ForPhoto(bytes!, super.Length > 0 ? super : null, k);
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

    /// <summary>The items of a post with the similar products its grain keeps (<see cref="IOotdGrain.GetDetail"/>).</summary>
    public static IReadOnlyList<ItemResponse> OotdItems(OotdDetail detail)
    {
        if (detail.View.Items is not { Count: > 0 } items) return [];
        var byItem = detail.SimilarProducts.ToDictionary(f => f.ItemNo);
        return items.Select((item, n) => ItemResponse.From(n, item, byItem.TryGetValue(n, out var p) ? p.Products : [])).ToArray();
    }
}
