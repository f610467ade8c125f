using Ootd.Grains.Common;

namespace Ootd.Grains.Catalog;

public enum ProductStatus { Analyzing = 0, Ready = 1, Failed = 2 }

/// <summary>How the product was photographed: a single-product shot (the whole image is the item) or a worn / scene
/// photo (the detector finds the items and the one matching the category hint is kept). <see cref="Auto"/> (only in a
/// draft) lets the grain decide from the image: a plain, uniform border means a single-product shot.</summary>
public enum ProductShot { Product = 0, Worn = 1, Auto = 2 }

/// <summary>A product's price; <see cref="Currency"/> is an ISO 4217 code (EUR, USD, INR …).</summary>
[GenerateSerializer, Immutable]
public sealed record Price([property: Id(0)] decimal Amount, [property: Id(1)] string Currency);

/// <summary>A product's image, stored in the <c>media</c> table under its SHA-256.</summary>
[GenerateSerializer, Immutable]
public sealed record ProductImage(
    [property: Id(0)] string MediaId,
    [property: Id(1)] string ContentType,
    [property: Id(2)] int Width,
    [property: Id(3)] int Height);

/// <summary>What a shop sends for one product (the id is the grain key).</summary>
[GenerateSerializer, Immutable]
public sealed record ProductDraft(
    [property: Id(0)] string Title,
    [property: Id(1)] string Brand,
    [property: Id(2)] Price? Price,
    [property: Id(3)] string? ShopUrl,
    [property: Id(4)] ProductImage Image,
    [property: Id(5)] string? CategoryHint,
    [property: Id(6)] ProductShot Shot = ProductShot.Auto)
{
    /// <summary>The shop's optional gender word (<see cref="ProductAudience.AcceptedWords"/>); without it the audience is
    /// read from the title (<see cref="ProductAudience.Resolve"/>).</summary>
    [Id(7)] public string? Gender { get; init; }
}

/// <summary>A stored product with where it is filed in the taxonomy.</summary>
[GenerateSerializer, Immutable]
public sealed record Product(
    [property: Id(0)] string Id,
    [property: Id(1)] string Title,
    [property: Id(2)] string Brand,
    [property: Id(3)] Price? Price,
    [property: Id(4)] string? ShopUrl,
    [property: Id(5)] ProductImage Image,
    [property: Id(6)] string? CategoryHint,
    [property: Id(7)] ProductShot Shot,
    [property: Id(8)] ProductStatus Status,
    [property: Id(9)] string? SuperCategory,
    [property: Id(10)] string? SubCategory,
    [property: Id(11)] string? PredictedSubCategory,
    [property: Id(12)] string? AnalysisError,
    [property: Id(13)] DateTimeOffset CreatedAt,
    [property: Id(14)] DateTimeOffset UpdatedAt)
{
    /// <summary>Who the product is for (<c>women</c>, <c>men</c>, <c>unisex</c>, <c>girls</c>, <c>boys</c>, <c>kids</c>), null when not known.</summary>
    [Id(15)] public string? Audience { get; init; }

    /// <summary>The tagger's colour of the product image (null before it was analysed with this field).</summary>
    [Id(16)] public string? Colour { get; init; }

    /// <summary>The tagger's labels of its other attribute groups (season, occasion, …), "group=label".</summary>
    [Id(17)] public IReadOnlyList<string>? Traits { get; init; }
}

/// <summary>The answer to <see cref="IProductGrain.Save"/>.</summary>
[GenerateSerializer, Immutable]
public sealed record ProductSaveResult(
    [property: Id(0)] CommandResult Result,
    [property: Id(1)] Product? Product,
    [property: Id(2)] bool Created)
{
    /// <summary>True when the models could not run (worth retrying later; the API answers 503).</summary>
    [Id(3)] public bool Unavailable { get; init; }
}

/// <summary>
/// One catalog product. Key: the shop's product id, used as is (1–128 characters: letters, digits, '.', '_', '-', ':').
/// The <c>products</c> table is the source of truth; the grain serialises writes per product. Saving analyses the
/// image (IInferenceGrain), files the product under a super/sub-category and writes its embedding to the
/// "products" vector index (table <c>item_vectors</c>, then the search shard of its super-category).
/// </summary>
[Orleans.CodeGeneration.Version(1)]
public interface IProductGrain : IGrainWithStringKey
{
    /// <summary>Creates or replaces the product and indexes its image. Invalid: bad fields or an image the models
    /// refuse (nothing is kept). Unavailable: the models could not run (the row is kept with status Failed).</summary>
    [ResponseTimeout("00:05:00")]
    Task<ProductSaveResult> Save(ProductDraft draft);

    /// <summary>Null when unknown or deleted.</summary>
    Task<Product?> Get();

    /// <summary>Deletes the product and removes it from the search index at once; NotFound when unknown.</summary>
    Task<CommandResult> Delete();

    /// <summary>A shopper clicked through to the shop: appended to <c>interactions</c> (kind ProductClick).</summary>
    Task<CommandResult> RecordClick(Guid userId);
}
