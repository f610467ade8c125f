namespace Ootd.Grains.Recommendation;

/// <summary>What the user-based scorer knows of a user: TF-IDF row, style vector (null before any view) and stated style tags.</summary>
public sealed record UserSignals(Guid Id, IReadOnlyDictionary<Guid, double> Ratings, float[]? Style, IReadOnlySet<string> PreferredTags);

/// <summary>What the item-based scorer knows of an OOTD: TF-IDF column (user → weight), style vector (null while analysing) and tags.</summary>
public sealed record OotdSignals(Guid Id, IReadOnlyDictionary<Guid, double> Column, float[]? Style, IReadOnlySet<string> Tags)
{
    /// <summary>Garment name → probability of the post's photo (empty without them): features of the learned taste model.</summary>
    public IReadOnlyDictionary<string, float> Garments { get; init; } = StoredStyle.Empty;
}

public readonly record struct ScoredOotd(Guid OotdId, double Score);

public readonly record struct ScoredUser(Guid UserId, double Score);

/// <summary>Blended similarities γ·cf + (1 − γ)·semantic between users and between OOTDs.</summary>
public static class BlendedSimilarity
{
    /// <summary>Semantic user similarity U = λ·cos(style) + (1 − λ)·J(preferred tags); the cos term is 0 when a style is missing.</summary>
    public static double SemanticUser(UserSignals a, UserSignals b, RecommenderOptions o) =>
        o.Lambda * StyleCos(a.Style, b.Style) + (1 - o.Lambda) * Jaccard(a.PreferredTags, b.PreferredTags);

    /// <summary>Semantic OOTD similarity S = λ·cos(s) + (1 − λ)·J(tags).</summary>
    public static double SemanticOotd(OotdSignals a, OotdSignals b, RecommenderOptions o) =>
        o.Lambda * StyleCos(a.Style, b.Style) + (1 - o.Lambda) * Jaccard(a.Tags, b.Tags);

    public static double Users(UserSignals a, UserSignals b, RecommenderOptions o) =>
        Similarity.Blend(Similarity.ShrunkCosine(a.Ratings, b.Ratings, o.Shrinkage), SemanticUser(a, b, o), o.Gamma);

    public static double Ootds(OotdSignals a, OotdSignals b, RecommenderOptions o) =>
        Similarity.Blend(Similarity.ShrunkCosine(a.Column, b.Column, o.Shrinkage), SemanticOotd(a, b, o), o.Gamma);

    private static double StyleCos(float[]? a, float[]? b) => a is null || b is null ? 0 : Similarity.Cosine(a, b);

    /// <summary>Jaccard of two ready-made sets (no allocation); 0 when both are empty.</summary>
    public static double Jaccard(IReadOnlySet<string> a, IReadOnlySet<string> b)
    {
        if (a.Count == 0 && b.Count == 0) return 0;
        var (small, large) = a.Count <= b.Count ? (a, b) : (b, a);
        var inter = 0;
        foreach (var t in small) if (large.Contains(t)) inter++;
        return (double)inter / (a.Count + b.Count - inter);
    }
}

/// <summary>
/// User-based CF-CBF: keep the top-k candidate neighbours by blended similarity (positive only), then
/// score(o) = Σ_v sim(u, v) · r_v(o) / ‖r_v‖ over the OOTDs the neighbours touched.
/// The caller supplies the candidate neighbours (followees, co-viewers, same segment): nothing is scanned.
/// </summary>
public static class UserBasedScorer
{
    /// <param name="allowed">
    /// OOTDs that may be offered (unseen, not own…): the others are dropped <em>before</em> the top-n cut, so the
    /// source keeps supplying candidates as the seen set grows. Null allows all.
    /// </param>
    public static IReadOnlyList<ScoredOotd> Score(UserSignals target, IEnumerable<UserSignals> candidates, RecommenderOptions options, int top, Func<Guid, bool>? allowed = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(candidates);
        var neighbours = new List<(UserSignals User, double Sim)>();
        foreach (var c in candidates)
        {
            if (c.Id == target.Id) continue;
            var s = BlendedSimilarity.Users(target, c, options);
            if (s > 0) neighbours.Add((c, s));
        }
        neighbours.Sort((a, b) => b.Sim != a.Sim ? b.Sim.CompareTo(a.Sim) : a.User.Id.CompareTo(b.User.Id));
        var scores = new Dictionary<Guid, double>();
        foreach (var (user, sim) in neighbours.Take(options.UserNeighbours))
        {
            var norm = Similarity.Norm(user.Ratings);
            if (norm == 0) continue;
            foreach (var (o, r) in user.Ratings)
                if (allowed is null || allowed(o)) scores[o] = scores.GetValueOrDefault(o) + sim * r / norm;
        }
        return Ranking.Top(scores, top);
    }

    /// <summary>The neighbours themselves, best first (for explanations and who-to-follow).</summary>
    public static IReadOnlyList<ScoredUser> Neighbours(UserSignals target, IEnumerable<UserSignals> candidates, RecommenderOptions options, int top)
    {
        var scored = candidates.Where(c => c.Id != target.Id)
            .Select(c => new ScoredUser(c.Id, BlendedSimilarity.Users(target, c, options)))
            .Where(s => s.Score > 0);
        return scored.OrderByDescending(s => s.Score).ThenBy(s => s.UserId).Take(top).ToList();
    }
}

/// <summary>
/// Item-based CF-CBF: score(c) = Σ_seed w(seed) · sim(seed, c), sim = γ·cf + (1 − γ)·S, over the candidate
/// OOTDs the caller supplies; seeds are the user's recent OOTDs with their TF-IDF weights.
/// </summary>
public static class ItemBasedScorer
{
    public static IReadOnlyList<ScoredOotd> Score(IReadOnlyList<(OotdSignals Seed, double Weight)> seeds, IEnumerable<OotdSignals> candidates, RecommenderOptions options, int top)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        ArgumentNullException.ThrowIfNull(candidates);
        var scores = new Dictionary<Guid, double>();
        foreach (var c in candidates)
        {
            double s = 0;
            foreach (var (seed, w) in seeds)
            {
                if (seed.Id == c.Id) continue;
                s += w * BlendedSimilarity.Ootds(seed, c, options);
            }
            if (s > 0) scores[c.Id] = s;
        }
        return Ranking.Top(scores, top);
    }
}

/// <summary>Deterministic top-n of a score table: score descending, then id.</summary>
public static class Ranking
{
    public static IReadOnlyList<ScoredOotd> Top(IReadOnlyDictionary<Guid, double> scores, int top)
    {
        if (top < 0) throw new ArgumentOutOfRangeException(nameof(top), "top must be ≥ 0.");
        return scores.Select(kv => new ScoredOotd(kv.Key, kv.Value))
            .OrderByDescending(s => s.Score).ThenBy(s => s.OotdId).Take(top).ToList();
    }
}
