using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;
using Ootd.Api.Auth;
using Ootd.Api.Catalog;
using Ootd.Api.Contracts;
using Ootd.Api.Media;
using Ootd.Grains.Catalog;

namespace Ootd.Api;

public static class ProductsApi
{
    public static IEndpointRouteBuilder MapProductsApi(this IEndpointRouteBuilder app)
    {
        var photoLimit = app.ServiceProvider.GetRequiredService<PhotoInspector>().MaxBytes;
        var api = app.MapGroup("/api/v1/products").WithTags("Products");
        api.MapPost("", Save).WithName("SaveProduct").RequireAuthorization()
            .Accepts<ProductForm>("multipart/form-data")
            .WithMetadata(new RequestSizeLimitAttribute(photoLimit + PhotoForms.FormOverhead))
            .Produces<ProductResponse>(StatusCodes.Status201Created).Produces<ProductResponse>()
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Creates or replaces a product (catalog-admin only; multipart: id, title, brand, price, currency, shopUrl, category, shot, gender (optional: women, men, unisex, girls, boys or kids; else read from the title), image); answers once its image is analysed and indexed.");
        api.MapGet("/{id}", Get).WithName("GetProduct").WithSummary("One product.");
        api.MapGet("/{id}/image", GetImage).WithName("GetProductImage")
            .Produces(StatusCodes.Status200OK, contentType: "image/jpeg").Produces(StatusCodes.Status304NotModified)
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("The product's image: the original, or with ?w=64|128|320|640|1080 a resized JPEG (cached). ETag is the SHA-256 (plus the width); cacheable forever.");
        api.MapGet("", Browse).WithName("BrowseProducts")
            .Produces<CursorPage<ProductResponse>>().ProducesValidationProblem()
            .WithSummary("Browses and searches the ready products: query (words of the title or brand, all must match), superCategory, " +
                         "gender (female|male|unisex, from the shop's title; female and male include unisex), minPrice, maxPrice (products without a price " +
                         "are left out when a price bound is given), cursor paging (limit 1–100, default 20; pass nextCursor back as cursor).");
        api.MapDelete("/{id}", Delete).WithName("DeleteProduct").RequireAuthorization()
            .WithSummary("Deletes a product and removes it from visual search at once (catalog-admin only).");
        api.MapPost("/{id}/clicks", Click).WithName("RecordProductClick").RequireAuthorization()
            .WithSummary("Records that the caller clicked through to the shop (interaction ProductClick).");
        return app;
    }

    private const string Fields = "id, title, brand, price, currency, shopUrl, category, shot, gender and image";

    public static async Task<IResult> Save(
        HttpRequest request, ClaimsPrincipal caller, IConfiguration config, PhotoInspector inspector, MediaStore media,
        IClusterClient cluster, CancellationToken ct)
    {
        if (!CatalogAdmins.IsAdmin(caller, config))
            return Problems.Forbidden($"Only catalog admins (role '{CatalogAdmins.Role}' or a username in Catalog:Admins) may change the catalog.");
        var (form, problem) = await PhotoForms.ReadAsync(request, inspector, $"Send multipart/form-data with the fields {Fields}.", ct);
        if (form is null) return problem!;

        var errors = new Dictionary<string, string[]>();
        string id = form["id"].ToString().Trim();
        string title = form["title"].ToString().Trim();
        string brand = form["brand"].ToString().Trim();
        string priceText = form["price"].ToString().Trim(), currency = form["currency"].ToString().Trim().ToUpperInvariant();
        string shopUrl = form["shopUrl"].ToString().Trim(), category = form["category"].ToString().Trim();
        string shotText = form["shot"].ToString().Trim(), genderText = form["gender"].ToString().Trim();
        Price? price = null;
        if (priceText.Length > 0)
        {
            if (!decimal.TryParse(priceText, NumberStyles.Number & ~NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var amount))
                errors["price"] = ["The price must be a decimal number with a dot, e.g. 19.99."];
            else price = new Price(decimal.Round(amount, 2), currency);
        }
        else if (currency.Length > 0) errors["price"] = ["A currency was given without a price."];
        var shot = ProductShot.Auto;
        if (shotText.Length > 0 && !Enum.TryParse(shotText, ignoreCase: true, out shot) || !Enum.IsDefined(shot) || int.TryParse(shotText, out _))
            errors["shot"] = ["The shot is 'product' (single-product photo), 'worn' (the product worn or in a scene) or 'auto' (default: decided from the image)."];
        var file = form.Files.GetFile("image");
        if (file is null) errors["image"] = ["An image file is required (form field 'image')."];

        var draft = new ProductDraft(title, brand, price, shopUrl.Length > 0 ? shopUrl : null,
            new ProductImage("pending", "", 0, 0), category.Length > 0 ? category : null, shot) { Gender = genderText.Length > 0 ? genderText : null };
        foreach (var (field, messages) in ProductRules.Validate(id, draft)) errors.TryAdd(field, messages);
        if (errors.Count > 0 || file is null) return Problems.Invalid(errors);

        var (bytes, photo, imageProblem) = await PhotoForms.ReadImageAsync(file, inspector, ct);
        if (photo is null) return imageProblem!;
        await media.Save(photo, bytes!, ct);
        draft = draft with { Image = new ProductImage(photo.Sha256, photo.ContentType, photo.Width, photo.Height) };

        var saved = await cluster.GetGrain<IProductGrain>(id).Save(draft);
        if (saved.Unavailable)
            return Problems.Status(503, "Analysis unavailable", $"The image could not be analysed now ({saved.Result.Message}); retry later.");
        if (!saved.Result.Succeeded) return Problems.From(saved.Result);
        var body = ProductResponse.From(saved.Product!);
        return saved.Created
            ? TypedResults.Created($"/api/v1/products/{Uri.EscapeDataString(id)}", body)
            : TypedResults.Ok(body);
    }

