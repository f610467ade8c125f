using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Ootd.Silo;

/// <summary>
/// The silo's readiness: healthy from the moment the silo is Active in the cluster until it starts stopping (so a
/// pod leaves the Service before its grains deactivate). Liveness stays the local "self" check of ServiceDefaults.
/// </summary>
public sealed class SiloActiveHealthCheck : ILifecycleParticipant<ISiloLifecycle>, IHealthCheck
{
    private volatile bool _active;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SiloActiveHealthCheck), ServiceLifecycleStage.Active,
            _ => { _active = true; return Task.CompletedTask; },
            _ => { _active = false; return Task.CompletedTask; });

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_active ? HealthCheckResult.Healthy("the silo is active in the cluster")
            : HealthCheckResult.Unhealthy("the silo is not (or no longer) active in the cluster"));
}
