using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Ootd.Grains.Inference;
using Ootd.Inference.Hosting;
using Ootd.Inference.Backbone;
using Ootd.Silo;
using Ootd.Tests.Api;
using Orleans.Configuration;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Ootd.Benchmarks.Burst;

/// <summary>
/// Issue 9 §1: the silo's memory under upload bursts and a restart with a backlog, against the real processes. Starts a
/// silo and the API gateway from the build output (as <c>tests/Api.Tests</c> does) on a scratch database, then:
/// (pool) the inference pool's throughput on the same photos, measured in the same silo (AnalyzePhoto through a
/// cluster client, <c>--pool-concurrency</c> callers, as the inference benchmark's pool phase does);
/// (a) <c>--uploads</c> posts at <c>--concurrency</c> at once; (b) <c>--steady</c> posts spread evenly over
/// <c>--minutes</c>; (c) <c>--pending</c> posts uploaded fast, the silo killed (SIGKILL) while they wait, a new silo
/// started, and the backlog drained. Each phase prints the silo's peak RSS (VmHWM from /proc, reset per phase, and
/// the largest sampled VmRSS), upload latency, that every post reached <c>ready</c>, and the analysis throughput
/// (posts/s and backbone passes/s) next to the pool's. Photos: CCP street photos re-encoded as small PNGs
/// (<c>--side</c> px on the long side), or generated ones without the data set.
/// The pool is measured before and after the phases; each phase's throughput is compared with the mean of the two.
/// Options: --phases pool,a,b,c --uploads 300 --concurrency 10 --steady 1000 --minutes 5 --pending 1000 --kill-after S (0:
/// kill as soon as the uploads are answered) --pool-calls 128 --pool-concurrency 64 --users 75 --side 416 --photos DIR
/// --budget-mb 1536 --drain-minutes 90 --silo-arg Section:Key=value (repeatable, e.g. Inference:Memory:MaxPhotosInFlight=16).
/// Exit code 1 when a post did not end ready or a peak passed --budget-mb.
/// </summary>
public static class BurstBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var o = BurstOptions.Parse(args);
        var photos = BurstPhotos.Load(o.Photos, o.Side);
        Console.WriteLine($"burst harness: {Environment.ProcessorCount} cores; phases {string.Join(',', o.Phases)}; photos: {photos.Source} " +
                          $"({photos.Bytes.Count} PNGs, mean {photos.Bytes.Average(b => b.Length) / 1024:F0} KB); budget {o.BudgetMb} MB peak RSS");
        var cs = await ScratchDatabase.CreateAsync();
        var failures = new List<string>();
        try
        {
            await using var platform = await Platform.StartAsync(cs, o);
            var users = await platform.SignUpAsync(o.Users);
            Console.WriteLine($"platform ready: silo pid {platform.Silo.Id}, API {platform.Http.BaseAddress}; {users.Count} users");
            var posts = new PostLedger(platform, users, photos);

            var pools = new List<PoolFigure>();
            if (o.Phases.Contains("pool")) pools.Add(await MeasurePoolAsync(platform, photos, o, "before the phases"));
            var results = new List<PhaseResult>();

            if (o.Phases.Contains("a"))
                results.Add(await RunPhaseAsync(platform, posts, o, $"(a) {o.Uploads} uploads at {o.Concurrency} at once",
                    () => posts.UploadAsync(o.Uploads, o.Concurrency, TimeSpan.Zero)));
            if (o.Phases.Contains("b"))
                results.Add(await RunPhaseAsync(platform, posts, o, $"(b) {o.Steady} uploads over {o.Minutes} min",
                    () => posts.UploadAsync(o.Steady, Math.Max(o.Concurrency, 32), TimeSpan.FromMinutes(o.Minutes))));
            if (o.Phases.Contains("c"))
                results.Add(await RunRestartPhaseAsync(platform, posts, o));
            if (o.Phases.Contains("pool") && results.Count > 0) pools.Add(await MeasurePoolAsync(platform, photos, o, "after the phases"));

            // Throughput next to the pool's, measured in this run (the mean of the figures before and after the phases,
            // so a change of machine load during the run weighs on both sides alike).
            Console.WriteLine();
            Console.WriteLine($"summary ({Environment.ProcessorCount} cores; budget {o.BudgetMb} MB):");
            var pool = pools.Count == 0 ? null : new PoolFigure(pools.Average(p => p.PostsPerSecond), pools.Average(p => p.PassesPerSecond));
            if (pool is not null)
                Console.WriteLine($"  inference pool, same photos: {pool.PostsPerSecond:F2} posts/s, {pool.PassesPerSecond:F1} backbone passes/s " +
                                  $"(mean of {string.Join(" and ", pools.Select(p => $"{p.PostsPerSecond:F2}/{p.PassesPerSecond:F1}"))})");
            foreach (var r in results)
            {
                Console.WriteLine($"  {r.Name}: peak RSS {r.PeakMb:F0} MB; {r.Ready} of {r.Total} ready; analysis {r.PostsPerSecond:F2} posts/s, {r.PassesPerSecond:F1} passes/s" +
                                  (pool is null ? "" : $" = {r.PostsPerSecond / pool.PostsPerSecond:F2}× the pool's posts/s, {r.PassesPerSecond / pool.PassesPerSecond:F2}× its passes/s"));
                failures.AddRange(r.Failures);
            }
        }
        finally
        {
            await ScratchDatabase.DropAsync(cs);
        }
        Console.WriteLine(failures.Count == 0 ? "burst harness: every post ready, every peak within the budget" : "burst harness: FAILED\n  " + string.Join("\n  ", failures));
        return failures.Count == 0 ? 0 : 1;
    }

    /// <summary>Analysis throughput of the inference pool on these photos (outfit kind), in the running silo.</summary>
    private static async Task<PoolFigure> MeasurePoolAsync(Platform platform, BurstPhotos photos, BurstOptions o, string when)
    {
        var pool = platform.Client.GetGrain<IInferenceGrain>(IInferenceGrain.Pool);
        await Load(o.PoolConcurrency, Math.Min(o.PoolCalls, 2 * o.PoolConcurrency) / 4, i => pool.AnalyzePhoto(photos.Bytes[i % photos.Bytes.Count], PhotoKind.Outfit));  // warm-up
        var before = await pool.Describe();
        var rss = new RssSampler(platform.Silo.Id);
        var sw = Stopwatch.StartNew();
        await Load(o.PoolConcurrency, o.PoolCalls, async i =>
        {
            var r = await pool.AnalyzePhoto(photos.Bytes[(i + 7) % photos.Bytes.Count], PhotoKind.Outfit);
            if (!r.Succeeded) throw new InvalidOperationException($"pool analysis failed: {r.Failure} {r.Reason}");
            return r;
        });
        double seconds = sw.Elapsed.TotalSeconds;
        var after = await pool.Describe();
        var peak = rss.Stop();
        var figure = new PoolFigure(o.PoolCalls / seconds, (after.BackbonePasses - before.BackbonePasses) / seconds);
        Console.WriteLine($"(pool, {when}) inference pool, {o.PoolCalls} AnalyzePhoto calls, {o.PoolConcurrency} callers, same photos (outfit): " +
                          $"{figure.PostsPerSecond:F2} photos/s, {figure.PassesPerSecond:F1} backbone passes/s " +
                          $"({(after.BackbonePasses - before.BackbonePasses) / (double)o.PoolCalls:F1} passes per photo); silo on {after.ExecutionProvider}, " +
                          $"budget {after.MaxPhotosInFlight} photos in flight / {after.MaxPreparedCrops} prepared crops; {peak}");
        return figure;
    }

    private static async Task<PhaseResult> RunPhaseAsync(Platform platform, PostLedger posts, BurstOptions o, string name,
        Func<Task<UploadStats>> upload)
    {
        Console.WriteLine($"{name}: starting");
        platform.ResetPeakRss();
        var rss = new RssSampler(platform.Silo.Id);
        var before = await platform.DescribeAsync();
        int first = posts.Count;
        var started = Stopwatch.StartNew();
        var uploads = await upload();
        Console.WriteLine($"{name}: {uploads}");
        var drain = await posts.WaitAllAnalysedAsync(first, started, o.DrainLimit);
        var after = await platform.DescribeAsync();
        var peak = rss.Stop();
        return Report(name, uploads, drain, before, after, peak, o);
    }

    /// <summary>
    /// (c): a burst of uploads at <c>--concurrency</c>, analysis running for <c>--kill-after</c> seconds, then the silo
    /// killed (SIGKILL) with the rest pending and a new silo started: the backlog resumes when the posts' reminders fire,
    /// and drains within the budget.
    /// </summary>
    private static async Task<PhaseResult> RunRestartPhaseAsync(Platform platform, PostLedger posts, BurstOptions o)
    {
        string name = $"(c) restart with {o.Pending} pending";
        Console.WriteLine($"{name}: uploading {o.Pending} at {o.Concurrency} at once");
        platform.ResetPeakRss();
        var burstRss = new RssSampler(platform.Silo.Id);
        var phase = Stopwatch.StartNew();
        int first = posts.Count;
        var uploads = await posts.UploadAsync(o.Pending, o.Concurrency, TimeSpan.Zero);
        Console.WriteLine($"{name}: {uploads}");
        if (o.KillAfterSeconds > 0) await Task.Delay(TimeSpan.FromSeconds(o.KillAfterSeconds));
        var burstPeak = burstRss.Stop();
        int pending = o.Pending - await posts.CountAnalysedAsync(first);
        Console.WriteLine($"{name}: first silo's peak RSS during the burst and {phase.Elapsed.TotalSeconds:F0} s of analysis: {burstPeak}");
        Console.WriteLine($"{name}: killing the silo (SIGKILL) with {pending} of {o.Pending} analyses pending");
        platform.KillSilo();
        var restarted = Stopwatch.StartNew();
        platform.StartSilo();
        var rss = new RssSampler(platform.Silo.Id);
        await platform.WaitUntilReadyAsync();
        Console.WriteLine($"{name}: new silo pid {platform.Silo.Id} ready after {restarted.Elapsed.TotalSeconds:F1} s (RSS {RssSampler.Now(platform.Silo.Id):F0} MB); " +
                          "draining (the pending posts wake when their reminders fire)");
        var before = await platform.DescribeAsync();
        var drain = await posts.WaitAllAnalysedAsync(first, restarted, o.DrainLimit);
        var after = await platform.DescribeAsync();
        var peak = rss.Stop();
        var result = Report(name, uploads, drain, before, after, peak, o, pendingAtKill: pending);
        if (burstPeak.PeakMb > o.BudgetMb) result.Failures.Add($"{name}: the first silo's peak RSS {burstPeak.PeakMb:F0} MB is above the budget {o.BudgetMb} MB");
        return result with { PeakMb = Math.Max(result.PeakMb, burstPeak.PeakMb) };
    }

    private static PhaseResult Report(string name, UploadStats uploads, DrainStats drain, InferenceHostInfo before, InferenceHostInfo after,
        RssPeak peak, BurstOptions o, int? pendingAtKill = null)
    {
        var failures = new List<string>();
        double passes = after.BackbonePasses - before.BackbonePasses;
        double passRate = drain.AnalysisSeconds > 0 ? passes / drain.AnalysisSeconds : 0;
        Console.WriteLine($"{name}: silo peak RSS {peak}; analysis held at most {after.PeakPhotosDecoded} photos decoded / {after.PeakPreparedCrops} prepared crops " +
                          $"(budget {after.MaxPhotosInFlight} / {after.MaxPreparedCrops})");
        Console.WriteLine($"{name}: {drain.Ready} ready, {drain.Failed} failed, {drain.Analyzing} still analysing of {drain.Total}" +
                          $"{(pendingAtKill is { } p ? $" ({p} were pending at the kill)" : "")}; last analysed {drain.LastReadySeconds:F0} s after the phase began");
        Console.WriteLine($"{name}: analysis throughput {drain.PostsPerSecond:F2} posts/s, {passRate:F1} backbone passes/s " +
                          $"(from the first to the last post analysed, {drain.AnalysisSeconds:F0} s)");
        if (drain.Ready != drain.Total) failures.Add($"{name}: {drain.Total - drain.Ready} of {drain.Total} posts not ready ({drain.Failed} failed, {drain.Analyzing} analysing)");
        if (peak.PeakMb > o.BudgetMb) failures.Add($"{name}: silo peak RSS {peak.PeakMb:F0} MB above the budget {o.BudgetMb} MB");
        if (uploads.Errors > 0) failures.Add($"{name}: {uploads.Errors} uploads not accepted");
        return new PhaseResult(name, peak.PeakMb, drain.Total, drain.Ready, drain.PostsPerSecond, passRate, failures);
    }

    /// <summary>Runs <paramref name="count"/> calls with at most <paramref name="concurrency"/> in flight.</summary>
    private static Task Load<T>(int concurrency, int count, Func<int, Task<T>> call)
    {
        int next = -1;
        return Task.WhenAll(Enumerable.Range(0, Math.Max(1, concurrency)).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count) await call(i);
        }));
    }

    private sealed record PoolFigure(double PostsPerSecond, double PassesPerSecond);

    private sealed record PhaseResult(string Name, double PeakMb, int Total, int Ready, double PostsPerSecond, double PassesPerSecond, List<string> Failures);
}

