namespace Ootd.Grains.Recommendation;

/// <summary>
/// The taste-ranked feed (issue 16, branch lift): once a viewer has liked something, the page is no longer cut into
/// per-source quotas. Every candidate any source offers (user-based, item-based, the curated heads, followee posts) is
/// ranked by one estimate of P(this viewer likes it), and the sources only supply candidates and name the entry.
/// <para>
/// The estimate (<see cref="Posterior"/>): the learned taste model's P(like) is the prior, and what the viewer's
/// like-neighbours did with the post is the evidence — Σ sim over the neighbours who saw it, Σ sim over those who liked
/// it: P = (liked + a·prior)/(seen + a). Unlike a sum over likers (<see cref="LikeNeighbours.Score"/>), a post that
/// many neighbours were shown and passed over ranks low, however many likes its exposure brought.
/// </para>
/// <para>
/// Two bounded exceptions to "best estimate first" (<see cref="Mix"/>): exploration keeps its capped share (deliberate,
/// never more than ⌈share·n⌉ of the first n entries), and posts of followees keep a floor (at least ⌊floor·n⌋ of the
/// first n while any is left), so someone one follows stays on the page even when the model rates their posts low.
/// </para>
/// </summary>
public static class TasteRanking
{
    /// <summary>
    /// Per post: Σ sim(u, v) over the like-neighbours v who saw it (viewed or liked) and over those who liked it;
    /// sim = n/√(|L_u|·|L_v|) · n/(n + h) over the recent likes (n shared), as <see cref="LikeNeighbours.Score"/>.
    /// Only posts <paramref name="allowed"/> and not liked by the viewer are counted.
    /// </summary>
    public static Dictionary<Guid, (double Seen, double Liked)> NeighbourEvidence(
        IReadOnlyCollection<Guid> myLikes,
        IEnumerable<(Guid User, IReadOnlyCollection<Guid> Seen, IReadOnlyList<Guid> Likes)> neighbours,
        double shrinkage,
        Func<Guid, bool> allowed)
    {
        ArgumentNullException.ThrowIfNull(myLikes);
        ArgumentNullException.ThrowIfNull(neighbours);
        ArgumentNullException.ThrowIfNull(allowed);
        if (shrinkage < 0 || !double.IsFinite(shrinkage)) throw new ArgumentOutOfRangeException(nameof(shrinkage), "Shrinkage must be a finite number ≥ 0.");
        var mine = myLikes.ToHashSet();
        var evidence = new Dictionary<Guid, (double Seen, double Liked)>();
        if (mine.Count == 0) return evidence;
        foreach (var (_, seen, likes) in neighbours.DistinctBy(n => n.User).OrderBy(n => n.User))
        {
            var liked = likes.ToHashSet();
            if (liked.Count == 0) continue;
            var n = liked.Count(mine.Contains);
            if (n == 0) continue;
            var sim = n / Math.Sqrt((double)mine.Count * liked.Count) * n / (n + shrinkage);
            foreach (var o in seen.Concat(liked).Distinct())
            {
                if (mine.Contains(o) || !allowed(o)) continue;
                var (s, l) = evidence.GetValueOrDefault(o);
                evidence[o] = (s + sim, l + (liked.Contains(o) ? sim : 0));
            }
        }
        return evidence;
    }

    /// <summary>P = (liked + strength·prior)/(seen + strength): the prior estimate updated by the neighbours' evidence.</summary>
    public static double Posterior(double seen, double liked, double prior, double strength)
    {
        if (seen < 0 || liked < 0 || liked > seen + 1e-9) throw new ArgumentException("0 ≤ liked ≤ seen.");
        if (strength <= 0 || !double.IsFinite(strength)) throw new ArgumentOutOfRangeException(nameof(strength), "The prior strength must be a finite number > 0.");
        return (liked + strength * prior) / (seen + strength);
    }

    /// <summary>
    /// The candidates of every source, one entry per post: the label is the source that ranks it highest (earliest
    /// position in its own list; ties to the lower <see cref="FeedSource"/> value), except that a post in the followee
    /// list is always a followee entry. Exploration is not a candidate here (see <see cref="Mix"/>).
    /// </summary>
    public static Dictionary<Guid, FeedSource> Labels(IReadOnlyDictionary<FeedSource, IReadOnlyList<Guid>> lists)
    {
        ArgumentNullException.ThrowIfNull(lists);
        var best = new Dictionary<Guid, (int Rank, FeedSource Source)>();
        foreach (var (source, list) in lists.OrderBy(kv => kv.Key))
        {
            if (source == FeedSource.Exploration) continue;
            for (var i = 0; i < list.Count; i++)
            {
                var id = list[i];
                var rank = source == FeedSource.Followees ? -1 : i;
                if (!best.TryGetValue(id, out var b) || rank < b.Rank) best[id] = (rank, source);
            }
        }
        return best.ToDictionary(kv => kv.Key, kv => kv.Value.Source);
    }

