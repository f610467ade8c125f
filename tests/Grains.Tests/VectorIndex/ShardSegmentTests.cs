using Ootd.Grains.Search;
using Ootd.Tests.Search;
using Ootd.VectorIndex;
using Xunit;

namespace Ootd.Tests.VectorIndex;

public sealed class ShardSegmentTests
{
    private static readonly HnswOptions Options = new() { Dimensions = 8, InitialCapacity = 16, Concurrency = 2 };

    private static StoredVector[] Rows(int count, int seed) =>
        TestVectors.Clustered(count, 8, 4, seed).Select((v, i) => new StoredVector($"k{i}", i % 3 == 0 ? "boots" : "sneakers", v)).ToArray();

    [Fact]
    public void Build_search_upsert_and_remove_work_by_key()
    {
        var rows = Rows(300, 21);
        using var segment = ShardSegment.Build(rows, Options);
        Assert.Equal(300, segment.Count);
        Assert.Equal("k17", segment.Search(rows[17].Vector, 1)[0].Key);

        segment.Upsert("k17", "boots", rows[200].Vector);
        Assert.Equal(300, segment.Count);
        var hits = segment.Search(rows[200].Vector, 2);
        Assert.Equal(["k17", "k200"], hits.Select(h => h.Key).Order());

        Assert.True(segment.Remove("k200"));
        Assert.False(segment.Remove("k200"));
        Assert.False(segment.Contains("k200"));
        Assert.DoesNotContain(segment.Search(rows[200].Vector, 300), h => h.Key == "k200");
        Assert.Equal(299, segment.Search(rows[0].Vector, 1000).Count);
    }

    [Fact]
    public void Sub_category_search_returns_only_that_sub_category_and_all_of_it_when_k_is_large()
    {
        var rows = Rows(90, 22);
        using var segment = ShardSegment.Build(rows, Options);

        var boots = segment.Search(rows[1].Vector, 1000, "boots");
        Assert.Equal(30, boots.Count);
        Assert.All(boots, h => Assert.Equal("boots", h.SubCategory));
        Assert.Empty(segment.Search(rows[1].Vector, 5, "sandals"));
    }

    [Fact]
    public void Duplicate_keys_and_bad_vectors_are_rejected_when_building()
    {
        var rows = Rows(3, 23);
        Assert.Throws<ArgumentException>(() => ShardSegment.Build([rows[0], rows[1], rows[0]], Options));
        Assert.Throws<InvalidVectorException>(() => ShardSegment.Build([new StoredVector("x", "", new float[7])], Options));
    }

    [Fact]
    public void Snapshot_round_trip_keeps_keys_sub_categories_and_version()
    {
        var rows = Rows(120, 24);
        var path = Path.Combine(Path.GetTempPath(), $"segment-{Guid.NewGuid():N}", "0-of-1.usearch");
        try
        {
            using (var segment = ShardSegment.Build(rows, Options))
            {
                segment.Remove("k5");
                segment.Save(path, new SliceVersion(77, 121));
            }
            Assert.Equal(new SliceVersion(77, 121), ShardSegment.ReadSnapshotVersion(path));

            using var loaded = ShardSegment.Load(path, Options);
            Assert.Equal(119, loaded.Count);
            Assert.False(loaded.Contains("k5"));
            var hit = loaded.Search(rows[9].Vector, 1)[0];
            Assert.Equal(("k9", "boots"), (hit.Key, hit.SubCategory));
            // New ids after a load never collide with loaded ones.
            loaded.Upsert("new", "boots", rows[5].Vector);
            Assert.Equal("new", loaded.Search(rows[5].Vector, 1)[0].Key);
            Assert.Equal("k9", loaded.Search(rows[9].Vector, 1)[0].Key);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Fact]
    public void A_missing_or_torn_snapshot_has_no_version()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"segment-{Guid.NewGuid():N}");
        var path = Path.Combine(dir, "x.usearch");
        try
        {
            Assert.Null(ShardSegment.ReadSnapshotVersion(path));
            using (var segment = ShardSegment.Build(Rows(10, 25), Options)) segment.Save(path, new SliceVersion(1, 10));
            File.AppendAllText(path, "torn"); // graph file no longer the length the key file recorded
            Assert.Null(ShardSegment.ReadSnapshotVersion(path));
            File.WriteAllText(path + ".keys", "garbage");
            Assert.Null(ShardSegment.ReadSnapshotVersion(path));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Audience_search_walks_the_graph_for_fitting_items_only_and_survives_a_snapshot()
    {
        // audience tags 1 (women), 2 (men), 5 (girls) in turn; a search allowing only 1 and 3 (unisex)
        var rows = Rows(300, 26).Select((r, i) => r with { Audience = (byte)(i % 3 == 0 ? 1 : i % 3 == 1 ? 2 : 5) }).ToArray();
        const byte womenOrUnisex = (1 << 1) | (1 << 3);
        var path = Path.Combine(Path.GetTempPath(), $"segment-{Guid.NewGuid():N}", "0-of-1.usearch");
        try
        {
            using (var segment = ShardSegment.Build(rows, Options))
            {
                var hits = segment.Search(rows[1].Vector, 20, null, womenOrUnisex); // the query is a men's item
                Assert.Equal(20, hits.Count);
                Assert.All(hits, h => Assert.Equal(1, h.Audience));
                Assert.Equal(100, segment.Search(rows[1].Vector, 1000, null, womenOrUnisex).Count);
                Assert.All(segment.Search(rows[1].Vector, 1000, "boots", womenOrUnisex), h => Assert.Equal(("boots", (byte)1), (h.SubCategory, h.Audience)));
                Assert.Empty(segment.Search(rows[1].Vector, 10, null, 1 << 3));
                Assert.Empty(segment.Search(rows[1].Vector, 10, null, 0));
                Assert.Equal(2, segment.Search(rows[1].Vector, 1)[0].Audience); // unfiltered: the item itself
                segment.Upsert("k0", "boots", rows[0].Vector, 3);               // re-tagged unisex
                Assert.Equal(100, segment.Search(rows[1].Vector, 1000, null, womenOrUnisex).Count);
                segment.Save(path, new SliceVersion(5, 300));
            }
            using var loaded = ShardSegment.Load(path, Options);
            Assert.Equal(3, loaded.Search(rows[0].Vector, 1, null, 1 << 3)[0].Audience);
            Assert.Equal(100, loaded.Search(rows[1].Vector, 1000, null, womenOrUnisex).Count);
            // a snapshot of the format before audience tags is not read: the shard rebuilds from the table
            var keys = File.ReadAllBytes(path + ".keys");
            var text = System.Text.Encoding.UTF8.GetBytes("OOTD-SHARD-1");
            Array.Copy(text, 0, keys, 1, text.Length); // BinaryWriter: one length byte, then the magic
            File.WriteAllBytes(path + ".keys", keys);
            Assert.Null(ShardSegment.ReadSnapshotVersion(path));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }
}
