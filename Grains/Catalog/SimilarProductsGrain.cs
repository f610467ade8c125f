using Ootd.Grains.Inference;
using Ootd.Grains.Search;
using Orleans.Concurrency;

namespace Ootd.Grains.Catalog;

/// <summary>
/// Visual product search. Stateless and reentrant: it only awaits the search shards, the inference pool and the
/// database. Each item's super-category shards are asked for more hits than needed
/// (<see cref="SimilarProductRanking.CandidateCount"/>) and the item's sub-category is ranked first.
/// </summary>
[StatelessWorker, Reentrant]
public sealed class SimilarProductsGrain(ProductStore products, VectorSearch search) : Grain, ISimilarProductsGrain
{
    public async Task<IReadOnlyList<ItemProducts>> ForOotd(Guid ootdId, int k)
    {
        var items = await products.OotdItemEmbeddingsAsync(ootdId);
        // The items' searches run at once (the grain is reentrant; each fans out over its super-category's shards).
        var found = await Task.WhenAll(items.Select(i => IsSearchable(i.Super, i.Embedding)
            ? ForEmbedding(i.Embedding, i.Super, i.Sub, k)
            : Task.FromResult<IReadOnlyList<SimilarProduct>>([])));
        return items.Select((i, n) => new ItemProducts(i.ItemNo, i.Super, i.Sub, found[n])).ToArray();
    }

    public async Task<IReadOnlyList<SimilarProduct>> ForEmbedding(float[] embedding, string superCategory, string subCategory, int k)
    {
        if (k < 1 || k > 100) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be 1..100");
        var candidates = SimilarProductRanking.CandidateCount(k, search.Options.MaxResults);
        var hits = await search.Search(SearchOptions.ProductsIndex, superCategory, embedding, candidates);
        var ranked = SimilarProductRanking.Rank(hits, subCategory, candidates);
        // A product deleted between the search and this read is skipped; keep ranking order.
        var rows = await products.FindReadyAsync(ranked.Select(h => h.Key).ToArray());
        return ranked.Where(h => rows.ContainsKey(h.Key)).Take(k).Select(h =>
        {
            var p = rows[h.Key];
            return new SimilarProduct(p.Id, p.Title, p.Brand, p.Price, p.ShopUrl, p.SuperCategory ?? superCategory,
                p.SubCategory ?? h.SubCategory, MathF.Round(h.Similarity, 4));
        }).ToArray();
    }

    public async Task<PhotoSearchResult> ForPhoto(byte[] photo, string? superCategory, int k)
    {
        if (superCategory is not null) search.Options.GetScope(SearchOptions.ProductsIndex, superCategory);
        var analysis = await GrainFactory.GetGrain<IInferenceGrain>(IInferenceGrain.Pool).AnalyzePhoto(photo, PhotoKind.Outfit);
        if (!analysis.Succeeded) return new PhotoSearchResult(analysis.Failure, analysis.Reason, 0, 0, []);
        var a = analysis.Analysis!;
        var items = a.Items.Where(i => superCategory is null || i.Item.SuperCategory == superCategory).ToList();
        var found = await Task.WhenAll(items.Select(i => IsSearchable(i.Item.SuperCategory, i.Vectors.Embedding)
            ? ForEmbedding(i.Vectors.Embedding, i.Item.SuperCategory, i.Item.SubCategory, k)
            : Task.FromResult<IReadOnlyList<SimilarProduct>>([])));
        return new PhotoSearchResult(AnalysisFailure.None, null, a.Width, a.Height,
            items.Select((i, n) => new PhotoSearchItem(i.Item, found[n])).ToArray());
    }

    private bool IsSearchable(string superCategory, float[] embedding)
    {
        var index = search.Options.GetIndex(SearchOptions.ProductsIndex);
        return index.EffectiveSuperCategories.Contains(superCategory, StringComparer.Ordinal)
               && embedding.Length == index.Dimensions && embedding.All(float.IsFinite) && embedding.Any(v => v != 0);
    }
}
