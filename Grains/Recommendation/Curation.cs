namespace Ootd.Grains.Recommendation;

/// <summary>
/// Weekly-best, segment-best and body-shape-best lists: OOTDs ranked by decayed interactions, score(o) = Σ kindWeight · β^d.
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

    /// <summary>
    /// Best OOTDs per declared body shape: for each shape some user in <paramref name="shapeOf"/> declared (user →
    /// <see cref="BodyShapes.Key"/>), <see cref="Rank"/> over the interactions of those users. Users not in
    /// <paramref name="shapeOf"/> declared no shape and count in no list; a shape nobody interacted under has no list.
    /// No post carries a shape, so what same-shape users viewed and liked stands for it.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<ScoredOotd>> ShapeBest(IEnumerable<OotdInteraction> log, IReadOnlyDictionary<Guid, string> shapeOf, DateTimeOffset now, RecommenderOptions options, int top)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(shapeOf);
        return log.Where(i => shapeOf.ContainsKey(i.UserId)).GroupBy(i => shapeOf[i.UserId], StringComparer.Ordinal)
            .Select(g => (g.Key, List: Rank(g, _ => true, now, options, top)))
            .Where(x => x.List.Count > 0)
            .ToDictionary(x => x.Key, x => x.List, StringComparer.Ordinal);
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
