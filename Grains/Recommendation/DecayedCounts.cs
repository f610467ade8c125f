namespace Ootd.Grains.Recommendation;

/// <summary>
/// Σ kindWeight · β^d per key, updated in O(1): sums are kept relative to a reference time and decayed on read,
/// since Σ w·β^(now − at) = β^(now − ref) · Σ w·β^(ref − at).
/// </summary>
public sealed class DecayedCounts
{
    private readonly Dictionary<Guid, double> _sums = new();
    private readonly DateTimeOffset _reference;
    private readonly double _beta;

    public DecayedCounts(DateTimeOffset reference, double beta)
    {
        if (beta is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta), "β must be in (0, 1).");
        _reference = reference;
        _beta = beta;
    }

    public int Count => _sums.Count;

    public IEnumerable<Guid> Keys => _sums.Keys;

    public void Add(Guid key, double weight, DateTimeOffset at)
    {
        if (weight <= 0) return;
        _sums[key] = _sums.GetValueOrDefault(key) + weight * Math.Pow(_beta, (_reference - at).TotalDays);
    }

    /// <summary>Every key's decayed sum as of <paramref name="now"/>.</summary>
    public Dictionary<Guid, double> At(DateTimeOffset now)
    {
        var factor = Math.Pow(_beta, Math.Max(0, (now - _reference).TotalDays));
        return _sums.ToDictionary(kv => kv.Key, kv => kv.Value * factor);
    }

    /// <summary>Σ over keys as of <paramref name="now"/> (the user's interaction mass m).</summary>
    public double Total(DateTimeOffset now) => _sums.Values.Sum() * Math.Pow(_beta, Math.Max(0, (now - _reference).TotalDays));
}
