using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Ootd.Grains.Search;
using Ootd.Silo.Database;
using Ootd.Tests.Infrastructure;
using Orleans.TestingHost;
using Xunit;

namespace Ootd.Tests.Catalog;

/// <summary>
/// The "products" index of one super-category split into many shards on a two-silo cluster: the shards spread over
/// both silos, a query fans out and merges the full top k; after one silo dies abruptly the shards it held
/// reactivate on the other silo (rebuilt from <c>item_vectors</c>) and the same query answers the same top k.
/// </summary>
public sealed class TwoSiloSearchTests : IAsyncLifetime
{
    private const int Shards = 12;
    private const int Dims = 32;
    private ScratchDatabase _db = null!;
    private InProcessTestCluster _cluster = null!;
    private readonly SearchOptions _options = new() { NightlyRebuild = false, MaxResults = 500 };

    public async Task InitializeAsync()
    {
        _db = await ScratchDatabase.CreateAsync();
        await new Migrator().ApplyAsync(_db.DataSource);
        _options.Indexes["products"] = new SearchIndexOptions { Dimensions = Dims, Concurrency = 2 };
        _options.Shards["products"] = new() { ["top"] = Shards };
        var builder = new InProcessTestClusterBuilder(2);
        builder.Options.ConfigureFileLogging = false;
        var cs = _db.ConnectionString;
        var options = _options;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.UseInMemoryReminderService();
            silo.Services.AddVectorSearch(cs, o => { o.Indexes = options.Indexes; o.Shards = options.Shards; o.NightlyRebuild = false; o.MaxResults = options.MaxResults; });
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        try { await _cluster.StopAllSilosAsync(); } catch (Exception) { /* a killed silo may refuse to stop twice */ }
        await _cluster.DisposeAsync();
        await _db.DisposeAsync();
    }

    private static float[] Vector(Random rng, float[]? centre = null)
    {
        var v = new float[Dims];
        for (int i = 0; i < Dims; i++) v[i] = (centre?[i] ?? 0) + (float)(rng.NextDouble() * 2 - 1) * (centre is null ? 1f : 0.3f);
        return v;
    }

    private static IReadOnlyList<string> BruteForce(IEnumerable<(string Key, float[] V)> items, float[] q, int k)
    {
        static double Cos(float[] a, float[] b)
        {
            double d = 0, na = 0, nb = 0;
            for (int i = 0; i < a.Length; i++) { d += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
            return d / Math.Sqrt(na * nb);
        }
        return items.OrderByDescending(i => Cos(i.V, q)).Take(k).Select(i => i.Key).ToArray();
    }

    [Fact]
    public async Task Shards_spread_over_two_silos_answer_the_merged_top_k_and_survive_the_loss_of_a_silo()
    {
        var search = new VectorSearch(_cluster.Client, Options.Create(_options));
        var rng = new Random(5);
        var centres = Enumerable.Range(0, 8).Select(_ => Vector(rng)).ToArray();
        var items = Enumerable.Range(0, 600).Select(i => ($"p{i:D4}", Vector(rng, centres[i % centres.Length]))).ToArray();
        foreach (var chunk in items.Chunk(100))
            await search.Upsert("products", "top", chunk.Select(i => new ItemVector(i.Item1, i.Item1.EndsWith('0') ? "polo" : "tshirt", i.Item2)).ToArray());

        var queries = Enumerable.Range(0, 10).Select(i => Vector(rng, centres[i % centres.Length])).ToArray();
        const int k = 20;
        var before = new List<IReadOnlyList<string>>();
        foreach (var q in queries)
        {
            var hits = await search.Search("products", "top", q, k);
            Assert.Equal(k, hits.Count);
            before.Add(hits.Select(h => h.Key).ToArray());
            // every shard contributed to a merged list that is the exact top k (tiny shards are searched exactly)
            Assert.Equal(BruteForce(items, q, k).Order(), hits.Select(h => h.Key).Order());
        }

        // where each shard lives
        var management = _cluster.Client.GetGrain<IManagementGrain>(0);
        async Task<Dictionary<int, SiloAddress>> PlacementAsync()
        {
            var where = new Dictionary<int, SiloAddress>();
            for (int s = 0; s < Shards; s++)
            {
                var shard = _cluster.Client.GetGrain<ISearchShardGrain>(ShardRouting.ShardKey("products", "top", s));
                var address = await management.GetActivationAddress(shard);
                Assert.NotNull(address);
                where[s] = address!;
            }
            return where;
        }
        var placement = await PlacementAsync();
        var silos = _cluster.Silos.Select(h => h.SiloAddress).ToArray();
        Assert.Equal(2, silos.Length);
        Assert.All(silos, silo => Assert.Contains(silo, placement.Values)); // both silos hold shards
        var status = await search.Status("products", "top");
        Assert.Equal(items.Length, status.Sum(s => s.Count));

        // kill the second silo abruptly (the first is the cluster's membership primary in the test host)
        var victim = _cluster.Silos[1];
        var lost = placement.Where(p => p.Value.Equals(victim.SiloAddress)).Select(p => p.Key).ToArray();
        Assert.NotEmpty(lost);
        await victim.StopSiloAsync(stopGracefully: false);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        List<IReadOnlyList<string>>? after = null;
        while (after is null)
        {
            try
            {
                var answers = new List<IReadOnlyList<string>>();
                foreach (var q in queries) answers.Add((await search.Search("products", "top", q, k)).Select(h => h.Key).ToArray());
                after = answers;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(500); // until membership declares the silo dead and the shards reactivate
            }
        }
        Assert.Equal(before, after);
        var survivor = _cluster.Silos[0].SiloAddress;
        Assert.All((await PlacementAsync()).Values, s => Assert.Equal(survivor, s));
        Assert.Equal(items.Length, (await search.Status("products", "top")).Sum(s => s.Count));
    }
}