/// <summary>The silo and API processes on one scratch database, a cluster client, and HTTP to the gateway.</summary>
internal sealed class Platform : IAsyncDisposable
{
    private readonly string _cs;
    private readonly BurstOptions _o;
    private readonly string _clusterId = "burst" + Guid.NewGuid().ToString("N")[..6];
    private readonly int _siloPort = Layout.FreePort(), _gatewayPort = Layout.FreePort(), _apiPort = Layout.FreePort();
    private ChildProcess? _api;
    private IHost? _client;

    private Platform(string cs, BurstOptions o)
    {
        _cs = cs;
        _o = o;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_apiPort}/"), Timeout = TimeSpan.FromMinutes(2) };
    }

    public ChildProcess Silo { get; private set; } = null!;
    public string ConnectionString => _cs;
    public HttpClient Http { get; }
    public IClusterClient Client => _client!.Services.GetRequiredService<IClusterClient>();

    public static async Task<Platform> StartAsync(string cs, BurstOptions o)
    {
        var p = new Platform(cs, o);
        p.StartSilo();
        p._api = new ChildProcess("api", Layout.ApiDll, p.Common(new()
        {
            ["Urls"] = $"http://127.0.0.1:{p._apiPort}",
            ["Auth__TokenLifetime"] = "06:00:00",
            ["Orleans__GatewayListRefreshPeriod"] = "00:00:02",
            ["Orleans__ConnectRetryDelay"] = "00:00:01",
            ["Logging__LogLevel__Default"] = "Warning",
            // The harness measures the analysis path, not the abuse limits: 75 users post up to 2,300 photos from one address.
            ["AbuseLimits__SignUp__PermitLimit"] = "0",
            ["AbuseLimits__Uploads__PermitLimit"] = "0",
        }));
        await p.WaitUntilReadyAsync();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Error);   // the silo kill of (c) makes the client warn about the lost connection
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(c => { c.ClusterId = p._clusterId; c.ServiceId = p._clusterId; });
            client.UseAdoNetClustering(a => { a.Invariant = SiloHosting.AdoInvariant; a.ConnectionString = cs; });
            client.Configure<GatewayOptions>(g => g.GatewayListRefreshPeriod = TimeSpan.FromSeconds(2));
        });
        p._client = builder.Build();
        await p._client.StartAsync();
        return p;
    }

    public void StartSilo()
    {
        var settings = new Dictionary<string, string>
        {
            ["Orleans__SiloPort"] = _siloPort.ToString(CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = _gatewayPort.ToString(CultureInfo.InvariantCulture),
            ["Orleans__AdvertisedIP"] = "127.0.0.1",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Ootd.Inference.Hosting.FashionModelHost"] = "Information",
        };
        foreach (var (k, v) in _o.SiloSettings) settings[k.Replace(":", "__", StringComparison.Ordinal)] = v;
        Silo = new ChildProcess("silo", Layout.SiloDll, Common(settings));
    }

    public void KillSilo()
    {
        Silo.KillHard();
        Silo.Dispose();
    }

    /// <summary>Clears the silo's VmHWM (peak RSS) so the next phase reads its own peak.</summary>
    public void ResetPeakRss()
    {
        try { File.WriteAllText($"/proc/{Silo.Id}/clear_refs", "5"); }
        catch (Exception e) { Console.WriteLine($"    (VmHWM not reset: {e.Message}; the sampled peak still counts)"); }
    }

    public Task<InferenceHostInfo> DescribeAsync() => Client.GetGrain<IInferenceGrain>(IInferenceGrain.Pool).Describe();

    public async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        using var probe = new HttpClient { BaseAddress = Http.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        while (DateTime.UtcNow < deadline)
        {
            if (Silo.HasExited) throw new InvalidOperationException("the silo exited\n" + Silo.Tail());
            if (_api is { HasExited: true }) throw new InvalidOperationException("the API exited\n" + _api.Tail());
            try
            {
                using var r = await probe.GetAsync("readyz");
                if (r.StatusCode == HttpStatusCode.OK) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
            await Task.Delay(250);
        }
        throw new TimeoutException("/readyz not 200 within 3 minutes\n" + Silo.Tail() + "\n" + _api?.Tail());
    }

    public async Task<List<string>> SignUpAsync(int count)
    {
        var tokens = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, _) =>
        {
            string username = $"burst{i:D4}{Guid.NewGuid():N}"[..16], password = "burst-harness-2026";
            using var created = await Http.PostAsJsonAsync("api/v1/users", new { username, password, displayName = $"Burst {i}" });
            if (created.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"sign-up: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
            using var token = await Http.PostAsJsonAsync("api/v1/auth/token", new { username, password });
            var body = JsonNode.Parse(await token.Content.ReadAsStringAsync())!;
            tokens.Add((string)body["accessToken"]!);
        });
        return [.. tokens];
    }

    private Dictionary<string, string> Common(Dictionary<string, string> specific)
    {
        var env = new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__Postgres"] = _cs,
            ["Orleans__ClusterId"] = _clusterId,
            ["Orleans__ServiceId"] = _clusterId,
            ["Telemetry__Console"] = "false",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "",
            ["Auth__SigningKey"] = "burst-harness-signing-key-0123456789abcdef",
        };
        foreach (var (k, v) in specific) env[k] = v;
        return env;
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            try { await _client.StopAsync(TimeSpan.FromSeconds(5)); } catch (Exception) { }
            _client.Dispose();
        }
        Http.Dispose();
        _api?.Dispose();
        Silo?.Dispose();
    }
}

