using Orleans.Concurrency;

namespace Ootd.Grains.Health;

/// <inheritdoc cref="IClusterProbeGrain"/>
[StatelessWorker, Reentrant]
public sealed class ClusterProbeGrain(ILocalSiloDetails silo) : Grain, IClusterProbeGrain
{
    public Task<string> Ping() => Task.FromResult(silo.SiloAddress.ToString());
}
