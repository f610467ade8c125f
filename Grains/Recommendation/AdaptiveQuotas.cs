namespace Ootd.Grains.Recommendation;

/// <summary>
/// Per-viewer adaptive feed quotas (issue 16): sources whose entries this viewer liked more often get more of the
/// page. For each source s: the entries it placed that the viewer saw (S_s) and liked (L_s); the viewer's overall
/// like rate r = (ΣL + 1)/(ΣS + 2); the source's rate shrunk toward it, r_s = (L_s + k·r)/(S_s + k) (k = the prior,
/// in entries: a source with few seen entries keeps about its quota); the quota is multiplied by r_s / r, bounded to
/// [<see cref="MinFactor"/>, <see cref="MaxFactor"/>] — for followees never below <see cref="FolloweeMinFactor"/>, so
/// posts of people one follows stay on the page. Exploration keeps its quota (and its cap, <see cref="QuotaMixer"/>).
/// </summary>
public static class AdaptiveQuotas
{
    public const double MinFactor = 0.25;
    public const double MaxFactor = 3;
    public const double FolloweeMinFactor = 0.5;

    /// <param name="quotas">The quotas before adapting (already scaled for a new user's mass).</param>
    /// <param name="stats">Per source: entries placed by it that the viewer saw, and how many of those they liked.</param>
    /// <param name="prior">k ≥ 0: pseudo-entries at the overall rate; 0 turns the adaptation off.</param>
    public static Dictionary<FeedSource, double> Adjust(IReadOnlyDictionary<FeedSource, double> quotas, IReadOnlyDictionary<FeedSource, (int Seen, int Liked)> stats, double prior)
    {
        ArgumentNullException.ThrowIfNull(quotas);
        ArgumentNullException.ThrowIfNull(stats);
        if (prior < 0 || !double.IsFinite(prior)) throw new ArgumentOutOfRangeException(nameof(prior), "The prior must be a finite number ≥ 0.");
        var result = quotas.ToDictionary(kv => kv.Key, kv => kv.Value);
        if (prior == 0 || stats.Count == 0) return result;
        if (stats.Values.Any(s => s.Seen < 0 || s.Liked < 0 || s.Liked > s.Seen)) throw new ArgumentException("0 ≤ liked ≤ seen per source.", nameof(stats));
        var overall = (stats.Values.Sum(s => s.Liked) + 1.0) / (stats.Values.Sum(s => s.Seen) + 2.0);
        foreach (var source in quotas.Keys)
        {
            if (source == FeedSource.Exploration) continue;
            var (seen, liked) = stats.GetValueOrDefault(source);
            var rate = (liked + prior * overall) / (seen + prior);
            var min = source == FeedSource.Followees ? FolloweeMinFactor : MinFactor;
            result[source] = quotas[source] * Math.Clamp(rate / overall, min, MaxFactor);
        }
        return result;
    }

    /// <summary>Per source, the served entries the viewer saw and liked.</summary>
    public static Dictionary<FeedSource, (int Seen, int Liked)> Stats(IEnumerable<(Guid Ootd, FeedSource Source)> served, IReadOnlySet<Guid> seen, IReadOnlySet<Guid> liked)
    {
        ArgumentNullException.ThrowIfNull(served);
        ArgumentNullException.ThrowIfNull(seen);
        ArgumentNullException.ThrowIfNull(liked);
        var stats = new Dictionary<FeedSource, (int Seen, int Liked)>();
        foreach (var (ootd, source) in served.DistinctBy(s => s.Ootd))
        {
            if (!seen.Contains(ootd) && !liked.Contains(ootd)) continue;
            var (s, l) = stats.GetValueOrDefault(source);
            stats[source] = (s + 1, l + (liked.Contains(ootd) ? 1 : 0));
        }
        return stats;
    }
}