/// <summary>Every post the harness uploaded, by index; uploads go through the API as a phone's would.</summary>
internal sealed class PostLedger(Platform platform, IReadOnlyList<string> tokens, BurstPhotos photos)
{
    private readonly List<Guid> _ids = [];
    private int _next;

    public int Count { get { lock (_ids) return _ids.Count; } }

    /// <summary>
    /// Uploads <paramref name="count"/> posts, at most <paramref name="concurrency"/> at once, spread evenly over
    /// <paramref name="spread"/> (zero: as fast as they go). Upload k is by user k mod users with photo k mod photos,
    /// so no user posts the same photo twice (which would be a 409 duplicate) while users × photos allow.
    /// </summary>
    public async Task<UploadStats> UploadAsync(int count, int concurrency, TimeSpan spread)
    {
        var latencies = new ConcurrentBag<double>();
        int errors = 0;
        using var gate = new SemaphoreSlim(concurrency);
        var sw = Stopwatch.StartNew();
        var tasks = new List<Task>();
        for (int n = 0; n < count; n++)
        {
            if (spread > TimeSpan.Zero)
            {
                var due = spread * n / count;
                if (due > sw.Elapsed) await Task.Delay(due - sw.Elapsed);
            }
            await gate.WaitAsync();
            int k = Interlocked.Increment(ref _next) - 1;
            tasks.Add(Task.Run(async () =>
            {
                try
                {
                    var t = Stopwatch.StartNew();
                    using var form = new MultipartFormDataContent();
                    var photo = new ByteArrayContent(photos.Bytes[k % photos.Bytes.Count]);
                    photo.Headers.ContentType = new MediaTypeHeaderValue("image/png");
                    form.Add(photo, "photo", $"look{k}.png");
                    form.Add(new StringContent($"Burst look {k}"), "description");
                    form.Add(new StringContent("#burst"), "hashtags");
                    using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/ootds") { Content = form };
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[k % tokens.Count]);
                    using var response = await platform.Http.SendAsync(request);
                    latencies.Add(t.Elapsed.TotalMilliseconds);
                    if (response.StatusCode != HttpStatusCode.Accepted)
                    {
                        if (Interlocked.Increment(ref errors) <= 5)
                            Console.WriteLine($"    upload {k}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                        return;
                    }
                    var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
                    lock (_ids) _ids.Add(Guid.Parse((string)body["id"]!));
                }
                catch (Exception e)
                {
                    if (Interlocked.Increment(ref errors) <= 5) Console.WriteLine($"    upload {k}: {e.GetType().Name} {e.Message}");
                }
                finally { gate.Release(); }
            }));
        }
        await Task.WhenAll(tasks);
        var sorted = latencies.Order().ToList();
        return new UploadStats(count, count - errors, errors, sw.Elapsed.TotalSeconds,
            Stats.Percentile(sorted, 0.5), Stats.Percentile(sorted, 0.95), sorted.Count > 0 ? sorted[^1] : 0);
    }

