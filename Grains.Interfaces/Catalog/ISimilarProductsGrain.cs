using Ootd.Grains.Inference;

namespace Ootd.Grains.Catalog;

/// <summary>A catalog product that looks like an item, with its cosine similarity to the item (1 = same direction).</summary>
[GenerateSerializer, Immutable]
public sealed record SimilarProduct(
    [property: Id(0)] string ProductId,
    [property: Id(1)] string Title,
    [property: Id(2)] string Brand,
    [property: Id(3)] Price? Price,
    [property: Id(4)] string? ShopUrl,
    [property: Id(5)] string SuperCategory,
    [property: Id(6)] string SubCategory,
    [property: Id(7)] float Score);

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
/// Visual product search (stateless worker, key 0 = <see cref="Pool"/>): for an item embedding, the k most similar
/// products of the same super-category, those of the same sub-category first. Reads OOTD item embeddings from the
/// <c>ootd_items</c> table, so the OOTD grain keeps no search state.
/// </summary>
[Orleans.CodeGeneration.Version(1)]
public interface ISimilarProductsGrain : IGrainWithIntegerKey
{
    public const long Pool = 0;

    /// <summary>Similar products for every analysed item of an OOTD (empty when the OOTD has no analysed items).</summary>
    Task<IReadOnlyList<ItemProducts>> ForOotd(Guid ootdId, int k);

    /// <summary>Similar products for one embedding; <see cref="Ootd.Grains.Search.UnknownSearchScopeException"/> for an unknown super-category.</summary>
    Task<IReadOnlyList<SimilarProduct>> ForEmbedding(float[] embedding, string superCategory, string subCategory, int k);

    /// <summary>Analyses a photo (detector on), keeps the items of <paramref name="superCategory"/> when given, and
    /// finds similar products for each.</summary>
    [ResponseTimeout("00:05:00")]
    Task<PhotoSearchResult> ForPhoto(byte[] photo, string? superCategory, int k);
}
