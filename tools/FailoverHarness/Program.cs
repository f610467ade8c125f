using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Ootd.FailoverHarness;

// Load-and-fault harness (README "Failover under load"): N simulated mobile clients against 3 silos and the gateway,
// a silo SIGKILL and restart, a PostgreSQL restart, then every acknowledged write read back through the API.
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(HarnessOptions.Usage);
    return 0;
}

var repoRoot = FindRoot();
HarnessOptions options;
try
{
    options = HarnessOptions.Parse(args, repoRoot);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message + "\n" + HarnessOptions.Usage);
    return 2;
}

foreach (var port in new[] { options.ApiPort }.Concat(Enumerable.Range(0, options.Silos).SelectMany(i => new[] { options.SiloPortBase + i, options.GatewayPortBase + i })))
{
    if (!Platform.PortFree(port)) { Console.Error.WriteLine($"port {port} is in use: pick other ports (--api-port, --silo-port, --gateway-port)"); return 2; }
}

await using var platform = new Platform(options);
using var cancelRun = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancelRun.Cancel(); };
Log($"starting PostgreSQL (port {options.PgPort}, {options.PgDir}), {options.Silos} silos and the API (logs {options.LogDir})");
await platform.Start();
Log($"ready: {options.Silos} silos active; database {platform.Database}");

var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
using var http = new HttpClient(handler) { BaseAddress = platform.ApiUrl, Timeout = TimeSpan.FromSeconds(60) };
var ledger = new Ledger();
var shared = new SharedState();
// Sign-ups (and one post each) before the clock starts.
var clients = Enumerable.Range(0, options.Clients).Select(i => new MobileClient(http, new Recorder(DateTime.UtcNow), ledger, shared, i + 1, options.ThinkMs)).ToList();
await Task.WhenAll(clients.Select(c => c.SignUp(cancelRun.Token)));
Log($"{options.Clients} clients signed up, {ledger.Posts.Count} posts; load for {options.DurationSeconds}s");

var recorder = new Recorder(DateTime.UtcNow);
foreach (var client in clients) client.Recorder = recorder;
using var stopLoad = CancellationTokenSource.CreateLinkedTokenSource(cancelRun.Token);
var load = clients.Select(c => Task.Run(() => c.Run(stopLoad.Token))).ToArray();

// Faults at fixed times, each on its own (a slow silo restart does not hold back the PostgreSQL restart).
var faults = new List<(string Name, double At)>();
var notes = new List<string>();
async Task At(int second) { var wait = second - recorder.Now; if (wait > 0) await Task.Delay(TimeSpan.FromSeconds(wait), cancelRun.Token); }

var schedule = new[]
{
    Task.Run(async () =>
    {
        await At(options.KillAtSeconds);
        var at = recorder.Now;
        platform.KillSilo(options.KillSilo);
        Log($"t={at:0.0}s  SIGKILL silo {options.KillSilo}");
        lock (faults) faults.Add(($"silo {options.KillSilo} SIGKILL", at));
        await At(options.RestartAtSeconds);
        var restart = recorder.Now;
        platform.StartSilo(options.KillSilo);
        Log($"t={restart:0.0}s  silo {options.KillSilo} started again on its ports");
        try
        {
            await platform.WaitForSiloReady(options.KillSilo, TimeSpan.FromSeconds(120));
            lock (notes) notes.Add($"silo {options.KillSilo} restarted at t={restart:0.0}s, ready (\"Silo ready\") at t={recorder.Now:0.0}s");
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            lock (notes) notes.Add($"silo {options.KillSilo} restarted at t={restart:0.0}s did not become ready: {e.Message.Split('\n')[0]}");
        }
    }),
    Task.Run(async () =>
    {
        await At(options.PgRestartAtSeconds);
        var at = recorder.Now;
        lock (faults) faults.Add(("PostgreSQL restart", at));
        await platform.RestartPostgres();
        Log($"t={at:0.0}s  PostgreSQL restarted (down {recorder.Now - at:0.0}s)");
        lock (notes) notes.Add($"PostgreSQL stopped at t={at:0.0}s (pg_ctl stop -m fast) and answering again at t={recorder.Now:0.0}s");
    }),
};

await At(options.DurationSeconds);
await Task.WhenAll(schedule);
var runSeconds = recorder.Now;
stopLoad.Cancel();
await Task.WhenAll(load);
Log($"load stopped after {runSeconds:0.0}s; reading back {ledger.Count} acknowledged writes");

var samples = recorder.All;
PrintRoutes(samples, runSeconds);
PrintFaults(samples, faults.OrderBy(f => f.At).ToList(), runSeconds);
foreach (var note in notes) Console.WriteLine("  " + note);
var lost = await Verify(http, ledger);
Console.WriteLine();
Console.WriteLine($"acknowledged writes: {ledger.Count} (users {ledger.Users.Count}, posts {ledger.Posts.Count}, follows {ledger.Follows.Count}, likes {ledger.Likes.Count}, views {ledger.Views.Count})");
Console.WriteLine($"acknowledged writes lost: {lost.Count}");
foreach (var line in lost.Take(20)) Console.WriteLine("  lost: " + line);
return lost.Count == 0 ? 0 : 1;

