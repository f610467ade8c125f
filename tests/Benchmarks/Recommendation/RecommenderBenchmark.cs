using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Ootd.Grains.Common;
using Ootd.Grains.Inference;
using Ootd.Inference.Hosting;
using Ootd.Grains.Ootds;
using Ootd.Grains.Recommendation;
using Ootd.Grains.Users;
using Ootd.Silo;
using Ootd.Silo.Database;
using Orleans.Configuration;

namespace Ootd.Benchmarks.Recommendation;

/// <summary>
/// recommender benchmark, side by side in one run:
///  1. ingest: interactions/s through the recommender grains (IUserGrain.RecordTaste: decayed TF row, user style vector,
///     OOTD column) and through the full view path (IOotdGrain.RecordView: log row, user state, hooks) vs the fastest
///     bare grain call (IUserGrain.Exists) measured on the same silo: before and after, at the same concurrency and at
///     4× as many calls in flight;
///  2. feed: p50/p95/p99 of IFeedGrain.GetFeed (the grain call behind GET /api/v1/feed) under concurrent load, and
///     side by side the same for GET /api/v1/feed over HTTP through the real gateway (<see cref="FeedGateway"/>:
///     Kestrel on 127.0.0.1, JWT bearer tokens, an Orleans client over loopback TCP), first pages and cursor pages;
///  3. nightly: NightlyRecompute over synthetic rows (users, interactions) in a scratch database.
/// Every phase uses its own scratch database (ootd_b_*), dropped at the end.
/// </summary>
public static class RecommenderBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        string? Get(string name) { var i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }
        if (args.Contains("--help"))
        {
            Console.WriteLine("recommender [--users 100000] [--interactions 1000000] [--ootds 50000] [--ingest 20000] [--feeds 2000] [--concurrency 32] [--skip-nightly] [--skip-serving] [--skip-http]");
            return 0;
        }
        var users = int.Parse(Get("--users") ?? "100000");
        var interactions = int.Parse(Get("--interactions") ?? "1000000");
        var ootds = int.Parse(Get("--ootds") ?? "50000");
        var ingest = int.Parse(Get("--ingest") ?? "20000");
        var feeds = int.Parse(Get("--feeds") ?? "2000");
        var concurrency = int.Parse(Get("--concurrency") ?? "32");
        Console.WriteLine($"recommender benchmark: {Environment.ProcessorCount} cores, .NET {Environment.Version}");
        if (!args.Contains("--skip-serving")) await ServingAsync(ingest, feeds, concurrency, !args.Contains("--skip-http"));
        if (!args.Contains("--skip-nightly")) await NightlyAsync(users, interactions, ootds);
        return 0;
    }

    // ------------------------------------------------------------------ serving: ingest and feed

    private static async Task ServingAsync(int ingest, int feeds, int concurrency, bool http)
    {
        var cs = await ScratchDatabase.CreateAsync();
        IHost? host = null;
        FeedGateway? gateway = null;
        try
        {
            await using (var db = NpgsqlDataSource.Create(cs)) await new Migrator().ApplyAsync(db);
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.UseOrleans(silo =>
            {
                // Membership in PostgreSQL (as deployed), so the HTTP gateway's Orleans client finds this silo's gateway port.
                silo.ConfigureEndpoints(IPAddress.Loopback, 23000 + Random.Shared.Next(1000), 41000 + Random.Shared.Next(1000));
                silo.UseAdoNetClustering(o => { o.Invariant = SiloHosting.AdoInvariant; o.ConnectionString = cs; });
                silo.Configure<ClusterOptions>(o => { o.ClusterId = ClusterId; o.ServiceId = ClusterId; });
                silo.AddOotdProviders(cs);
                silo.Services.Configure<InferenceOptions>(o => { o.LoadOnStart = false; o.Gpu = "false"; o.IntraOpThreads = 1; });
                silo.Services.Configure<RecommenderServingOptions>(o => o.Nightly = false);
            });
            host = builder.Build();
            await host.StartAsync();
            var grains = host.Services.GetRequiredService<IGrainFactory>();

            // A small world: 40 authors with 10 analysed posts each (two style directions), 400 viewers following 5 authors.
            var setup = Stopwatch.StartNew();
            var authors = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => NewUser(grains)));
            var viewers = await Task.WhenAll(Enumerable.Range(0, 400).Select(_ => NewUser(grains)));
            var posts = new List<Guid>();
            var seed = 0;
            foreach (var author in authors)
            {
                for (var i = 0; i < 10; i++) posts.Add(await PostReady(grains, author, seed % 2, seed++));
            }
            for (var i = 0; i < viewers.Length; i++)
                for (var k = 0; k < 5; k++) await grains.GetGrain<IUserGrain>(viewers[i]).Follow(authors[(i + k * 7) % authors.Length]);
            await Eventually(async () => (await Task.WhenAll(posts.Select(p => grains.GetGrain<IOotdGrain>(p).GetStyle()))).All(s => s is not null));
            Console.WriteLine($"  setup: {authors.Length} authors, {viewers.Length} viewers, {posts.Count} Ready OOTDs in {setup.Elapsed.TotalSeconds:F1} s");

            var random = new Random(1);
            var events = Enumerable.Range(0, ingest).Select(_ => (User: viewers[random.Next(viewers.Length)], Ootd: posts[random.Next(posts.Count)],
                Kind: random.NextDouble() < 0.2 ? InteractionKind.Like : InteractionKind.View)).ToArray();
            // Warm-up: activate every grain involved.
            await Load(concurrency, viewers.Length, i => grains.GetGrain<IUserGrain>(viewers[i]).Exists());
            await Load(concurrency, viewers.Length, i => grains.GetGrain<IUserGrain>(viewers[i]).GetTaste());
            await Load(concurrency, posts.Count, i => grains.GetGrain<IOotdGrain>(posts[i]).GetStyle());

            var bare = await Load(concurrency, ingest, i => grains.GetGrain<IUserGrain>(events[i].User).Exists());
            var rec = await Load(concurrency, ingest, i => grains.GetGrain<IUserGrain>(events[i].User).RecordTaste(new TasteEvent(events[i].Ootd, events[i].Kind, Clock.UtcNow())));
            var bare2 = await Load(concurrency, ingest, i => grains.GetGrain<IUserGrain>(events[i].User).Exists());
            var fullCount = Math.Min(ingest, 5000);
            var full = await Load(concurrency, fullCount, i => grains.GetGrain<IOotdGrain>(events[i].Ootd).RecordView(events[i].User));
            var bareWide = await Load(4 * concurrency, ingest, i => grains.GetGrain<IUserGrain>(events[i].User).Exists());
            // The baseline is the best of the bare runs: every ratio below is of the fastest configuration measured.
            var bareRate = new[] { bare, bare2, bareWide }.Max(t => ingest / t.TotalSeconds);
            Console.WriteLine($"  ingest ({concurrency} in flight, {ingest:N0} calls each):");
            Console.WriteLine($"    bare grain call (IUserGrain.Exists), best     {bareRate,12:N0} calls/s   (before {ingest / bare.TotalSeconds:N0}, after {ingest / bare2.TotalSeconds:N0}, {4 * concurrency} in flight {ingest / bareWide.TotalSeconds:N0})");
            Console.WriteLine($"    recommender ingest (IUserGrain.RecordTaste)   {ingest / rec.TotalSeconds,12:N0} interactions/s   ratio {ingest / rec.TotalSeconds / bareRate:F2} of the best bare");
            Console.WriteLine($"    full view path (IOotdGrain.RecordView, {fullCount:N0}) {fullCount / full.TotalSeconds,8:N0} interactions/s   ratio {fullCount / full.TotalSeconds / bareRate:F2} of the best bare (log row + user state write + hooks)");

            var batch = await grains.GetGrain<IRecommenderBatchGrain>(0).RunNow();
            Console.WriteLine($"  nightly on this world: {batch.Users} users, {batch.Interactions:N0} interactions, {batch.Seconds:F2} s");

            await Load(concurrency, viewers.Length, i => grains.GetGrain<IFeedGrain>(viewers[i]).GetFeed(null, 20));   // warm
            string[] tokens = [];
            if (http)
            {
                var started = Stopwatch.StartNew();
                gateway = await FeedGateway.StartAsync(cs, ClusterId, ClusterId, concurrency);
                tokens = viewers.Select(gateway.TokenFor).ToArray();
                var g = gateway;
                await Load(concurrency, viewers.Length, i => g.GetFeedAsync(tokens[i], null, PageSize));   // warm
                Console.WriteLine($"  gateway: Kestrel on {gateway.BaseAddress} (ephemeral port), JWT bearer auth, Orleans client over loopback TCP; ready and warm in {started.Elapsed.TotalSeconds:F1} s");
            }

            Console.WriteLine($"  feed, side by side ({PageSize} entries a page):");
            Console.WriteLine("    grain  = IFeedGrain.GetFeed(null, 20) from the silo's co-hosted client (the call behind GET /api/v1/feed), a fresh computation each time");
            if (http)
            {
                Console.WriteLine("    HTTP 1 = GET /api/v1/feed?limit=20 with a real JWT (auth + deleted-account check + GetFeed + 20 IOotdGrain.Get + JSON), a fresh computation each time");
                Console.WriteLine("    HTTP 2 = the same caller's next page with page 1's cursor (served from the feed computed for page 1)");
            }
            foreach (var inFlight in new[] { 1, 4, concurrency })
            {
                var count = inFlight == 1 ? Math.Min(feeds, 300) : feeds;
                var latencies = new double[count];
                var feedTime = await Load(inFlight, count, async i =>
                {
                    var watch = Stopwatch.StartNew();
                    await grains.GetGrain<IFeedGrain>(viewers[i % viewers.Length]).GetFeed(null, PageSize);
                    latencies[i] = watch.Elapsed.TotalMilliseconds;
                });
                Console.WriteLine($"    {inFlight,3} in flight  grain   {count,5:N0} calls     {Figures(latencies)}   {count / feedTime.TotalSeconds,6:N0} feeds/s");
                if (gateway is null) continue;

                var first = new double[count];
                var second = new double[count];
                var entries = new int[count];
                var pages = 0;
                var g = gateway;
                var httpTime = await Load(inFlight, count, async i =>
                {
                    var viewer = i % viewers.Length;
                    var page1 = await g.GetFeedAsync(tokens[viewer], null, PageSize);
                    first[i] = page1.Ms;
                    entries[i] = page1.Entries;
                    second[i] = double.NaN;
                    if (page1.NextCursor is { } cursor)
                    {
                        second[i] = (await g.GetFeedAsync(tokens[viewer], cursor, PageSize)).Ms;
                        Interlocked.Increment(ref pages);
                    }
                });
                var requests = count + pages;
                Console.WriteLine($"    {inFlight,3} in flight  HTTP 1  {count,5:N0} requests  {Figures(first)}   (mean {entries.Average():F1} entries)");
                Console.WriteLine($"    {inFlight,3} in flight  HTTP 2  {pages,5:N0} requests  {Figures(second.Where(x => !double.IsNaN(x)).ToArray())}   " +
                    $"{requests / httpTime.TotalSeconds,6:N0} requests/s (pages 1 and 2 together)");
            }
        }
        finally
        {
            if (gateway is not null) await gateway.DisposeAsync();
            if (host is not null) { await host.StopAsync(); host.Dispose(); }
            await ScratchDatabase.DropAsync(cs);
        }
    }

    private const string ClusterId = "bench";
    private const int PageSize = 20;

    /// <summary>p50 / p95 / p99 of the latencies (sorted in place).</summary>
    private static string Figures(double[] latencies)
    {
        Array.Sort(latencies);
        return $"p50 {Stats.Percentile(latencies, 0.50),7:F1} ms   p95 {Stats.Percentile(latencies, 0.95),7:F1} ms   p99 {Stats.Percentile(latencies, 0.99),7:F1} ms";
    }

    private static async Task<Guid> NewUser(IGrainFactory grains)
    {
        var id = Guid.NewGuid();
        var random = new Random(id.GetHashCode());
        await grains.GetGrain<IUserGrain>(id).Create($"b{id:N}"[..20],
            new ProfileData("Bench", (Gender)random.Next(1, 3), 1970 + random.Next(40), BodyShape.Unspecified, ["street"]));
        return id;
    }

    private static async Task<Guid> PostReady(IGrainFactory grains, Guid author, int style, int seed)
    {
        var id = Guid.NewGuid();
        await grains.GetGrain<IOotdGrain>(id).Publish(new NewOotd(author, new PhotoRef(new string('b', 64), "image/jpeg", 800, 1200), "look", ["look"]));
        var random = new Random(seed);
        float Noise() => (float)(random.NextDouble() - 0.5) * 0.2f;
        var probabilities = Enumerable.Range(0, 32).Select(i => (i == style ? 1f : 0f) + Math.Abs(Noise())).ToArray();
        var attributes = Enumerable.Range(0, 8).Select(i => (i % 2 == style ? 1f : 0f) + Math.Abs(Noise())).ToArray();
        var embedding = Enumerable.Range(0, 128).Select(i => (i / 16 == style * 4 ? 1f : 0f) + Noise()).ToArray();
        var item = new OotdItem(new ItemBox(0, 0, 10, 10), "top", 1, style == 0 ? "tshirt" : "shirt_blouse", 1, 1, [], [], "#000000");
        await grains.GetGrain<IOotdAnalysisTarget>(id).ApplyAnalysis(1, AnalysisResult.Ok(new PhotoAnalysis(800, 1200, "jpeg", (ulong)seed,
            [new AnalysedItem(item, new ItemVectors(embedding, probabilities, attributes, []))], "cpu")));
        return id;
    }

    // ------------------------------------------------------------------ nightly recompute at scale

    private static async Task NightlyAsync(int users, int interactions, int ootds)
    {
        var cs = await ScratchDatabase.CreateAsync();
        try
        {
            await using var db = NpgsqlDataSource.Create(cs);
            await new Migrator().ApplyAsync(db);
            var fill = Stopwatch.StartNew();
            await FillAsync(db, users, interactions, ootds);
            Console.WriteLine($"  nightly: synthetic rows written in {fill.Elapsed.TotalSeconds:F1} s ({users:N0} users, {interactions:N0} interactions, {ootds:N0} OOTDs, 64-d styles)");
            var recompute = new NightlyRecompute(db, Options.Create(new RecommenderServingOptions()));
            var before = GC.GetTotalAllocatedBytes();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            var result = await recompute.RunAsync(DateTimeOffset.UtcNow);
            var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            var r = result.Report;
            Console.WriteLine($"  nightly recompute: {watch.Elapsed.TotalSeconds:F1} s wall, {cpuSeconds:F1} s CPU of this process (PostgreSQL's not counted), for {r.Users:N0} users, {r.Interactions:N0} interactions, {r.Ootds:N0} OOTDs " +
                $"→ {r.NeighbourLists:N0} neighbour lists, {r.CuratedLists} curated lists; allocated {(GC.GetTotalAllocatedBytes() - before) / 1e9:F1} GB, peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1e9:F2} GB");
            Console.WriteLine("    phases: " + string.Join(", ", result.Phases.Select(p => $"{p.Phase} {p.Seconds:F1} s")));
        }
        finally
        {
            await ScratchDatabase.DropAsync(cs);
        }
    }

    private static async Task FillAsync(NpgsqlDataSource db, int users, int interactions, int ootds)
    {
        var random = new Random(42);
        var now = DateTime.UtcNow;
        var userIds = Enumerable.Range(0, users).Select(_ => Guid.NewGuid()).ToArray();
        var authors = userIds.Take(Math.Max(1, users / 20)).ToArray();
        var ootdIds = Enumerable.Range(0, ootds).Select(_ => Guid.NewGuid()).ToArray();
        var postedAt = ootdIds.Select(_ => now.AddDays(-random.NextDouble() * 30)).ToArray();
        var authorOf = ootdIds.Select(_ => authors[random.Next(authors.Length)]).ToArray();
        await using var connection = await db.OpenConnectionAsync();
        await using (var w = await connection.BeginBinaryImportAsync("COPY rec_users (user_id, segment, style_tags) FROM STDIN (FORMAT BINARY)"))
        {
            string[] genders = ["female", "male", "other"];
            string[] bands = ["18-24", "25-34", "35-44", "45-54"];
            string[] tags = ["street", "minimal", "formal", "vintage", "sporty", "boho"];
            foreach (var u in userIds)
            {
                await w.StartRowAsync();
                await w.WriteAsync(u, NpgsqlDbType.Uuid);
                await w.WriteAsync($"{genders[random.Next(3)]}/{bands[random.Next(4)]}", NpgsqlDbType.Text);
                await w.WriteAsync(new[] { tags[random.Next(6)], tags[random.Next(6)] }, NpgsqlDbType.Array | NpgsqlDbType.Text);
            }
            await w.CompleteAsync();
        }
        await using (var w = await connection.BeginBinaryImportAsync("COPY ootd_posts (ootd_id, author_id, media_id, created_at) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < ootds; i++)
            {
                await w.StartRowAsync();
                await w.WriteAsync(ootdIds[i], NpgsqlDbType.Uuid);
                await w.WriteAsync(authorOf[i], NpgsqlDbType.Uuid);
                await w.WriteAsync("m", NpgsqlDbType.Text);
                await w.WriteAsync(postedAt[i], NpgsqlDbType.TimestampTz);
            }
            await w.CompleteAsync();
        }
        var styleOf = new int[ootds];
        await using (var w = await connection.BeginBinaryImportAsync("COPY ootd_styles (ootd_id, author_id, created_at, style, tags) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < ootds; i++)
            {
                styleOf[i] = random.Next(8);
                var style = new float[64];
                for (var d = 0; d < 64; d++) style[d] = (d / 8 == styleOf[i] ? 1f : 0f) + (float)(random.NextDouble() - 0.5) * 0.3f;
                await w.StartRowAsync();
                await w.WriteAsync(ootdIds[i], NpgsqlDbType.Uuid);
                await w.WriteAsync(authorOf[i], NpgsqlDbType.Uuid);
                await w.WriteAsync(postedAt[i], NpgsqlDbType.TimestampTz);
                await w.WriteAsync(style, NpgsqlDbType.Array | NpgsqlDbType.Real);
                await w.WriteAsync(new[] { "look" }, NpgsqlDbType.Array | NpgsqlDbType.Text);
            }
            await w.CompleteAsync();
        }
        await using (var w = await connection.BeginBinaryImportAsync("COPY follows (follower_id, followee_id) FROM STDIN (FORMAT BINARY)"))
        {
            var edges = new HashSet<(Guid, Guid)>();
            while (edges.Count < users * 3)
            {
                var a = userIds[random.Next(users)];
                var b = authors[(int)Math.Min(authors.Length - 1, authors.Length * Math.Pow(random.NextDouble(), 2))];   // skewed: some authors are popular
                if (a != b) edges.Add((a, b));
            }
            foreach (var (a, b) in edges)
            {
                await w.StartRowAsync();
                await w.WriteAsync(a, NpgsqlDbType.Uuid);
                await w.WriteAsync(b, NpgsqlDbType.Uuid);
            }
            await w.CompleteAsync();
        }
        // Interactions: each user prefers one style; OOTD popularity is skewed (square of a uniform).
        var byStyle = Enumerable.Range(0, 8).Select(s => Enumerable.Range(0, ootds).Where(i => styleOf[i] == s).ToArray()).ToArray();
        await using (var w = await connection.BeginBinaryImportAsync("COPY interactions (user_id, kind, target_id, at) FROM STDIN (FORMAT BINARY)"))
        {
            for (var n = 0; n < interactions; n++)
            {
                var u = random.Next(users);
                var pool = random.NextDouble() < 0.7 ? byStyle[u % 8] : byStyle[random.Next(8)];
                var o = pool[(int)(pool.Length * Math.Pow(random.NextDouble(), 2))];
                var at = postedAt[o].AddDays(random.NextDouble() * Math.Max(0.01, (now - postedAt[o]).TotalDays));
                await w.StartRowAsync();
                await w.WriteAsync(userIds[u], NpgsqlDbType.Uuid);
                await w.WriteAsync((short)(random.NextDouble() < 0.2 ? InteractionKind.Like : InteractionKind.View), NpgsqlDbType.Smallint);
                await w.WriteAsync(ootdIds[o].ToString(), NpgsqlDbType.Text);
                await w.WriteAsync(at, NpgsqlDbType.TimestampTz);
            }
            await w.CompleteAsync();
        }
        await using var analyze = new NpgsqlCommand("ANALYZE", connection);
        await analyze.ExecuteNonQueryAsync();
    }

    // ------------------------------------------------------------------ helpers

    private static async Task<TimeSpan> Load(int inFlight, int count, Func<int, Task> call)
    {
        var next = -1;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count) await call(i);
        }));
        return watch.Elapsed;
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < deadline && !await condition()) await Task.Delay(100);
    }
}
