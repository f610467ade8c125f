using System.Collections.Concurrent;

namespace Ootd.Grains.Recommendation;

/// <summary>
/// The stamp each post last answered a feed on this silo with (<see cref="Ootds.IOotdGrain.Read"/>, per k), shared by
/// the silo's feed grains: a feed asks a post with the stamp some feed saw last, so a post read for one user's page is
/// not sent in full again for the next user's (the gateway that served the first holds its body). Only a hint: a post
/// whose stamp moved answers its detail, and a gateway without the body at that stamp reads it (<c>PostBodies.Resolve</c>).
/// Bounded: emptied when it holds more than <see cref="Capacity"/> entries.
/// </summary>
public sealed class PostStampHints
{
    public const int Capacity = 50_000;

    private readonly ConcurrentDictionary<(Guid Ootd, int K), long> _stamps = new();

    public long Get(Guid ootdId, int k) => _stamps.TryGetValue((ootdId, k), out var stamp) ? stamp : 0;

    public void Set(Guid ootdId, int k, long stamp)
    {
        if (stamp == 0)
        {
            _stamps.TryRemove((ootdId, k), out _);
            return;
        }
        if (_stamps.Count >= Capacity) _stamps.Clear();
        _stamps[(ootdId, k)] = stamp;
    }
}
