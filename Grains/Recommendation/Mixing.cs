namespace Ootd.Grains.Recommendation;

/// <summary>
/// One ranked list offered to a mixer with its quota (share of the page). A <paramref name="Capped"/> source never
/// holds more than ⌈min(quota, quota/Σquotas) · n⌉ of the first n entries, for every n, even when the other sources
/// run dry (the list then ends) or their quotas are scaled down for a new user (exploration stays bounded).
/// </summary>
public sealed record RankedSource<TSource>(TSource Source, double Quota, IReadOnlyList<Guid> Ranked, bool Capped = false);

/// <summary>One mixed entry that keeps where it came from.</summary>
public readonly record struct MixedEntry<TSource>(Guid Id, TSource Source);

/// <summary>
/// Quota mixing: slot by slot, the source furthest behind its share (quota · filled − taken, ties to the earlier
/// source) gives its next allowed id not already on the page. A source that runs dry leaves its slots to the rest.
/// </summary>
public static class QuotaMixer
{
    public static IReadOnlyList<MixedEntry<TSource>> Mix<TSource>(IReadOnlyList<RankedSource<TSource>> sources, int size, Func<Guid, bool> allowed)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(allowed);
        if (size < 0) throw new ArgumentOutOfRangeException(nameof(size), "Page size must be ≥ 0.");
        if (sources.Any(s => s.Quota < 0 || !double.IsFinite(s.Quota))) throw new ArgumentException("Quotas must be finite and ≥ 0.", nameof(sources));
        var total = sources.Sum(s => s.Quota);
        var result = new List<MixedEntry<TSource>>(size);
        if (total <= 0) return result;
        // A capped source's share is its quota as a share of the page, never more (the others' normalised shares
        // may grow when some quotas are scaled down; a capped source's does not).
        var share = sources.Select(s => s.Capped ? Math.Min(s.Quota, s.Quota / total) : s.Quota / total).ToArray();
        var cursor = new int[sources.Count];
        var taken = new int[sources.Count];
        var live = sources.Select(s => s.Quota > 0).ToArray();
        var onPage = new HashSet<Guid>();
        while (result.Count < size)
        {
            var best = -1;
            var bestDeficit = double.NegativeInfinity;
            for (var s = 0; s < sources.Count; s++)
            {
                if (!live[s]) continue;
                // Capped: at most ⌈share · n⌉ of the first n entries, for every n (so on every page, not only overall).
                if (sources[s].Capped && taken[s] + 1 > Math.Ceiling(share[s] * (result.Count + 1) - 1e-9)) continue;
                var deficit = share[s] * (result.Count + 1) - taken[s];
                if (deficit > bestDeficit + 1e-12) { best = s; bestDeficit = deficit; }
            }
            if (best < 0) break;
            var list = sources[best].Ranked;
            var found = false;
            while (cursor[best] < list.Count)
            {
                var id = list[cursor[best]++];
                if (onPage.Contains(id) || !allowed(id)) continue;
                onPage.Add(id);
                result.Add(new MixedEntry<TSource>(id, sources[best].Source));
                taken[best]++;
                found = true;
                break;
            }
            if (!found) live[best] = false;
        }
        return result;
    }
}

/// <summary>What a feed must never show: the user's own posts, seen, deleted, or by authors blocked either way.</summary>
public sealed record FeedExclusions(
    Guid UserId,
    Func<Guid, Guid?> AuthorOf,
    IReadOnlySet<Guid> Seen,
    IReadOnlySet<Guid> Deleted,
    IReadOnlySet<Guid> BlockedAuthors)
{
    /// <summary>True when the OOTD may be shown; an OOTD whose author is unknown is treated as gone.</summary>
    public bool Allows(Guid ootdId)
    {
        if (Seen.Contains(ootdId) || Deleted.Contains(ootdId)) return false;
        return AuthorOf(ootdId) is { } a && Allows(ootdId, a);
    }

    /// <summary>The same rule for an OOTD whose author the caller already knows (<see cref="AuthorOf"/> is not asked).</summary>
    public bool Allows(Guid ootdId, Guid authorId) =>
        !Seen.Contains(ootdId) && !Deleted.Contains(ootdId) && authorId != UserId && !BlockedAuthors.Contains(authorId);
}

