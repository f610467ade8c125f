using System.Collections.Concurrent;

namespace Ootd.Grains.Recommendation;

/// <summary>
/// Values a silo holds for a short while for all its readers (e.g. the curated lists' live entries,
/// <see cref="FeedAssembler.CuratedLiveAsync"/>): a held value is answered while it is younger than the hold asked
/// for and was read at the current generation (a batch run published on the silo, <see cref="RecommenderGeneration"/>),
/// so a new run's lists show at once. Times are in milliseconds of any monotonic clock; a hold of 0 holds nothing.
/// </summary>
public sealed class HeldValues<TKey, TValue> where TKey : notnull where TValue : class
{
    private readonly ConcurrentDictionary<TKey, (TValue Value, long At, long Generation)> _held = new();

    /// <summary>The value held for <paramref name="key"/>, or null when none is, it is <paramref name="holdMs"/> old or older, or it was read at another generation.</summary>
    public TValue? TryGet(TKey key, long nowMs, long generation, long holdMs) =>
        holdMs > 0 && _held.TryGetValue(key, out var held) && held.Generation == generation && nowMs - held.At < holdMs ? held.Value : null;

    /// <summary>Holds <paramref name="value"/>, read at <paramref name="nowMs"/> and <paramref name="generation"/> (nothing when <paramref name="holdMs"/> is 0).</summary>
    public void Put(TKey key, TValue value, long nowMs, long generation, long holdMs)
    {
        if (holdMs > 0) _held[key] = (value, nowMs, generation);
    }
}
