namespace Ootd.Grains.Recommendation;

/// <summary>
/// A user's affinity to hashtags and garment tags (the tags of <c>ootd_styles</c>: hashtags ∪ detected
/// sub-categories) as a log-lift over the base rate: for tag t, p_t = share of the user's recent seen posts that carry
/// t (the base rate of what they were shown), q_t = (L_t + k·p_t)/(L + k) the smoothed share of their recent likes
/// that carry it (k = <see cref="Smoothing"/>), taste_t = ln(q_t / p_t). Positive: liked more often than shown;
/// negative: shown but passed over. No likes → no taste (a reader views everything shown, so views alone say nothing).
/// </summary>
public static class TagTaste
{
    /// <summary>Pseudo-likes that pull q_t towards p_t while the user has liked little.</summary>
    public const double Smoothing = 2;

    /// <param name="seen">Tags of each recently seen (viewed or liked) post.</param>
    /// <param name="liked">Tags of each recently liked post.</param>
    public static Dictionary<string, double> Compute(IReadOnlyList<IReadOnlyCollection<string>> seen, IReadOnlyList<IReadOnlyCollection<string>> liked)
    {
        ArgumentNullException.ThrowIfNull(seen);
        ArgumentNullException.ThrowIfNull(liked);
        var result = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        if (liked.Count == 0 || seen.Count == 0) return result;
        var seenCounts = Count(seen);
        var likedCounts = Count(liked);
        foreach (var (tag, n) in seenCounts)
        {
            var p = (double)n / seen.Count;
            var q = (likedCounts.GetValueOrDefault(tag) + Smoothing * p) / (liked.Count + Smoothing);
            result[tag] = Math.Log(q / p);
        }
        // A liked tag never seen in the (shorter) recent window: base rate of one seen post.
        foreach (var (tag, n) in likedCounts)
        {
            if (seenCounts.ContainsKey(tag)) continue;
            var p = 1.0 / (seen.Count + 1);
            result[tag] = Math.Log((n + Smoothing * p) / (liked.Count + Smoothing) / p);
        }
        return result;
    }

    /// <summary>Mean taste over a post's tags (0 for an untagged post or tags the user has no taste for).</summary>
    public static double Score(IReadOnlyDictionary<string, double> taste, IEnumerable<string> tags)
    {
        ArgumentNullException.ThrowIfNull(taste);
        ArgumentNullException.ThrowIfNull(tags);
        double sum = 0;
        var n = 0;
        foreach (var t in tags)
        {
            n++;
            if (taste.TryGetValue(t, out var v)) sum += v;
        }
        return n == 0 ? 0 : sum / n;
    }

    private static Dictionary<string, int> Count(IReadOnlyList<IReadOnlyCollection<string>> posts)
    {
        var counts = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var tags in posts)
            foreach (var t in tags.Distinct(StringComparer.OrdinalIgnoreCase))
                counts[t] = counts.GetValueOrDefault(t) + 1;
        return counts;
    }
}
