namespace Ootd.Grains.Recommendation;

/// <summary>
/// User-based scoring on likes alone (issue 16). A feed reader views everything the feed shows, so views say what the
/// feed chose, not what the reader wants, and TF-IDF rows full of views make everyone shown the same page look alike.
/// Likes do not: sim(u, v) = n/√(|L_u|·|L_v|) · n/(n + h) over the recent likes L (n = |L_u ∩ L_v|, h the shrinkage),
/// score(o) = Σ_v sim(u, v) over the neighbours v who liked o.
/// </summary>
public static class LikeNeighbours
{
    /// <param name="myLikes">The viewer's recent likes.</param>
    /// <param name="neighbours">Candidate neighbours with their recent likes.</param>
    /// <param name="shrinkage">h ≥ 0.</param>
    /// <param name="allowed">Posts that may be offered (unseen…); the others get no score.</param>
    public static Dictionary<Guid, double> Score(IReadOnlyCollection<Guid> myLikes, IEnumerable<(Guid User, IReadOnlyList<Guid> Likes)> neighbours, double shrinkage, Func<Guid, bool> allowed)
    {
        ArgumentNullException.ThrowIfNull(myLikes);
        ArgumentNullException.ThrowIfNull(neighbours);
        ArgumentNullException.ThrowIfNull(allowed);
        if (shrinkage < 0 || !double.IsFinite(shrinkage)) throw new ArgumentOutOfRangeException(nameof(shrinkage), "Shrinkage must be a finite number ≥ 0.");
        var mine = myLikes.ToHashSet();
        var scores = new Dictionary<Guid, double>();
        if (mine.Count == 0) return scores;
        foreach (var (_, likes) in neighbours.DistinctBy(n => n.User).OrderBy(n => n.User))
        {
            var theirs = likes.Distinct().ToList();
            if (theirs.Count == 0) continue;
            var n = theirs.Count(mine.Contains);
            if (n == 0) continue;
            var sim = n / Math.Sqrt((double)mine.Count * theirs.Count) * n / (n + shrinkage);
            foreach (var o in theirs)
                if (!mine.Contains(o) && allowed(o)) scores[o] = scores.GetValueOrDefault(o) + sim;
        }
        return scores;
    }

    /// <summary>
    /// s/max(s) of the TF-IDF scores + <paramref name="weight"/> · l/max(l) of the like scores, over the union of both
    /// lists; best first (ties by id), at most <paramref name="top"/>.
    /// </summary>
    public static IReadOnlyList<ScoredOotd> Blend(IReadOnlyList<ScoredOotd> tfIdf, IReadOnlyDictionary<Guid, double> byLikes, double weight, int top)
    {
        ArgumentNullException.ThrowIfNull(tfIdf);
        ArgumentNullException.ThrowIfNull(byLikes);
        var maxS = tfIdf.Count == 0 ? 1 : Math.Max(tfIdf.Max(s => s.Score), 1e-12);
        var maxL = byLikes.Count == 0 ? 1 : Math.Max(byLikes.Values.Max(), 1e-12);
        var blended = new Dictionary<Guid, double>();
        foreach (var s in tfIdf) blended[s.OotdId] = s.Score / maxS;
        foreach (var (o, l) in byLikes) blended[o] = blended.GetValueOrDefault(o) + weight * l / maxL;
        return Ranking.Top(blended, top);
    }

    /// <summary>
    /// A source's list re-sorted by score/max(score) + <paramref name="weight"/> · l/max(l) (l = the like-neighbour
    /// score, 0 for posts no neighbour liked); the list as it is when there are no like scores or the weight is 0.
    /// </summary>
    public static IReadOnlyList<(Guid Id, double Score)> Resort(IReadOnlyList<(Guid Id, double Score)> list, IReadOnlyDictionary<Guid, double> byLikes, double weight)
    {
        ArgumentNullException.ThrowIfNull(list);
        ArgumentNullException.ThrowIfNull(byLikes);
        if (list.Count == 0 || byLikes.Count == 0 || weight == 0) return list;
        var maxS = list.Max(x => x.Score);
        if (maxS <= 0) maxS = 1;
        var maxL = Math.Max(byLikes.Values.Max(), 1e-12);
        return list.Select(x => (x.Id, Score: x.Score / maxS + weight * byLikes.GetValueOrDefault(x.Id) / maxL))
            .OrderByDescending(x => x.Score).ThenBy(x => x.Id).ToList();
    }
}
