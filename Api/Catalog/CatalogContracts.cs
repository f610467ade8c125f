using Ootd.Grains.Catalog;
using Ootd.Grains.Inference;

namespace Ootd.Api.Catalog;

public sealed record PriceResponse(decimal Amount, string Currency);

public sealed record ProductImageResponse(string Url, string MediaId, string ContentType, int Width, int Height);

public sealed record ProductResponse(
    string Id,
    string Title,
    string Brand,
    PriceResponse? Price,
    string? ShopUrl,
    ProductImageResponse Image,
    string? CategoryHint,
    ProductShot Shot,
    ProductStatus Status,
    string? SuperCategory,
    string? SubCategory,
    string? PredictedSubCategory,
    string? AnalysisError,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? Audience = null)
{
    public static ProductResponse From(Product p) => new(
        p.Id, p.Title, p.Brand, p.Price is { } price ? new PriceResponse(price.Amount, price.Currency) : null, p.ShopUrl,
        new ProductImageResponse(ImageUrl(p.Id), p.Image.MediaId, p.Image.ContentType, p.Image.Width, p.Image.Height),
        p.CategoryHint, p.Shot, p.Status, p.SuperCategory, p.SubCategory, p.PredictedSubCategory, p.AnalysisError, p.CreatedAt, p.UpdatedAt,
        p.Audience);

    public static string ImageUrl(string id) => $"/api/v1/products/{Uri.EscapeDataString(id)}/image";
}

/// <summary>How a similar product agrees with the item, per criterion, each in [0, 1]: <c>visual</c> (cosine of the
/// embeddings, clamped), <c>subCategory</c> (the classifier's probability of the product's sub-category), <c>colour</c>
/// (1 when the tagger's colours agree) and <c>attributes</c> (share of the other attribute labels that agree).</summary>
public sealed record MatchResponse(float Score, float Visual, float SubCategory, float Colour, float Attributes);

/// <summary>A similar product of an item: <c>score</c> in [0, 1] is the calibrated ranking score (probability that the
/// product is the same kind of garment), <c>match</c> the agreement terms it comes from, <c>audience</c> who the product is
/// for (women, men, unisex, girls, boys, kids; null when not known).</summary>
public sealed record SimilarProductResponse(
    string ProductId,
    string Title,
    string Brand,
    PriceResponse? Price,
    string? ShopUrl,
    string ImageUrl,
    string SuperCategory,
    string SubCategory,
    float Score,
    string? Audience,
    MatchResponse? Match)
{
    public static SimilarProductResponse From(SimilarProduct p) => new(
        p.ProductId, p.Title, p.Brand, p.Price is { } price ? new PriceResponse(price.Amount, price.Currency) : null, p.ShopUrl,
        ProductResponse.ImageUrl(p.ProductId), p.SuperCategory, p.SubCategory, p.Score, p.Audience,
        p.Match is { } m ? new MatchResponse(p.Score, m.Visual, m.SubCategory, m.Colour, m.Attributes) : null);
}

