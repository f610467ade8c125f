namespace Ootd.RecEval;

/// <summary>
/// Leave-last-out split: each user's last 20% distinct OOTDs (at least one, for users with ≥ 2) are the test set,
/// and the rest is training; the same cut applied to the training part gives the validation split. Each user's
/// last 20% follows (at least one, for users with ≥ 2) are held out for who-to-follow.
/// </summary>
public sealed class Split
{
    public required List<SimEvent> Train { get; init; }
    public required Dictionary<int, HashSet<int>> Truth { get; init; }
    public required List<SimFollow> TrainFollows { get; init; }
    public required Dictionary<int, HashSet<int>> HeldOutFollows { get; init; }

    public static Split LeaveLastOut(IReadOnlyList<SimEvent> events, IReadOnlyList<SimFollow> follows, double fraction = 0.2)
    {
        var train = new List<SimEvent>();
        var truth = new Dictionary<int, HashSet<int>>();
        foreach (var g in events.GroupBy(e => e.User))
        {
            var order = g.GroupBy(e => e.Ootd).Select(x => (Ootd: x.Key, First: x.Min(e => e.Day))).OrderBy(x => x.First).ThenBy(x => x.Ootd).ToList();
            var test = new HashSet<int>();
            if (order.Count >= 2)
            {
                var k = Math.Max(1, (int)Math.Round(fraction * order.Count));
                foreach (var x in order.Skip(order.Count - k)) test.Add(x.Ootd);
                truth[g.Key] = test;
            }
            train.AddRange(g.Where(e => !test.Contains(e.Ootd)));
        }
        var trainFollows = new List<SimFollow>();
        var held = new Dictionary<int, HashSet<int>>();
        foreach (var g in follows.GroupBy(f => f.Follower))
        {
            var order = g.OrderBy(f => f.Day).ThenBy(f => f.Followee).ToList();
            var k = order.Count >= 2 ? Math.Max(1, (int)Math.Round(fraction * order.Count)) : 0;
            trainFollows.AddRange(order.Take(order.Count - k));
            if (k > 0) held[g.Key] = order.Skip(order.Count - k).Select(f => f.Followee).ToHashSet();
        }
        return new Split { Train = train, Truth = truth, TrainFollows = trainFollows, HeldOutFollows = held };
    }
}

/// <summary>Recall@k (hits / min(|truth|, k)), NDCG@k (binary gains), HitRate@k and catalogue coverage.</summary>
public sealed class Metrics(int k, int catalogue)
{
    private double _recall, _ndcg, _hits;
    private int _users;
    private readonly HashSet<int> _shown = new();

    public void Add(IReadOnlyList<int> ranked, IReadOnlySet<int> truth)
    {
        if (truth.Count == 0) return;
        _users++;
        double dcg = 0;
        var hits = 0;
        for (var i = 0; i < Math.Min(k, ranked.Count); i++)
        {
            _shown.Add(ranked[i]);
            if (!truth.Contains(ranked[i])) continue;
            hits++;
            dcg += 1 / Math.Log2(i + 2);
        }
        double idcg = 0;
        for (var i = 0; i < Math.Min(k, truth.Count); i++) idcg += 1 / Math.Log2(i + 2);
        _recall += (double)hits / Math.Min(k, truth.Count);
        _ndcg += dcg / idcg;
        _hits += hits > 0 ? 1 : 0;
    }

    public int Users => _users;
    public double Recall => _users == 0 ? 0 : _recall / _users;
    public double Ndcg => _users == 0 ? 0 : _ndcg / _users;
    public double HitRate => _users == 0 ? 0 : _hits / _users;
    public double Coverage => catalogue == 0 ? 0 : (double)_shown.Count / catalogue;
}