    public static async Task<Results<Ok<ProductResponse>, ProblemHttpResult>> Get(string id, IClusterClient cluster)
    {
        if (!ProductRules.IsValidId(id)) return Problems.NotFound($"No product {id}.");
        var product = await cluster.GetGrain<IProductGrain>(id).Get();
        return product is null ? Problems.NotFound($"No product {id}.") : TypedResults.Ok(ProductResponse.From(product));
    }

    public static async Task<Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult, ValidationProblem>> GetImage(
        string id, string? w, HttpContext http, IClusterClient cluster, PhotoVariants variants, CancellationToken ct)
    {
        if (!PhotoVariants.TryWidth(w, out var width)) return Problems.Invalid(new() { ["w"] = [PhotoVariants.WidthRule] });
        if (!ProductRules.IsValidId(id)) return Problems.NotFound($"No product {id}.");
        var product = await cluster.GetGrain<IProductGrain>(id).Get();
        if (product is null) return Problems.NotFound($"No product {id}.");
        return await variants.Serve(http, product.Image.MediaId, width, $"The image of product {id} is missing.", ct);
    }

    public static async Task<Results<Ok<CursorPage<ProductResponse>>, ValidationProblem>> Browse(
        string? query, string? superCategory, string? gender, string? minPrice, string? maxPrice, string? cursor, int? limit,
        ProductBrowser browser, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var filter = ProductBrowser.Parse(query, superCategory, gender, minPrice, maxPrice, cursor, limit, errors);
        if (filter is null) return Problems.Invalid(errors);
        var (items, next) = await browser.Browse(filter, ct);
        return TypedResults.Ok(new CursorPage<ProductResponse>(items.Select(ProductResponse.From).ToList(), next));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Delete(string id, ClaimsPrincipal caller, IConfiguration config, IClusterClient cluster)
    {
        if (!CatalogAdmins.IsAdmin(caller, config))
            return Problems.Forbidden($"Only catalog admins (role '{CatalogAdmins.Role}' or a username in Catalog:Admins) may change the catalog.");
        if (!ProductRules.IsValidId(id)) return Problems.NotFound($"No product {id}.");
        var result = await cluster.GetGrain<IProductGrain>(id).Delete();
        return result.Succeeded ? TypedResults.NoContent() : Problems.From(result);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Click(string id, ClaimsPrincipal caller, IClusterClient cluster)
    {
        if (!ProductRules.IsValidId(id)) return Problems.NotFound($"No product {id}.");
        var result = await cluster.GetGrain<IProductGrain>(id).RecordClick(caller.UserId());
        return result.Succeeded ? TypedResults.NoContent() : Problems.From(result);
    }
}
