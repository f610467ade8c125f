namespace Ootd.Grains.Recommendation;

/// <summary>The follow graph as the caller sees it: who a user follows.</summary>
public static class FollowGraphWalk
{
    /// <summary>
    /// Two-step random walk from <paramref name="start"/>: each step follows one out-edge chosen uniformly.
    /// Returns P(landing on b after exactly two steps) for every b reached; a walker at a node with no
    /// followees stops, so the probabilities may sum to less than 1.
    /// </summary>
    public static Dictionary<Guid, double> TwoStep(Guid start, Func<Guid, IReadOnlyCollection<Guid>> followeesOf)
    {
        ArgumentNullException.ThrowIfNull(followeesOf);
        var result = new Dictionary<Guid, double>();
        var first = followeesOf(start);
        if (first.Count == 0) return result;
        var p1 = 1.0 / first.Count;
        foreach (var a in first)
        {
            var second = followeesOf(a);
            if (second.Count == 0) continue;
            var p2 = p1 / second.Count;
            foreach (var b in second) result[b] = result.GetValueOrDefault(b) + p2;
        }
        return result;
    }
}

/// <summary>A user who could be suggested, with the upload style vector of their style-leader grain and follower count.</summary>
public sealed record LeaderCandidate(Guid UserId, float[]? UploadStyle, int Followers, string? Segment);

/// <summary>Who to follow: latent + graph + similar segment + popular, mixed by the leader quotas, never self or a current followee.</summary>
public static class LeaderMixer
{
    /// <summary>Candidates ranked by cos(user style vector, upload style vector); candidates without a style are left out.</summary>
    public static IReadOnlyList<Guid> Latent(float[]? userStyle, IEnumerable<LeaderCandidate> candidates)
    {
        if (userStyle is null) return [];
        return candidates.Where(c => c.UploadStyle is not null)
            .Select(c => (c.UserId, Score: Similarity.Cosine(userStyle, c.UploadStyle!)))
            .Where(c => c.Score > 0)
            .OrderByDescending(c => c.Score).ThenBy(c => c.UserId).Select(c => c.UserId).ToList();
    }

    /// <summary>Two-step walk landing probabilities, highest first.</summary>
    public static IReadOnlyList<Guid> Graph(Guid user, Func<Guid, IReadOnlyCollection<Guid>> followeesOf) =>
        FollowGraphWalk.TwoStep(user, followeesOf)
            .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key).Select(kv => kv.Key).ToList();

    /// <summary>Candidates of the given segment by follower count.</summary>
    public static IReadOnlyList<Guid> SimilarSegment(string? segment, IEnumerable<LeaderCandidate> candidates) =>
        segment is null ? [] : Popular(candidates.Where(c => c.Segment == segment));

    public static IReadOnlyList<Guid> Popular(IEnumerable<LeaderCandidate> candidates) =>
        candidates.OrderByDescending(c => c.Followers).ThenBy(c => c.UserId).Select(c => c.UserId).ToList();

    public static IReadOnlyList<MixedEntry<LeaderSource>> Mix(
        Guid user, IReadOnlySet<Guid> followees, IReadOnlyDictionary<LeaderSource, IReadOnlyList<Guid>> ranked,
        RecommenderOptions options, int size)
    {
        ArgumentNullException.ThrowIfNull(followees);
        ArgumentNullException.ThrowIfNull(ranked);
        var sources = Enum.GetValues<LeaderSource>()
            .Select(s => new RankedSource<LeaderSource>(s, options.LeaderQuotas.GetValueOrDefault(s), ranked.TryGetValue(s, out var l) ? l : []))
            .ToList();
        return QuotaMixer.Mix(sources, size, id => id != user && !followees.Contains(id));
    }
}
