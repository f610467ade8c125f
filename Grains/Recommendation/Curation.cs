namespace Ootd.Grains.Recommendation;

/// <summary>
/// Weekly-best and segment-best lists: OOTDs ranked by decayed interactions, score(o) = Σ kindWeight · β^d.
/// </summary>
public static class CurationRanker
{
    /// <summary>Best OOTDs posted within the weekly window before <paramref name="now"/>; OOTDs with unknown post time are left out.</summary>
    public static IReadOnlyList<ScoredOotd> WeeklyBest(IEnumerable<OotdInteraction> log, Func<Guid, DateTimeOffset?> postedAt, DateTimeOffset now, RecommenderOptions options, int top)
    {
        ArgumentNullException.ThrowIfNull(postedAt);
        var from = now - TimeSpan.FromDays(options.WeeklyWindowDays);
        return Rank(log, i => postedAt(i.OotdId) is { } p && p >= from && p <= now, now, options, top);
    }

    /// <summary>Best OOTDs among the interactions of users in <paramref name="segment"/>.</summary>
    public static IReadOnlyList<ScoredOotd> SegmentBest(IEnumerable<OotdInteraction> log, Func<Guid, string?> segmentOf, string segment, DateTimeOffset now, RecommenderOptions options, int top)
    {
        ArgumentNullException.ThrowIfNull(segmentOf);
        ArgumentException.ThrowIfNullOrEmpty(segment);
        return Rank(log, i => segmentOf(i.UserId) == segment, now, options, top);
    }

    /// <summary>Σ kindWeight · β^d over the interactions that pass <paramref name="include"/>; interactions after now are ignored.</summary>
    public static IReadOnlyList<ScoredOotd> Rank(IEnumerable<OotdInteraction> log, Func<OotdInteraction, bool> include, DateTimeOffset now, RecommenderOptions options, int top)
    {
        ArgumentNullException.ThrowIfNull(log);
        var scores = new Dictionary<Guid, double>();
        foreach (var i in log)
        {
            if (i.At > now || !include(i)) continue;
            var w = TfIdf.Weight(i.Kind, i.At, now, options);
            if (w > 0) scores[i.OotdId] = scores.GetValueOrDefault(i.OotdId) + w;
        }
        return Ranking.Top(scores, top);
    }
}
