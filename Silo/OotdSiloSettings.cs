using System.Net;
using Microsoft.Extensions.Configuration;

namespace Ootd.Silo;

/// <summary>
/// The silo's configuration (appsettings.json, then environment variables such as <c>Orleans__SiloPort</c>,
/// then the command line such as <c>--Orleans:SiloPort=11112</c>).
/// </summary>
public sealed record OotdSiloSettings
{
    /// <summary>
    /// <c>ConnectionStrings:Postgres</c>, from configuration only (appsettings.json for local development, the
    /// environment variable <c>ConnectionStrings__Postgres</c> or a Secret in deployments); empty when not set, and
    /// <see cref="RequireConnectionString"/> then stops the silo with a clear message.
    /// </summary>
    public string ConnectionString { get; init; } = "";
    /// <summary><c>Orleans:ClusterId</c>, default "ootd-dev".</summary>
    public string ClusterId { get; init; } = "ootd-dev";
    /// <summary><c>Orleans:ServiceId</c>, default "ootd" (the grain state key: keep it stable across deployments).</summary>
    public string ServiceId { get; init; } = "ootd";
    /// <summary><c>Orleans:SiloPort</c>, default 11111.</summary>
    public int SiloPort { get; init; } = 11111;
    /// <summary><c>Orleans:GatewayPort</c>, default 30000.</summary>
    public int GatewayPort { get; init; } = 30000;
    /// <summary><c>Orleans:AdvertisedIP</c>, default 127.0.0.1 (a pod sets its own IP).</summary>
    public IPAddress AdvertisedIP { get; init; } = IPAddress.Loopback;
    /// <summary><c>Orleans:ListenOnAnyHostAddress</c>, default false (true in containers).</summary>
    public bool ListenOnAnyHostAddress { get; init; }
    /// <summary><c>Database:Migrate</c>, default true: apply pending migrations before Orleans starts.</summary>
    public bool Migrate { get; init; } = true;
    /// <summary>
    /// <c>Silo:HttpPort</c>: the silo's small HTTP listener for <c>/healthz</c>, <c>/readyz</c> and <c>/metrics</c>.
    /// Default: the gateway port − <see cref="HttpPortBelowGateway"/> (20000 for 30000, so silos started side by side
    /// get their own), below Linux's ephemeral range 32768–60999 where an outgoing connection could already hold it;
    /// 0 = any free port (also the default when the gateway port is too low to subtract from).
    /// </summary>
    public int HttpPort { get; init; } = 30000 - HttpPortBelowGateway;

    /// <summary>How far below the gateway port the silo's HTTP listener is by default.</summary>
    public const int HttpPortBelowGateway = 10000;
    /// <summary>
    /// <c>Silo:ShutdownTimeout</c>, default 00:00:07: how long SIGTERM waits for grain deactivation and leaving the
    /// cluster. Short by default so a local supervisor (run.sh) stops within 10 s even after a fault, when a graceful
    /// stop could wait on what is gone (every grain write is already durable, so a cut-short stop loses nothing);
    /// Kubernetes sets 120 s, below the pod's terminationGracePeriodSeconds of 180.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(7);
    /// <summary>True when the downward-API variables POD_NAME, POD_NAMESPACE and POD_IP are all set: the silo then uses
    /// Orleans' Kubernetes hosting (silo name, address and ids from the pod).</summary>
    public bool InKubernetes { get; init; }

    public static OotdSiloSettings From(IConfiguration configuration)
    {
        var defaults = new OotdSiloSettings();
        var orleans = configuration.GetSection("Orleans");
        var ip = orleans["AdvertisedIP"];
        return new OotdSiloSettings
        {
            ConnectionString = configuration.GetConnectionString("Postgres") ?? defaults.ConnectionString,
            ClusterId = orleans["ClusterId"] is { Length: > 0 } cluster ? cluster : defaults.ClusterId,
            ServiceId = orleans["ServiceId"] is { Length: > 0 } service ? service : defaults.ServiceId,
            SiloPort = Port(orleans, "SiloPort", defaults.SiloPort),
            GatewayPort = Port(orleans, "GatewayPort", defaults.GatewayPort),
            AdvertisedIP = string.IsNullOrWhiteSpace(ip) ? defaults.AdvertisedIP
                : IPAddress.TryParse(ip, out var address) ? address
                : throw new InvalidOperationException($"Orleans:AdvertisedIP '{ip}' is not an IP address."),
            ListenOnAnyHostAddress = orleans.GetValue("ListenOnAnyHostAddress", defaults.ListenOnAnyHostAddress),
            Migrate = configuration.GetValue("Database:Migrate", defaults.Migrate),
            HttpPort = HttpPortOf(configuration, Port(orleans, "GatewayPort", defaults.GatewayPort)),
            ShutdownTimeout = configuration.GetValue("Silo:ShutdownTimeout", defaults.ShutdownTimeout),
            InKubernetes = new[] { "POD_NAME", "POD_NAMESPACE", "POD_IP" }.All(v => !string.IsNullOrWhiteSpace(configuration[v])),
        };
    }

    /// <summary>These settings, or an error naming the missing connection string.</summary>
    public OotdSiloSettings RequireConnectionString() => !string.IsNullOrWhiteSpace(ConnectionString) ? this
        : throw new InvalidOperationException("ConnectionStrings:Postgres is not set: give the silo its database in " +
            "appsettings.json or the environment variable ConnectionStrings__Postgres (./run.sh sets it from OOTD_PG).");

    private static int HttpPortOf(IConfiguration configuration, int gatewayPort)
    {
        var text = configuration["Silo:HttpPort"];
        if (string.IsNullOrWhiteSpace(text)) return gatewayPort - HttpPortBelowGateway >= 1024 ? gatewayPort - HttpPortBelowGateway : 0;
        if (!int.TryParse(text, out var port) || port is < 0 or > 65535)
        {
            throw new InvalidOperationException($"Silo:HttpPort '{text}' is not a port number (0-65535; 0 = any free port).");
        }
        return port;
    }

    private static int Port(IConfiguration section, string key, int fallback)
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        if (!int.TryParse(text, out var port) || port is < 0 or > 65535)
        {
            throw new InvalidOperationException($"Orleans:{key} '{text}' is not a port number (0-65535).");
        }
        return port;
    }
}