    private List<Guid> Since(int first) { lock (_ids) return _ids.Skip(first).ToList(); }

    /// <summary>Posts since <paramref name="first"/> whose analysis is stored (their items are in <c>ootd_items</c>).</summary>
    public async Task<int> CountAnalysedAsync(int first)
    {
        var ids = Since(first).ToArray();
        await using var connection = new NpgsqlConnection(platform.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(DISTINCT ootd_id) FROM ootd_items WHERE ootd_id = ANY($1)", connection);
        cmd.Parameters.Add(new NpgsqlParameter { Value = ids });
        return (int)(long)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// Waits (polling <c>ootd_items</c> once a second) until every post since <paramref name="first"/> is analysed or
    /// the limit passes, then reads each post's status through the API.
    /// </summary>
    public async Task<DrainStats> WaitAllAnalysedAsync(int first, Stopwatch phase, TimeSpan limit)
    {
        int total = Count - first;
        double? firstDone = null, lastDone = null;
        int seen = 0, startCount = 0;
        var deadline = phase.Elapsed + limit;
        var lastPrint = TimeSpan.Zero;
        while (phase.Elapsed < deadline)
        {
            int done = await CountAnalysedAsync(first);
            if (done > seen)
            {
                if (firstDone is null) { firstDone = phase.Elapsed.TotalSeconds; startCount = done; }
                lastDone = phase.Elapsed.TotalSeconds;
                seen = done;
            }
            if (phase.Elapsed - lastPrint > TimeSpan.FromSeconds(30))
            {
                lastPrint = phase.Elapsed;
                Console.WriteLine($"    {phase.Elapsed.TotalSeconds,5:F0} s: {done} of {total} analysed");
            }
            if (done >= total) break;
            await Task.Delay(1000);
        }
        int ready = 0, failed = 0, analyzing = 0;
        await Parallel.ForEachAsync(Since(first), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, _) =>
        {
            var body = JsonNode.Parse(await platform.Http.GetStringAsync($"api/v1/ootds/{id}"))!;
            switch ((string?)body["status"])
            {
                case "ready": Interlocked.Increment(ref ready); break;
                case "failed": Interlocked.Increment(ref failed); break;
                default: Interlocked.Increment(ref analyzing); break;
            }
        });
        // Throughput over the analyses seen complete after the first one (the first may have run alone).
        double span = (lastDone ?? 0) - (firstDone ?? 0);
        return new DrainStats(total, ready, failed, analyzing, span > 0 ? (seen - startCount) / span : 0, span, lastDone ?? 0);
    }
}

internal sealed record UploadStats(int Count, int Accepted, int Errors, double Seconds, double P50Ms, double P95Ms, double MaxMs)
{
    public override string ToString() =>
        $"{Accepted} of {Count} uploads answered 202 in {Seconds:F1} s ({Count / Math.Max(Seconds, 1e-9):F1}/s); latency p50 {P50Ms:F0} ms, p95 {P95Ms:F0} ms, max {MaxMs:F0} ms";
}

internal sealed record DrainStats(int Total, int Ready, int Failed, int Analyzing, double PostsPerSecond, double AnalysisSeconds, double LastReadySeconds);

internal sealed record RssPeak(double HwmMb, double SampledMb, int Samples)
{
    public double PeakMb => Math.Max(HwmMb, SampledMb);
    public override string ToString() => $"{PeakMb:F0} MB (VmHWM {HwmMb:F0} MB, largest of {Samples} VmRSS samples {SampledMb:F0} MB)";
}

/// <summary>Samples a process's VmRSS every 200 ms; <see cref="Stop"/> also reads its VmHWM.</summary>
internal sealed class RssSampler
{
    private readonly int _pid;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private double _max;
    private int _samples;

