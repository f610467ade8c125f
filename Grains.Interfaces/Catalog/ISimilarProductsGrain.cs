using Ootd.Grains.Inference;

namespace Ootd.Grains.Catalog;

/// <summary>How well a product agrees with an item, per criterion, each in [0, 1].</summary>
[GenerateSerializer, Immutable]
public sealed record MatchTerms(
    [property: Id(0)] float Visual,
    [property: Id(1)] float SubCategory,
    [property: Id(2)] float Colour,
    [property: Id(3)] float Attributes);

/// <summary>A catalog product that looks like an item, with its ranking score in [0, 1] (<see cref="Match"/> holds the
/// agreement per criterion it was computed from) and who the product is for.</summary>
[GenerateSerializer, Immutable]
public sealed record SimilarProduct(
    [property: Id(0)] string ProductId,
    [property: Id(1)] string Title,
    [property: Id(2)] string Brand,
    [property: Id(3)] Price? Price,
    [property: Id(4)] string? ShopUrl,
    [property: Id(5)] string SuperCategory,
    [property: Id(6)] string SubCategory,
    [property: Id(7)] float Score)
{
    /// <summary>The agreement terms behind <see cref="Score"/> (visual, sub-category, colour, attributes), each in [0, 1].</summary>
    [Id(8)] public MatchTerms? Match { get; init; }

    /// <summary>Who the product is for (<c>women</c>, <c>men</c>, <c>unisex</c>, <c>girls</c>, <c>boys</c>, <c>kids</c>; null: not known).</summary>
    [Id(9)] public string? Audience { get; init; }
}

/// <summary>One item of a photo (an OOTD's item number, or the position in an analysed photo) with its products.</summary>
[GenerateSerializer, Immutable]
public sealed record ItemProducts(
    [property: Id(0)] int ItemNo,
    [property: Id(1)] string SuperCategory,
    [property: Id(2)] string SubCategory,
    [property: Id(3)] IReadOnlyList<SimilarProduct> Products);

/// <summary>The items found in a photo, each with its similar products.</summary>
[GenerateSerializer, Immutable]
public sealed record PhotoSearchItem(
    [property: Id(0)] OotdItem Item,
    [property: Id(1)] IReadOnlyList<SimilarProduct> Products);

[GenerateSerializer, Immutable]
public sealed record PhotoSearchResult(
    [property: Id(0)] AnalysisFailure Failure,
    [property: Id(1)] string? Reason,
    [property: Id(2)] int Width,
    [property: Id(3)] int Height,
    [property: Id(4)] IReadOnlyList<PhotoSearchItem> Items);

/// <summary>
/// Visual product search (stateless worker, key 0 = <see cref="Pool"/>): for an item, the k best products of its
/// super-category that fit the wearer, ranked by a calibrated score of visual, sub-category, colour and attribute agreement. Reads OOTD item embeddings from the
/// <c>ootd_items</c> table, so the OOTD grain keeps no search state.
/// </summary>
[Orleans.CodeGeneration.Version(2)]
public interface ISimilarProductsGrain : IGrainWithIntegerKey
{
    public const long Pool = 0;

    /// <summary>Similar products for every analysed item of an OOTD (empty when the OOTD has no analysed items).</summary>
    Task<IReadOnlyList<ItemProducts>> ForOotd(Guid ootdId, int k);

    /// <summary>
    /// <see cref="ForOotd"/> for a post whose view the caller already holds: the OOTD grain itself asks with its own view
    /// (asking the grain back from inside its own call would wait on itself: it is not reentrant).
    /// </summary>
    Task<IReadOnlyList<ItemProducts>> ForOotdView(Guid ootdId, Ootd.Grains.Ootds.OotdView? view, int k);

    /// <summary>Similar products for one embedding; <see cref="Ootd.Grains.Search.UnknownSearchScopeException"/> for an unknown super-category.</summary>
    Task<IReadOnlyList<SimilarProduct>> ForEmbedding(float[] embedding, string superCategory, string subCategory, int k);

    /// <summary>Analyses a photo (detector on), keeps the items of <paramref name="superCategory"/> when given, and
    /// finds similar products for each.</summary>
    [ResponseTimeout("00:05:00")]
    Task<PhotoSearchResult> ForPhoto(byte[] photo, string? superCategory, int k);

    /// <summary><see cref="ForPhoto"/> for a person who declared <paramref name="wearer"/>: only products that fit them
    /// (their gender or unisex, never kids' wear); an unspecified gender is predicted from the items.</summary>
    [ResponseTimeout("00:05:00")]
    Task<PhotoSearchResult> ForPhotoWornBy(byte[] photo, string? superCategory, int k, Users.Gender wearer);
}
