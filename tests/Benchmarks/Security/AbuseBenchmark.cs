using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Ootd.Benchmarks.Security;

/// <summary>
/// The abuse limits under attack, side by side in one run: a silo and the API gateway as separate processes (their
/// Release build output, on this machine's loopback), the gateway started twice against the same silo — first with
/// the abuse limits switched off (today's behaviour before the limits), then with the defaults. For each:
/// an unrelated GET (<c>GET /api/v1/users/{id}</c>, a grain call) measured idle and during a wrong-password attack
/// with 32 requests in flight, (a) on one username from one address and (b) sprayed over random usernames from 32
/// loopback addresses (127.0.0.x), which only the bound on concurrent password hashes can hold; then whether the
/// victim's right password works after the back-off.
/// Optional <c>--photos N</c>: N parallel analyses of a 12000×3333 PNG (about 100 KB) with the silo's real models,
/// full-size decoding vs working-size decoding, with the peak RSS (VmHWM) of silo and gateway.
///
///   dotnet build Orleans.sln -c Release   (the Silo and Api build output is what runs)
///   dotnet run -c Release --project tests/Benchmarks -- abuse [--seconds 20] [--concurrency 32] [--photos 20]
/// </summary>
public static class AbuseBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = Option(args, "--seconds", 20);
        var concurrency = Option(args, "--concurrency", 32);
        var photos = Option(args, "--photos", 0);
        var root = FindRoot();
        var siloDll = Path.Combine(root, "Silo", "bin", "Release", "net10.0", "Ootd.Silo.dll");
        var apiDll = Path.Combine(root, "Api", "bin", "Release", "net10.0", "Ootd.Api.dll");
        if (!File.Exists(siloDll) || !File.Exists(apiDll))
        {
            Console.Error.WriteLine($"build first: dotnet build Orleans.sln -c Release ({siloDll}, {apiDll})");
            return 2;
        }

        Console.WriteLine($"abuse limits: {Environment.ProcessorCount} cores; attack {concurrency} in flight for {seconds} s per case; shared machine, figures are side by side in one run");
        var cs = await ScratchDatabase.CreateAsync();
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
        Dictionary<string, string> Common(string cluster) => new()
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__Postgres"] = cs,
            ["Orleans__ClusterId"] = cluster,
            ["Orleans__ServiceId"] = cluster,
            ["Telemetry__Console"] = "false",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        try
        {
            // "Off" is the gateway as it was before the limits (and, for --photos, the silo decoding at full size).
            var off = new Dictionary<string, string>
            {
                ["AbuseLimits__SignIn__FailuresPerUsername"] = "0",
                ["AbuseLimits__SignIn__FailuresPerAddress"] = "0",
                ["AbuseLimits__PasswordWork__MaxConcurrent"] = "1000",
                ["AbuseLimits__PasswordWork__QueueLimit"] = "100000",
                ["AbuseLimits__SignUp__PermitLimit"] = "0",
                ["AbuseLimits__Analyze__PermitLimit"] = "0",
                ["AbuseLimits__PhotoChecks__MaxMegapixelsAtOnce"] = "100000",
            };
            var on = new Dictionary<string, string> { ["AbuseLimits__SignUp__PermitLimit"] = "0", ["AbuseLimits__Analyze__PermitLimit"] = "0" };

            var results = new List<(string Case, Measure Idle, Measure Attack, Attack Stats)>();
            foreach (var (label, limits, workingSide) in new[] { ("limits off", off, "0"), ("limits on (defaults)", on, "1600") })
            {
                // A fresh cluster per case: a silo of its own (a replacement on new ports would wait for the old one to be voted out).
                var common = Common("ab" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)));
                using var silo = new Child(siloDll, new Dictionary<string, string>(common)
                {
                    ["Orleans__SiloPort"] = FreePort().ToString(),
                    ["Orleans__GatewayPort"] = FreePort().ToString(),
                    ["Orleans__AdvertisedIP"] = "127.0.0.1",
                    ["Inference__LoadOnStart"] = photos > 0 ? "true" : "false",
                    ["Inference__Gpu"] = "false",
                    ["Inference__MaxWorkingSide"] = workingSide,
                });
                await using var api = await Gateway.StartAsync(apiDll, common, key, limits, silo);
                var victim = await api.SignUpAsync("victim");
                var reader = await api.SignUpAsync("reader");
                var idle = await api.MeasureGets(reader.Id, TimeSpan.FromSeconds(5), null);
                using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
                var oneName = api.Attack(concurrency, i => (victim.Username, "wrong password " + i), spray: false, stop.Token);
                var during = await api.MeasureGets(reader.Id, TimeSpan.FromSeconds(seconds), stop.Token);
                var stats = await oneName;
                results.Add(($"{label}: one username", idle, during, stats));

                // The victim's right password after the back-off.
                var (status, waited) = await api.SignInAfterBackoff(victim);
                Console.WriteLine($"  {label}: victim's right password right after the attack: {(int)status} (waited {waited.TotalSeconds:F0} s for Retry-After)");

                using var stop2 = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
                var spray = api.Attack(concurrency, i => ("nobody" + i, "guess"), spray: true, stop2.Token);
                var during2 = await api.MeasureGets(reader.Id, TimeSpan.FromSeconds(seconds), stop2.Token);
                results.Add(($"{label}: spray, {concurrency} addresses", idle, during2, await spray));


                if (photos > 0) await api.PhotoBurst(photos, reader, silo, label);
            }

            Console.WriteLine();
            Console.WriteLine($"  {"case",-40} {"GET p50 idle",13} {"GET p50 attack",15} {"p95 attack",11} {"ratio",7}   attack answers");
            foreach (var (name, idle, attack, stats) in results)
            {
                Console.WriteLine($"  {name,-40} {idle.P50,10:F1} ms {attack.P50,12:F1} ms {attack.P95,8:F1} ms {attack.P50 / Math.Max(0.01, idle.P50),6:F1}×   " +
                                  $"{stats.Total / stats.Seconds:F0}/s: {string.Join(", ", stats.Statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"))}");
            }

            return 0;
        }
        finally
        {
            await ScratchDatabase.DropAsync(cs);
        }
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) ? v : fallback;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Orleans.sln"))) return dir.FullName;
        throw new InvalidOperationException("Orleans.sln not found");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public sealed record Measure(double P50, double P95, int Count);

    public sealed record Attack(Dictionary<int, int> Statuses, double Seconds)
    {
        public int Total => Statuses.Values.Sum();
    }

    public sealed record User(Guid Id, string Username, string Password);

    /// <summary>A child process (silo or gateway) whose output is kept for failure messages.</summary>
    private sealed class Child : IDisposable
    {
        private readonly Process process;
        private readonly List<string> tail = [];

        public Child(string dll, IReadOnlyDictionary<string, string> environment)
        {
            var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(dll)!, RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(dll);
            foreach (var (k, v) in environment) start.Environment[k] = v;
            process = Process.Start(start)!;
            process.OutputDataReceived += (_, e) => Keep(e.Data);
            process.ErrorDataReceived += (_, e) => Keep(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public int Id => process.Id;

        public bool HasExited => process.HasExited;

        public string Tail()
        {
            lock (tail) return string.Join('\n', tail.TakeLast(40));
        }

        /// <summary>Peak resident memory (VmHWM) in MB.</summary>
        public double PeakRssMb() => ReadStatusKb("VmHWM") / 1024.0;

        private double ReadStatusKb(string field)
        {
            try
            {
                var line = File.ReadLines($"/proc/{process.Id}/status").FirstOrDefault(l => l.StartsWith(field + ":"));
                return line is null ? 0 : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
            }
            catch (IOException)
            {
                return 0;
            }
        }

        private void Keep(string? line)
        {
            if (line is null) return;
            lock (tail)
            {
                tail.Add(line);
                if (tail.Count > 200) tail.RemoveAt(0);
            }
        }

        public void Dispose()
        {
            try
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
            catch (InvalidOperationException)
            {
            }

            process.Dispose();
        }
    }

    private sealed class Gateway : IAsyncDisposable
    {
        private readonly Child child;
        private readonly HttpClient http;
        private readonly Uri baseAddress;
        private readonly Dictionary<int, HttpClient> byAddress = [];

        private Gateway(Child child, Uri baseAddress)
        {
            this.child = child;
            this.baseAddress = baseAddress;
            http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 256 }) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(120) };
        }

        public static async Task<Gateway> StartAsync(string dll, Dictionary<string, string> common, string key, Dictionary<string, string> limits, Child silo)
        {
            var port = FreePort();
            var env = new Dictionary<string, string>(common)
            {
                ["Urls"] = $"http://127.0.0.1:{port}",
                ["Auth__SigningKey"] = key,
                ["Orleans__GatewayListRefreshPeriod"] = "00:00:02",
                ["Orleans__ConnectRetryDelay"] = "00:00:01",
            };
            foreach (var (k, v) in limits) env[k] = v;
            var gateway = new Gateway(new Child(dll, env), new Uri($"http://127.0.0.1:{port}/"));
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (true)
            {
                if (gateway.child.HasExited) throw new InvalidOperationException("the gateway exited:\n" + gateway.child.Tail());
                if (silo.HasExited) throw new InvalidOperationException("the silo exited:\n" + silo.Tail());
                try
                {
                    using var ready = await gateway.http.GetAsync("readyz");
                    if (ready.StatusCode == HttpStatusCode.OK) return gateway;
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException)
                {
                }

                if (DateTime.UtcNow > deadline) throw new TimeoutException("/readyz not 200 within 3 minutes:\n" + gateway.child.Tail() + "\n" + silo.Tail());
                await Task.Delay(250);
            }
        }

        public async Task<User> SignUpAsync(string prefix)
        {
            var username = prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
            const string password = "correct horse battery";
            using var created = await http.PostAsJsonAsync("api/v1/users", new { username, password, displayName = prefix });
            var body = await created.Content.ReadAsStringAsync();
            if (created.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"sign-up: {(int)created.StatusCode} {body}");
            return new User(Guid.Parse((string)JsonNode.Parse(body)!["id"]!), username, password);
        }

        /// <summary>One GET at a time (a person browsing) until the time is up or <paramref name="stop"/> fires.</summary>
        public async Task<Measure> MeasureGets(Guid userId, TimeSpan duration, CancellationToken? stop)
        {
            var times = new List<double>();
            var end = DateTime.UtcNow + duration;
            while (DateTime.UtcNow < end && stop is not { IsCancellationRequested: true })
            {
                var watch = Stopwatch.StartNew();
                using var response = await http.GetAsync($"api/v1/users/{userId}");
                await response.Content.ReadAsByteArrayAsync();
                if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"GET user: {(int)response.StatusCode}");
                times.Add(watch.Elapsed.TotalMilliseconds);
                await Task.Delay(20);
            }

            times.Sort();
            return new Measure(Stats.Percentile(times, 0.5), Stats.Percentile(times, 0.95), times.Count);
        }

        /// <summary><paramref name="concurrency"/> loops of sign-in attempts; spray: each loop from its own 127.0.0.x.</summary>
        public async Task<Attack> Attack(int concurrency, Func<long, (string Username, string Password)> attempt, bool spray, CancellationToken stop)
        {
            var statuses = new Dictionary<int, int>();
            long counter = 0;
            var watch = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async loop =>
            {
                var client = spray ? From(100 + loop) : http;
                while (!stop.IsCancellationRequested)
                {
                    var (username, password) = attempt(Interlocked.Increment(ref counter));
                    try
                    {
                        using var response = await client.PostAsJsonAsync("api/v1/auth/token", new { username, password }, CancellationToken.None);
                        await response.Content.ReadAsByteArrayAsync(CancellationToken.None);
                        lock (statuses) statuses[(int)response.StatusCode] = statuses.GetValueOrDefault((int)response.StatusCode) + 1;
                    }
                    catch (HttpRequestException)
                    {
                        lock (statuses) statuses[0] = statuses.GetValueOrDefault(0) + 1;
                    }
                }
            }));
            return new Attack(statuses, watch.Elapsed.TotalSeconds);
        }

        public async Task<(HttpStatusCode Status, TimeSpan Waited)> SignInAfterBackoff(User victim)
        {
            var waited = TimeSpan.Zero;
            for (var i = 0; i < 10; i++)
            {
                using var response = await http.PostAsJsonAsync("api/v1/auth/token", new { username = victim.Username, password = victim.Password });
                if (response.StatusCode != HttpStatusCode.TooManyRequests) return (response.StatusCode, waited);
                var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
                waited += wait;
                await Task.Delay(wait + TimeSpan.FromMilliseconds(200));
            }

            return (HttpStatusCode.TooManyRequests, waited);
        }

        /// <summary>N analyses at once of a 12000×3333 PNG; prints the time and both processes' peak RSS.</summary>
        public async Task PhotoBurst(int n, User reader, Child silo, string label)
        {
            using var token = await http.PostAsJsonAsync("api/v1/auth/token", new { username = reader.Username, password = reader.Password });
            var accessToken = (string)JsonNode.Parse(await token.Content.ReadAsStringAsync())!["accessToken"]!;
            var png = Ootd.Tests.LargePng.Outfit();
            // Full-size analyses of such photos took 81 s each, 20 at once, before: no client timeout here.
            using var patient = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 256 })
            {
                BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(30),
            };
            var watch = Stopwatch.StartNew();
            var answers = await Task.WhenAll(Enumerable.Range(0, n).Select(async _ =>
            {
                var started = watch.Elapsed;
                using var form = new MultipartFormDataContent();
                var file = new ByteArrayContent(png);
                file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/png");
                form.Add(file, "photo", "huge.png");
                using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/analyze") { Content = form };
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", accessToken);
                using var response = await patient.SendAsync(request);
                await response.Content.ReadAsByteArrayAsync();
                return ((int)response.StatusCode, (watch.Elapsed - started).TotalSeconds);
            }));
            var times = answers.Select(a => a.Item2).Order().ToList();
            Console.WriteLine($"  {label}: {n} × 12000×3333 PNG ({png.Length / 1024} KB) to /api/v1/analyze at once: all done in {watch.Elapsed.TotalSeconds:F1} s, " +
                              $"per request p50 {Stats.Percentile(times, 0.5):F1} s, answers {string.Join(", ", answers.GroupBy(a => a.Item1).Select(g => $"{g.Key}×{g.Count()}"))}; " +
                              $"peak RSS silo {silo.PeakRssMb():F0} MB (since start), gateway {child.PeakRssMb():F0} MB");
        }

        private HttpClient From(int host)
        {
            if (byAddress.TryGetValue(host, out var existing)) return existing;
            var local = new IPEndPoint(IPAddress.Parse($"127.0.0.{host}"), 0);
            var client = new HttpClient(new SocketsHttpHandler
            {
                UseProxy = false,
                ConnectCallback = async (context, ct) =>
                {
                    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    socket.Bind(local);
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                },
            }) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(120) };
            byAddress[host] = client;
            return client;
        }

        public ValueTask DisposeAsync()
        {
            http.Dispose();
            foreach (var c in byAddress.Values) c.Dispose();
            child.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