static void PrintRoutes(IReadOnlyList<Sample> samples, double seconds)
{
    Console.WriteLine();
    Console.WriteLine($"{"route",-24} {"requests",8} {"req/s",7} {"p50 ms",8} {"p95 ms",8} {"p99 ms",8} {"2xx",6} {"4xx",5} {"5xx",5} {"conn err",8} {"timeout",7}");
    foreach (var group in samples.GroupBy(s => s.Route).OrderBy(g => g.Key, StringComparer.Ordinal))
    {
        var ms = group.Select(s => s.Milliseconds).OrderBy(x => x).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{group.Key,-24} {group.Count(),8} {group.Count() / seconds,7:0.0} {Recorder.Percentile(ms, 50),8:0} {Recorder.Percentile(ms, 95),8:0} {Recorder.Percentile(ms, 99),8:0} " +
            $"{group.Count(s => s.Status is >= 200 and < 300),6} {group.Count(s => s.Status is >= 400 and < 500),5} {group.Count(s => s.Status >= 500),5} {group.Count(s => s.Status == 0),8} {group.Count(s => s.Status == -1),7}"));
    }

    var all = samples.Select(s => s.Milliseconds).OrderBy(x => x).ToList();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{"all",-24} {samples.Count,8} {samples.Count / seconds,7:0.0} {Recorder.Percentile(all, 50),8:0} {Recorder.Percentile(all, 95),8:0} {Recorder.Percentile(all, 99),8:0}"));
}

// Error window of a fault: from the fault to the last failed request (5xx, failed connection, or no answer within the
// client's timeout) that ended before the next fault, 0 when none failed; reads and writes apart. Writes are counted
// per attempt (a client repeats a write that answered 503).
static void PrintFaults(IReadOnlyList<Sample> samples, List<(string Name, double At)> faults, double end)
{
    Console.WriteLine();
    Console.WriteLine($"{"fault",-22} {"at s",6} {"reads",7} {"read 5xx",9} {"writes",7} {"write 5xx",10} {"no answer",10} {"error window s",15} {"first..last error",18}");
    for (var i = 0; i < faults.Count; i++)
    {
        var (name, at) = faults[i];
        var until = i + 1 < faults.Count ? faults[i + 1].At : end + 1;
        var during = samples.Where(s => s.EndSeconds >= at && s.EndSeconds < until).ToList();
        var errors = during.Where(Recorder.IsError).ToList();
        var window = errors.Count == 0 ? 0 : errors.Max(s => s.EndSeconds) - at;
        var span = errors.Count == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{errors.Min(s => s.EndSeconds) - at:0.0}..{window:0.0}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-22} {at,6:0.0} {during.Count(s => !s.Write),7} {errors.Count(s => !s.Write && s.Status >= 500),9} {during.Count(s => s.Write),7} {errors.Count(s => s.Write && s.Status >= 500),10} {errors.Count(s => s.Status <= 0),10} {window,15:0.0} {span,18}"));
    }
}

static async Task<List<string>> Verify(HttpClient http, Ledger ledger)
{
    var lost = new List<string>();
    async Task<JsonNode?> Get(string url)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            using var response = await http.GetAsync(url);
            if (response.IsSuccessStatusCode) return JsonNode.Parse(await response.Content.ReadAsStringAsync());
            if (response.StatusCode == HttpStatusCode.NotFound || DateTime.UtcNow > deadline) return null;
            await Task.Delay(500);
        }
    }

    foreach (var (user, name) in ledger.Users)
    {
        if (await Get($"api/v1/users/{user}") is null) lost.Add($"user {name} ({user})");
    }

    var likesPerPost = ledger.Likes.Keys.GroupBy(k => k.Post).ToDictionary(g => g.Key, g => g.Count());
    var viewed = ledger.Views.Keys.Select(k => k.Post).ToHashSet();
    foreach (var post in ledger.Posts.Keys.Concat(likesPerPost.Keys).Concat(viewed).Distinct())
    {
        var body = await Get($"api/v1/ootds/{post}");
        if (body is null)
        {
            lost.Add($"post {post}");
            continue;
        }

        var likes = (long)body["likeCount"]!;
        if (likesPerPost.TryGetValue(post, out var acked) && likes < acked) lost.Add($"post {post}: likeCount {likes} < {acked} acknowledged likes");
        if (viewed.Contains(post) && (long)body["viewCount"]! < 1) lost.Add($"post {post}: viewCount 0 after acknowledged views");
    }

    foreach (var (author, posts) in ledger.Posts.GroupBy(p => p.Value).Select(g => (g.Key, g.Select(p => p.Key).ToHashSet())))
    {
        var listed = await Paged($"api/v1/users/{author}/ootds");
        foreach (var post in posts.Where(p => !listed.Contains(p))) lost.Add($"post {post} missing from its author's list");
    }

    foreach (var (follower, followees) in ledger.Follows.Keys.GroupBy(k => k.Follower).Select(g => (g.Key, g.Select(k => k.Followee).ToHashSet())))
    {
        var listed = await Paged($"api/v1/users/{follower}/following");
        foreach (var followee in followees.Where(f => !listed.Contains(f))) lost.Add($"follow {follower} → {followee}");
    }

    return lost;

    async Task<HashSet<Guid>> Paged(string url)
    {
        var ids = new HashSet<Guid>();
        for (var offset = 0; ; )
        {
            var page = await Get($"{url}?offset={offset}&limit=100");
            if (page is null) return ids;
            foreach (var item in page["items"]!.AsArray()) ids.Add(Guid.Parse((string)item!["id"]!));
            if (page["nextOffset"] is not JsonValue next) return ids;
            offset = (int)next;
        }
    }
}

static void Log(string line) => Console.WriteLine($"[failover {DateTime.UtcNow:HH:mm:ss}] {line}");

static string FindRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Orleans.sln"))) return dir.FullName;
    }

    return Directory.GetCurrentDirectory();
}
