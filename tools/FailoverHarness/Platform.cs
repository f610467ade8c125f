using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Ootd.FailoverHarness;

/// <summary>
/// The deployment under test, all on loopback: a PostgreSQL the harness owns (scripts/pg.sh on its own port and data
/// folder, so it can restart it), a scratch database, 3 silos and the API gateway from the Release build output.
/// </summary>
public sealed class Platform : IAsyncDisposable
{
    private readonly HarnessOptions options;
    private readonly string clusterId = "f" + Guid.NewGuid().ToString("N")[..8];
    private readonly List<(int SiloPort, int GatewayPort)> siloPorts = [];
    private readonly Dictionary<int, Child> silos = [];
    private Child? api;

    public Platform(HarnessOptions options)
    {
        this.options = options;
        Database = "ootd_failover_" + Guid.NewGuid().ToString("N")[..8];
        ApiUrl = new Uri($"http://127.0.0.1:{options.ApiPort}/");
    }

    public string Database { get; }

    public Uri ApiUrl { get; }

    public string AdminConnectionString => $"Host=127.0.0.1;Port={options.PgPort};Username=ootd;Password=ootd;Database=postgres;Pooling=false";

    public string ConnectionString => $"Host=127.0.0.1;Port={options.PgPort};Username=ootd;Password=ootd;Database={Database}";

    public async Task Start()
    {
        await PgCtl("start");
        await using (var conn = new NpgsqlConnection(AdminConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{Database}\"", conn);
            await cmd.ExecuteNonQueryAsync();
        }

        for (var i = 0; i < options.Silos; i++)
        {
            siloPorts.Add((options.SiloPortBase + i, options.GatewayPortBase + i));
            StartSilo(i);
            if (i == 0) await WaitForLog(silos[0], "Silo ready", TimeSpan.FromSeconds(180));
        }

        foreach (var (i, silo) in silos) await WaitForLog(silo, "Silo ready", TimeSpan.FromSeconds(180));
        api = new Child("api", Dll("Api", "Ootd.Api.dll"), Environment(new()
        {
            ["Urls"] = ApiUrl.ToString().TrimEnd('/'),
            ["Auth__DevKeyFile"] = Path.Combine(options.DataDir, "failover-signing.key"),
            // The harness measures faults, not the abuse limits: its clients sign up and post from one address faster
            // than a person would (12 sign-ups, about 24 uploads a minute each). --api-env can set them back.
            ["AbuseLimits__SignUp__PermitLimit"] = "0",
            ["AbuseLimits__Uploads__PermitLimit"] = "0",
            ["AbuseLimits__Search__PermitLimit"] = "0",
        }, options.ApiEnv), options.LogDir);
        await WaitUntilReady(options.Silos, TimeSpan.FromSeconds(180));
    }

    public void StartSilo(int index)
    {
        var (siloPort, gatewayPort) = siloPorts[index];
        silos[index] = new Child($"silo{index}", Dll("Silo", "Ootd.Silo.dll"), Environment(new()
        {
            ["Orleans__SiloPort"] = siloPort.ToString(),
            ["Orleans__GatewayPort"] = gatewayPort.ToString(),
            ["Orleans__AdvertisedIP"] = "127.0.0.1",
            ["Inference__IntraOpThreads"] = "1",
        }, options.SiloEnv), options.LogDir);
    }

    public void KillSilo(int index) => silos[index].Kill();

    public Task WaitForSiloReady(int index, TimeSpan within) => WaitForLog(silos[index], "Silo ready", within);

    public Task RestartPostgres() => PgCtl("stop").ContinueWith(_ => PgCtl("start")).Unwrap();