    public RssSampler(int pid)
    {
        _pid = pid;
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                if (Read("VmRSS") is { } rss) { _max = Math.Max(_max, rss); _samples++; }
                try { await Task.Delay(200, _stop.Token); } catch (OperationCanceledException) { }
            }
        });
    }

    public RssPeak Stop()
    {
        _stop.Cancel();
        _loop.Wait();
        return new RssPeak(Read("VmHWM") ?? 0, _max, _samples);
    }

    /// <summary>The process's VmRSS now, in MB (0 when it cannot be read).</summary>
    public static double Now(int pid) => Read(pid, "VmRSS") ?? 0;

    private double? Read(string field) => Read(_pid, field);

    private static double? Read(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith(field + ":", StringComparison.Ordinal))
                    return double.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }
}

/// <summary>The photos the harness posts: CCP street photos re-encoded as small PNGs (or generated ones).</summary>
internal sealed record BurstPhotos(string Source, List<byte[]> Bytes)
{
    public static BurstPhotos Load(string? folder, int side)
    {
        folder ??= Path.Combine(BackboneFiles.RepositoryRoot() ?? ".", "..", "shared", "datasets", "ccp", "photos");
        var files = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.jpg").Order(StringComparer.Ordinal).Take(64).ToList() : [];
        if (files.Count > 0)
            return new BurstPhotos($"CCP {Path.GetFullPath(folder)}, {files.Count} photos as PNG ≤ {side} px",
                files.Select(f => { using var image = Image.Load<Rgb24>(f); return Png(image, side); }).ToList());
        return new BurstPhotos($"generated outfit-like PNGs ≤ {side} px", Enumerable.Range(0, 64).Select(seed =>
        {
            var rng = new Random(seed);
            var background = new Rgb24((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256));
            var top = new Rgb24((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256));
            var bottom = new Rgb24((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256));
            using var image = new Image<Rgb24>(275, 416, background);
            int x0 = 60 + rng.Next(40), split = 180 + rng.Next(40);
            for (int y = 60; y < 400; y++)
                for (int x = x0; x < x0 + 120; x++)
                    image[x, y] = y < split ? top : bottom;
            return Png(image, side);
        }).ToList());
    }

