using System.Net;
using System.Security.Cryptography;
using Npgsql;

namespace Ootd.Tests.Api;

/// <summary>
/// A real deployment for the tests: a scratch database on the PostgreSQL named by <c>OOTD_PG</c>, one silo and the
/// API gateway started from the build output as separate processes (configured by environment variables, on free
/// ports). Ready when the gateway's <c>/readyz</c> answers 200. Everything is removed on dispose.
/// </summary>
public class ClusterFixture : IAsyncLifetime
{
    /// <summary>The PostgreSQL the scratch databases are made on (<see cref="Infrastructure.TestPostgres"/>).</summary>
    public static string DefaultPg => Infrastructure.TestPostgres.BaseConnectionString;
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(150);

    private readonly string clusterId = "t" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
    private ChildProcess? api;

    public string DatabaseName { get; } = "ootd_t_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    public string ConnectionString { get; private set; } = "";

    /// <summary>The HS256 key the gateway signs with (lets tests forge expired tokens with the right key).</summary>
    public byte[] SigningKey { get; } = RandomNumberGenerator.GetBytes(48);

    public ChildProcess? Silo { get; private set; }

    /// <summary>The gateway process (its output holds the per-request log lines).</summary>
    public ChildProcess? Api => api;

    /// <summary>The silo's own HTTP listener (Silo:HttpPort): /healthz, /readyz, /metrics.</summary>
    public Uri SiloHttp { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The username the gateway treats as an operator (Ops:Admins): it may open the Orleans dashboard.</summary>
    public string OpsAdmin { get; } = "ops" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    /// <summary>The last lines the gateway and the silo wrote (for failure messages).</summary>
    public string Tails(int lines = 60) => $"{api?.Tail(lines)}\n{Silo?.Tail(lines)}";

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    public HttpClient Http { get; private set; } = new();

    public async Task InitializeAsync()
    {
        var basePg = DefaultPg;
        var admin = new NpgsqlConnectionStringBuilder(basePg) { Database = "postgres", Pooling = false };
        await using (var conn = new NpgsqlConnection(admin.ConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{DatabaseName}\"", conn);
            await cmd.ExecuteNonQueryAsync();
            await PrepareDatabaseAsync(conn);
        }

        ConnectionString = new NpgsqlConnectionStringBuilder(basePg) { Database = DatabaseName }.ConnectionString;
        var apiPort = Layout.FreePort();
        BaseAddress = new Uri($"http://127.0.0.1:{apiPort}/");
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

        StartSilo();
        var settings = GatewaySettings(BaseAddress);
        settings["Logging__LogLevel__Ootd.Requests"] = "Information";
        settings["Ops__Admins__0"] = OpsAdmin;
        api = new ChildProcess("api", Layout.ApiDll, Common(settings));
        await WaitUntilReady();
    }

    private int siloPort;
    private int gatewayPort;
    private int siloHttpPort;

    /// <summary>
    /// Starts a silo; a replacement takes the dead one's ports, as a restarted process on the same machine would.
    /// (Orleans then retires the old incarnation at once; on new ports the join waits for the dead silo to be
    /// voted out, about 100 s with the default membership timings.)
    /// </summary>
    public void StartSilo()
    {
        if (siloPort == 0)
        {
            siloPort = Layout.FreePort();
            gatewayPort = Layout.FreePort();
            siloHttpPort = Layout.FreePort();
            SiloHttp = new Uri($"http://127.0.0.1:{siloHttpPort}/");
        }

        Silo = new ChildProcess("silo", Layout.SiloDll, Common(new Dictionary<string, string>
        {
            ["Orleans__SiloPort"] = siloPort.ToString(),
            ["Orleans__GatewayPort"] = gatewayPort.ToString(),
            ["Orleans__AdvertisedIP"] = "127.0.0.1",
            ["Silo__HttpPort"] = siloHttpPort.ToString(),
            ["Inference__ModelsPath"] = Ootd.Tests.Inference.TestModels.Folder,
            ["Inference__IntraOpThreads"] = "1",
            ["Inference__Analysis__RetryDelaySeconds"] = "0.5",
            ["Logging__LogLevel__Default"] = "Warning",
        }));
    }

    /// <summary>Starts one more silo of the same cluster on its own free ports (the caller disposes it).</summary>
    public ChildProcess StartAnotherSilo() =>
        new("silo+", Layout.SiloDll, Common(new Dictionary<string, string>
        {
            ["Orleans__SiloPort"] = Layout.FreePort().ToString(),
            ["Orleans__GatewayPort"] = Layout.FreePort().ToString(),
            ["Orleans__AdvertisedIP"] = "127.0.0.1",
            ["Inference__ModelsPath"] = Ootd.Tests.Inference.TestModels.Folder,
            ["Inference__IntraOpThreads"] = "1",
            ["Logging__LogLevel__Default"] = "Warning",
        }));

    /// <summary>
    /// Starts a second gateway of the same cluster on its own free port, with the same signing key (the caller
    /// disposes it, after waiting for its /readyz).
    /// </summary>
    public (ChildProcess Process, Uri BaseAddress) StartAnotherApi()
    {
        var address = new Uri($"http://127.0.0.1:{Layout.FreePort()}/");
        var settings = GatewaySettings(address);
        settings["Logging__LogLevel__Ootd.Api.Auth.LiveAccounts"] = "Debug";
        settings["Dashboard__Enabled"] = "false";
        return (new ChildProcess("api+", Layout.ApiDll, Common(settings)), address);
    }

    /// <summary>What every gateway of this cluster is started with: its address, the shared signing key, quick reconnects.</summary>
    private Dictionary<string, string> GatewaySettings(Uri address) => new()
    {
        ["Urls"] = address.ToString().TrimEnd('/'),
        ["Auth__SigningKey"] = Convert.ToBase64String(SigningKey),
        ["Auth__TokenLifetime"] = "00:30:00",
        ["Auth__ClockSkew"] = "00:00:05",
        ["Orleans__GatewayListRefreshPeriod"] = "00:00:02",
        ["Orleans__ConnectRetryDelay"] = "00:00:01",
        ["Logging__LogLevel__Default"] = "Warning",
    };

    /// <summary>kill -9 the silo, start a new one, and wait until the gateway is ready again.</summary>
    public async Task CrashAndReplaceSilo()
    {
        Silo?.KillHard();
        Silo?.Dispose();
        StartSilo();
        await WaitUntilReady();
    }

    public async Task WaitUntilReady()
    {
        var deadline = DateTime.UtcNow + ReadyTimeout;
        using var probe = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            if (Silo is { HasExited: true }) throw new InvalidOperationException("The silo exited during start-up.\n" + Silo.Tail());
            if (api is { HasExited: true }) throw new InvalidOperationException("The API exited during start-up.\n" + api.Tail());
            try
            {
                using var response = await probe.GetAsync("readyz");
                if (response.StatusCode == HttpStatusCode.OK) return;
                last = $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                last = e.Message;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"/readyz not 200 within {ReadyTimeout.TotalSeconds} s (last: {last}).\n{Silo?.Tail()}\n{api?.Tail()}");
    }

    public async Task<long> CountRows(string table)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"SELECT count(*) FROM {table}", conn);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        api?.Dispose();
        Silo?.Dispose();
        var basePg = DefaultPg;
        var admin = new NpgsqlConnectionStringBuilder(basePg) { Database = "postgres", Pooling = false };
        NpgsqlConnection.ClearAllPools();
        await using var conn = new NpgsqlConnection(admin.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{DatabaseName}\" WITH (FORCE)", conn);
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>A derived fixture's own set-up of the fresh scratch database (e.g. its owner), on the admin connection.</summary>
    protected virtual Task PrepareDatabaseAsync(NpgsqlConnection admin) => Task.CompletedTask;

