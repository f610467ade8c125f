using Ootd.Grains.Common;
using Ootd.Grains.Recommendation;

namespace Ootd.RecEval;

/// <summary>
/// The project's recommender (Ootd.Grains.Recommendation) fed from the training log the way the grains will feed it:
/// TF-IDF rows and columns, user style vectors, candidate sets from co-touches, follows, segments and a content
/// index, curated lists, the feed mixer and the who-to-follow mixer.
/// </summary>
public sealed class Pipeline
{
    public static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static Guid OotdId(int o) => new(o, 0, 0, new byte[8]);
    public static Guid UserId(int u) => new(u, 1, 0, new byte[8]);
    public static int OotdIndex(Guid g) => BitConverter.ToInt32(g.ToByteArray(), 0);
    public static int UserIndex(Guid g) => BitConverter.ToInt32(g.ToByteArray(), 0);

    private readonly World _w;
    private readonly RecommenderOptions _o;
    private readonly Interactions _x;
    private readonly TfIdfIndex _tfidf;
    private readonly OotdSignals[] _ootd;
    private readonly UserSignals[] _user;
    private readonly int[][] _recentNewestFirst;
    private readonly int[][] _contentNeighbours;
    private readonly HashSet<int>[] _followees;
    private readonly int[] _followers;
    private readonly int[][] _postsNewestFirst;
    private readonly Dictionary<string, int[]> _segmentActive;
    private readonly IReadOnlyList<Guid> _weekly;
    private readonly Dictionary<string, IReadOnlyList<Guid>> _segmentBest;
    private readonly DateTimeOffset _now;
    private readonly double[] _mass;

