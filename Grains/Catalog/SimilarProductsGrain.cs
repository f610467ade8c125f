using Microsoft.Extensions.Options;
using Ootd.Grains.Inference;
using Ootd.Grains.Search;
using Orleans.Concurrency;

namespace Ootd.Grains.Catalog;

/// <summary>
/// Visual product search. Stateless and reentrant: it only awaits the search shards, the inference pool and the
/// database. Each item is searched in its super-category's shards (and in any other super-category the classifier
/// gives at least <see cref="SimilarProductOptions.ExtraSuperCategoryProbability"/>), asking for more hits than
/// needed (<see cref="SimilarProductRanking.CandidateCount"/>), ranked by <see cref="SimilarProductRanking"/>.
/// A query photo takes the catalogue's own path: a single-product shot (the pool's <see cref="PhotoKind.Auto"/>
/// decision, the one the catalogue uses) is analysed as one whole-image item and categorised by <see cref="ProductFilingRules"/>,
/// exactly as a product is indexed; any other photo goes through the detector, item by item.
/// </summary>
[StatelessWorker, Reentrant]
public sealed class SimilarProductsGrain(ProductStore products, VectorSearch search,
    IOptions<SimilarProductOptions> options) : Grain, ISimilarProductsGrain
{
    private readonly SimilarProductOptions _options = options.Value;

    public async Task<IReadOnlyList<ItemProducts>> ForOotd(Guid ootdId, int k)
    {
        var items = await products.OotdItemEmbeddingsAsync(ootdId);
        // The items' searches run at once (the grain is reentrant; each fans out over its super-category's shards).
        var found = await Task.WhenAll(items.Select(i => IsSearchable(i.Super, i.Embedding)
            ? Find(i.Embedding, i.Super, SimilarProductRanking.SameSub(i.Sub), null, k)
            : Task.FromResult<IReadOnlyList<SimilarProduct>>([])));
        return items.Select((i, n) => new ItemProducts(i.ItemNo, i.Super, i.Sub, found[n])).ToArray();
    }

    public Task<IReadOnlyList<SimilarProduct>> ForEmbedding(float[] embedding, string superCategory, string subCategory, int k) =>
        Find(embedding, superCategory, SimilarProductRanking.SameSub(subCategory), null, k);

    public async Task<PhotoSearchResult> ForPhoto(byte[] photo, string? superCategory, int k)
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
            var products = IsSearchable(filed.SuperCategory, shotItem.Vectors.Embedding)
                ? await Find(shotItem.Vectors.Embedding, filed.SuperCategory, SimilarProductRanking.SubProbabilities(shotItem.Vectors.SubCategoryProbabilities),
                    superCategory is null ? shotItem.Vectors.SubCategoryProbabilities : null, k)
                : [];
            return new PhotoSearchResult(AnalysisFailure.None, null, a.Width, a.Height, [new PhotoSearchItem(filed, products)]);
        }
        // A street photo: each detected item as an OOTD's item is searched (ForOotd).
        var items = a.Items.Where(i => superCategory is null || i.Item.SuperCategory == superCategory).ToList();
        var found = await Task.WhenAll(items.Select(i => IsSearchable(i.Item.SuperCategory, i.Vectors.Embedding)
            ? Find(i.Vectors.Embedding, i.Item.SuperCategory, SimilarProductRanking.SameSub(i.Item.SubCategory), null, k)
            : Task.FromResult<IReadOnlyList<SimilarProduct>>([])));
        return new PhotoSearchResult(AnalysisFailure.None, null, a.Width, a.Height,
            items.Select((i, n) => new PhotoSearchItem(i.Item, found[n])).ToArray());
    }

    /// <summary>The k best products for an embedding: its super-category's shards (and the other likely
    /// super-categories when <paramref name="subProbabilities"/> are given), ranked, joined with the ready rows.</summary>
    private async Task<IReadOnlyList<SimilarProduct>> Find(float[] embedding, string superCategory, Func<string, float> agreement,
        IReadOnlyList<float>? subProbabilities, int k)
    {
        if (k < 1 || k > 100) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be 1..100");
        var candidates = SimilarProductRanking.CandidateCount(k, search.Options.MaxResults);
        var supers = SimilarProductRanking.SuperCategories(superCategory, subProbabilities, _options.ExtraSuperCategoryProbability,
            search.Options.GetIndex(SearchOptions.ProductsIndex).EffectiveSuperCategories);
        var hits = await Task.WhenAll(supers.Select(s => search.Search(SearchOptions.ProductsIndex, s, embedding, candidates)));
        var ranked = SimilarProductRanking.Rank(hits.SelectMany(h => h), agreement, _options.SubCategoryWeight, candidates);
        // A product deleted between the search and this read is skipped; keep ranking order.
        var rows = await products.FindReadyAsync(ranked.Select(r => r.Hit.Key).ToArray());
        return ranked.Where(r => rows.ContainsKey(r.Hit.Key)).Take(k).Select(r =>
        {
            var p = rows[r.Hit.Key];
            return new SimilarProduct(p.Id, p.Title, p.Brand, p.Price, p.ShopUrl, p.SuperCategory ?? superCategory,
                p.SubCategory ?? r.Hit.SubCategory, MathF.Round(r.Score, 4));
        }).ToArray();
    }

    private bool IsSearchable(string superCategory, float[] embedding)
    {
        var index = search.Options.GetIndex(SearchOptions.ProductsIndex);
        return index.EffectiveSuperCategories.Contains(superCategory, StringComparer.Ordinal)
               && embedding.Length == index.Dimensions && embedding.All(float.IsFinite) && embedding.Any(v => v != 0);
    }
}