    private static byte[] Png(Image<Rgb24> image, int side)
    {
        if (Math.Max(image.Width, image.Height) > side)
            image.Mutate(x => x.Resize(new ResizeOptions { Size = new Size(side, side), Mode = ResizeMode.Max }));
        using var ms = new MemoryStream();
        image.SaveAsPng(ms);
        return ms.ToArray();
    }
}

internal sealed record BurstOptions(string[] Phases, int Uploads, int Concurrency, int Steady, double Minutes, int Pending, int PoolCalls,
    int PoolConcurrency, int Users, int Side, string? Photos, double BudgetMb, TimeSpan DrainLimit, Dictionary<string, string> SiloSettings,
    double KillAfterSeconds)
{
    public static BurstOptions Parse(string[] args)
    {
        string? Get(string name) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }
        var silo = new Dictionary<string, string>();
        for (int i = 0; i + 1 < args.Length; i++)
            if (args[i] == "--silo-arg" && args[i + 1].Split('=', 2) is [var k, var v]) silo[k] = v;
        return new BurstOptions(
            (Get("--phases") ?? "pool,a,b,c").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            int.Parse(Get("--uploads") ?? "300", CultureInfo.InvariantCulture), int.Parse(Get("--concurrency") ?? "10", CultureInfo.InvariantCulture),
            int.Parse(Get("--steady") ?? "1000", CultureInfo.InvariantCulture), double.Parse(Get("--minutes") ?? "5", CultureInfo.InvariantCulture),
            int.Parse(Get("--pending") ?? "1000", CultureInfo.InvariantCulture), int.Parse(Get("--pool-calls") ?? "128", CultureInfo.InvariantCulture),
            int.Parse(Get("--pool-concurrency") ?? "64", CultureInfo.InvariantCulture), int.Parse(Get("--users") ?? "75", CultureInfo.InvariantCulture),
            int.Parse(Get("--side") ?? "416", CultureInfo.InvariantCulture), Get("--photos"),
            double.Parse(Get("--budget-mb") ?? "1536", CultureInfo.InvariantCulture),
            TimeSpan.FromMinutes(double.Parse(Get("--drain-minutes") ?? "90", CultureInfo.InvariantCulture)), silo,
            double.Parse(Get("--kill-after") ?? "0", CultureInfo.InvariantCulture));
    }
}