/// <summary>An item found in a photo, with the catalog products that look like it. <c>outline</c>: the garment's
/// largest mask region as a polygon of [x, y] points in photo pixels (what a client highlights); <c>outlineRegions</c>:
/// every region of its mask (a pair of shoes has two), each a flat [x0, y0, x1, y1, …]; both null when the item has no
/// mask (product shots). The box is in photo pixels at 0.1 px, as the outline points are.</summary>
public sealed record ItemResponse(
    int ItemNo,
    ItemBox Box,
    string SuperCategory,
    float SuperConfidence,
    string SubCategory,
    float SubConfidence,
    float DetectorScore,
    IReadOnlyList<ItemAttribute> Attributes,
    IReadOnlyList<string> UnknownAttributeGroups,
    string PixelColour,
    IReadOnlyList<SimilarProductResponse> SimilarProducts,
    IReadOnlyList<float[]>? Outline = null,
    IReadOnlyList<float[]>? OutlineRegions = null)
{
    public static ItemResponse From(int itemNo, OotdItem i, IEnumerable<SimilarProduct> products) => new(
        itemNo, Rounded(i.Box), i.SuperCategory, i.SuperConfidence, i.SubCategory, i.SubConfidence, i.DetectorScore, i.Attributes,
        i.UnknownAttributeGroups, i.PixelColour, products.Select(SimilarProductResponse.From).ToArray(), Points(i.Outline), i.Outline);

    /// <summary>
    /// The box at 0.1 px: the detector's boxes come as floats such as 149.96666, whose last digits mean nothing in a photo
    /// and cost list pages about 4 % of their bytes.
    /// </summary>
    public static ItemBox Rounded(ItemBox b) =>
        new(MathF.Round(b.X0, 1), MathF.Round(b.Y0, 1), MathF.Round(b.X1, 1), MathF.Round(b.Y1, 1));

    /// <summary>The largest region's flat polygon as [x, y] points.</summary>
    public static IReadOnlyList<float[]>? Points(IReadOnlyList<float[]>? regions)
    {
        if (regions is not { Count: > 0 }) return null;
        static double Area(float[] p)
        {
            double a = 0;
            for (int k = 0; k + 1 < p.Length; k += 2)
            {
                int n = (k + 2) % p.Length;
                a += (double)p[k] * p[n + 1] - (double)p[n] * p[k + 1];
            }
            return Math.Abs(a) / 2;
        }
        var largest = regions.MaxBy(Area)!;
        var points = new float[largest.Length / 2][];
        for (int k = 0; k < points.Length; k++) points[k] = [largest[2 * k], largest[2 * k + 1]];
        return points;
    }
}

/// <summary>
/// An item as a list card shows it (feeds, explore lists, an author's posts, hashtag pages): where it is and what it is.
/// Confidences, attributes, outline and similar products are on the post itself (<c>GET /api/v1/ootds/{id}</c>).
/// </summary>
public sealed record ItemCard(int ItemNo, ItemBox Box, string SuperCategory, string SubCategory, string PixelColour)
{
    public static ItemCard From(ItemResponse i) => new(i.ItemNo, i.Box, i.SuperCategory, i.SubCategory, i.PixelColour);
}

public sealed record ImageSearchResponse(int Width, int Height, IReadOnlyList<ItemResponse> Items);

/// <summary>The multipart form of <c>POST /api/v1/products</c> (documentation only; the handler reads the form itself).</summary>
public sealed class ProductForm
{
    /// <summary>The shop's product id (1–128 letters, digits, '.', '_', '-', ':'), used as is.</summary>
    public string? Id { get; set; }
    public string? Title { get; set; }
    public string? Brand { get; set; }
    /// <summary>Decimal with a dot, e.g. 19.99; needs <see cref="Currency"/>.</summary>
    public string? Price { get; set; }
    /// <summary>ISO 4217 code, e.g. EUR.</summary>
    public string? Currency { get; set; }
    public string? ShopUrl { get; set; }
    /// <summary>Optional category words, e.g. "jeans", "Casual Shoes", "bag".</summary>
    public string? Category { get; set; }
    /// <summary>"auto" (default: a plain uniform border = single-product shot), "product" (one whole-image item) or "worn" (the detector finds it).</summary>
    public string? Shot { get; set; }
    /// <summary>Optional: who the product is for: women, men, unisex, girls, boys or kids (also female, male); without it the title is read.</summary>
    public string? Gender { get; set; }
    /// <summary>JPEG, PNG or WebP, at most 10 MB.</summary>
    public IFormFile? Image { get; set; }
}

/// <summary>The multipart form of <c>POST /api/v1/search/image</c> (documentation only).</summary>
public sealed class ImageSearchForm
{
    public IFormFile? Photo { get; set; }
    /// <summary>Optional: only items of this super-category (outer, top, bottom, dress, shoes, bag).</summary>
    public string? SuperCategory { get; set; }
    /// <summary>Similar products per item, 1–50 (default 5).</summary>
    public string? K { get; set; }
}
