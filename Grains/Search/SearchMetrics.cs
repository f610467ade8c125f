using System.Diagnostics.Metrics;

namespace Ootd.Grains.Search;

/// <summary>The meter "Ootd.Search": queries per shard (tags <c>index</c>, <c>super_category</c>, <c>shard</c>) and writes.</summary>
public static class SearchMetrics
{
    public static readonly Meter Meter = new("Ootd.Search", "1.0");

    private static readonly Counter<long> Queries = Meter.CreateCounter<long>(
        "ootd.search.queries", "{query}", "k-nearest-neighbour queries answered, per search shard");
    private static readonly Counter<long> Writes = Meter.CreateCounter<long>(
        "ootd.search.writes", "{item}", "Item vectors upserted or removed, per search shard");

    public static void Query(string index, string superCategory, int shard) =>
        Queries.Add(1, new("index", index), new("super_category", superCategory), new("shard", shard));

    public static void Wrote(string index, string superCategory, int shard, int items) =>
        Writes.Add(items, new("index", index), new("super_category", superCategory), new("shard", shard));
}