    /// <summary>The connection string the silo and the API use (the tests' own, <see cref="ConnectionString"/>, by default).</summary>
    protected virtual string ProcessConnectionString => ConnectionString;

    /// <summary>Settings a derived fixture adds to both processes (e.g. the catalog tests' admins and test models).</summary>
    protected virtual IReadOnlyDictionary<string, string> ExtraEnvironment { get; } = new Dictionary<string, string>();

    private Dictionary<string, string> Common(Dictionary<string, string> specific)
    {
        var env = new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__Postgres"] = ProcessConnectionString,
            ["Orleans__ClusterId"] = clusterId,
            ["Orleans__ServiceId"] = clusterId,
            ["Telemetry__Console"] = "false",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "",
        };
        // The suite signs up, signs in and uploads far more from one address than a person would: the abuse limits are
        // off here (0) or generous; AbuseLimitTests runs its own gateway with low limits.
        foreach (var limit in new[] { "SignUp", "Uploads", "Analyze", "Search" }) env[$"AbuseLimits__{limit}__PermitLimit"] = "0";
        env["AbuseLimits__SignIn__FailuresPerUsername"] = "1000";
        env["AbuseLimits__SignIn__FailuresPerAddress"] = "100000";
        env["AbuseLimits__PasswordWork__QueueLimit"] = "100000";
        env["AbuseLimits__PasswordWork__QueueTimeout"] = "00:02:00";
        foreach (var (k, v) in specific) env[k] = v;
        foreach (var (k, v) in ExtraEnvironment) env[k] = v;
        return env;
    }
}
