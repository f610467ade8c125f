using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Ootd.Api;
using Ootd.Api.Auth;
using Ootd.Api.Hosting;

namespace Ootd.Benchmarks.Recommendation;

/// <summary>
/// The real API gateway (the same wiring as Api/Program.cs: Kestrel, JWT bearer auth, problem details, telemetry, an
/// Orleans client that finds the silo through the ADO.NET membership table and talks to it over loopback TCP) on
/// 127.0.0.1 and an ephemeral port, in the benchmark's process, plus the HTTP load that measures GET /api/v1/feed.
/// </summary>
public sealed class FeedGateway : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly HttpClient http;

    private FeedGateway(WebApplication app, Uri baseAddress, int connections)
    {
        this.app = app;
        BaseAddress = baseAddress;
        http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(1, connections), UseProxy = false })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    public Uri BaseAddress { get; }

    /// <summary>The gateway's services (the readpaths benchmark times its parts, e.g. <c>OotdCards</c>, directly).</summary>
    public IServiceProvider Services => app.Services;

    /// <summary>Starts the gateway against the silo of cluster <paramref name="clusterId"/> (on <paramref name="port"/>, or an ephemeral one) and waits for /readyz.</summary>
    public static async Task<FeedGateway> StartAsync(string connectionString, string clusterId, string serviceId, int connections, int? port = null)
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = "Production",
            Args =
            [
                $"--urls=http://127.0.0.1:{port ?? 0}",
                $"--ConnectionStrings:Postgres={connectionString}",
                $"--Orleans:ClusterId={clusterId}",
                $"--Orleans:ServiceId={serviceId}",
                "--Orleans:ConnectRetryDelay=00:00:01",
                $"--Auth:SigningKey={key}",
                "--Auth:TokenLifetime=02:00:00",
                "--Telemetry:Console=false",
                "--Telemetry:OtlpEndpoint=",
                "--Logging:LogLevel:Default=Warning",
                "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning",
            ],
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning);
        builder.AddOotdGateway();
        var app = builder.Build();
        app.UseOotdGateway();
        app.MapFeedApi();
        app.MapExploreApi();
        await app.StartAsync();

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var gateway = new FeedGateway(app, new Uri(address.TrimEnd('/') + "/"), connections);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            try
            {
                using var ready = await gateway.http.GetAsync("readyz");
                if (ready.StatusCode == HttpStatusCode.OK) break;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the gateway's /readyz did not answer 200 within 2 minutes");
            await Task.Delay(200);
        }
        return gateway;
    }

    /// <summary>A real access token, signed by the gateway's own key (what POST /api/v1/auth/token hands out).</summary>
    public string TokenFor(Guid userId) =>
        app.Services.GetRequiredService<AccessTokens>().Issue(userId, $"b{userId:N}"[..20], []);

    /// <summary>One GET /api/v1/feed: latency, number of entries and the next cursor; throws on anything but 200.</summary>
    public async Task<(double Ms, int Entries, string? NextCursor)> GetFeedAsync(string token, string? cursor, int limit)
    {
        var url = cursor is null ? $"api/v1/feed?limit={limit}" : $"api/v1/feed?limit={limit}&cursor={Uri.EscapeDataString(cursor)}";
        var watch = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        var ms = watch.Elapsed.TotalMilliseconds;
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"GET {url} answered {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(body)}");
        using var json = JsonDocument.Parse(body);
        var next = json.RootElement.GetProperty("nextCursor");
        return (ms, json.RootElement.GetProperty("items").GetArrayLength(), next.ValueKind == JsonValueKind.String ? next.GetString() : null);
    }

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
