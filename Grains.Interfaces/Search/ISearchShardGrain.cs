namespace Ootd.Grains.Search;

/// <summary>An item to index: its key (product id, OOTD item id, …), its sub-category, its embedding and a one-byte
/// audience tag searches can filter on (products: <c>ProductAudience.Code</c>; 0 elsewhere).</summary>
[GenerateSerializer, Immutable]
public sealed record ItemVector(
    [property: Id(0)] string Key,
    [property: Id(1)] string SubCategory,
    [property: Id(2)] float[] Vector,
    [property: Id(3)] byte Audience = 0);

/// <summary>One search answer: the item key, its sub-category and its cosine distance to the query (0 = same direction).</summary>
[GenerateSerializer, Immutable]
public sealed record SimilarItem(
    [property: Id(0)] string Key,
    [property: Id(1)] string SubCategory,
    [property: Id(2)] float Distance)
{
    /// <summary>The item's audience tag (products: <c>ProductAudience.Code</c>).</summary>
    [Id(3)] public byte Audience { get; init; }

    /// <summary>Cosine similarity, 1 − distance.</summary>
    public float Similarity => 1 - Distance;
}

/// <summary>What a shard holds and how it was last built.</summary>
[GenerateSerializer, Immutable]
public sealed record ShardStatus(
    [property: Id(0)] string Index,
    [property: Id(1)] string SuperCategory,
    [property: Id(2)] int Shard,
    [property: Id(3)] int ShardCount,
    [property: Id(4)] int Count,
    [property: Id(5)] long MemoryBytes,
    [property: Id(6)] DateTimeOffset BuiltAt,
    [property: Id(7)] string BuiltFrom,
    [property: Id(8)] bool Rebuilding);

/// <summary>
/// One HNSW segment of a vector index: the items of one super-category whose key hashes to this shard.
/// Key: <c>{index}/{superCategory}/{shard}</c>, e.g. <c>products/top/0</c> (see <c>VectorSearch.ShardKey</c>).
/// The <c>item_vectors</c> table is the source of truth: writes go to it first, then into the graph; the graph is
/// rebuilt from it on activation (or loaded from a snapshot whose version is current) and every night.
/// Callers normally go through <c>VectorSearch</c>, which routes writes and fans queries out over all shards.
/// </summary>
[Orleans.CodeGeneration.Version(2)]
public interface ISearchShardGrain : IGrainWithStringKey
{
    /// <summary>Inserts or replaces items (all must route to this shard). Persisted, then searchable at once.</summary>
    Task Upsert(IReadOnlyList<ItemVector> items);

    /// <summary>Deletes items (marks their rows deleted); they are never returned again. Unknown keys are ignored.</summary>
    Task Remove(IReadOnlyList<string> itemKeys);

    /// <summary>Drops items from memory only: their row now belongs to another shard or super-category.</summary>
    Task Evict(IReadOnlyList<string> itemKeys);

    /// <summary>The k nearest items of this shard, nearest first; optionally only one sub-category.</summary>
    Task<IReadOnlyList<SimilarItem>> Search(float[] query, int k, string? subCategory);

    /// <summary>The k nearest items whose audience tag is in <paramref name="audiences"/> (bit c allows tag c; 0xFF all),
    /// nearest first: the graph walk itself is filtered, so k fitting items come back when the shard has them.</summary>
    Task<IReadOnlyList<SimilarItem>> SearchAudience(float[] query, int k, string? subCategory, byte audiences);

    /// <summary>Rebuilds the graph from the table now (the nightly reminder does the same). Searches keep working meanwhile.</summary>
    Task Rebuild();

    Task<ShardStatus> GetStatus();
}
