using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Ootd.Grains.Inference;
using Ootd.Grains.Ootds;
using Ootd.Grains.Search;
using Ootd.Grains.Users;
using Orleans.Concurrency;

namespace Ootd.Grains.Catalog;

/// <summary>
/// Visual product search. Stateless and reentrant: it only awaits the search shards, the inference pool, the database
/// and (for an OOTD) the post and its author. Each item is searched in its super-category's shards (product shots also
/// in any other super-category the classifier gives at least <see cref="SimilarProductOptions.ExtraSuperCategoryProbability"/>),
/// the graph walk filtered to the products that fit the wearer (<see cref="WearerFit"/>: the declared gender, else
/// predicted; kids' wear only for kids' items), asking for more hits than needed
/// (<see cref="SimilarProductRanking.CandidateCount"/>), ranked by the calibrated score of <see cref="SimilarProductRanking"/>.
/// A query photo takes the catalogue's own path: a single-product shot (the pool's <see cref="PhotoKind.Auto"/>
/// decision, the one the catalogue uses) is analysed as one whole-image item and categorised by <see cref="ProductFilingRules"/>,
/// exactly as a product is indexed; any other photo goes through the detector, item by item.
/// </summary>
[StatelessWorker, Reentrant]
public sealed class SimilarProductsGrain(ProductStore products, VectorSearch search,
    IOptions<SimilarProductOptions> options, ILogger<SimilarProductsGrain> logger) : Grain, ISimilarProductsGrain
{
    private readonly SimilarProductOptions _options = options.Value;

    // A product shot is searched the way the catalogue indexed it: its own product (cosine ≈ 1) must come first whatever
    // sub-category the classifier names, so that path ranks by visual similarity alone (issue 11 §0), uncapped.
    private readonly SimilarProductOptions _productShot = new()
    {
        Bias = options.Value.Bias, VisualWeight = Math.Max(options.Value.VisualWeight, 1f), SubCategoryWeight = 0, ColourWeight = 0,
        AttributeWeight = 0, MaxPerSubCategory = 0,
    };

    public async Task<IReadOnlyList<ItemProducts>> ForOotd(Guid ootdId, int k) =>
        await ForOotdView(ootdId, await GrainFactory.GetGrain<IOotdGrain>(ootdId).Get(), k);

    public async Task<IReadOnlyList<ItemProducts>> ForOotdView(Guid ootdId, OotdView? view, int k)
    {
        var items = await products.OotdItemEmbeddingsAsync(ootdId);
        if (items.Count == 0) return [];
        // The items' attributes (colour, gender) are in the post; the wearer is its author as declared, else predicted.
        var shown = view?.Items ?? [];
        var declared = view is null ? Gender.Unspecified : await DeclaredGenderAsync(view.AuthorId);
        IReadOnlyList<ItemAttribute> AttributesOf(int itemNo) => itemNo >= 0 && itemNo < shown.Count ? shown[itemNo].Attributes : [];
        var wearer = WearerFit.Of(declared, items.Select(i => AttributesOf(i.ItemNo)), _options.WearerGenderMargin);
        // The items' searches run at once (the grain is reentrant; each fans out over its super-category's shards).
        var found = await Task.WhenAll(items.Select(i => IsSearchable(i.Super, i.Embedding)
            ? Find(i.Embedding, i.Super, Query(i.Sub, i.SubProbabilities, AttributesOf(i.ItemNo)), StreetSupers(i.SubProbabilities),
                wearer.MaskFor(AttributesOf(i.ItemNo), _options), k, extraThreshold: _options.StreetExtraSuperCategoryProbability)
            : Task.FromResult<IReadOnlyList<SimilarProduct>>([])));
        return items.Select((i, n) => new ItemProducts(i.ItemNo, i.Super, i.Sub, found[n])).ToArray();
    }

    public Task<IReadOnlyList<SimilarProduct>> ForEmbedding(float[] embedding, string superCategory, string subCategory, int k) =>
        Find(embedding, superCategory, new ItemQuery(SimilarProductRanking.SameSub(subCategory)), null, AudienceMask.All, k);

    public Task<PhotoSearchResult> ForPhoto(byte[] photo, string? superCategory, int k) => ForPhotoWornBy(photo, superCategory, k, Gender.Unspecified);

    public async Task<PhotoSearchResult> ForPhotoWornBy(byte[] photo, string? superCategory, int k, Gender declared)
    {
        if (superCategory is not null) search.Options.GetScope(SearchOptions.ProductsIndex, superCategory);
        // The catalogue's decision (ProductGrain with shot Auto): the pool decides from the photo, on its one decode.
        var analysis = await GrainFactory.GetGrain<IInferenceGrain>(IInferenceGrain.Pool).AnalyzePhoto(photo, PhotoKind.Auto);
        if (!analysis.Succeeded) return new PhotoSearchResult(analysis.Failure, analysis.Reason, 0, 0, []);
        var a = analysis.Analysis!;
        var kind = a.Kind;
        if (kind == PhotoKind.Product && a.Items.Count > 0)
        {
            // Filed as the catalogue files a product without a category hint (the superCategory field acts as one), and
            // searched in every likely super-category: the shop's category may differ from the classifier's.
            var filing = ProductFilingRules.File(a.Items, superCategory);
            var shotItem = a.Items[filing.ItemIndex];
            var filed = shotItem.Item with { SuperCategory = filing.SuperCategory, SubCategory = filing.SubCategory };
            var wearer = WearerFit.Of(declared, [shotItem.Item.Attributes], _options.WearerGenderMargin);
            // An undeclared searcher's predicted gender is a preference (ShotGenderWeight), not a filter: the gender
            // reading follows the classifier's arg max sub-category, so a misread shot would filter out its own product.
            var shotSearch = wearer.ShotSearchFor(shotItem.Item.Attributes, _options);
            var products = IsSearchable(filed.SuperCategory, shotItem.Vectors.Embedding)
                ? await Find(shotItem.Vectors.Embedding, filed.SuperCategory,
                    new ItemQuery(SimilarProductRanking.SubProbabilities(shotItem.Vectors.SubCategoryProbabilities),
                        ItemTraits.Colour(shotItem.Item.Attributes), ItemTraits.Traits(shotItem.Item.Attributes)),
                    superCategory is null ? shotItem.Vectors.SubCategoryProbabilities : null, shotSearch.Searched, k, _productShot, shotSearch)
                : [];
            return new PhotoSearchResult(AnalysisFailure.None, null, a.Width, a.Height, [new PhotoSearchItem(filed, products)]);
        }
        // A street photo: each detected item as an OOTD's item is searched (ForOotd), for the photo's one wearer.
        var items = a.Items.Where(i => superCategory is null || i.Item.SuperCategory == superCategory).ToList();
        var photoWearer = WearerFit.Of(declared, a.Items.Select(i => i.Item.Attributes), _options.WearerGenderMargin);
        var found = await Task.WhenAll(items.Select(i => IsSearchable(i.Item.SuperCategory, i.Vectors.Embedding)
            ? Find(i.Vectors.Embedding, i.Item.SuperCategory, Query(i.Item.SubCategory, i.Vectors.SubCategoryProbabilities, i.Item.Attributes),
                superCategory is null ? StreetSupers(i.Vectors.SubCategoryProbabilities) : null,
                photoWearer.MaskFor(i.Item.Attributes, _options), k, extraThreshold: _options.StreetExtraSuperCategoryProbability)
            : Task.FromResult<IReadOnlyList<SimilarProduct>>([])));
        return new PhotoSearchResult(AnalysisFailure.None, null, a.Width, a.Height,
            items.Select((i, n) => new PhotoSearchItem(i.Item, found[n])).ToArray());
    }

    /// <summary>A street or OOTD item's sub-category probabilities when its search may reach other likely
    /// super-categories (<see cref="SimilarProductOptions.StreetExtraSuperCategoryProbability"/> ≤ 1), else null.</summary>
    private IReadOnlyList<float>? StreetSupers(IReadOnlyList<float>? subProbabilities) =>
        _options.StreetExtraSuperCategoryProbability <= 1f && subProbabilities is { Count: > 0 } ? subProbabilities : null;

    /// <summary>An item's query: the classifier's sub-category probabilities as the soft sub-category term
    /// (<see cref="SimilarProductOptions.SoftSubCategory"/>; else 1/0 for its arg max), its colour and attribute labels.</summary>
    private ItemQuery Query(string sub, IReadOnlyList<float>? subProbabilities, IReadOnlyList<ItemAttribute> attributes) =>
        new(_options.SoftSubCategory && subProbabilities is { Count: > 0 } p ? SimilarProductRanking.SubProbabilities(p) : SimilarProductRanking.SameSub(sub),
            ItemTraits.Colour(attributes), ItemTraits.Traits(attributes));

    /// <summary>The k best products for an embedding among those the mask allows: its super-category's shards (and the
    /// other likely super-categories when <paramref name="subProbabilities"/> are given), ranked, joined with the ready rows.</summary>
    private async Task<IReadOnlyList<SimilarProduct>> Find(float[] embedding, string superCategory, ItemQuery item,
        IReadOnlyList<float>? subProbabilities, AudienceMask audiences, int k, SimilarProductOptions? weights = null, ShotAudiences? preference = null,
        float? extraThreshold = null)
    {
        if (k < 1 || k > 100) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be 1..100");
        var candidates = SimilarProductRanking.CandidateCount(k, search.Options.MaxResults);
        var supers = SimilarProductRanking.SuperCategories(superCategory, subProbabilities, extraThreshold ?? _options.ExtraSuperCategoryProbability,
            search.Options.GetIndex(SearchOptions.ProductsIndex).EffectiveSuperCategories);
        var hits = (await Task.WhenAll(supers.Select(s => search.Search(SearchOptions.ProductsIndex, s, embedding, candidates, null, audiences.Bits))))
            .SelectMany(h => h).ToList();
        // The rows give colour and attributes to the ranking; a product deleted meanwhile (no ready row) is skipped, and
        // the row's audience is checked again (the shard's copy may predate a re-save).
        var rows = await products.FindReadyAsync(hits.Select(h => h.Key).Distinct(StringComparer.Ordinal).ToArray());
        var fitting = hits
            .Where(h => rows.TryGetValue(h.Key, out var row) && audiences.Allows(ProductAudience.Parse(row.Audience) ?? ProductAudience.Unknown))
            .Select(h => new ProductCandidate(h, rows[h.Key].Colour, rows[h.Key].Traits,
                preference?.BonusFor(ProductAudience.Parse(rows[h.Key].Audience) ?? ProductAudience.Unknown) ?? 0f));
        var ranked = SimilarProductRanking.Rank(fitting, item, weights ?? _options, k);
        return ranked.Select(r =>
        {
            var p = rows[r.Hit.Key];
            return new SimilarProduct(p.Id, p.Title, p.Brand, p.Price, p.ShopUrl, p.SuperCategory ?? superCategory,
                p.SubCategory ?? r.Hit.SubCategory, MathF.Round(r.Score, 4))
            {
                Match = new MatchTerms(MathF.Round(r.Match.Visual, 4), MathF.Round(r.Match.SubCategory, 4), r.Match.Colour, MathF.Round(r.Match.Attributes, 4)),
                Audience = p.Audience,
            };
        }).ToArray();
    }

    /// <summary>The author's declared gender; unspecified without a profile or when it cannot be read now.</summary>
    private async Task<Gender> DeclaredGenderAsync(Guid authorId)
    {
        try
        {
            return await GrainFactory.GetGrain<IUserGrain>(authorId).GetProfile() is { } profile ? profile.Profile.Gender : Gender.Unspecified;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "The declared gender of {AuthorId} could not be read; the wearer is predicted from the items", authorId);
            return Gender.Unspecified;
        }
    }

    private bool IsSearchable(string superCategory, float[] embedding)
    {
        var index = search.Options.GetIndex(SearchOptions.ProductsIndex);
        return index.EffectiveSuperCategories.Contains(superCategory, StringComparer.Ordinal)
               && embedding.Length == index.Dimensions && embedding.All(float.IsFinite) && embedding.Any(v => v != 0);
    }
}