    /// <summary>Waits until /readyz answers 200 with at least <paramref name="silos"/> active silos.</summary>
    public async Task WaitUntilReady(int silos, TimeSpan within)
    {
        using var http = new HttpClient { BaseAddress = ApiUrl, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + within;
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await http.GetAsync("readyz");
                last = await response.Content.ReadAsStringAsync();
                if (response.StatusCode == HttpStatusCode.OK
                    && System.Text.Json.Nodes.JsonNode.Parse(last)?["activeSilos"]?.GetValue<int>() >= silos) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                last = e.Message;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"/readyz did not report {silos} active silos within {within.TotalSeconds} s (last: {last})");
    }

    public async ValueTask DisposeAsync()
    {
        api?.Stop();
        foreach (var silo in silos.Values) silo.Stop();
        try
        {
            NpgsqlConnection.ClearAllPools();
            await using var conn = new NpgsqlConnection(AdminConnectionString);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Database}\" WITH (FORCE)", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"could not drop {Database}: {e.Message}");
        }

        if (options.StopPostgres) await PgCtl("stop");
    }

    private Dictionary<string, string> Environment(Dictionary<string, string> specific, IReadOnlyDictionary<string, string> extra)
    {
        var env = new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__Postgres"] = ConnectionString,
            ["Orleans__ClusterId"] = clusterId,
            ["Orleans__ServiceId"] = clusterId,
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Ootd.Silo.SiloReadyAnnouncer"] = "Information",
        };
        if (options.ModelsPath is { } models) env["Inference__ModelsPath"] = models;
        foreach (var (k, v) in specific) env[k] = v;
        foreach (var (k, v) in extra) env[k] = v;
        return env;
    }

    private string Dll(string project, string name)
    {
        var path = Path.Combine(options.RepoRoot, project, "bin", "Release", "net10.0", name);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} is missing: build {project} in Release first");
        return path;
    }

    private async Task PgCtl(string verb)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(options.RepoRoot, "scripts", "pg.sh"));
        start.ArgumentList.Add(verb);
        start.Environment["OOTD_PG_PORT"] = options.PgPort.ToString();
        start.Environment["OOTD_PG_DIR"] = options.PgDir;
        using var process = Process.Start(start)!;
        var output = await process.StandardError.ReadToEndAsync() + await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"scripts/pg.sh {verb} failed ({process.ExitCode}): {output}");
    }

    private static async Task WaitForLog(Child child, string text, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (!child.Saw(text))
        {
            if (child.HasExited) throw new InvalidOperationException($"{child.Name} exited:\n{child.Tail()}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{child.Name}: no '{text}' within {within.TotalSeconds} s\n{child.Tail()}");
            await Task.Delay(200);
        }
    }

    public static bool PortFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

/// <summary>A silo or gateway process; its output goes to a log file and a short in-memory tail.</summary>
public sealed class Child
{
    private readonly Process process;
    private readonly ConcurrentQueue<string> tail = new();
    private readonly StreamWriter log;
    private volatile bool ready;

    public Child(string name, string dll, IReadOnlyDictionary<string, string> environment, string logDir)
    {
        Name = name;
        Directory.CreateDirectory(logDir);
        log = new StreamWriter(Path.Combine(logDir, name + ".log"), append: true) { AutoFlush = true };
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(dll);
        foreach (var (k, v) in environment) start.Environment[k] = v;
        process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Name { get; }

    public bool HasExited => process.HasExited;

    public bool Saw(string text) => ready || (ready = tail.Any(l => l.Contains(text, StringComparison.Ordinal)));

    public string Tail() => string.Join('\n', tail.TakeLast(40));

    /// <summary>SIGKILL: no chance to leave the cluster or finish anything.</summary>
    public void Kill()
    {
        if (!process.HasExited) process.Kill();
        process.WaitForExit(10_000);
    }

    public void Stop()
    {
        if (process.HasExited) return;
        using (var term = Process.Start("kill", ["-TERM", process.Id.ToString()])) term.WaitForExit();
        if (!process.WaitForExit(10_000)) Kill();
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (log) log.WriteLine(line);
        tail.Enqueue(line);
        while (tail.Count > 200 && tail.TryDequeue(out _))
        {
        }
    }
}
