using Ootd.Grains.Search;
using Xunit;

namespace Ootd.Tests.Search;

public sealed class ShardRoutingTests
{
    [Fact]
    public void Hash_is_stable_fnv1a_64()
    {
        // FNV-1a 64 reference values: "" is the offset basis, "a" a published test vector.
        Assert.Equal(0xcbf29ce484222325UL, ShardRouting.StableHash(""));
        Assert.Equal(0xaf63dc4c8601ec8cUL, ShardRouting.StableHash("a"));
        Assert.Equal(ShardRouting.StableHash("sku-12345"), ShardRouting.StableHash(new string("sku-12345".ToCharArray())));
    }

    [Fact]
    public void Keys_spread_over_shards()
    {
        var counts = new int[4];
        for (var i = 0; i < 4000; i++) counts[ShardRouting.ShardOf($"sku-{i}", 4)]++;
        Assert.All(counts, c => Assert.InRange(c, 850, 1150));
        Assert.All(Enumerable.Range(0, 100), i => Assert.Equal(0, ShardRouting.ShardOf($"k{i}", 1)));
    }

    [Fact]
    public void Shard_keys_round_trip_and_bad_ones_are_rejected()
    {
        Assert.Equal("products/top/3", ShardRouting.ShardKey("products", "top", 3));
        Assert.Equal(("products", "top", 3), ShardRouting.ParseShardKey("products/top/3"));
        Assert.Throws<FormatException>(() => ShardRouting.ParseShardKey("products/top"));
        Assert.Throws<FormatException>(() => ShardRouting.ParseShardKey("products/top/-1"));
        Assert.Throws<FormatException>(() => ShardRouting.ParseShardKey("/top/1"));
    }

    [Fact]
    public void Merge_keeps_the_k_nearest_across_shards()
    {
        var merged = VectorSearch.MergeTopK(
        [
            [new SimilarItem("a", "x", 0.1f), new SimilarItem("b", "x", 0.5f)],
            [new SimilarItem("c", "x", 0.2f), new SimilarItem("d", "x", 0.3f)],
            [],
        ], 3);
        Assert.Equal(["a", "c", "d"], merged.Select(m => m.Key));
    }

    [Fact]
    public void Options_know_scopes_and_shard_counts()
    {
        var options = new SearchOptions();
        options.Shards["products"] = new() { ["top"] = 4 };
        Assert.Equal(128, options.GetScope("products", "shoes").Dimensions);
        Assert.Equal(4, options.ShardCount("products", "top"));
        Assert.Equal(1, options.ShardCount("products", "bag"));
        Assert.Throws<UnknownSearchScopeException>(() => options.GetScope("products", "hats"));
        Assert.Throws<UnknownSearchScopeException>(() => options.GetScope("ootd-style", "top"));
        options.Shards["products"]["top"] = 0;
        Assert.Throws<InvalidOperationException>(() => options.ShardCount("products", "top"));
    }
}
