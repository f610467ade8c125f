using System.ComponentModel.DataAnnotations;

namespace Ootd.Grains.Catalog;

/// <summary>
/// Configuration section <c>Catalog:SimilarProducts</c>: how the visual search ranks catalogue products for an item
/// (<see cref="SimilarProductRanking"/>), which super-category shards it asks, and which products fit the wearer
/// (<see cref="WearerFit"/>).
/// </summary>
public sealed class SimilarProductOptions
{
    public const string SectionName = "Catalog:SimilarProducts";

    /// <summary>
    /// The ranking score is a logistic model, in [0, 1]: σ(Bias + VisualWeight · cos + SubCategoryWeight · sub +
    /// ColourWeight · colour + AttributeWeight · attributes), each agreement in [0, 1] (<see cref="MatchTerms"/>). The
    /// weights are fitted on val with <c>Ootd.CatalogImport tune-ranking</c> (label: the product has the garment's true
    /// sub-category), so the score reads as the probability that the product is the same kind of garment.
    /// </summary>
    [Range(-50.0, 50.0)]
    public float Bias { get; set; } = -2.507f;

    /// <summary>Weight of the visual similarity (cosine of the embeddings, clamped to [0, 1]).</summary>
    [Range(0.0, 50.0)]
    public float VisualWeight { get; set; } = 0.447f;

    /// <summary>
    /// Weight of the sub-category agreement: the item classifier's probability of the product's sub-category (soft;
    /// 1/0 when only the item's sub-category is known).
    /// </summary>
    [Range(0.0, 50.0)]
    public float SubCategoryWeight { get; set; } = 2.977f;

    /// <summary>Street-photo and OOTD items: the sub-category term is the classifier's probability of the product's
    /// sub-category (soft) rather than 1/0 for the classifier's arg max.</summary>
    public bool SoftSubCategory { get; set; } = true;

    /// <summary>Weight of the colour agreement (the tagger's colour of the item = the product's: 1, else 0).</summary>
    [Range(0.0, 50.0)]
    public float ColourWeight { get; set; } = 0.122f;

    /// <summary>Weight of the attribute agreement: over the attribute groups both have (colour and gender left out; the
    /// tagger covers season and occasion), the mean Jaccard similarity of their labels.</summary>
    [Range(0.0, 50.0)]
    public float AttributeWeight { get; set; }

    /// <summary>
    /// At most this many products of one sub-category in an item's top k while products of other sub-categories are
    /// left (<see cref="SimilarProductRanking.Diversify"/>); 0 = no limit. Chosen on val with <c>tune-ranking</c>.
    /// </summary>
    [Range(0, 100)]
    public int MaxPerSubCategory { get; set; } = 2;

    /// <summary>
    /// Instead of <see cref="MaxPerSubCategory"/>: a sub-category takes at most ⌈P(sub) · k⌉ places (at least 1) of an
    /// item's top k while other products are left, P(sub) the item classifier's probability of it (the sub-category
    /// term). A sure classifier keeps its places; an unsure one also shows its next-likely kinds of garment.
    /// </summary>
    public bool SubCategorySlotsByProbability { get; set; }

    /// <summary>
    /// An item is also searched in every other super-category whose classifier probability is at least this (its
    /// own super-category is always searched), so a product filed under a neighbouring super-category (a kurta filed
    /// as a top that looks like a dress) is still found. Above 1: only the item's own super-category. Applies to
    /// product shots sent to search by photo (street-photo items search their own super-category).
    /// </summary>
    [Range(0.0, double.MaxValue)]
    public float ExtraSuperCategoryProbability { get; set; } = 0.1f;

    /// <summary>
    /// A street-photo or OOTD item is also searched in every other super-category whose classifier probability is at
    /// least this (the item's own super-category, the parser's, is always searched); the hits of all of them are ranked
    /// together by the score, whose soft sub-category term is the classifier's probability of each product's
    /// sub-category. Above 1 (default): only the item's own super-category. Chosen on CCP val with <c>quality</c>.
    /// </summary>
    [Range(0.0, double.MaxValue)]
    public float StreetExtraSuperCategoryProbability { get; set; } = 2f;

    /// <summary>
    /// A product shot searched by someone who has not declared their gender: the gender predicted from the photo is a
    /// soft preference, not a filter. Products of the predicted gender (and unisex, unknown) get this much added to the
    /// ranking score's logit; the other gender's products are searched too. The gender reading leans on the classifier's
    /// arg max sub-category (the tagger's sub-category prior: a men's sandal read as a heel is read as women's), so a
    /// misread shot otherwise loses its own product to the filter. Negative: the old hard filter (only the predicted
    /// gender is searched). Chosen on the products val split with <c>photo-search</c>. Declared people and street
    /// photos keep the hard filter.
    /// </summary>
    [Range(-1.0, 50.0)]
    public float ShotGenderWeight { get; set; } = 0.05f;

    /// <summary>
    /// <c>Catalog:SimilarProducts:VersionPollSeconds</c> (default 5): how often a silo reads the catalogue version
    /// (<see cref="CatalogVersion"/>). A post keeps its items' similar products until the version changes, so a
    /// catalogue change shows on post pages within this many seconds (plus the search shards' own refresh).
    /// </summary>
    [Range(0, 3600)]
    public int VersionPollSeconds { get; set; } = 5;

    /// <summary>
    /// Without a declared gender the wearer's gender is predicted from the items' tagger gender (with the sub-category
    /// prior): women's when the mean of P(women's side) − P(men's side) over the items is at least this, men's when it
    /// is at most −this, else unknown (every gender is shown).
    /// </summary>
    [Range(0.0, 1.0)]
    public float WearerGenderMargin { get; set; } = 0.2f;

    /// <summary>Products whose gender is not known (no gender field, none in the title) are shown to every wearer.</summary>
    public bool AllowUnknownAudience { get; set; } = true;

    /// <summary>An item of an undeclared wearer is kids' wear (and gets kids' products only) when the tagger's
    /// P(girls) + P(boys) is at least this; a declared author's post is an adult's and never gets kids' wear.</summary>
    [Range(0.0, 1.0)]
    public float KidsItemProbability { get; set; } = 0.5f;
}
