using System.ComponentModel.DataAnnotations;

namespace Ootd.Grains.Catalog;

/// <summary>
/// Configuration section <c>Catalog:SimilarProducts</c>: how the visual search ranks catalogue products for an item
/// (<see cref="SimilarProductRanking"/>) and which super-category shards it asks.
/// </summary>
public sealed class SimilarProductOptions
{
    public const string SectionName = "Catalog:SimilarProducts";

    /// <summary>
    /// Weight of the sub-category agreement in a product's score (0..1): score = (1 − w) · max(0, cosine) + w · P(the
    /// product's sub-category | item). 0 ranks by visual similarity alone.
    /// </summary>
    [Range(0.0, 1.0)]
    public float SubCategoryWeight { get; set; } = 0.1f;

    /// <summary>
    /// An item is also searched in every other super-category whose classifier probability is at least this (its
    /// own super-category is always searched), so a product filed under a neighbouring super-category (a kurta filed
    /// as a top that looks like a dress) is still found. Above 1: only the item's own super-category.
    /// </summary>
    [Range(0.0, double.MaxValue)]
    public float ExtraSuperCategoryProbability { get; set; } = 0.1f;

    /// <summary>
    /// <c>Catalog:SimilarProducts:VersionPollSeconds</c> (default 5): how often a silo reads the catalogue version
    /// (<see cref="CatalogVersion"/>). A post keeps its items' similar products until the version changes, so a
    /// catalogue change shows on post pages within this many seconds (plus the search shards' own refresh).
    /// </summary>
    [Range(0, 3600)]
    public int VersionPollSeconds { get; set; } = 5;
}
