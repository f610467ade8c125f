using System.Net;
using Microsoft.Extensions.Configuration;

namespace Ootd.Silo;

/// <summary>
/// The silo's configuration (appsettings.json, then environment variables such as <c>Orleans__SiloPort</c>,
/// then the command line such as <c>--Orleans:SiloPort=11112</c>).
/// </summary>
public sealed record OotdSiloSettings
{
    public const string DefaultConnectionString = "Host=127.0.0.1;Port=25432;Username=ootd;Password=ootd;Database=ootd";

    /// <summary><c>ConnectionStrings:Postgres</c>.</summary>
    public string ConnectionString { get; init; } = DefaultConnectionString;
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

    public static OotdSiloSettings From(IConfiguration configuration)
    {
        var defaults = new OotdSiloSettings();
        var orleans = configuration.GetSection("Orleans");
        var ip = orleans["AdvertisedIP"];
        return new OotdSiloSettings
        {
            ConnectionString = configuration.GetConnectionString("Postgres") is { Length: > 0 } cs ? cs : defaults.ConnectionString,
            ClusterId = orleans["ClusterId"] is { Length: > 0 } cluster ? cluster : defaults.ClusterId,
            ServiceId = orleans["ServiceId"] is { Length: > 0 } service ? service : defaults.ServiceId,
            SiloPort = Port(orleans, "SiloPort", defaults.SiloPort),
            GatewayPort = Port(orleans, "GatewayPort", defaults.GatewayPort),
            AdvertisedIP = string.IsNullOrWhiteSpace(ip) ? defaults.AdvertisedIP
                : IPAddress.TryParse(ip, out var address) ? address
                : throw new InvalidOperationException($"Orleans:AdvertisedIP '{ip}' is not an IP address."),
            ListenOnAnyHostAddress = orleans.GetValue("ListenOnAnyHostAddress", defaults.ListenOnAnyHostAddress),
            Migrate = configuration.GetValue("Database:Migrate", defaults.Migrate),
        };
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
