namespace Ootd.Grains.Health;

/// <summary>
/// Readiness probe of the gateway: a stateless worker, so a call is answered by the silo whose gateway received it
/// (no directory lookup, no activation on another silo). An answer proves that a silo is active and serves grain
/// calls for this client; a silo that is still joining (or a dead one) does not answer. Use key 0.
/// </summary>
[Orleans.CodeGeneration.Version(1)]
public interface IClusterProbeGrain : IGrainWithIntegerKey
{
    /// <summary>The answering silo's address.</summary>
    [ResponseTimeout("00:00:05")]
    Task<string> Ping();
}
