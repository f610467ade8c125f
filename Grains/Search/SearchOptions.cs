namespace Ootd.Grains.Search;

/// <summary>
/// Configuration section <c>Search</c>. Example:
/// <code>
/// "Search": {
///   "SnapshotDirectory": "/var/lib/ootd/search",
///   "RebuildHourUtc": 4,
///   "Shards": { "products": { "top": 4 } },
///   "Indexes": { "products": { "Dimensions": 128 }, "ootd-style": { "Dimensions": 256, "SuperCategories": [ "all" ] } }
/// }
/// </code>
/// </summary>
public sealed class SearchOptions
{
    public const string SectionName = "Search";

    /// <summary>The six super-categories of the fashion taxonomy (DESIGN §4): the default scope list of an index.</summary>
    public static readonly IReadOnlyList<string> FashionSuperCategories = FashionTaxonomy.SuperNames;

    /// <summary>The built-in index of catalog products, used when <see cref="Indexes"/> does not name it.</summary>
    public const string ProductsIndex = "products";

    /// <summary>Index definitions by name. "products" exists by default (128-d, the six super-categories).</summary>
    public Dictionary<string, SearchIndexOptions> Indexes { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Shard count per index and super-category (<c>Search:Shards:products:top = 4</c>); 1 when absent.</summary>
    public Dictionary<string, Dictionary<string, int>> Shards { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Where shards keep snapshot files; null or empty turns snapshots off (every activation rebuilds).</summary>
    public string? SnapshotDirectory { get; set; }

    /// <summary>Hour of the day (UTC) of the nightly rebuild ("rebuild at dawn").</summary>
    public int RebuildHourUtc { get; set; } = 4;

    /// <summary>Turns the nightly rebuild reminder off (tests, tools).</summary>
    public bool NightlyRebuild { get; set; } = true;

    /// <summary>Largest k a query may ask for.</summary>
    public int MaxResults { get; set; } = 1000;

    /// <summary>The definition of an index, or <see cref="UnknownSearchScopeException"/>.</summary>
    public SearchIndexOptions GetIndex(string index)
    {
        if (index is not null && Indexes.TryGetValue(index, out var options)) return options;
        if (index == ProductsIndex) return SearchIndexOptions.Default;
        throw new UnknownSearchScopeException($"unknown search index '{index}'");
    }

    /// <summary>Checks that the index exists and has this super-category; returns the index definition.</summary>
    public SearchIndexOptions GetScope(string index, string superCategory)
    {
        var options = GetIndex(index);
        if (superCategory is null || !options.EffectiveSuperCategories.Contains(superCategory, StringComparer.Ordinal))
            throw new UnknownSearchScopeException($"index '{index}' has no super-category '{superCategory}'");
        return options;
    }

    public int ShardCount(string index, string superCategory)
    {
        if (Shards.TryGetValue(index, out var perCategory) && perCategory.TryGetValue(superCategory, out var count))
        {
            if (count is < 1 or > 1024)
                throw new InvalidOperationException($"Search:Shards:{index}:{superCategory} = {count}: must be 1..1024");
            return count;
        }
        return 1;
    }
}

/// <summary>One vector index (e.g. "products", later "ootd-style").</summary>
public sealed class SearchIndexOptions
{
    internal static readonly SearchIndexOptions Default = new();

    public int Dimensions { get; set; } = 128;

    /// <summary>Scopes (super-categories) of the index; the fashion taxonomy's six when empty.</summary>
    public List<string> SuperCategories { get; set; } = [];

    public int Connectivity { get; set; } = 16;
    public int ExpansionAdd { get; set; } = 128;
    public int ExpansionSearch { get; set; } = 64;

    /// <summary>
    /// Search-time ef of each shard when a super-category has more than one shard; null: <see cref="ExpansionSearch"/>.
    /// A query walks every shard and each shard's graph is smaller, so a lower value trades a little recall for up to
    /// proportionally less CPU per query (tests/Benchmarks search measures both; Grains/Search/README.md).
    /// </summary>
    public int? ShardExpansionSearch { get; set; }

    /// <summary>Threads one shard may use for index work at a time (bulk builds and concurrent searches).</summary>
    public int Concurrency { get; set; } = Math.Max(2, Environment.ProcessorCount);

    public IReadOnlyList<string> EffectiveSuperCategories =>
        SuperCategories.Count > 0 ? SuperCategories : SearchOptions.FashionSuperCategories;

    /// <summary>The search-time ef of one shard of a super-category split into <paramref name="shardCount"/> shards.</summary>
    public int ExpansionSearchFor(int shardCount) => shardCount <= 1 ? ExpansionSearch : ShardExpansionSearch ?? ExpansionSearch;

    public HnswOptions ToHnswOptions(int initialCapacity = 1024, int shardCount = 1) => new()
    {
        Dimensions = Dimensions,
        Connectivity = Connectivity,
        ExpansionAdd = ExpansionAdd,
        ExpansionSearch = ExpansionSearchFor(shardCount),
        Concurrency = Concurrency,
        InitialCapacity = initialCapacity,
    };
}