    /// <summary>
    /// The page: slot by slot, a followee post while followees are below their floor (fewer than ⌊floor·n⌋ of the first
    /// n), else exploration while it has fewer than round(share·n) of the first n entries (so at most ⌈share·n⌉), else the best
    /// remaining candidate of <paramref name="ranked"/> (best first; followee posts compete here too). Never an id twice,
    /// never one <paramref name="allowed"/> refuses; ends when every list is exhausted.
    /// </summary>
    public static IReadOnlyList<MixedEntry<FeedSource>> Mix(
        IReadOnlyList<(Guid Id, FeedSource Source)> ranked,
        IReadOnlyList<Guid> exploration,
        double explorationShare,
        double followeeFloor,
        int size,
        Func<Guid, bool> allowed)
    {
        ArgumentNullException.ThrowIfNull(ranked);
        ArgumentNullException.ThrowIfNull(exploration);
        ArgumentNullException.ThrowIfNull(allowed);
        if (size < 0) throw new ArgumentOutOfRangeException(nameof(size), "Page size must be ≥ 0.");
        if (explorationShare is < 0 or > 1 || !double.IsFinite(explorationShare)) throw new ArgumentOutOfRangeException(nameof(explorationShare), "Must be in [0, 1].");
        if (followeeFloor is < 0 or > 1 || !double.IsFinite(followeeFloor)) throw new ArgumentOutOfRangeException(nameof(followeeFloor), "Must be in [0, 1].");
        var result = new List<MixedEntry<FeedSource>>(size);
        var onPage = new HashSet<Guid>();
        int mainCursor = 0, exploreCursor = 0, followeeCursor = 0, explored = 0, followed = 0;
        var followeeIds = ranked.Where(r => r.Source == FeedSource.Followees).Select(r => r.Id).ToList();

        bool Take(Guid id, FeedSource source)
        {
            if (onPage.Contains(id) || !allowed(id)) return false;
            onPage.Add(id);
            result.Add(new MixedEntry<FeedSource>(id, source));
            if (source == FeedSource.Exploration) explored++;
            if (source == FeedSource.Followees) followed++;
            return true;
        }

        while (result.Count < size)
        {
            var n = result.Count + 1;
            var placed = false;
            // Followees below their floor.
            if (followed < Math.Floor(followeeFloor * n + 1e-9))
                while (!placed && followeeCursor < followeeIds.Count) placed = Take(followeeIds[followeeCursor++], FeedSource.Followees);
            // Exploration: fewer than round(share·n) of the first n entries (so never above ⌈share·n⌉).
            if (!placed && explored < Math.Floor(explorationShare * n + 0.5 + 1e-9))
                while (!placed && exploreCursor < exploration.Count) placed = Take(exploration[exploreCursor++], FeedSource.Exploration);
            // The best remaining candidate.
            while (!placed && mainCursor < ranked.Count)
            {
                var (id, source) = ranked[mainCursor++];
                placed = Take(id, source);
            }
            // Only exploration left: it may still fill, within its cap.
            if (!placed && explored + 1 <= Math.Ceiling(explorationShare * n - 1e-9))
                while (!placed && exploreCursor < exploration.Count) placed = Take(exploration[exploreCursor++], FeedSource.Exploration);
            if (!placed) break;
        }
        return result;
    }

    /// <summary>
    /// A list whose unserved rest is ranked again (<c>Recommender:RerankAfterLike</c>): the first
    /// <paramref name="offset"/> entries of <paramref name="old"/> stay; from there on each place that held an
    /// exploration entry takes the next exploration entry of <paramref name="again"/>, each place that held a followee
    /// entry the next followee entry, and every other place the next other entry, so exploration keeps its bounded share
    /// and followees their floor at the places the list gave them; entries left over follow. Posts already before the
    /// offset are not repeated.
    /// </summary>
    public static List<FeedEntry> RerankRest(IReadOnlyList<FeedEntry> old, int offset, IReadOnlyList<FeedEntry> again)
    {
        offset = Math.Clamp(offset, 0, old.Count);
        var result = old.Take(offset).ToList();
        var paged = result.Select(e => e.OotdId).ToHashSet();
        static bool Kept(FeedSource s) => s is FeedSource.Exploration or FeedSource.Followees;
        var queues = new Dictionary<FeedSource, Queue<FeedEntry>>
        {
            [FeedSource.Exploration] = new(), [FeedSource.Followees] = new(), [FeedSource.ItemBased] = new(),
        };
        foreach (var entry in again.Where(e => !paged.Contains(e.OotdId)))
            queues[Kept(entry.Source) ? entry.Source : FeedSource.ItemBased].Enqueue(entry);
        var other = queues[FeedSource.ItemBased];
        for (var i = offset; i < old.Count && queues.Values.Any(q => q.Count > 0); i++)
        {
            var wanted = Kept(old[i].Source) && queues[old[i].Source].Count > 0 ? queues[old[i].Source] : other;
            if (wanted.Count == 0) wanted = queues.Values.First(q => q.Count > 0);
            result.Add(wanted.Dequeue());
        }
        foreach (var q in queues.Values.OrderBy(q => q == other ? 0 : 1)) result.AddRange(q);
        return result;
    }
}