/// <summary>The home feed: user-based + item-based + weekly best + segment best + followee posts, by the feed quotas.</summary>
public static class FeedMixer
{
    /// <summary>Mixes with the configured quotas as they are.</summary>
    public static IReadOnlyList<MixedEntry<FeedSource>> Mix(IReadOnlyDictionary<FeedSource, IReadOnlyList<Guid>> ranked, FeedExclusions exclusions, RecommenderOptions options, int size) =>
        Mix(ranked, exclusions, options.FeedQuotas, size);

    /// <summary>Mixes with the personal quotas scaled by the user's decayed interaction mass (see <see cref="Quotas"/>).</summary>
    public static IReadOnlyList<MixedEntry<FeedSource>> Mix(IReadOnlyDictionary<FeedSource, IReadOnlyList<Guid>> ranked, FeedExclusions exclusions, RecommenderOptions options, double personalMass, int size) =>
        Mix(ranked, exclusions, Quotas(options, personalMass), size);

    /// <summary>
    /// Feed quotas for a user whose decayed interaction mass is m: user- and item-based quotas × m/(m + m₀), the
    /// others unchanged (m₀ = <see cref="RecommenderOptions.ColdStartMass"/>; m₀ = 0 keeps the configured quotas).
    /// </summary>
    /// <remarks>
    /// With a profile prior (declared style tags or a segment with best posts) the item-based source, which the prior
    /// seeds, counts the prior as <see cref="RecommenderOptions.ProfilePriorMass"/> more mass: (m + P)/(m + P + m₀),
    /// so a new user's first page already has a personal source.
    /// </remarks>
    public static IReadOnlyDictionary<FeedSource, double> Quotas(RecommenderOptions options, double personalMass, bool hasProfilePrior = false)
    {
        if (personalMass < 0 || !double.IsFinite(personalMass)) throw new ArgumentOutOfRangeException(nameof(personalMass), "Interaction mass must be finite and ≥ 0.");
        var m0 = options.ColdStartMass;
        var confidence = m0 == 0 ? 1 : personalMass / (personalMass + m0);
        var prior = hasProfilePrior && options.ProfilePriorWeight > 0 ? options.ProfilePriorMass : 0;
        var itemConfidence = m0 == 0 ? 1 : (personalMass + prior) / (personalMass + prior + m0);
        return options.FeedQuotas.ToDictionary(kv => kv.Key, kv => kv.Key switch
        {
            FeedSource.UserBased => kv.Value * confidence,
            FeedSource.ItemBased => kv.Value * itemConfidence,
            _ => kv.Value,
        });
    }

    /// <summary>Mixes with the personal quotas scaled by the user's mass and profile prior (see <see cref="Quotas"/>).</summary>
    public static IReadOnlyList<MixedEntry<FeedSource>> Mix(IReadOnlyDictionary<FeedSource, IReadOnlyList<Guid>> ranked, FeedExclusions exclusions, RecommenderOptions options, double personalMass, bool hasProfilePrior, int size) =>
        Mix(ranked, exclusions, Quotas(options, personalMass, hasProfilePrior), size);

    /// <summary>Mixes with the given quotas (e.g. <see cref="Quotas"/> adapted by <see cref="AdaptiveQuotas"/>).</summary>
    public static IReadOnlyList<MixedEntry<FeedSource>> Mix(IReadOnlyDictionary<FeedSource, IReadOnlyList<Guid>> ranked, FeedExclusions exclusions, IReadOnlyDictionary<FeedSource, double> quotas, int size)
    {
        ArgumentNullException.ThrowIfNull(ranked);
        ArgumentNullException.ThrowIfNull(exclusions);
        var sources = Enum.GetValues<FeedSource>()
            .Select(s => new RankedSource<FeedSource>(s, quotas.GetValueOrDefault(s), ranked.TryGetValue(s, out var l) ? l : [], Capped: s == FeedSource.Exploration))
            .ToList();
        return QuotaMixer.Mix(sources, size, exclusions.Allows);
    }
}
