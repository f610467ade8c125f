using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Ootd.Silo;

/// <summary>Logs one line when the silo is active, so scripts and tests can wait for it.</summary>
public sealed partial class SiloReadyAnnouncer(
    ILogger<SiloReadyAnnouncer> logger,
    IOptions<ClusterOptions> cluster,
    IOptions<EndpointOptions> endpoints) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SiloReadyAnnouncer), ServiceLifecycleStage.Active, _ =>
        {
            LogReady(cluster.Value.ClusterId, endpoints.Value.SiloPort, endpoints.Value.GatewayPort);
            return Task.CompletedTask;
        });

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo ready: cluster {ClusterId}, silo port {SiloPort}, gateway {GatewayPort}")]
    private partial void LogReady(string clusterId, int siloPort, int gatewayPort);
}
