using Ootd.Grains.Ootds;

namespace Ootd.Api.Social;

/// <summary>
/// The details of posts pushed on live feed streams (<c>followeePost</c> events). A followee's new post reaches every
/// connected follower in the same second, and each stream used to read the same post (its items and similar products)
/// from the silo on its own: a thousand reads of one post grain, served one after the other by its single activation
/// (README "Read paths", fan-out). Here the streams of this gateway share one read of a post while it is younger than
/// <c>Gateway:PushedDetailMilliseconds</c> (default 2,000; 0 turns the sharing off). What differs per follower (likedByMe,
/// followingAuthor) is still read per stream. A failed read is not shared: the next stream reads again.
/// </summary>
public sealed class PushedPostDetails
{
    private readonly Func<Guid, int, Task<OotdDetail?>> _read;
    private readonly long _shareMs;
    private readonly Dictionary<(Guid Id, int K), (long At, Task<OotdDetail?> Detail)> _recent = new();
    private long _lastPrune;

    public PushedPostDetails(IClusterClient cluster, IConfiguration config)
        : this(async (id, k) => (await cluster.GetGrain<IOotdShelfGrain>(IOotdShelfGrain.Pool).GetDetails([id], k))[0],
            config.GetValue("Gateway:PushedDetailMilliseconds", 2000))
    {
    }

    /// <summary>Shares the reads of <paramref name="read"/> (the silo's post details) for <paramref name="shareMilliseconds"/>.</summary>
    public static PushedPostDetails Over(Func<Guid, int, Task<OotdDetail?>> read, long shareMilliseconds) => new(read, shareMilliseconds);

    private PushedPostDetails(Func<Guid, int, Task<OotdDetail?>> read, long shareMilliseconds)
    {
        _read = read;
        _shareMs = Math.Max(0, shareMilliseconds);
    }

    /// <summary>Reads made (not shared): what the sharing saves is visible in tests and benchmarks.</summary>
    public long Reads { get; private set; }

    public Task<OotdDetail?> Read(Guid id, int k)
    {
        var now = Environment.TickCount64;
        Task<OotdDetail?> detail;
        lock (_recent)
        {
            if (now - _lastPrune > Math.Max(1000, _shareMs))
            {
                foreach (var old in _recent.Where(e => now - e.Value.At >= _shareMs).Select(e => e.Key).ToList()) _recent.Remove(old);
                _lastPrune = now;
            }
            if (_shareMs > 0 && _recent.TryGetValue((id, k), out var held) && now - held.At < _shareMs
                && !held.Detail.IsFaulted && !held.Detail.IsCanceled)
            {
                return held.Detail;
            }
            Reads++;
            detail = _read(id, k);
            if (_shareMs > 0) _recent[(id, k)] = (now, detail);
        }
        return detail;
    }
}
