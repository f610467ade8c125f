using Ootd.Grains.Common;

namespace Ootd.Grains.Recommendation;

/// <summary>One logged interaction of a user with an OOTD.</summary>
public readonly record struct OotdInteraction(Guid UserId, Guid OotdId, InteractionKind Kind, DateTimeOffset At);

/// <summary>
/// TF-IDF over interactions: a user is a document, an OOTD a term. tf(u, o) = Σ kindWeight · β^d over u's
/// interactions with o (d = days since, fractional, never negative); idf(o) = ln(1 + N / df(o)), N = users in
/// the index, df(o) = distinct users who touched o. The 1 + keeps an OOTD everyone touched above zero.
/// </summary>
public static class TfIdf
{
    /// <summary>kindWeight · β^d for one interaction at <paramref name="at"/> seen from <paramref name="now"/>.</summary>
    public static double Weight(InteractionKind kind, DateTimeOffset at, DateTimeOffset now, RecommenderOptions options)
    {
        var days = Math.Max(0, (now - at).TotalDays);
        return options.KindWeight(kind) * Math.Pow(options.Beta, days);
    }

    /// <summary>idf = ln(1 + N/df); df = 0 gives 0 (an OOTD nobody touched carries no weight).</summary>
    public static double Idf(int documentFrequency, int userCount)
    {
        if (documentFrequency < 0 || userCount < 0) throw new ArgumentOutOfRangeException(nameof(documentFrequency), "Counts must be ≥ 0.");
        return documentFrequency == 0 ? 0 : Math.Log(1 + (double)userCount / documentFrequency);
    }

    /// <summary>Decayed, kind-weighted term frequencies of one user's log.</summary>
    public static Dictionary<Guid, double> TermFrequencies(IEnumerable<OotdInteraction> log, DateTimeOffset now, RecommenderOptions options)
    {
        var tf = new Dictionary<Guid, double>();
        foreach (var i in log)
        {
            var w = Weight(i.Kind, i.At, now, options);
            if (w <= 0) continue;
            tf[i.OotdId] = tf.GetValueOrDefault(i.OotdId) + w;
        }
        return tf;
    }
}

/// <summary>TF-IDF vectors of all users in a log (rows) and their transpose (OOTD columns), built once for a batch.</summary>
public sealed class TfIdfIndex
{
    private static readonly Dictionary<Guid, double> Empty = new();
    private readonly Dictionary<Guid, Dictionary<Guid, double>> _rows = new();
    private readonly Dictionary<Guid, Dictionary<Guid, double>> _columns = new();

    public TfIdfIndex(IEnumerable<OotdInteraction> log, DateTimeOffset now, RecommenderOptions options)
    {
        ArgumentNullException.ThrowIfNull(log);
        var tf = new Dictionary<Guid, Dictionary<Guid, double>>();
        var users = new HashSet<Guid>();
        foreach (var i in log)
        {
            users.Add(i.UserId);
            var w = TfIdf.Weight(i.Kind, i.At, now, options);
            if (w <= 0) continue;
            if (!tf.TryGetValue(i.UserId, out var row)) tf[i.UserId] = row = new Dictionary<Guid, double>();
            row[i.OotdId] = row.GetValueOrDefault(i.OotdId) + w;
        }
        UserCount = users.Count;
        var df = new Dictionary<Guid, int>();
        foreach (var row in tf.Values)
            foreach (var o in row.Keys) df[o] = df.GetValueOrDefault(o) + 1;
        DocumentFrequency = df;
        foreach (var (u, row) in tf)
        {
            var weighted = new Dictionary<Guid, double>(row.Count);
            foreach (var (o, f) in row)
            {
                var v = f * TfIdf.Idf(df[o], UserCount);
                weighted[o] = v;
                if (!_columns.TryGetValue(o, out var col)) _columns[o] = col = new Dictionary<Guid, double>();
                col[u] = v;
            }
            _rows[u] = weighted;
        }
    }

    public int UserCount { get; }
    public IReadOnlyDictionary<Guid, int> DocumentFrequency { get; }

    /// <summary>r_u: OOTD → tf·idf (empty for an unknown user).</summary>
    public IReadOnlyDictionary<Guid, double> User(Guid userId) => _rows.TryGetValue(userId, out var r) ? r : Empty;

    /// <summary>The OOTD's column: user → tf·idf (empty for an unknown OOTD).</summary>
    public IReadOnlyDictionary<Guid, double> Ootd(Guid ootdId) => _columns.TryGetValue(ootdId, out var c) ? c : Empty;

    public IEnumerable<Guid> Users => _rows.Keys;
    public IEnumerable<Guid> Ootds => _columns.Keys;
}

/// <summary>
/// Likes taken back. The interactions log keeps a like and a later unlike as two rows; the recommender reads the log
/// as if the person had only looked: every like of a (user, post) pair whose latest like-or-unlike row is an unlike
/// becomes a view (they did see the post, so it stays seen and is not shown to them again), and the unlike rows are
/// dropped. A like given again after an unlike counts (its row is the latest). The rows keep their order.
/// </summary>
public static class RetractedLikes
{
    public static List<T> Drop<T>(IReadOnlyList<T> log, Func<T, (Guid User, Guid Ootd, InteractionKind Kind, DateTimeOffset At)> row, Func<T, T> asView)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(asView);
        // The latest like-or-unlike per pair; at equal times the unlike wins (the ledger writes them one statement apart).
        var latest = new Dictionary<(Guid, Guid), (DateTimeOffset At, bool Unliked)>();
        var anyUnlike = false;
        foreach (var item in log)
        {
            var (user, ootd, kind, at) = row(item);
            if (kind is not (InteractionKind.Like or InteractionKind.Unlike)) continue;
            var unliked = kind == InteractionKind.Unlike;
            anyUnlike |= unliked;
            if (!latest.TryGetValue((user, ootd), out var l) || at > l.At || (at == l.At && unliked)) latest[(user, ootd)] = (at, unliked);
        }
        if (!anyUnlike) return log.ToList();
        var result = new List<T>(log.Count);
        foreach (var item in log)
        {
            var (user, ootd, kind, _) = row(item);
            if (kind == InteractionKind.Unlike) continue;
            result.Add(kind == InteractionKind.Like && latest[(user, ootd)].Unliked ? asView(item) : item);
        }
        return result;
    }
}
