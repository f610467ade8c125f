using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Ootd.Api.Health;

/// <summary>
/// Which silos the gateway can reach right now: the membership table's active entries of this cluster whose client
/// gateway port accepts a connection. The membership table alone lags behind a crash (a silo killed with kill -9 stays
/// "active" until the others vote it dead, several seconds); a dead process's port refuses at once, so it drops out of
/// the count as soon as it is gone. A silo that is alive but hung still accepts, and stays counted until the
/// membership protocol declares it dead.
/// </summary>
public sealed class LiveSilos(NpgsqlDataSource database, IConfiguration configuration, ILogger<LiveSilos> logger)
{
    /// <summary>Orleans' <c>SiloStatus.Active</c> as stored in the membership table.</summary>
    private const int ActiveStatus = 3;

    private readonly string clusterId = configuration["Orleans:ClusterId"] is { Length: > 0 } id ? id : "ootd-dev";
    private readonly TimeSpan connectTimeout = configuration.GetValue("Health:GatewayConnectTimeout", TimeSpan.FromSeconds(1));

    /// <summary>The gateway endpoints of the silos that are active in the membership table and accept a connection.</summary>
    public async Task<IReadOnlyList<IPEndPoint>> Find(CancellationToken ct)
    {
        var active = new HashSet<IPEndPoint>();
        await using (var cmd = database.CreateCommand(
            "SELECT address, proxy_port FROM orleans_membership WHERE deployment_id = $1 AND status = $2 AND proxy_port > 0"))
        {
            cmd.Parameters.AddWithValue(clusterId);
            cmd.Parameters.AddWithValue(ActiveStatus);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                if (IPAddress.TryParse(reader.GetString(0), out var address))
                {
                    active.Add(new IPEndPoint(address, reader.GetInt32(1)));
                }
            }
        }

        var probes = active.Select(async endpoint => (endpoint, live: await Accepts(endpoint, ct))).ToArray();
        var results = await Task.WhenAll(probes);
        return [.. results.Where(r => r.live).Select(r => r.endpoint)];
    }

    private async Task<bool> Accepts(IPEndPoint endpoint, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(connectTimeout);
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(endpoint, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            logger.LogDebug("Silo gateway {Endpoint} is in the membership table as active but does not accept connections: {Reason}", endpoint, e.Message);
            return false;
        }
    }
}
