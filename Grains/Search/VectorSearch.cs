using Microsoft.Extensions.Options;

namespace Ootd.Grains.Search;

/// <summary>
/// Routes vector-search calls to the shard grains; usable from any grain or from an Orleans client (the API).
/// Writes go to the shard that owns the item's key (stable hash); a query fans out to every shard of the
/// super-category and the per-shard top-k lists are merged. Bad input fails here, before any grain call:
/// unknown index or super-category → <see cref="UnknownSearchScopeException"/>; wrong dimension, NaN, infinity or a
/// zero vector → <see cref="InvalidVectorException"/>; k out of range → <see cref="ArgumentOutOfRangeException"/>.
/// </summary>
public sealed class VectorSearch(IGrainFactory grains, IOptions<SearchOptions> options)
{
    private readonly SearchOptions _options = options.Value;

    public SearchOptions Options => _options;

    /// <summary>Inserts or replaces items of one super-category.</summary>
    public Task Upsert(string index, string superCategory, IReadOnlyList<ItemVector> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var scope = _options.GetScope(index, superCategory);
        foreach (var item in items)
        {
            if (item is null || string.IsNullOrEmpty(item.Key)) throw new ArgumentException("every item needs a key");
            VectorChecks.Validate(item.Vector, scope.Dimensions, $"item '{item.Key}'");
        }
        var shards = _options.ShardCount(index, superCategory);
        return Task.WhenAll(items
            .GroupBy(i => ShardRouting.ShardOf(i.Key, shards))
            .Select(g => Shard(index, superCategory, g.Key).Upsert(g.ToArray())));
    }

    public Task Upsert(string index, string superCategory, string key, string subCategory, float[] vector, byte audience = 0) =>
        Upsert(index, superCategory, [new ItemVector(key, subCategory, vector, audience)]);

    /// <summary>Deletes items; <paramref name="superCategory"/> is where the caller filed them (a moved item is found anyway).</summary>
    public Task Remove(string index, string superCategory, IReadOnlyList<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _options.GetScope(index, superCategory);
        var shards = _options.ShardCount(index, superCategory);
        return Task.WhenAll(keys
            .GroupBy(k => ShardRouting.ShardOf(k, shards))
            .Select(g => Shard(index, superCategory, g.Key).Remove(g.ToArray())));
    }

    /// <summary>The k items of the super-category nearest to <paramref name="query"/>, nearest first (fewer when the index
    /// holds fewer); with <paramref name="audiences"/> (bit c allows audience tag c), only items of those audiences.</summary>
    public async Task<IReadOnlyList<SimilarItem>> Search(string index, string superCategory, float[] query, int k, string? subCategory = null,
        byte audiences = 0xFF)
    {
        ArgumentNullException.ThrowIfNull(query);
        var scope = _options.GetScope(index, superCategory);
        VectorChecks.Validate(query, scope.Dimensions, "query");
        if (k < 1 || k > _options.MaxResults) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be 1..{_options.MaxResults}");
        var shards = _options.ShardCount(index, superCategory);
        var references = Shards(index, superCategory, shards);
        if (shards == 1) return await SearchShard(references[0], query, k, subCategory, audiences);
        // All shards at once: the answer takes as long as the slowest shard, not the sum.
        var calls = new Task<IReadOnlyList<SimilarItem>>[shards];
        for (var s = 0; s < shards; s++) calls[s] = SearchShard(references[s], query, k, subCategory, audiences);
        return MergeTopK(await Task.WhenAll(calls), k);
    }

    // An unfiltered query keeps the original call (one interface method fewer for older shard activations to know).
    private static Task<IReadOnlyList<SimilarItem>> SearchShard(ISearchShardGrain shard, float[] query, int k, string? subCategory, byte audiences) =>
        audiences == 0xFF ? shard.Search(query, k, subCategory) : shard.SearchAudience(query, k, subCategory, audiences);

    /// <summary>Status of every shard of a super-category.</summary>
    public async Task<IReadOnlyList<ShardStatus>> Status(string index, string superCategory)
    {
        _options.GetScope(index, superCategory);
        return await Task.WhenAll(Enumerable.Range(0, _options.ShardCount(index, superCategory))
            .Select(s => Shard(index, superCategory, s).GetStatus()));
    }

    /// <summary>Rebuilds every shard of a super-category from the table now.</summary>
    public Task Rebuild(string index, string superCategory)
    {
        _options.GetScope(index, superCategory);
        return Task.WhenAll(Enumerable.Range(0, _options.ShardCount(index, superCategory))
            .Select(s => Shard(index, superCategory, s).Rebuild()));
    }

    /// <summary>Merges per-shard answers (each nearest first) into one top-k list; ties broken by key for a stable order.</summary>
    public static IReadOnlyList<SimilarItem> MergeTopK(IEnumerable<IReadOnlyList<SimilarItem>> perShard, int k)
    {
        ArgumentNullException.ThrowIfNull(perShard);
        var all = new List<SimilarItem>();
        foreach (var hits in perShard) all.AddRange(hits);
        all.Sort(static (a, b) => a.Distance != b.Distance ? a.Distance.CompareTo(b.Distance) : string.CompareOrdinal(a.Key, b.Key));
        if (all.Count > k) all.RemoveRange(k, all.Count - k);
        return all;
    }

    private ISearchShardGrain Shard(string index, string superCategory, int shard) =>
        Shards(index, superCategory, _options.ShardCount(index, superCategory))[shard];

    /// <summary>The shard references of a super-category, built once (a query then formats no keys and looks nothing up).</summary>
    private ISearchShardGrain[] Shards(string index, string superCategory, int count)
    {
        var key = (index, superCategory);
        if (_references.TryGetValue(key, out var cached) && cached.Length == count) return cached;
        var built = new ISearchShardGrain[count];
        for (var s = 0; s < count; s++) built[s] = grains.GetGrain<ISearchShardGrain>(ShardRouting.ShardKey(index, superCategory, s));
        _references[key] = built;
        return built;
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Index, string SuperCategory), ISearchShardGrain[]> _references = new();
}