    public Pipeline(World w, IReadOnlyList<SimEvent> train, IReadOnlyList<SimFollow> follows, RecommenderOptions options)
    {
        _w = w;
        _o = options.Validate();
        _now = Epoch.AddDays(w.Days);
        _x = new Interactions(train, w.UserCount, w.OotdCount);
        var log = train.Select(e => new OotdInteraction(UserId(e.User), OotdId(e.Ootd), e.Kind, Epoch.AddDays(e.Day))).ToList();
        _tfidf = new TfIdfIndex(log, _now, _o);
        _mass = new double[w.UserCount];
        foreach (var i in log) _mass[UserIndex(i.UserId)] += TfIdf.Weight(i.Kind, i.At, _now, _o);
        _ootd = Enumerable.Range(0, w.OotdCount).Select(o => new OotdSignals(OotdId(o), _tfidf.Ootd(OotdId(o)), w.OotdStyle[o], w.OotdTags[o])).ToArray();
        // newest-first distinct OOTDs per user (by last touch) -> user style vectors
        var last = new Dictionary<(int, int), double>();
        foreach (var e in train) last[(e.User, e.Ootd)] = Math.Max(last.GetValueOrDefault((e.User, e.Ootd), double.MinValue), e.Day);
        _recentNewestFirst = new int[w.UserCount][];
        var byUser = last.GroupBy(kv => kv.Key.Item1).ToDictionary(g => g.Key, g => g.OrderByDescending(kv => kv.Value).Select(kv => kv.Key.Item2).ToArray());
        _user = new UserSignals[w.UserCount];
        for (var u = 0; u < w.UserCount; u++)
        {
            _recentNewestFirst[u] = byUser.GetValueOrDefault(u, []);
            var style = StyleVectors.UserStyle(_recentNewestFirst[u].Take(_o.History).Select(o => w.OotdStyle[o]).ToList(), _o.History, _o.Alpha);
            _user[u] = new UserSignals(UserId(u), _tfidf.User(UserId(u)), style, w.UserPrefTags[u]);
        }
        // content index (stands in for the similar-style search over recent posts): top 40 OOTDs by style cosine
        // among posts of the last FreshDays days — old posts are rarely what a feed should bring back
        _contentNeighbours = new int[w.OotdCount][];
        var norms = w.OotdStyle.Select(v => Math.Sqrt(v.Sum(x => (double)x * x))).ToArray();
        Parallel.For(0, w.OotdCount, o =>
        {
            var best = new PriorityQueue<int, double>();
            for (var p = 0; p < w.OotdCount; p++)
            {
                if (p == o || w.OotdPostDay[p] < w.Days - FreshDays) continue;
                double d = 0;
                var a = w.OotdStyle[o];
                var b = w.OotdStyle[p];
                for (var i = 0; i < a.Length; i++) d += a[i] * b[i];
                var cos = norms[o] == 0 || norms[p] == 0 ? 0 : d / (norms[o] * norms[p]);
                best.Enqueue(p, cos);
                if (best.Count > 40) best.Dequeue();
            }
            var list = new List<int>();
            while (best.Count > 0) list.Add(best.Dequeue());
            list.Reverse();
            _contentNeighbours[o] = list.ToArray();
        });
        _followees = Enumerable.Range(0, w.UserCount).Select(_ => new HashSet<int>()).ToArray();
        _followers = new int[w.UserCount];
        foreach (var f in follows) { if (_followees[f.Follower].Add(f.Followee)) _followers[f.Followee]++; }
        _postsNewestFirst = new int[w.UserCount][];
        var posts = Enumerable.Range(0, w.OotdCount).Where(o => w.OotdPostDay[o] <= w.Days).GroupBy(o => w.OotdAuthor[o])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(o => w.OotdPostDay[o]).ToArray());
        for (var u = 0; u < w.UserCount; u++) _postsNewestFirst[u] = posts.GetValueOrDefault(u, []);
        _segmentActive = Enumerable.Range(0, w.UserCount).GroupBy(u => w.UserSegment[u])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(u => _x.Rows[u].Length).Take(60).ToArray());
        _weekly = CurationRanker.WeeklyBest(log, id => Epoch.AddDays(w.OotdPostDay[OotdIndex(id)]), _now, _o, 300).Select(s => s.OotdId).ToList();
        var segOf = Enumerable.Range(0, w.UserCount).ToDictionary(u => UserId(u), u => w.UserSegment[u]);
        _segmentBest = w.UserSegment.Distinct().ToDictionary(seg => seg,
            seg => (IReadOnlyList<Guid>)CurationRanker.SegmentBest(log, id => segOf.GetValueOrDefault(id), seg, _now, _o, 300).Select(s => s.OotdId).ToList());
    }

    /// <summary>How recent a post must be to be a content candidate of the item-based scorer.</summary>
    public const double FreshDays = 21;

    public RecommenderOptions Options => _o;

    /// <summary>Every feed source for one user, each already ranked (best first).</summary>
    public Dictionary<FeedSource, IReadOnlyList<Guid>> Sources(int u, bool contentOnly = false)
    {
        var d = new Dictionary<FeedSource, IReadOnlyList<Guid>>
        {
            [FeedSource.UserBased] = UserBased(u),
            [FeedSource.ItemBased] = ItemBased(u, _o),
            [FeedSource.WeeklyBest] = _weekly,
            [FeedSource.SegmentBest] = _segmentBest[_w.UserSegment[u]],
            [FeedSource.Followees] = _followees[u].SelectMany(v => _postsNewestFirst[v].Take(20))
                .OrderByDescending(o => _w.OotdPostDay[o]).Take(100).Select(OotdId).ToList(),
        };
        return d;
    }

    public IReadOnlyList<Guid> ContentOnly(int u) => ItemBased(u, _o with { Gamma = 0 });

    public IReadOnlyList<Guid> UserBased(int u)
    {
        var cands = new Dictionary<int, int>();
        foreach (var o in _x.Rows[u])
            foreach (var v in _tfidf.Ootd(OotdId(o)).Keys)
            {
                var vi = UserIndex(v);
                if (vi != u) cands[vi] = cands.GetValueOrDefault(vi) + 1;
            }
        var set = cands.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key).Take(150).Select(kv => kv.Key).ToHashSet();
        set.UnionWith(_followees[u]);
        set.UnionWith(_segmentActive[_w.UserSegment[u]]);
        set.Remove(u);
        return UserBasedScorer.Score(_user[u], set.Select(v => _user[v]), _o, 200).Select(s => s.OotdId).ToList();
    }

    public IReadOnlyList<Guid> ItemBased(int u, RecommenderOptions o)
    {
        var seedIds = _recentNewestFirst[u].Take(20).ToArray();
        var row = _tfidf.User(UserId(u));
        var seeds = seedIds.Select(s => (_ootd[s], row.GetValueOrDefault(OotdId(s)))).ToList();
        var cands = new HashSet<int>();
        foreach (var s in seedIds) cands.UnionWith(_contentNeighbours[s].Take(30));
        var co = new Dictionary<int, int>();
        foreach (var s in seedIds)
            foreach (var v in _tfidf.Ootd(OotdId(s)).OrderByDescending(kv => kv.Value).Take(30).Select(kv => UserIndex(kv.Key)))
                foreach (var p in _x.Rows[v]) co[p] = co.GetValueOrDefault(p) + 1;
        cands.UnionWith(co.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key).Take(300).Select(kv => kv.Key));
        if (seedIds.Length == 0) return [];
        return ItemBasedScorer.Score(seeds, cands.Select(c => _ootd[c]), o, 200).Select(s => s.OotdId).ToList();
    }

    public FeedExclusions Exclusions(int u) => new(UserId(u), id => UserId(_w.OotdAuthor[OotdIndex(id)]),
        _x.Seen[u].Select(OotdId).ToHashSet(), new HashSet<Guid>(), new HashSet<Guid>());

    /// <summary>The feed with the personal quotas scaled by the user's decayed interaction mass (m₀ from the options).</summary>
    public IReadOnlyList<int> Feed(IReadOnlyDictionary<FeedSource, IReadOnlyList<Guid>> sources, int u, RecommenderOptions options, int size) =>
        FeedMixer.Mix(sources, Exclusions(u), options, _mass[u], size).Select(e => OotdIndex(e.Id)).ToList();

    // ---------- who to follow ----------

    public IReadOnlyList<LeaderCandidate> LeaderCandidates()
    {
        var list = new List<LeaderCandidate>();
        for (var v = 0; v < _w.UserCount; v++)
        {
            var style = _postsNewestFirst[v].Length == 0 ? null
                : StyleVectors.UserStyle(_postsNewestFirst[v].Take(_o.History).Select(o => _w.OotdStyle[o]).ToList(), _o.History, _o.Alpha);
            list.Add(new LeaderCandidate(UserId(v), style, _followers[v], _w.UserSegment[v]));
        }
        return list;
    }

    public Dictionary<LeaderSource, IReadOnlyList<Guid>> LeaderSources(int u, IReadOnlyList<LeaderCandidate> candidates, IReadOnlyList<Guid> popular, Dictionary<string, IReadOnlyList<Guid>> segmentPopular) => new()
    {
        [LeaderSource.Latent] = LeaderMixer.Latent(_user[u].Style, candidates).Take(200).ToList(),
        [LeaderSource.Graph] = LeaderMixer.Graph(UserId(u), id => _followees[UserIndex(id)].Select(UserId).ToList()),
        [LeaderSource.SimilarSegment] = segmentPopular[_w.UserSegment[u]],
        [LeaderSource.Popular] = popular,
    };

    public IReadOnlyList<int> WhoToFollow(int u, Dictionary<LeaderSource, IReadOnlyList<Guid>> sources, RecommenderOptions options, int size) =>
        LeaderMixer.Mix(UserId(u), _followees[u].Select(UserId).ToHashSet(), sources, options, size).Select(e => UserIndex(e.Id)).ToList();
}
