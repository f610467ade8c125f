using Npgsql;
using Ootd.Grains.Search;
using Xunit;

namespace Ootd.Tests.Search;

public sealed class SearchShardGrainTests(SearchClusterFixture fixture) : IClassFixture<SearchClusterFixture>
{
    private const int Dims = SearchClusterFixture.Dims;
    private VectorSearch Search => fixture.Search;

    private static ItemVector[] Items(string prefix, float[][] vectors, string sub = "tshirt") =>
        vectors.Select((v, i) => new ItemVector($"{prefix}-{i}", sub, v)).ToArray();

    [Fact]
    public async Task Added_items_are_found_at_once_and_removed_ones_never_again_even_after_rebuild_and_reactivation()
    {
        var vectors = TestVectors.Clustered(120, Dims, 6, seed: 11);
        var items = Items("p", vectors);
        await Search.Upsert("single", "top", items);

        var hits = await Search.Search("single", "top", vectors[5], 3);
        Assert.Equal("p-5", hits[0].Key);
        Assert.Equal("tshirt", hits[0].SubCategory);
        Assert.InRange(hits[0].Distance, -1e-4f, 1e-4f);

        await Search.Remove("single", "top", ["p-5", "p-6", "no-such-item"]);
        Assert.DoesNotContain(await Search.Search("single", "top", vectors[5], 120), h => h.Key is "p-5" or "p-6");

        await Search.Rebuild("single", "top");
        var afterRebuild = await Search.Search("single", "top", vectors[5], 200);
        Assert.Equal(118, afterRebuild.Count);
        Assert.DoesNotContain(afterRebuild, h => h.Key is "p-5" or "p-6");

        var shard = fixture.Grains.GetGrain<ISearchShardGrain>("single/top/0");
        await fixture.Cluster.DeactivateAsync(shard);
        var afterReactivation = await Search.Search("single", "top", vectors[5], 200);
        Assert.Equal(118, afterReactivation.Count);
        Assert.DoesNotContain(afterReactivation, h => h.Key is "p-5" or "p-6");

        // Re-adding a removed key brings it back, with its new vector.
        await Search.Upsert("single", "top", "p-5", "polo", vectors[7]);
        var back = await Search.Search("single", "top", vectors[7], 2);
        Assert.Contains(back, h => h.Key == "p-5" && h.SubCategory == "polo");
    }

    [Fact]
    public async Task Replacing_a_vector_moves_the_item_in_the_results()
    {
        var vectors = TestVectors.Clustered(60, Dims, 3, seed: 12);
        await Search.Upsert("checks", "shoes", Items("r", vectors, "boots"));
        await Search.Upsert("checks", "shoes", "r-0", "boots", vectors[30]);

        var hits = await Search.Search("checks", "shoes", vectors[30], 2);
        Assert.Equal(["r-0", "r-30"], hits.Select(h => h.Key).Order());
        Assert.DoesNotContain(await Search.Search("checks", "shoes", vectors[0], 1), h => h.Key == "r-0" && h.Distance < 1e-4f);
    }

    [Fact]
    public async Task Wrong_dimension_nan_and_infinity_are_clear_errors_from_router_and_grain()
    {
        await Assert.ThrowsAsync<InvalidVectorException>(() => Search.Search("checks", "top", new float[Dims - 1], 5));
        var nan = Enumerable.Repeat(1f, Dims).ToArray();
        nan[3] = float.NaN;
        await Assert.ThrowsAsync<InvalidVectorException>(() => Search.Search("checks", "top", nan, 5));
        var inf = Enumerable.Repeat(1f, Dims).ToArray();
        inf[0] = float.NegativeInfinity;
        await Assert.ThrowsAsync<InvalidVectorException>(() => Search.Upsert("checks", "top", "x", "polo", inf));
        await Assert.ThrowsAsync<InvalidVectorException>(() => Search.Upsert("checks", "top", "x", "polo", new float[Dims]));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Search.Search("checks", "top", Enumerable.Repeat(1f, Dims).ToArray(), 0));

