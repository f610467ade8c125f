using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Ootd.Benchmarks.Recommendation;
using Ootd.Grains.Common;
using Ootd.Grains.Inference;
using Ootd.Grains.Ootds;
using Ootd.Grains.Recommendation;
using Ootd.Grains.Search;
using Ootd.Grains.Users;
using Ootd.Inference.Hosting;
using Ootd.Silo;
using Ootd.Silo.Database;
using Orleans.Configuration;

namespace Ootd.Benchmarks.ReadPaths;

/// <summary>
/// readpaths benchmark (issue 14): the platform's read and interaction routes against a bare ASP.NET Core minimal-API
/// endpoint, side by side in one run, with <c>wrk</c> (Debian package) over loopback.
/// One process hosts a silo (PostgreSQL membership, storage and reminders in a scratch database), the real gateway
/// (<see cref="FeedGateway"/>: Kestrel, JWT bearer auth, an Orleans client over loopback TCP) and the bare endpoint
/// (Kestrel, a 20-entry JSON page of the same shape as a post list). The world: a catalogue of products (rows and
/// vectors in item_vectors, so the search shards build from them), users with accounts and profiles, posts with
/// analyses applied through the post grain's own <see cref="IOotdAnalysisTarget.ApplyAnalysis"/> (three items each,
/// embeddings near the products', so every item has similar products), and a follower graph with a few celebrities.
/// Every route runs <c>wrk -t2 -c64 -d12s --latency</c> (and the post read also at 200 connections); the table gives
/// req/s, p50/p99, the count of non-2xx answers and the share of the bare endpoint's req/s.
/// </summary>
public static class ReadPathsBenchmark
{
    private const string ClusterId = "readpaths";
    private static readonly (string Super, string Sub)[] Kinds =
    [
        ("top", "tshirt"), ("top", "shirt_blouse"), ("bottom", "jeans"), ("bottom", "skirt"), ("shoes", "sneakers"), ("shoes", "boots"),
        ("outer", "jacket"), ("bag", "handbag_tote"),
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        string? Get(string name) { var i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }
        if (args.Contains("--help"))
        {
            Console.WriteLine("readpaths [--users 2000] [--posts 2000] [--products 2000] [--celebrities 5] [--likes-per-user 3] [--seconds 12] [--warmup 3 (seconds of wrk before each measurement)] [--paired 4 (4-s slices alternating the bare page and each read route at the default connections; 0: none)] [--garments 1 (0: seeded posts without garments)] [--threads 2] [--connections 64] [--routes profile,followprofile,likeprofile,bare,barefeed,user,post,post200,userposts,userposts200,feed,feed64,feed200,feed200u,feed64full,weekly,weekly200,segment,segment200,hashtag,hashtag200,like,view,follow,memory,fanout] [--fanout-followers 10000] [--fanout-streams 1000] [--fanout-limit N] [--memory-users 4000] [--memory-posts 2000] [--memory-step N (a sample every N users)] [--memory-age MINUTES (per-user and per-post grains' idle age for the run)] [--memory-idle SECONDS (a sample after the users were idle this long)] [--silo-port P (silo gateway P+1, API P+2, bare endpoint P+3)]");
            return 0;
        }
        var users = int.Parse(Get("--users") ?? "2000", CultureInfo.InvariantCulture);
        var postCount = int.Parse(Get("--posts") ?? "2000", CultureInfo.InvariantCulture);
        var productCount = int.Parse(Get("--products") ?? "2000", CultureInfo.InvariantCulture);
        var celebrities = int.Parse(Get("--celebrities") ?? "5", CultureInfo.InvariantCulture);
        var seconds = int.Parse(Get("--seconds") ?? "12", CultureInfo.InvariantCulture);
        var warmUp = int.Parse(Get("--warmup") ?? "3", CultureInfo.InvariantCulture);
        // --paired N: after a read route's measurement at the default connections, N slices of 4 s alternate the bare
        // page and the route (bare, route, route, bare, …), and the paired share divides the route's mean by the bare
        // page's mean over those slices: a ratio measured beside the bare page, not minutes away from it.
        var paired = int.Parse(Get("--paired") ?? "4", CultureInfo.InvariantCulture);
        // --garments 0: seeded posts without the garments the garment-presence head gives every outfit post (for a
        // side-by-side of what reading them with the style rows costs); default 1, as the pipeline stores posts now.
        s_garmentLabels = Get("--garments") == "0" ? [] : SeededGarmentLabels();
        var threads = int.Parse(Get("--threads") ?? "2", CultureInfo.InvariantCulture);
        var connections = int.Parse(Get("--connections") ?? "64", CultureInfo.InvariantCulture);
        var fanOutFollowers = int.Parse(Get("--fanout-followers") ?? "10000", CultureInfo.InvariantCulture);
        var fanOutStreams = int.Parse(Get("--fanout-streams") ?? "1000", CultureInfo.InvariantCulture);
        // --silo-port P: the silo listens on P, its gateway on P + 1, the API on P + 2 and the bare endpoint on P + 3 (machines shared by several people hand out port ranges).
        var siloPort = Get("--silo-port") is { } portText ? int.Parse(portText, CultureInfo.InvariantCulture) : (int?)null;
        var memoryUsers = int.Parse(Get("--memory-users") ?? "4000", CultureInfo.InvariantCulture);
        var memoryPosts = int.Parse(Get("--memory-posts") ?? "2000", CultureInfo.InvariantCulture);
        var memoryStep = int.Parse(Get("--memory-step") ?? "0", CultureInfo.InvariantCulture);
        var likesPerUser = int.Parse(Get("--likes-per-user") ?? "3", CultureInfo.InvariantCulture);
        var memoryIdle = int.Parse(Get("--memory-idle") ?? "0", CultureInfo.InvariantCulture);
        var memoryAge = Get("--memory-age") is { } ageText ? int.Parse(ageText, CultureInfo.InvariantCulture) : (int?)null;
        var fanOutLimit = Get("--fanout-limit") is { } limitText ? int.Parse(limitText, CultureInfo.InvariantCulture) : (int?)null;
        var routes = (Get("--routes") ?? "profile,bare,user,post,post200,userposts,feed,feed64,weekly,hashtag,like,view,follow,memory,fanout").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
        if (Which("wrk") is null)
        {
            Console.Error.WriteLine("readpaths needs wrk on the PATH (Debian: apt-get install -y wrk)");
            return 2;
        }

        Console.WriteLine($"readpaths benchmark: {Environment.ProcessorCount} cores, .NET {Environment.Version}, load average {File.ReadAllText("/proc/loadavg").Trim()}");
        var cs = await ScratchDatabase.CreateAsync();
        IHost? host = null;
        FeedGateway? gateway = null;
        WebApplication? bare = null;
        var work = Directory.CreateTempSubdirectory("readpaths-");
        try
        {
            await using (var db = NpgsqlDataSource.Create(cs)) await new Migrator().ApplyAsync(db);
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning);
            builder.Configuration["Logging:LogLevel:Default"] = "Warning";
            builder.Configuration["Logging:LogLevel:Polly"] = "Warning";
            // A run activating more users than the default idle age lets stay (the first ones would be collected while
            // the last ones are activated) sets a longer age, so all of them are resident when the working set is read.
            if (memoryAge is { } minutes) builder.Configuration[GrainAges.PerUserAndPostKey] = TimeSpan.FromMinutes(minutes).ToString("c", CultureInfo.InvariantCulture);
            builder.UseOrleans(silo =>
            {
                silo.ConfigureEndpoints(IPAddress.Loopback, siloPort ?? 24000 + Random.Shared.Next(1000), siloPort + 1 ?? 42000 + Random.Shared.Next(1000));
                silo.UseAdoNetClustering(o => { o.Invariant = SiloHosting.AdoInvariant; o.ConnectionString = cs; });
                silo.Configure<ClusterOptions>(o => { o.ClusterId = ClusterId; o.ServiceId = ClusterId; });
                silo.AddOotdProviders(cs);
                silo.Services.Configure<InferenceOptions>(o => { o.LoadOnStart = false; o.Gpu = "false"; o.IntraOpThreads = 1; });
                silo.Services.Configure<RecommenderServingOptions>(o =>
                {
                    o.Nightly = false;
                    if (fanOutLimit is { } limit) o.FanOutFollowerLimit = limit;
                });
            });
            host = builder.Build();
            await host.StartAsync();
            var grains = host.Services.GetRequiredService<IGrainFactory>();

            var setup = Stopwatch.StartNew();
            await using (var db = NpgsqlDataSource.Create(cs)) await SeedCatalogAsync(db, productCount);
            var userIds = Enumerable.Range(0, users).Select(_ => Guid.NewGuid()).ToArray();
            await Load(16, users, i => NewUser(grains, userIds[i], i));
            await using (var db = NpgsqlDataSource.Create(cs)) await SeedAccountsAsync(db, userIds);
            // Authors: the celebrities and a fifth of the users; posts spread over them (celebrities 10 each).
            var authors = userIds.Take(Math.Max(celebrities + 1, users / 5)).ToArray();
            var postAuthors = new List<Guid>();
            for (var c = 0; c < celebrities; c++) postAuthors.AddRange(Enumerable.Repeat(authors[c], 10));
            for (var i = 0; postAuthors.Count < postCount; i++) postAuthors.Add(authors[celebrities + i % (authors.Length - celebrities)]);
            var posts = new Guid[postAuthors.Count];
            await Load(16, posts.Length, async i => posts[i] = await PostReady(grains, postAuthors[i], i));
            // Follows: everyone follows every celebrity with probability 0.5 and 5 other authors.
            var random = new Random(7);
            var follows = new List<(Guid Follower, Guid Followee)>();
            foreach (var u in userIds)
            {
                for (var c = 0; c < celebrities; c++) if (u != authors[c] && random.NextDouble() < 0.5) follows.Add((u, authors[c]));
                for (var k = 0; k < 5; k++) { var a = authors[random.Next(authors.Length)]; if (a != u) follows.Add((u, a)); }
            }
            await Load(16, follows.Count, i => grains.GetGrain<IUserGrain>(follows[i].Follower).Follow(follows[i].Followee));
            // Likes: each user likes --likes-per-user random posts, so the batch's curated lists (weekly best, each
            // segment's best) and the users' tastes come from interactions, as on a platform in use.
            var likes = userIds.SelectMany(u => Enumerable.Range(0, likesPerUser).Select(_ => (User: u, Post: posts[random.Next(posts.Length)]))).ToList();
            await Load(16, likes.Count, i => grains.GetGrain<IOotdGrain>(likes[i].Post).Like(likes[i].User));
            await Eventually(async () => (await Task.WhenAll(posts.Select(p => grains.GetGrain<IOotdGrain>(p).GetStyle()))).All(s => s is not null));
            // The readers' tastes read once (as for users already active): a taste's first read mirrors its segment
            // and tags to rec_users, which the batch's change mark reads; done before the batch, the interval run
            // (every Recommender:BatchIntervalSeconds when something changed) does not start again in the middle of
            // the routes and drop every computed list at once because of the setup.
            await Load(16, Math.Min(users, 500), i => grains.GetGrain<IUserGrain>(userIds[i]).GetOwnTaste());
            await Task.Delay(TimeSpan.FromSeconds(3));   // Social:RecentFlushSeconds (2 s) writes behind
            var batch = await grains.GetGrain<IRecommenderBatchGrain>(0).RunNow();
            Console.WriteLine($"  setup: {productCount:N0} products, {users:N0} users, {posts.Length:N0} Ready posts (3 items each), {follows.Count:N0} follows " +
                $"({celebrities} celebrities with ~{users / 2:N0} followers each), {likes.Count:N0} likes; batch over {batch.Interactions:N0} interactions; {setup.Elapsed.TotalSeconds:F0} s");

            gateway = await FeedGateway.StartAsync(cs, ClusterId, ClusterId, connections, siloPort + 2);
            var tokens = userIds.Select(gateway.TokenFor).ToArray();
            bare = await StartBareAsync(siloPort + 3);
            var bareUrl = bare.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
            var api = gateway.BaseAddress.ToString().TrimEnd('/');
            Console.WriteLine($"  gateway {api}, bare endpoint {bareUrl}/bare; wrk -t{threads} -d{seconds}s --latency, each route after a {warmUp} s warm-up at the same settings");

            if (routes.Contains("profile")) await ProfileAsync(grains, gateway, posts, userIds);
            if (routes.Contains("followprofile")) await FollowProfileAsync(host.Services, gateway, userIds, authors, celebrities);
            if (routes.Contains("likeprofile")) await LikeProfileAsync(host.Services, gateway, userIds, posts);

            // The setup leaves work behind (taste updates of the seeded likes, the interval batch, PostgreSQL's own, tiered
            // JIT): routes are measured once the machine has been nearly idle (under a fifth of its CPU time busy, from
            // /proc/stat) for a second, at most 90 s.
            static (long Busy, long All) CpuTimes()
            {
                var f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
                var all = f.Sum();
                return (all - f[3] - (f.Length > 4 ? f[4] : 0), all);
            }
            var settle = Stopwatch.StartNew();
            while (settle.Elapsed < TimeSpan.FromSeconds(90))
            {
                var before = CpuTimes();
                await Task.Delay(1000);
                var after = CpuTimes();
                if (after.All > before.All && (after.Busy - before.Busy) < 0.2 * (after.All - before.All)) break;
            }
            Console.WriteLine($"  settled after {settle.Elapsed.TotalSeconds:F0} s (load average {File.ReadAllText("/proc/loadavg").Trim()})");

            // Requests: reads rotate over many callers and targets (each wrk thread starts at its own place in the list).
            var viewers = Enumerable.Range(0, Math.Min(users, 500)).ToArray();
            var somePosts = Enumerable.Range(0, Math.Min(posts.Length, 500)).Select(i => posts[(i * 7) % posts.Length]).ToArray();
            var table = new List<Row>();
            async Task Measure(string key, string label, string method, IReadOnlyList<(string Path, string? Token)> requests, int conns, string baseUrl, Func<Task>? prepare = null)
            {
                if (!routes.Contains(key)) return;
                if (prepare is not null) await prepare();
                var script = Path.Combine(work.FullName, key + ".lua");
                await File.WriteAllTextAsync(script, Lua(method, requests));
                await Wrk(baseUrl, script, threads, conns, warmUp);   // warm-up
                var r = await Wrk(baseUrl, script, threads, conns, seconds);
                double? share = null;
                if (method == "GET" && baseUrl == api && conns == connections && paired > 0)
                {
                    if (prepare is not null) await prepare();
                    share = await PairedShare(script);
                }
                table.Add(new Row(label, conns, r, share));
                Console.WriteLine($"    {label,-58} {conns,4}  {r.RequestsPerSecond,9:N0} req/s  p50 {r.P50Ms,7:F1} ms  p99 {r.P99Ms,7:F1} ms  non-2xx {r.Non2xx}  {r.BytesPerResponse / 1024,6:F1} KB a response" +
                    (share is { } s ? $"  paired share {s:F3}" : ""));
            }

            // The route and the bare page in turns of 4 s (both already warm), in the order bare, route, route, bare, …
            // so that each follows the other equally often; the share is the ratio of their mean req/s.
            async Task<double?> PairedShare(string script)
            {
                var bareScript = Path.Combine(work.FullName, "paired-bare.lua");
                if (!File.Exists(bareScript)) await File.WriteAllTextAsync(bareScript, Lua("GET", [("/bare", null)]));
                double routeSum = 0, bareSum = 0;
                for (var i = 0; i < paired; i++)
                {
                    var order = i % 2 == 0 ? new[] { false, true } : [true, false];
                    foreach (var route in order)
                    {
                        var slice = await Wrk(route ? api : bareUrl, route ? script : bareScript, threads, connections, 4);
                        if (route) routeSum += slice.RequestsPerSecond; else bareSum += slice.RequestsPerSecond;
                    }
                }
                return bareSum > 0 ? routeSum / bareSum : null;
            }

            await Measure("bare", "bare minimal API, 20-entry JSON page", "GET", [("/bare", null)], connections, bareUrl);
            await Measure("barefeed", "bare minimal API, a page of the feed's shape and size", "GET", [("/bare-feed", null)], connections, bareUrl);
            await Measure("user", "GET /api/v1/users/{id}", "GET",
                viewers.Select(v => ($"/api/v1/users/{userIds[(v * 13) % users]}", (string?)tokens[v])).ToList(), connections, api);
            await Measure("post", "GET /api/v1/ootds/{id} (ready posts, 3 items)", "GET",
                viewers.Select(v => ($"/api/v1/ootds/{somePosts[v % somePosts.Length]}", (string?)tokens[v])).ToList(), connections, api);
            await Measure("post200", "GET /api/v1/ootds/{id} (ready posts, 3 items)", "GET",
                viewers.Select(v => ($"/api/v1/ootds/{somePosts[v % somePosts.Length]}", (string?)tokens[v])).ToList(), 200, api);
            await Measure("userposts", "GET /api/v1/users/{id}/ootds?limit=20", "GET",
                viewers.Select(v => ($"/api/v1/users/{authors[v % authors.Length]}/ootds?limit=20", (string?)tokens[v])).ToList(), connections, api);
            await Measure("userposts200", "GET /api/v1/users/{id}/ootds?limit=20", "GET",
                viewers.Select(v => ($"/api/v1/users/{authors[v % authors.Length]}/ootds?limit=20", (string?)tokens[v])).ToList(), 200, api);
            await Measure("feed", "GET /api/v1/feed?limit=20 (500 users)", "GET",
                viewers.Select(v => ("/api/v1/feed?limit=20", (string?)tokens[v])).ToList(), connections, api);
            // The feed routes measure reading a computed list (what a first page read again, and every cursor page,
            // costs): each reader's list is computed afresh before the warm-up (and again before the paired slices), so
            // the measurement does not also time the computations (the profile route times those: IFeedGrain.GetFeed(null,
            // 20), a fresh list). Lists computed in the same second also expire in the same second
            // (Recommender:FeedReuseSeconds), and 64 computations at once in a measured window are a stampede no set of
            // real readers makes; computed afresh, no list expires within a route's window.
            Func<Task> Lists(int readers) => () => Load(16, readers, async i =>
            {
                var feed = grains.GetGrain<IFeedGrain>(userIds[viewers[i]]);
                await feed.FolloweesChanged();
                await feed.GetFeed(null, 20);
            });
            await Measure("feed64", "GET /api/v1/feed?limit=20 (64 users, one a connection)", "GET",
                viewers.Take(64).Select(v => ("/api/v1/feed?limit=20", (string?)tokens[v])).ToList(), connections, api, Lists(64));
            await Measure("feed200", "GET /api/v1/feed?limit=20 (64 users, 200 connections)", "GET",
                viewers.Take(64).Select(v => ("/api/v1/feed?limit=20", (string?)tokens[v])).ToList(), 200, api, Lists(64));
            await Measure("feed200u", "GET /api/v1/feed?limit=20 (200 users, one a connection)", "GET",
                viewers.Take(200).Select(v => ("/api/v1/feed?limit=20", (string?)tokens[v])).ToList(), 200, api, Lists(200));
            await Measure("feed64full", "GET /api/v1/feed?limit=20&include=similarProducts (64 users)", "GET",
                viewers.Take(64).Select(v => ("/api/v1/feed?limit=20&include=similarProducts", (string?)tokens[v])).ToList(), connections, api);
            await Measure("weekly", "GET /api/v1/explore/weekly-best?limit=20", "GET",
                viewers.Select(v => ("/api/v1/explore/weekly-best?limit=20", (string?)tokens[v])).ToList(), connections, api);
            await Measure("weekly200", "GET /api/v1/explore/weekly-best?limit=20", "GET",
                viewers.Select(v => ("/api/v1/explore/weekly-best?limit=20", (string?)tokens[v])).ToList(), 200, api);
            await Measure("segment", "GET /api/v1/explore/segment-best?limit=20", "GET",
                viewers.Select(v => ("/api/v1/explore/segment-best?limit=20", (string?)tokens[v])).ToList(), connections, api);
            await Measure("segment200", "GET /api/v1/explore/segment-best?limit=20", "GET",
                viewers.Select(v => ("/api/v1/explore/segment-best?limit=20", (string?)tokens[v])).ToList(), 200, api);
            // Hashtag pages: the newest posts with each of the seeded tags ("look" on every post, "street" and
            // "minimal" on half each), read by the viewers (each page with the viewer's likedByMe / followingAuthor).
            string[] tags = ["look", "street", "minimal"];
            await Measure("hashtag", "GET /api/v1/hashtags/{tag}/ootds?limit=20", "GET",
                viewers.Select(v => ($"/api/v1/hashtags/{tags[v % tags.Length]}/ootds?limit=20", (string?)tokens[v])).ToList(), connections, api);
            await Measure("hashtag200", "GET /api/v1/hashtags/{tag}/ootds?limit=20", "GET",
                viewers.Select(v => ($"/api/v1/hashtags/{tags[v % tags.Length]}/ootds?limit=20", (string?)tokens[v])).ToList(), 200, api);
            // Writes: distinct (user, post) pairs, so nearly every request is a real write (a wrap-around repeats idempotently).
            var pairs = Enumerable.Range(0, 40_000).Select(i => (User: random.Next(users), Post: random.Next(posts.Length))).ToArray();
            await Measure("like", "PUT /api/v1/ootds/{id}/like (new likes)", "PUT",
                pairs.Select(p => ($"/api/v1/ootds/{posts[p.Post]}/like", (string?)tokens[p.User])).ToList(), connections, api);
            await Measure("view", "POST /api/v1/ootds/{id}/views (new views)", "POST",
                pairs.Select(p => ($"/api/v1/ootds/{posts[(p.Post + 1) % posts.Length]}/views", (string?)tokens[p.User])).ToList(), connections, api);
            await Measure("follow", "PUT /api/v1/users/{id}/follow (new follows)", "PUT",
                pairs.Where(p => (p.Post * 31 + 3) % users != p.User)
                    .Select(p => ($"/api/v1/users/{userIds[(p.Post * 31 + 3) % users]}/follow", (string?)tokens[p.User])).ToList(), connections, api);

            // The bare pages again after every route: the share columns divide by the better of the two measurements of
            // each, so a bare run slowed by work left over from the setup cannot flatter the routes.
            await Measure("bare", "bare minimal API, 20-entry JSON page (again, after the routes)", "GET", [("/bare", null)], connections, bareUrl);
            await Measure("barefeed", "bare minimal API, a page of the feed's shape and size (again, after the routes)", "GET", [("/bare-feed", null)], connections, bareUrl);

            if (routes.Contains("memory")) await MemoryAsync(grains, authors, celebrities, memoryUsers, memoryPosts, memoryStep, memoryIdle);
            if (routes.Contains("fanout"))
            {
                await using var db = NpgsqlDataSource.Create(cs);
                await FanOutAsync(grains, db, gateway, userIds, authors, celebrities, fanOutFollowers, fanOutStreams);
            }

            double? Best(string prefix) => table.Where(r => r.Label.StartsWith(prefix, StringComparison.Ordinal))
                .Select(r => (double?)r.Result.RequestsPerSecond).Max();
            var bareRate = Best("bare minimal API, 20");
            var bareFeedRate = Best("bare minimal API, a page");
            string Share(double rate, double? of) => of is > 0 ? (rate / of.Value).ToString("F3", CultureInfo.InvariantCulture) : "–";
            Console.WriteLine();
            Console.WriteLine($"| route | connections | req/s | p50 / p99 | non-2xx | KB a response | share of bare | share of the feed-size bare | paired share of bare |");
            Console.WriteLine("|---|---:|---:|---|---:|---:|---:|---:|---:|");
            foreach (var row in table)
            {
                Console.WriteLine($"| {row.Label.Replace("|", "\\|")} | {row.Connections} | {row.Result.RequestsPerSecond:N0} | {row.Result.P50Ms:F1} / {row.Result.P99Ms:F1} ms | {row.Result.Non2xx} | {row.Result.BytesPerResponse / 1024:F1} | {Share(row.Result.RequestsPerSecond, bareRate)} | {Share(row.Result.RequestsPerSecond, bareFeedRate)} | {(row.PairedShare is { } p ? p.ToString("F3", CultureInfo.InvariantCulture) : "–")} |");
            }
            Console.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
        }
        finally
        {
            if (bare is not null) await bare.DisposeAsync();
            if (gateway is not null) await gateway.DisposeAsync();
            if (host is not null) { await host.StopAsync(); host.Dispose(); }
            await ScratchDatabase.DropAsync(cs);
            work.Delete(recursive: true);
        }
        return 0;
    }

    /// <summary>
    /// Where a post read and a feed page spend their time: each part of the gateway's handler timed on its own,
    /// 16 calls in flight, over the same posts and callers (mean ms per call).
    /// </summary>
    private static async Task ProfileAsync(IGrainFactory grains, FeedGateway gateway, Guid[] posts, Guid[] users)
    {
        var cards = gateway.Services.GetRequiredService<Ootd.Api.Social.OotdCards>();
        var cluster = gateway.Services.GetRequiredService<IClusterClient>();
        const int n = 400;
        async Task Time(string label, Func<int, Task> call)
        {
            await Load(16, 50, call);
            var watch = Stopwatch.StartNew();
            await Load(16, n, call);
            Console.WriteLine($"    {label,-70} {watch.Elapsed.TotalMilliseconds * 16 / n,8:F2} ms a call   ({n / watch.Elapsed.TotalSeconds,7:N0} calls/s, 16 in flight)");
        }
        Console.WriteLine("  profile of the read paths (the parts of GET /api/v1/ootds/{id} and GET /api/v1/feed, timed one by one through the gateway's client):");
        await Time("IOotdGrain.Get", i => cluster.GetGrain<IOotdGrain>(posts[i % posts.Length]).Get());
        var views = (await Task.WhenAll(posts.Take(n).Select(p => cluster.GetGrain<IOotdGrain>(p).Get()))).ToArray();
        await Time("OotdCards.Cards (author summary, likedByMe, followingAuthor: 3 queries)", i => cards.Cards([views[i % views.Length]!], users[i % users.Length]));
        await Time("ISimilarProductsGrain.ForOotd(k 5): similar products of 3 items", i => cluster.GetGrain<Ootd.Grains.Catalog.ISimilarProductsGrain>(0).ForOotd(posts[i % posts.Length], 5));
        await Time("IFeedGrain.GetFeed(null, 20) (the grain call alone)", i => cluster.GetGrain<IFeedGrain>(users[i % users.Length]).GetFeed(null, 20));
        await Time("IFeedGrain.GetFeed(cursor page 2)", async i =>
        {
            var feed = cluster.GetGrain<IFeedGrain>(users[i % users.Length]);
            var first = await feed.GetFeed(null, 20);
            if (first.NextCursor is { } c) await feed.GetFeed(c, 20);
        });
        // The parts of a feed page served from a computed list (64 users, each list computed above).
        await Time("IFeedGrain.GetFeed(null, 20), the computed list reused (64 users)", i => cluster.GetGrain<IFeedGrain>(users[i % 64]).GetFeed(null, 20));
        var pages = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => cluster.GetGrain<IFeedGrain>(users[i]).GetFeed(null, 20)));
        var bodies = gateway.Services.GetRequiredService<Ootd.Api.Social.PostBodies>();
        await Time("PostBodies.Read(a feed page's 20 posts, k 5): post grains' stamps and counts", i => bodies.Read(pages[i % 64].Items.Select(e => e.OotdId).ToList(), Ootd.Api.SearchApi.DefaultK));
        await Time("OotdCards.AuthorsAndViewer(a feed page's 20 posts): one batch of 3 queries", i => cards.AuthorsAndViewer(pages[i % 64].Items.Select(e => (e.OotdId, e.AuthorId)).ToList(), users[i % 64]));
        await Time("IFeedGrain.WeeklyBest(20)", i => cluster.GetGrain<IFeedGrain>(users[i % 64]).WeeklyBest(20));
        Console.WriteLine($"    feed pages of the 64 users hold {pages.Sum(p => p.Items.Count) / 64.0:F1} entries on average");
    }

    /// <summary>
    /// Where a follow spends its time: each step of <c>IUserGrain.Follow</c> timed on its own (16 in flight, mean ms a
    /// call), then the whole call, over new (follower, followee) pairs (the followees: celebrities and other authors).
    /// </summary>
    private static async Task FollowProfileAsync(IServiceProvider silo, FeedGateway gateway, Guid[] users, Guid[] authors, int celebrities)
    {
        var cluster = gateway.Services.GetRequiredService<IClusterClient>();
        var graph = silo.GetRequiredService<Ootd.Grains.Storage.FollowGraph>();
        const int n = 800;
        var random = new Random(11);
        // Pairs not in the seeded graph (the seeded followers are the users; these are new users following authors).
        var fresh = Enumerable.Range(0, 6 * (n + 50)).Select(i => (Follower: users[random.Next(users.Length)], Followee: authors[i % authors.Length]))
            .Where(p => p.Follower != p.Followee).ToArray();
        var steps = new StepTimer(16, 50, n);
        Task Time(string label, Func<int, Task> call, bool consumes = false) => steps.Time(label, call, consumes);
        Console.WriteLine("  profile of a follow (the steps of IUserGrain.Follow timed one by one; new pairs):");
        await Time("IUserGrain(followee).Exists (grain call)", i => cluster.GetGrain<IUserGrain>(fresh[i].Followee).Exists());
        await Time("FollowGraph.AddAsync (edge + interaction row; group commit)", i => graph.AddAsync(fresh[i].Follower, fresh[i].Followee), consumes: true);
        await Time("FollowGraph.FollowerCountAsync (a celebrity)", i => graph.FollowerCountAsync(authors[i % celebrities]));
        await Time("FollowGraph.FollowerCountAsync (an author)", i => graph.FollowerCountAsync(authors[celebrities + i % (authors.Length - celebrities)]));
        await Time("IStyleLeaderGrain.FollowerAdded (the leader re-reads its count)", i => cluster.GetGrain<Ootd.Grains.StyleLeaders.IStyleLeaderGrain>(fresh[i].Followee).FollowerAdded(fresh[i].Follower));
        await Time("IStyleLeaderGrain.AddFollower (exists, the edge written, the count kept)", i => cluster.GetGrain<Ootd.Grains.StyleLeaders.IStyleLeaderGrain>(fresh[i].Followee).AddFollower(fresh[i].Follower), consumes: true);
        await Time("IStyleLeaderGrain.GetFollowerCount (a grain call, no query)", i => cluster.GetGrain<Ootd.Grains.StyleLeaders.IStyleLeaderGrain>(fresh[i].Followee).GetFollowerCount());
        await Time("IFeedGrain.FolloweesChanged", i => cluster.GetGrain<IFeedGrain>(fresh[i].Follower).FolloweesChanged());
        await Time("IUserGrain.Follow (the whole call, new pairs)", i => cluster.GetGrain<IUserGrain>(fresh[i].Follower).Follow(fresh[i].Followee), consumes: true);
        await Time("IUserGrain.Follow (repeats of the pairs above)", i => cluster.GetGrain<IUserGrain>(fresh[i - n - 50].Follower).Follow(fresh[i - n - 50].Followee));
    }

    /// <summary>
    /// Times one step of a write at a fixed concurrency over fresh inputs (indexes into the caller's input list): each
    /// timing runs <c>warm</c> calls, then times <c>n</c> more; a step that uses its inputs up (a write that would be a
    /// repeat the second time) moves the next step past them.
    /// </summary>
    private sealed class StepTimer(int inFlight, int warm, int n)
    {
        private int _used;

        public async Task Time(string label, Func<int, Task> call, bool consumes = false)
        {
            var start = _used;
            await Load(inFlight, warm, i => call(start + i));
            var watch = Stopwatch.StartNew();
            await Load(inFlight, n, i => call(start + warm + i));
            if (consumes) _used += n + warm;
            Console.WriteLine($"    {label,-70} {watch.Elapsed.TotalMilliseconds * inFlight / n,8:F2} ms a call   ({n / watch.Elapsed.TotalSeconds,7:N0} calls/s, {inFlight} in flight)");
        }
    }

    /// <summary>
    /// Where a like spends its time: each step of <c>IOotdGrain.Like</c> timed on its own at the like route's
    /// concurrency (64 in flight, mean ms a call), then the whole call, over new (user, post) pairs.
    /// </summary>
    private static async Task LikeProfileAsync(IServiceProvider silo, FeedGateway gateway, Guid[] users, Guid[] posts)
    {
        var cluster = gateway.Services.GetRequiredService<IClusterClient>();
        var ledger = silo.GetRequiredService<Ootd.Grains.Storage.LikeLedger>();
        const int n = 3000, inFlight = 64;
        var random = new Random(13);
        var fresh = Enumerable.Range(0, 4 * (n + 200)).Select(_ => (User: users[random.Next(users.Length)], Post: posts[random.Next(posts.Length)])).ToArray();
        var steps = new StepTimer(inFlight, 200, n);
        Task Time(string label, Func<int, Task> call, bool consumes = false) => steps.Time(label, call, consumes);
        Console.WriteLine("  profile of a like (the steps of IOotdGrain.Like timed one by one; new pairs):");
        await Time("LikeLedger.LikeAsync (like + interaction row; group commit)", i => ledger.LikeAsync(fresh[i].Post, fresh[i].User, 0), consumes: true);
        var store = silo.GetRequiredService<RecommendationStore>();
        await Time("RecommendationStore.CoLikersAsync (what a feed computation reads)", i => store.CoLikersAsync(fresh[i].User, 50));
        await Time("IOotdGrain.GetStyleSignals", i => cluster.GetGrain<IOotdGrain>(fresh[i].Post).GetStyleSignals());
        await Time("IUserGrain.RecordInteraction(Like) (recent list; taste one-way)", i => cluster.GetGrain<IUserGrain>(fresh[i].User).RecordInteraction(fresh[i].Post, Ootd.Grains.Common.InteractionKind.Like), consumes: true);
        await Time("IUserGrain.RecordTaste(Like) (the taste update, awaited)", i => cluster.GetGrain<IUserGrain>(fresh[i].User).RecordTaste(
            new Ootd.Grains.Recommendation.TasteEvent(fresh[i].Post, Ootd.Grains.Common.InteractionKind.Like, DateTimeOffset.UtcNow)), consumes: true);
        await Time("IFeedGrain.ViewerLiked", i => cluster.GetGrain<IFeedGrain>(fresh[i].User).ViewerLiked(fresh[i].Post, true));
        await Time("IOotdGrain.Like (the whole call, new pairs)", i => cluster.GetGrain<IOotdGrain>(fresh[i].Post).Like(fresh[i].User), consumes: true);
    }

    /// <summary>
    /// Memory per activation: the process's managed heap (after three forced compacting collections) and working set,
    /// before and after activating <paramref name="users"/> new active users (created with a profile, then their first
    /// feed page read: the user grain with its taste, the feed grain with its computed list and viewer, the style-leader
    /// grain the feed reads) and then <paramref name="posts"/> new Ready posts (three items each). The slope is the
    /// growth over that type's new activations (for users, per user: all its grains together). The silo and the
    /// gateway share this process, so the figures include what the gateway keeps per call (nothing per grain).
    /// </summary>
    private static async Task MemoryAsync(IGrainFactory grains, Guid[] authors, int celebrities, int users, int posts, int step, int idleSeconds)
    {
        var management = grains.GetGrain<IManagementGrain>(0);
        // OOTD_GCDUMP=<path of dotnet-gcdump> and OOTD_GCDUMP_DIR=<folder>: a heap dump of this process at each sample
        // (dotnet-gcdump report <file> lists the objects by type: what a user or a post keeps; README "Read paths", seventh pass).
        var gcdump = Environment.GetEnvironmentVariable("OOTD_GCDUMP");
        var dumpDir = Environment.GetEnvironmentVariable("OOTD_GCDUMP_DIR");
        async Task<(long Rss, long Heap, int Users, int Feeds, int Leaders, int Posts, int Total)> Sample(string name)
        {
            for (var i = 0; i < 3; i++) { GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true); GC.WaitForPendingFinalizers(); }
            await Task.Delay(500);
            using var process = Process.GetCurrentProcess();
            var stats = await management.GetSimpleGrainStatistics();
            int Count(string type) => stats.Where(x => x.GrainType.Contains(type, StringComparison.Ordinal)).Sum(x => x.ActivationCount);
            var sample = (process.WorkingSet64, GC.GetGCMemoryInfo(GCKind.FullBlocking).HeapSizeBytes, Count(".UserGrain"), Count(".FeedGrain"),
                Count(".StyleLeaderGrain"), Count(".OotdGrain"), stats.Sum(x => x.ActivationCount));
            if (gcdump is not null && dumpDir is not null)
            {
                using var dump = Process.Start(new ProcessStartInfo(gcdump, ["collect", "-p", Environment.ProcessId.ToString(CultureInfo.InvariantCulture), "-o", Path.Combine(dumpDir, name + ".gcdump")])
                { RedirectStandardOutput = true, RedirectStandardError = true })!;
                await dump.WaitForExitAsync();
                Console.WriteLine($"    heap dump {name}.gcdump: exit {dump.ExitCode}");
            }
            return sample;
        }
        string Show((long Rss, long Heap, int Users, int Feeds, int Leaders, int Posts, int Total) s) =>
            $"heap {s.Heap / 1e6:N0} MB, working set {s.Rss / 1e6:N0} MB; activations: {s.Users:N0} user, {s.Feeds:N0} feed, {s.Leaders:N0} style-leader, {s.Posts:N0} post, {s.Total:N0} in all";
        var before = await Sample("before");
        Console.WriteLine($"  memory: before: {Show(before)}");
        var ids = Enumerable.Range(0, users).Select(_ => Guid.NewGuid()).ToArray();
        var watch = Stopwatch.StartNew();
        // In steps of --memory-step users (all at once without it), a sample after each: the working set at each count
        // of resident active users, read directly, not only projected.
        var chunk = step > 0 ? step : users;
        for (var from = 0; from < users; from += chunk)
        {
            var count = Math.Min(chunk, users - from);
            await Load(16, count, async i =>
            {
                await NewUser(grains, ids[from + i], 100_000 + from + i);
                await grains.GetGrain<IFeedGrain>(ids[from + i]).GetFeed(null, 20);
            });
            if (from + count >= users) break;
            var s = await Sample($"users-{from + count}");
            Console.WriteLine($"    +{from + count:N0} active users after {watch.Elapsed.TotalSeconds:F0} s (load average {File.ReadAllText("/proc/loadavg").Trim()}): {Show(s)}; " +
                $"so far per active user: heap {(s.Heap - before.Heap) / 1024.0 / Math.Max(1, s.Users - before.Users):F1} KB, working set {(s.Rss - before.Rss) / 1024.0 / Math.Max(1, s.Users - before.Users):F1} KB");
        }
        var afterUsers = await Sample("users");
        Console.WriteLine($"    +{users:N0} active users (created, first feed page read) in {watch.Elapsed.TotalSeconds:F0} s (load average {File.ReadAllText("/proc/loadavg").Trim()}): {Show(afterUsers)}");
        if (idleSeconds > 0)
        {
            // The same users, still resident, once each has been idle --memory-idle seconds (feeds drop what they keep
            // for reads after Recommender:FeedIdleDropSeconds): what a resident but idle user costs.
            await Task.Delay(TimeSpan.FromSeconds(idleSeconds));
            var idle = await Sample("users-idle");
            Console.WriteLine($"    the same users after {idleSeconds} s idle: {Show(idle)}; per active user: heap {(idle.Heap - before.Heap) / 1024.0 / Math.Max(1, idle.Users - before.Users):F1} KB, " +
                $"working set {(idle.Rss - before.Rss) / 1024.0 / Math.Max(1, idle.Users - before.Users):F1} KB; resident {idle.Users:N0} user grains, working set {idle.Rss / 1e9:F2} GB (read)");
        }
        await Load(16, posts, i => PostReady(grains, authors[celebrities + i % (authors.Length - celebrities)], 500_000 + i));
        var afterPosts = await Sample("posts");
        Console.WriteLine($"    +{posts:N0} Ready posts: {Show(afterPosts)}");
        var newUsers = Math.Max(1, afterUsers.Users - before.Users);
        var newPosts = Math.Max(1, afterPosts.Posts - afterUsers.Posts);
        double heapUser = (afterUsers.Heap - before.Heap) / (double)newUsers, rssUser = (afterUsers.Rss - before.Rss) / (double)newUsers;
        double heapPost = (afterPosts.Heap - afterUsers.Heap) / (double)newPosts, rssPost = (afterPosts.Rss - afterUsers.Rss) / (double)newPosts;
        Console.WriteLine($"    per active user (its user, feed and style-leader grains): heap {heapUser / 1024:F1} KB, working set {rssUser / 1024:F1} KB" +
            (posts > 0 ? $"; per post grain: heap {heapPost / 1024:F1} KB, working set {rssPost / 1024:F1} KB" : ""));
        Console.WriteLine($"    resident at the end: {afterPosts.Users:N0} user grains, working set {afterPosts.Rss / 1e9:F2} GB (read, not projected)");
        if (afterUsers.Users < 100_000)
            Console.WriteLine($"    100,000 active users resident at once ≈ working set {afterPosts.Rss / 1e9:F2} GB now + {100_000 - afterUsers.Users:N0} more × {Math.Max(heapUser, rssUser) / 1024:F1} KB " +
                $"= {(afterPosts.Rss + (100_000 - afterUsers.Users) * Math.Max(heapUser, rssUser)) / 1e9:F2} GB (the larger of the two slopes)");
    }

    /// <summary>
    /// A style leader's post reaching its connected followers: a new leader gets <paramref name="followerCount"/>
    /// followers (the seeded users plus new ones, each following through its user grain), <paramref name="streams"/> of
    /// them hold <c>GET /api/v1/feed/stream</c> open (each waits for its first event); then the leader posts (Publish +
    /// ApplyAnalysis, timed: the upload path) while 20 other authors post at the same time (timed, and 20 posts before
    /// as the quiet reference), and each stream's time from the post to its <c>followeePost</c> event is measured.
    /// </summary>
    private static async Task FanOutAsync(IGrainFactory grains, NpgsqlDataSource db, FeedGateway gateway, Guid[] seeded, Guid[] authors,
        int celebrities, int followerCount, int streams)
    {
        var setup = Stopwatch.StartNew();
        var leader = Guid.NewGuid();
        await NewUser(grains, leader, 900_000);
        var extra = Enumerable.Range(0, Math.Max(0, followerCount - seeded.Length)).Select(_ => Guid.NewGuid()).ToArray();
        await Load(16, extra.Length, i => NewUser(grains, extra[i], 200_000 + i));
        await SeedAccountsAsync(db, extra.Append(leader).ToArray());
        var followers = seeded.Concat(extra).Take(followerCount).ToArray();
        await Load(16, followers.Length, i => grains.GetGrain<IUserGrain>(followers[i]).Follow(leader));
        var leaderFollowers = await grains.GetGrain<Ootd.Grains.StyleLeaders.IStyleLeaderGrain>(leader).GetFollowerCount();
        Console.WriteLine($"  fan-out: leader with {leaderFollowers:N0} followers ({extra.Length:N0} new users); {setup.Elapsed.TotalSeconds:F0} s");

        // The streams: each records when it sees an event naming the leader's post.
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = streams + 10, UseProxy = false, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = gateway.BaseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        using var stop = new CancellationTokenSource();
        var connected = new int[1];
        var firstEvent = Enumerable.Range(0, streams).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        // The leader's posts being watched: post id → when each stream saw its followeePost event (clock ticks, 0: not yet).
        var watched = new System.Collections.Concurrent.ConcurrentDictionary<string, long[]>();
        var clock = Stopwatch.StartNew();
        // Followers connect in waves of 25 (each stream's first event is a freshly computed feed page: a thousand at
        // once would be a thundering herd no follower base produces), each wave after the previous one's first events.
        var readers = new List<Task>();
        var ready = Stopwatch.StartNew();
        for (var wave = 0; wave < streams; wave += 25)
        {
            var members = Enumerable.Range(wave, Math.Min(25, streams - wave)).ToArray();
            readers.AddRange(members.Select(Open));
            await Task.WhenAny(Task.WhenAll(members.Select(n => firstEvent[n].Task)), Task.Delay(TimeSpan.FromSeconds(30)));
        }
        Task Open(int n)
        {
            return Task.Run(async () =>
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/feed/stream");
                    request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", gateway.TokenFor(followers[n]));
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stop.Token);
                    response.EnsureSuccessStatusCode();
                    Interlocked.Increment(ref connected[0]);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop.Token));
                    string? eventName = null;
                    while (await reader.ReadLineAsync(stop.Token) is { } line)
                    {
                        if (line.StartsWith("event: ", StringComparison.Ordinal)) eventName = line[7..];
                        else if (line.StartsWith("data: ", StringComparison.Ordinal))
                        {
                            firstEvent[n].TrySetResult();
                            if (eventName == "followeePost")
                                foreach (var (id, seen) in watched)
                                    if (seen[n] == 0 && line.Contains(id, StringComparison.Ordinal)) seen[n] = clock.ElapsedTicks;
                        }
                    }
                }
                catch (OperationCanceledException) { }
                catch (Exception e) { firstEvent[n].TrySetException(e); }
            });
        }
        var open = firstEvent.Count(t => t.Task.IsCompletedSuccessfully);
        Console.WriteLine($"    {connected[0]:N0} of {streams:N0} streams open, {open:N0} with their first event, after {ready.Elapsed.TotalSeconds:F1} s");
        await Task.Delay(2000);

        // Real uploads through the API (POST /api/v1/ootds, multipart, analysed by the silo's inference pool), the
        // leader's and a follower-less author's alternately, so both meet the same machine load: upload → 202 Accepted
        // (the gateway's answer) and upload → Ready (the post grain's status, polled every 10 ms). Each leader post is
        // watched on every open stream; delivery is timed from the moment the post was seen Ready.
        var lone = Guid.NewGuid();
        await NewUser(grains, lone, 900_001);
        await SeedAccountsAsync(db, [lone]);
        var photos = Ootd.Benchmarks.Burst.BurstPhotos.Load(null, 416);
        var photoIndex = 0;
        async Task<(double AcceptedMs, double ReadyMs, Guid Id, long ReadyTicks)> Upload(Guid author, string label)
        {
            using var form = new MultipartFormDataContent();
            var photo = new ByteArrayContent(photos.Bytes[photoIndex++ % photos.Bytes.Count]);
            photo.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/png");
            form.Add(photo, "photo", "look.png");
            form.Add(new StringContent($"fan-out look {label}"), "description");
            form.Add(new StringContent("#fanout"), "hashtags");
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/ootds") { Content = form };
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", gateway.TokenFor(author));
            var w = Stopwatch.StartNew();
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            var accepted = w.Elapsed.TotalMilliseconds;
            if (response.StatusCode != HttpStatusCode.Accepted) throw new InvalidOperationException($"upload answered {(int)response.StatusCode}: {body}");
            var id = Guid.Parse(System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!);
            if (author == leader) watched[id.ToString()] = new long[streams];
            var post = grains.GetGrain<IOotdGrain>(id);
            while (true)
            {
                var view = await post.Get();
                if (view?.Status == OotdStatus.Ready) break;
                if (view?.Status is OotdStatus.Failed or OotdStatus.Deleted) throw new InvalidOperationException($"post {id} ended {view.Status}");
                if (w.Elapsed > TimeSpan.FromMinutes(2)) throw new TimeoutException($"post {id} not Ready after 2 minutes");
                await Task.Delay(10);
            }
            return (accepted, w.Elapsed.TotalMilliseconds, id, clock.ElapsedTicks);
        }
        var warm = await Upload(lone, "warm-up");   // loads the models; not counted
        Console.WriteLine($"    warm-up upload (models loaded): accepted {warm.AcceptedMs:F0} ms, Ready {warm.ReadyMs:F0} ms");
        const int rounds = 5;
        var leaderUploads = new List<(double AcceptedMs, double ReadyMs, Guid Id, long ReadyTicks)>();
        var loneUploads = new List<(double AcceptedMs, double ReadyMs, Guid Id, long ReadyTicks)>();
        var latencies = new List<double>();
        var deliveredCounts = new List<int>();
        for (var round = 0; round < rounds; round++)
        {
            loneUploads.Add(await Upload(lone, $"lone {round}"));
            var up = await Upload(leader, $"leader {round}");
            leaderUploads.Add(up);
            var seen = watched[up.Id.ToString()];
            var deadline = Stopwatch.StartNew();
            while (seen.Count(r => r > 0) < open && deadline.Elapsed < TimeSpan.FromSeconds(20)) await Task.Delay(20);
            await Task.Delay(500);   // late ones
            var got = seen.Where(r => r > 0).Select(r => (r - up.ReadyTicks) * 1000.0 / Stopwatch.Frequency).ToArray();
            latencies.AddRange(got);
            deliveredCounts.Add(got.Length);
            var sorted = got.Order().ToArray();
            Console.WriteLine($"    round {round + 1}: lone author accepted {loneUploads[^1].AcceptedMs:F0} ms / Ready {loneUploads[^1].ReadyMs:F0} ms; " +
                $"leader accepted {up.AcceptedMs:F0} ms / Ready {up.ReadyMs:F0} ms; followeePost on {got.Length:N0} of {open:N0} streams, " +
                $"p50 {Pct(sorted, 0.5):F0} ms, p99 {Pct(sorted, 0.99):F0} ms, max {(sorted.Length > 0 ? sorted[^1] : double.NaN):F0} ms after Ready");
        }
        var all = latencies.Order().ToArray();
        double Pct(double[] xs, double p) => xs.Length == 0 ? double.NaN : xs[Math.Min(xs.Length - 1, Math.Max(0, (int)Math.Ceiling(p * xs.Length) - 1))];
        string Mid(IEnumerable<double> xs) { var a = xs.Order().ToArray(); return $"p50 {Pct(a, 0.5):F0} / max {a[^1]:F0} ms"; }
        Console.WriteLine($"    followeePost, {rounds} leader posts × {open:N0} open streams: delivered {latencies.Count:N0} of {rounds * open:N0} " +
            $"(fewest in a round {deliveredCounts.Min():N0}); from Ready p50 {Pct(all, 0.5):F0} ms, p95 {Pct(all, 0.95):F0} ms, p99 {Pct(all, 0.99):F0} ms, max {(all.Length > 0 ? all[^1] : double.NaN):F0} ms");
        Console.WriteLine($"    upload path through the API ({rounds} each, alternating): leader ({leaderFollowers:N0} followers) accepted {Mid(leaderUploads.Select(u => u.AcceptedMs))}, " +
            $"Ready {Mid(leaderUploads.Select(u => u.ReadyMs))}; follower-less author accepted {Mid(loneUploads.Select(u => u.AcceptedMs))}, Ready {Mid(loneUploads.Select(u => u.ReadyMs))}");
        // What one followeePost event costs the gateway per open stream (FeedApi.Entries), part by part, for the leader's
        // last post and the connected followers, 1,000 calls at 64 in flight through the gateway's client.
        var cluster = gateway.Services.GetRequiredService<IClusterClient>();
        var cards = gateway.Services.GetRequiredService<Ootd.Api.Social.OotdCards>();
        var lastPost = leaderUploads[^1].Id;
        var detail = (await cluster.GetGrain<IOotdShelfGrain>(IOotdShelfGrain.Pool).GetDetails([lastPost], Ootd.Api.SearchApi.DefaultK))[0]!;
        async Task Part(string label, Func<int, Task> call)
        {
            await Load(64, 200, call);
            var w = Stopwatch.StartNew();
            await Load(64, open, call);
            Console.WriteLine($"    per event, {label,-72} {open / w.Elapsed.TotalSeconds,8:N0} calls/s (64 in flight): {open:N0} streams' worth in {w.Elapsed.TotalMilliseconds:F0} ms");
        }
        await Part("IOotdShelfGrain.GetDetails([post], k) (the post with similar products)", _ => cluster.GetGrain<IOotdShelfGrain>(IOotdShelfGrain.Pool).GetDetails([lastPost], Ootd.Api.SearchApi.DefaultK));
        await Part("OotdCards.Cards([post], follower) (author, likedByMe, followingAuthor)", n => cards.Cards([detail.View], followers[n % open]));
        await Part("IOotdGrain.Get (the grain's view alone)", _ => cluster.GetGrain<IOotdGrain>(lastPost).Get());
        stop.Cancel();
        await Task.WhenAll(readers);
    }

    private sealed record Row(string Label, int Connections, WrkResult Result, double? PairedShare = null);

    public sealed record WrkResult(double RequestsPerSecond, double P50Ms, double P99Ms, long Non2xx, double BytesPerResponse = double.NaN);

    // ------------------------------------------------------------------ the bare endpoint

    public sealed record BareAuthor(Guid Id, string Username, string DisplayName, string? AvatarUrl);
    public sealed record BareEntry(Guid Id, Guid AuthorId, BareAuthor Author, string PhotoUrl, int Width, int Height, string Description,
        IReadOnlyList<string> Hashtags, string Status, DateTimeOffset CreatedAt, long LikeCount, long ViewCount, bool LikedByMe, bool FollowingAuthor);
    public sealed record BarePage(IReadOnlyList<BareEntry> Items, string? NextCursor);

    /// <summary>A minimal API on Kestrel (127.0.0.1, <paramref name="port"/> or an ephemeral one) answering a 20-entry JSON page: the ceiling of a JSON GET here.</summary>
    private static async Task<WebApplication> StartBareAsync(int? port)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [$"--urls=http://127.0.0.1:{port ?? 0}"], EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var page = new BarePage(Enumerable.Range(0, 20).Select(i =>
        {
            var id = Guid.NewGuid();
            var author = new BareAuthor(Guid.NewGuid(), $"user{i}", $"User {i}", null);
            return new BareEntry(id, author.Id, author, $"/api/v1/ootds/{id}/photo", 800, 1200, "a look for the weekend", ["street", "denim"],
                "ready", DateTimeOffset.UtcNow, i * 3, i * 11, false, i % 2 == 0);
        }).ToList(), "c1");
        app.MapGet("/bare", () => TypedResults.Ok(page));
        // The same minimal API answering a page of the feed's own shape and size (the gateway's contract records: 20
        // cards of 3 items each, the items analysed like the seeded posts, serialised by the framework on every
        // request): the ceiling of a JSON GET of that many bytes, beside which the list pages are also compared.
        var json = new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web);
        json.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase));
        var random = new Random(7);
        var feedPage = new Ootd.Api.FeedCardPage(Enumerable.Range(0, 20).Select(i =>
        {
            var id = Guid.NewGuid();
            var author = new Ootd.Api.Contracts.AuthorSummary(Guid.NewGuid(), $"user{i}", $"User {i}", null);
            var items = Enumerable.Range(0, 3).Select(n => Ootd.Api.Catalog.ItemCard.From(Ootd.Api.Catalog.ItemResponse.From(n,
                RealisticItem(n, "top", "tshirt", random), []))).ToArray();
            var post = new Ootd.Api.Contracts.OotdCard(id, author.Id, $"look {i}", ["look", "street"], OotdStatus.Ready, DateTimeOffset.UtcNow, i * 3, i * 11,
                new Ootd.Api.Contracts.PhotoResponse($"/api/v1/ootds/{id}/photo", Convert.ToHexString(id.ToByteArray()).ToLowerInvariant() + new string('0', 32), "image/jpeg", 800, 1200),
                items, null, author, false, i % 2 == 0);
            return new Ootd.Api.FeedCardEntry(id, author.Id, "itemBased", 0.5 + i / 100.0, post);
        }).ToList(), "0000abcd.20");
        app.MapGet("/bare-feed", () => TypedResults.Json(feedPage, json));
        await app.StartAsync();
        return app;
    }

    // ------------------------------------------------------------------ wrk

    private static string Lua(string method, IReadOnlyList<(string Path, string? Token)> requests)
    {
        var sb = new StringBuilder();
        sb.AppendLine("local reqs = {");
        foreach (var (path, token) in requests) sb.Append("{\"").Append(path).Append("\",\"").Append(token ?? "").AppendLine("\"},");
        sb.AppendLine("}");
        sb.AppendLine("local count = 0");
        sb.AppendLine("function setup(thread) thread:set(\"tid\", count); count = count + 1 end");
        sb.AppendLine("local i = 0");
        sb.AppendLine("function init(args) i = (tid or 0) * 7919 end");
        sb.AppendLine("function request()");
        sb.AppendLine("  i = i + 1");
        sb.AppendLine("  local r = reqs[(i % #reqs) + 1]");
        sb.AppendLine("  local h = {}");
        sb.AppendLine("  if r[2] ~= \"\" then h[\"Authorization\"] = \"Bearer \" .. r[2] end");
        sb.AppendLine(method == "GET" ? "  return wrk.format(\"GET\", r[1], h)" : $"  h[\"Content-Length\"] = \"0\"\n  return wrk.format(\"{method}\", r[1], h)");
        sb.AppendLine("end");
        return sb.ToString();
    }

    private static async Task<WrkResult> Wrk(string baseUrl, string script, int threads, int connections, int seconds)
    {
        var psi = new ProcessStartInfo("wrk", ["-t" + threads, "-c" + connections, "-d" + seconds + "s", "--latency", "--timeout", "10s", "-s", script, baseUrl])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(psi)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        double Ms(string label)
        {
            var m = Regex.Match(output, $@"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
            if (!m.Success) return double.NaN;
            var v = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            return m.Groups[2].Value switch { "us" => v / 1000, "s" => v * 1000, _ => v };
        }
        var rps = Regex.Match(output, @"Requests/sec:\s+([\d.]+)");
        var non2xx = Regex.Match(output, @"Non-2xx or 3xx responses:\s+(\d+)");
        var errors = Regex.Match(output, @"Socket errors: (.*)");
        if (errors.Success) Console.WriteLine($"      wrk socket errors: {errors.Groups[1].Value}");
        if (!rps.Success) Console.WriteLine($"      wrk said: {output} {await process.StandardError.ReadToEndAsync()}");
        // "12345 requests in 12.00s, 1.23GB read": bytes read (headers included) over requests.
        var read = Regex.Match(output, @"(\d+) requests in [\d.]+\w+, ([\d.]+)([KMGT]?B) read");
        var bytes = read.Success
            ? double.Parse(read.Groups[2].Value, CultureInfo.InvariantCulture) * read.Groups[3].Value switch { "KB" => 1024.0, "MB" => 1024.0 * 1024, "GB" => 1024.0 * 1024 * 1024, "TB" => 1024.0 * 1024 * 1024 * 1024, _ => 1 }
              / Math.Max(1, long.Parse(read.Groups[1].Value, CultureInfo.InvariantCulture))
            : double.NaN;
        return new WrkResult(rps.Success ? double.Parse(rps.Groups[1].Value, CultureInfo.InvariantCulture) : 0, Ms("50"), Ms("99"),
            non2xx.Success ? long.Parse(non2xx.Groups[1].Value, CultureInfo.InvariantCulture) : 0, bytes);
    }

    private static string? Which(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    // ------------------------------------------------------------------ seeding

    private static float[] Direction(int kind, Random random, float noise)
    {
        var v = new float[128];
        for (var d = 0; d < 128; d++) v[d] = (d / 16 == kind ? 1f : 0f) + (float)(random.NextDouble() - 0.5) * noise;
        return v;
    }

    /// <summary>Ready products with vectors near the eight item kinds' directions (rows in products and item_vectors).</summary>
    private static async Task SeedCatalogAsync(NpgsqlDataSource db, int count)
    {
        var random = new Random(3);
        await using var connection = await db.OpenConnectionAsync();
        var ids = Enumerable.Range(0, count).Select(i => $"bench-{i}").ToArray();
        await using (var w = await connection.BeginBinaryImportAsync(
            "COPY products (product_id, title, brand, price, currency, shop_url, media_id, status, super_category, sub_category) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < count; i++)
            {
                var (super, sub) = Kinds[i % Kinds.Length];
                await w.StartRowAsync();
                await w.WriteAsync(ids[i], NpgsqlDbType.Text);
                await w.WriteAsync($"{sub} no. {i}", NpgsqlDbType.Text);
                await w.WriteAsync("Bench", NpgsqlDbType.Text);
                await w.WriteAsync(19.90m + i % 50, NpgsqlDbType.Numeric);
                await w.WriteAsync("EUR", NpgsqlDbType.Text);
                await w.WriteAsync($"https://shop.example/p/{i}", NpgsqlDbType.Text);
                await w.WriteAsync(new string('c', 64), NpgsqlDbType.Text);
                await w.WriteAsync((short)1, NpgsqlDbType.Smallint);
                await w.WriteAsync(super, NpgsqlDbType.Text);
                await w.WriteAsync(sub, NpgsqlDbType.Text);
            }
            await w.CompleteAsync();
        }
        await using (var w = await connection.BeginBinaryImportAsync(
            "COPY item_vectors (index_name, item_key, super_category, sub_category, route_bucket, vector) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < count; i++)
            {
                var (super, sub) = Kinds[i % Kinds.Length];
                await w.StartRowAsync();
                await w.WriteAsync(SearchOptions.ProductsIndex, NpgsqlDbType.Text);
                await w.WriteAsync(ids[i], NpgsqlDbType.Text);
                await w.WriteAsync(super, NpgsqlDbType.Text);
                await w.WriteAsync(sub, NpgsqlDbType.Text);
                await w.WriteAsync(ShardRouting.Bucket(ids[i]), NpgsqlDbType.Integer);
                await w.WriteAsync(Direction(i % Kinds.Length, random, 0.6f), NpgsqlDbType.Array | NpgsqlDbType.Real);
            }
            await w.CompleteAsync();
        }
    }

    /// <summary>Account rows (username, display name) for the users the grains created: what author summaries read.</summary>
    private static async Task SeedAccountsAsync(NpgsqlDataSource db, Guid[] users)
    {
        await using var cmd = db.CreateCommand("""
            INSERT INTO accounts (user_id, username, username_key, password_hash, display_name)
            SELECT u, 'b' || replace(u::text, '-', ''), 'b' || replace(u::text, '-', ''), 'bench-no-password', 'Bench ' || n
            FROM unnest($1::uuid[]) WITH ORDINALITY AS t(u, n)
            ON CONFLICT (user_id) DO UPDATE SET display_name = EXCLUDED.display_name
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = users, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        await cmd.ExecuteNonQueryAsync();
    }

    private static Task NewUser(IGrainFactory grains, Guid id, int n) =>
        grains.GetGrain<IUserGrain>(id).Create($"b{id:N}"[..20],
            new ProfileData($"Bench {n}", (Gender)(1 + n % 2), 1970 + n % 40, BodyShape.Unspecified, [n % 2 == 0 ? "street" : "minimal"]));

    /// <summary>A post with its own photo id, made Ready through the grain's ApplyAnalysis with three items.</summary>
    private static Task<Guid> PostReady(IGrainFactory grains, Guid author, int seed) => PostReadyWithId(grains, author, seed, Guid.NewGuid());

    private static async Task<Guid> PostReadyWithId(IGrainFactory grains, Guid author, int seed, Guid id)
    {
        var media = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(id.ToByteArray())).ToLowerInvariant();
        var published = await grains.GetGrain<IOotdGrain>(id).Publish(new NewOotd(author, new PhotoRef(media, "image/jpeg", 800, 1200),
            $"look {seed}", ["look", seed % 2 == 0 ? "street" : "minimal"]));
        if (!published.Succeeded) throw new InvalidOperationException($"publish failed: {published.Message}");
        var random = new Random(seed);
        var kinds = new[] { seed % 2, 2 + seed % 2, 4 + (seed / 2) % 2 };
        var items = kinds.Select((k, n) =>
        {
            var (super, sub) = Kinds[k];
            var probabilities = Enumerable.Range(0, 32).Select(i => i == k ? 0.9f : 0.1f / 31).ToArray();
            var attributes = Enumerable.Range(0, 8).Select(i => (float)random.NextDouble()).ToArray();
            var item = RealisticItem(n, super, sub, random);
            return new AnalysedItem(item, new ItemVectors(Direction(k, random, 0.4f), probabilities, attributes, []));
        }).ToList();
        var garments = s_garmentLabels.Select(l => new GarmentProbability(l, 0.3f + 0.4f * (float)random.NextDouble())).ToList();
        await grains.GetGrain<IOotdAnalysisTarget>(id).ApplyAnalysis(1,
            AnalysisResult.Ok(new PhotoAnalysis(800, 1200, "jpeg", (ulong)seed, items, "cpu") { Garments = garments }));
        return id;
    }

    /// <summary>The garment names each seeded post's photo shows, each with a probability (as the pipeline stores an
    /// outfit post): the committed garment-presence head's labels (models/garments.json), none without it.</summary>
    private static string[] s_garmentLabels = [];

    private static string[] SeededGarmentLabels()
    {
        var repo = Ootd.Inference.Models.ModelRepository.Default();
        return repo.Manifests.ContainsKey("garments") ? repo.Get("garments").Outputs[0].Labels ?? [] : [];
    }

    private static readonly string[] UnknownGroups =
        ["pattern", "sleeve_length", "length", "fit", "neckline", "material", "heel_height", "bag_size", "closure", "style", "details", "secondary_colors", "texture", "accessories"];

    /// <summary>
    /// Item <paramref name="n"/> of a seeded post (800 × 1200 photo), shaped and sized like the analyses the pipeline
    /// stores for a street photo: pixel box, four attribute groups, the fourteen unknown groups, and a garment outline of
    /// about 38 points at one decimal (a real post is about 6.8 KB as <c>GET /api/v1/ootds/{id}</c> shows it without
    /// similar products).
    /// </summary>
    private static OotdItem RealisticItem(int n, string super, string sub, Random random)
    {
        float F() => (float)random.NextDouble();
        var (x0, y0) = (100f + 40 * F(), 120f + n * 330 + 40 * F());
        var (x1, y1) = (x0 + 420 + 120 * F(), y0 + 300 + 80 * F());
        var points = 34 + random.Next(9);
        var outline = new float[2 * points];
        for (var p = 0; p < points; p++)
        {
            var a = 2 * Math.PI * p / points;
            var r = 0.85 + 0.15 * random.NextDouble();
            outline[2 * p] = MathF.Round((float)((x0 + x1) / 2 + r * (x1 - x0) / 2 * Math.Cos(a)), 1);
            outline[2 * p + 1] = MathF.Round((float)((y0 + y1) / 2 + r * (y1 - y0) / 2 * Math.Sin(a)), 1);
        }
        ItemAttribute One(string group, string label) => new(group, false, [new LabelConfidence(label, 0.5f + F() / 2)]);
        ItemAttribute[] attributes =
        [
            One("color", n % 2 == 0 ? "Blue" : "Pink"), One("gender", "Women"),
            new("season", true, [new LabelConfidence("Summer", F())]), new("occasion", true, [new LabelConfidence("Casual", 0.5f + F() / 2)]),
        ];
        return new OotdItem(new ItemBox(x0, y0, x1, y1), super, 0.5f + F() / 2, sub, 0.3f + F() / 2, 0.5f + F() / 2, attributes, UnknownGroups,
            n % 2 == 0 ? "White" : "Pink") { Outline = [outline] };
    }

    private static async Task Load(int inFlight, int count, Func<int, Task> call)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count) await call(i);
        }));
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (DateTime.UtcNow < deadline && !await condition()) await Task.Delay(200);
    }
}