        // The grain checks too (a caller that skips the router), and the error crosses the wire with its type.
        var shard = fixture.Grains.GetGrain<ISearchShardGrain>("checks/top/0");
        var error = await Assert.ThrowsAsync<InvalidVectorException>(() => shard.Search(new float[Dims + 3], 5, null));
        Assert.Contains($"{Dims + 3} dimensions", error.Message);
        await Assert.ThrowsAsync<InvalidVectorException>(() => shard.Upsert([new ItemVector("y", "polo", nan)]));
        Assert.Empty(await shard.Search(Enumerable.Repeat(1f, Dims).ToArray(), 5, null));
    }

    [Fact]
    public async Task Unknown_index_or_super_category_is_an_unknown_scope_error()
    {
        var query = Enumerable.Repeat(1f, Dims).ToArray();
        await Assert.ThrowsAsync<UnknownSearchScopeException>(() => Search.Search("checks", "hats", query, 5));
        await Assert.ThrowsAsync<UnknownSearchScopeException>(() => Search.Search("no-index", "top", query, 5));
        await Assert.ThrowsAsync<UnknownSearchScopeException>(() => Search.Upsert("checks", "hats", "k", "cap", query));
        await Assert.ThrowsAsync<UnknownSearchScopeException>(() =>
            fixture.Grains.GetGrain<ISearchShardGrain>("checks/hats/0").Search(query, 5, null));
        await Assert.ThrowsAsync<UnknownSearchScopeException>(() =>
            fixture.Grains.GetGrain<ISearchShardGrain>("checks/top/7").Search(query, 5, null));
    }

    [Fact]
    public async Task Empty_index_returns_an_empty_list_and_k_above_size_returns_every_item()
    {
        var query = Enumerable.Repeat(0.5f, Dims).ToArray();
        Assert.Empty(await Search.Search("empty", "bag", query, 10));

        var vectors = TestVectors.Clustered(25, Dims, 4, seed: 13);
        await Search.Upsert("empty", "dress", Items("d", vectors, "dress"));
        var all = await Search.Search("empty", "dress", query, 400);
        Assert.Equal(25, all.Count);
        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"d-{i}").Order(), all.Select(h => h.Key).Order());
        Assert.Equal(all.OrderBy(h => h.Distance).Select(h => h.Key), all.Select(h => h.Key));
    }

    [Fact]
    public async Task Four_shard_fan_out_returns_the_same_top_k_as_one_index_and_as_brute_force()
    {
        const int dims = 128;
        var vectors = TestVectors.Clustered(800, dims, 16, seed: 14);
        var items = vectors.Select((v, i) => new ItemVector($"sku-{i}", i % 2 == 0 ? "tshirt" : "polo", v)).ToArray();
        await Search.Upsert("products", "top", items);    // 4 shards
        await Search.Upsert("wide", "top", items);        // 1 shard (same key in the same index would move the item)

        var statuses = await Search.Status("products", "top");
        Assert.Equal(4, statuses.Count);
        Assert.All(statuses, s => Assert.InRange(s.Count, 120, 280));
        Assert.Equal(800, statuses.Sum(s => s.Count));

        var queries = TestVectors.Clustered(20, dims, 16, seed: 15);
        foreach (var query in queries)
        {
            var sharded = await Search.Search("products", "top", query, 10);
            var single = await Search.Search("wide", "top", query, 10);
            var exact = TestVectors.ExactTopK(vectors, query, 10).Select(i => $"sku-{i}");
            Assert.Equal(single.Select(h => h.Key), sharded.Select(h => h.Key));
            Assert.Equal(exact.Order(), sharded.Select(h => h.Key).Order());
            for (var i = 0; i < 10; i++) Assert.Equal(single[i].Distance, sharded[i].Distance, 5);
        }

        // Sub-category filter: only polos, still the exact nearest polos.
        var polos = await Search.Search("products", "top", queries[0], 5, "polo");
        Assert.All(polos, h => Assert.Equal("polo", h.SubCategory));
        var exactPolos = Enumerable.Range(0, vectors.Length).Where(i => i % 2 == 1)
            .OrderBy(i => TestVectors.CosineDistance(vectors[i], queries[0])).Take(5).Select(i => $"sku-{i}");
        Assert.Equal(exactPolos, polos.Select(h => h.Key));
    }

    [Fact]
    public async Task An_item_filed_under_another_super_category_leaves_the_old_one()
    {
        var vectors = TestVectors.Clustered(10, Dims, 2, seed: 16);
        await Search.Upsert("moves", "outer", Items("m", vectors, "coat"));
        await Search.Upsert("moves", "top", "m-3", "hoodie_sweatshirt", vectors[3]);

        Assert.DoesNotContain(await Search.Search("moves", "outer", vectors[3], 10), h => h.Key == "m-3");
        Assert.Equal("m-3", (await Search.Search("moves", "top", vectors[3], 1))[0].Key);

        // Removing through the wrong super-category still removes it where it lives.
        await Search.Remove("moves", "outer", ["m-3"]);
        Assert.Empty(await Search.Search("moves", "top", vectors[3], 10));
    }

    [Fact]
    public async Task Writes_during_a_rebuild_are_kept_and_searches_keep_answering()
    {
        var vectors = TestVectors.Clustered(3000, Dims, 20, seed: 17);
        await Search.Upsert("rebuild", "top", Items("b", vectors[..2000]));
        var shards = (await Search.Status("rebuild", "top")).Select(s => $"rebuild/top/{s.Shard}").ToHashSet();
        Assert.Equal(2, shards.Count);

        // Each shard's rebuild stops after its fresh graph is built from the table and waits here, so every write below
        // lands while both rebuilds are in progress: only the replay can bring them into the new graphs.
        var built = new Dictionary<string, TaskCompletionSource>();
        foreach (var key in shards) built[key] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fixture.RebuildHooks.BeforeReplay = key =>
        {
            if (!built.TryGetValue(key, out var entered)) return Task.CompletedTask;
            entered.TrySetResult();
            return release.Task;
        };
        try
        {
            var rebuild = Search.Rebuild("rebuild", "top");
            await Task.WhenAll(built.Values.Select(b => b.Task)).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.All(await Search.Status("rebuild", "top"), s => Assert.True(s.Rebuilding));
            await Task.WhenAll(
                Search.Upsert("rebuild", "top", Items("late", vectors[2000..])),
                Search.Remove("rebuild", "top", Enumerable.Range(0, 100).Select(i => $"b-{i}").ToArray()));
            // Searches keep answering from the old graphs (which took the writes at once) while the rebuild waits.
            Assert.Equal("late-7", (await Search.Search("rebuild", "top", vectors[2007], 1))[0].Key);
            Assert.False(rebuild.IsCompleted);
            release.SetResult();
            await rebuild.WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            fixture.RebuildHooks.BeforeReplay = null;
            release.TrySetResult();
        }

        var statuses = await Search.Status("rebuild", "top");
        Assert.All(statuses, s => Assert.Equal("rebuild", s.BuiltFrom));
        Assert.Equal(1900 + 1000, statuses.Sum(s => s.Count));
        Assert.Equal("late-7", (await Search.Search("rebuild", "top", vectors[2007], 1))[0].Key);
        Assert.Equal("b-500", (await Search.Search("rebuild", "top", vectors[500], 1))[0].Key);
        Assert.DoesNotContain(await Search.Search("rebuild", "top", vectors[50], 20), h => h.Key == "b-50");

        // The table agrees with memory: a rebuild from it gives the same counts.
        await Search.Rebuild("rebuild", "top");
        Assert.Equal(2900, (await Search.Status("rebuild", "top")).Sum(s => s.Count));
    }

    [Fact]
    public async Task A_current_snapshot_is_loaded_and_a_stale_one_is_ignored()
    {
        var vectors = TestVectors.Clustered(200, Dims, 5, seed: 18);
        await Search.Upsert("snap", "bag", Items("s", vectors, "backpack"));
        var shard = fixture.Grains.GetGrain<ISearchShardGrain>("snap/bag/0");

        // Activation wrote a snapshot of the (then empty) table; the upsert made it stale, so this build reads the table
        // and writes a current snapshot, which the next activation loads.
        await fixture.Cluster.DeactivateAsync(shard);
        Assert.Equal("table", (await shard.GetStatus()).BuiltFrom);
        await fixture.Cluster.DeactivateAsync(shard);
        var loaded = await shard.GetStatus();
        Assert.Equal("snapshot", loaded.BuiltFrom);
        Assert.Equal(200, loaded.Count);
        Assert.Equal("s-42", (await shard.Search(vectors[42], 1, null))[0].Key);

        // A write that bypasses this grain (another silo, an import tool) makes the snapshot stale.
        await fixture.Store.MarkDeletedAsync("snap", ["s-42"]);
        await fixture.Cluster.DeactivateAsync(shard);
        var rebuilt = await shard.GetStatus();
        Assert.Equal("table", rebuilt.BuiltFrom);
        Assert.Equal(199, rebuilt.Count);
        Assert.NotEqual("s-42", (await shard.Search(vectors[42], 1, null))[0].Key);
    }

    [Fact]
    public async Task Shard_registers_its_nightly_rebuild_reminder()
    {
        var shard = fixture.Grains.GetGrain<ISearchShardGrain>("checks/dress/0");
        await shard.GetStatus();
        var table = (Orleans.IReminderTable)fixture.Cluster.GetSiloServiceProvider()
            .GetService(typeof(Orleans.IReminderTable))!;
        var reminder = await table.ReadRow(((Orleans.Runtime.IAddressable)shard).GetGrainId(), "nightly-rebuild");
        Assert.NotNull(reminder);
        Assert.Equal(TimeSpan.FromDays(1), reminder.Period);
        Assert.Equal(fixture.Options.RebuildHourUtc, reminder.StartAt.ToUniversalTime().Hour);
    }

    [Fact]
    public async Task The_table_holds_what_the_shards_hold()
    {
        var vectors = TestVectors.Clustered(5, Dims, 1, seed: 19);
        await Search.Upsert("checks", "bottom", Items("t", vectors, "jeans"));
        await Search.Remove("checks", "bottom", ["t-1"]);

        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT item_key, deleted, vector IS NULL, sub_category FROM item_vectors WHERE index_name = 'checks' AND super_category = 'bottom' ORDER BY item_key", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, bool, bool, string)>();
        while (await reader.ReadAsync()) rows.Add((reader.GetString(0), reader.GetBoolean(1), reader.GetBoolean(2), reader.GetString(3)));
        Assert.Equal(5, rows.Count);
        Assert.Equal(("t-1", true, true, "jeans"), rows[1]);
        Assert.All(rows.Where(r => r.Item1 != "t-1"), r => Assert.False(r.Item2));
    }
}
