using System.Diagnostics;
using System.Globalization;
using Ootd.Grains.Recommendation;
using Ootd.RecEval;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
if (args.FirstOrDefault() == "style-auc") return StyleAuc.Run(args[1..]);   // issue 16: does style similarity carry the garment composition?
EvalSettings settings;
try { settings = EvalSettings.Parse(args); }
catch (HelpRequested) { Console.WriteLine(EvalSettings.Usage); return 0; }
catch (ArgumentException e) { Console.Error.WriteLine($"error: {e.Message}\n{EvalSettings.Usage}"); return 2; }

try { return Evaluation.Run(settings); }
catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException or KeyNotFoundException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}

namespace Ootd.RecEval
{
    public static class Evaluation
    {
        private const int K = 20;

        public static int Run(EvalSettings s)
        {
            var clock = Stopwatch.StartNew();
            var world = new Simulator(s).Build();
            var test = Split.LeaveLastOut(world.Events, world.Follows);
            var val = Split.LeaveLastOut(test.Train, test.TrainFollows);
            var cold = test.Train.GroupBy(e => e.User).ToDictionary(g => g.Key, g => g.Count());
            bool IsCold(int u) => cold.GetValueOrDefault(u) <= 3;
            Console.WriteLine($"# RecEval — users {s.Users}, OOTDs {world.OotdCount}, days {s.Days}, seed {s.Seed}, noise {s.Noise}, drift {s.Drift}, clusters {s.Clusters}");
            Console.WriteLine();
            Console.WriteLine($"- style vectors: {world.StyleSource}");
            Console.WriteLine($"- log: {world.Events.Count} interactions ({world.Events.Count(e => e.Kind == Ootd.Grains.Common.InteractionKind.Like)} likes), {world.Follows.Count} follows; "
                              + $"test users {test.Truth.Count} (cold ≤ 3 train interactions: {test.Truth.Keys.Count(IsCold)}), held-out follows for {test.HeldOutFollows.Count} users; simulated in {clock.Elapsed.TotalSeconds:F1}s");

            // ---- tuning mode: grids on the validation split only, then stop ----
            if (s.Tune)
            {
                Tune(world, val, RecommenderOptions.Default);
                Console.WriteLine($"Total {clock.Elapsed.TotalSeconds:F0}s.");
                return 0;
            }

            // ---- baselines: tune on validation ----
            var xVal = new Interactions(val.Train, world.UserCount, world.OotdCount);
            var xTest = new Interactions(test.Train, world.UserCount, world.OotdCount);
            var own = Enumerable.Range(0, world.UserCount).Select(_ => new HashSet<int>()).ToArray();
            for (var o = 0; o < world.OotdCount; o++) own[world.OotdAuthor[o]].Add(o);
            var t0 = clock.Elapsed;
            var bestLambda = 0.0; var bestLambdaNdcg = -1.0;
            foreach (var lambda in new[] { 50.0, 200.0, 800.0, 3200.0 })
            {
                var b = Baselines.Ease(xVal, lambda);
                var m = Score(val, xVal, own, u => Baselines.ScoreEase(b, xVal.Rows[u], world.OotdCount), world.OotdCount, _ => true);
                if (m.Ndcg > bestLambdaNdcg) { bestLambdaNdcg = m.Ndcg; bestLambda = lambda; }
            }
            var bestK = 0; var bestKNdcg = -1.0;
            foreach (var k in new[] { 20, 50, 200 })
            {
                var nb = Baselines.ItemKnn(xVal, k);
                var m = Score(val, xVal, own, u => Baselines.ScoreKnn(nb, xVal.Rows[u], world.OotdCount), world.OotdCount, _ => true);
                if (m.Ndcg > bestKNdcg) { bestKNdcg = m.Ndcg; bestK = k; }
            }
            Console.WriteLine($"- tuned on the validation split: EASE λ = {bestLambda} (val NDCG@20 {bestLambdaNdcg:F4}), item-kNN k = {bestK} (val NDCG@20 {bestKNdcg:F4}); {(clock.Elapsed - t0).TotalSeconds:F0}s");

            var options = RecommenderOptions.Default;

            // ---- test ----
            var rows = new List<(string Name, Metrics All, Metrics Cold)>();
            void Add(string name, Func<int, IReadOnlyList<int>> rec)
            {
                var users = test.Truth.Keys.OrderBy(u => u).ToArray();
                var lists = new IReadOnlyList<int>[users.Length];
                Parallel.For(0, users.Length, i => lists[i] = rec(users[i]));
                var all = new Metrics(K, world.OotdCount);
                var cm = new Metrics(K, world.OotdCount);
                for (var i = 0; i < users.Length; i++)
                {
                    all.Add(lists[i], test.Truth[users[i]]);
                    if (IsCold(users[i])) cm.Add(lists[i], test.Truth[users[i]]);
                }
                rows.Add((name, all, cm));
            }
            IReadOnlyList<int> TopOf(double[] scores, int u) => Top(scores, xTest.Seen[u], own[u]);

            t0 = clock.Elapsed;
            var pop = Baselines.Popularity(xTest);
            Add("popularity", u => TopOf(pop, u));
            var knn = Baselines.ItemKnn(xTest, bestK);
            Add($"item-kNN (cosine, k={bestK})", u => TopOf(Baselines.ScoreKnn(knn, xTest.Rows[u], world.OotdCount), u));
            var ease = Baselines.Ease(xTest, bestLambda);
            Add($"EASE (λ={bestLambda})", u => TopOf(Baselines.ScoreEase(ease, xTest.Rows[u], world.OotdCount), u));
            Add($"EASE (λ={bestLambda}), posts of the last {Pipeline.FreshDays} days only", u =>
            {
                var sc = Baselines.ScoreEase(ease, xTest.Rows[u], world.OotdCount);
                for (var o = 0; o < sc.Length; o++) if (world.OotdPostDay[o] < world.Days - Pipeline.FreshDays) sc[o] = double.NegativeInfinity;
                return TopOf(sc, u);
            });
            ease = null;
            var baseSeconds = (clock.Elapsed - t0).TotalSeconds;

            t0 = clock.Elapsed;
            var pipe = new Pipeline(world, test.Train, test.TrainFollows, options);
            var sources = new Dictionary<int, Dictionary<FeedSource, IReadOnlyList<Guid>>>();
            var testUsers = test.Truth.Keys.OrderBy(u => u).ToArray();
            var srcArr = new Dictionary<FeedSource, IReadOnlyList<Guid>>[testUsers.Length];
            Parallel.For(0, testUsers.Length, i => srcArr[i] = pipe.Sources(testUsers[i]));
            for (var i = 0; i < testUsers.Length; i++) sources[testUsers[i]] = srcArr[i];
            RecommenderOptions Only(params FeedSource[] keep) => options with
            {
                FeedQuotas = options.FeedQuotas.ToDictionary(kv => kv.Key, kv => keep.Contains(kv.Key) ? Math.Max(kv.Value, 1e-6) : 0.0),
            };
            Add("**CF-CBF feed (full blend)**", u => pipe.Feed(sources[u], u, options, K));
            Add("CF-CBF feed, fixed quotas (m₀ = 0)", u => pipe.Feed(sources[u], u, options with { ColdStartMass = 0 }, K));
            Add("user-based CF-CBF only", u => pipe.Feed(sources[u], u, Only(FeedSource.UserBased), K));
            Add("item-based CF-CBF only", u => pipe.Feed(sources[u], u, Only(FeedSource.ItemBased), K));
            Add("content-only (item-based, γ=0)", u => pipe.Feed(new Dictionary<FeedSource, IReadOnlyList<Guid>> { [FeedSource.ItemBased] = pipe.ContentOnly(u) }, u, Only(FeedSource.ItemBased), K));
            Add("curation-only (weekly + segment best)", u => pipe.Feed(sources[u], u, Only(FeedSource.WeeklyBest, FeedSource.SegmentBest), K));
            Add("followee posts only", u => pipe.Feed(sources[u], u, Only(FeedSource.Followees), K));
            var oursSeconds = (clock.Elapsed - t0).TotalSeconds;

            Console.WriteLine();
            Console.WriteLine($"| method | Recall@20 | NDCG@20 | HitRate@20 | coverage | cold Recall@20 | cold NDCG@20 | cold HitRate@20 |");
            Console.WriteLine($"|---|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var (name, a, c) in rows)
                Console.WriteLine($"| {name} | {a.Recall:F4} | {a.Ndcg:F4} | {a.HitRate:F4} | {a.Coverage:P1} | {c.Recall:F4} | {c.Ndcg:F4} | {c.HitRate:F4} |");
            var full = rows.First(r => r.Name.Contains("full"));
            var easeRow = rows.First(r => r.Name.StartsWith("EASE"));
            var popRow = rows[0];
            var knnRow = rows[1];
            Console.WriteLine();
            Console.WriteLine($"Users: all {full.All.Users}, cold {full.Cold.Users}. Full blend NDCG@20 = {full.All.Ndcg / easeRow.All.Ndcg:P1} of EASE; "
                              + $"beats popularity: {full.All.Ndcg > popRow.All.Ndcg}, item-kNN: {full.All.Ndcg > knnRow.All.Ndcg}; "
                              + $"cold slice beats popularity/item-kNN/EASE: {full.Cold.Ndcg > popRow.Cold.Ndcg}/{full.Cold.Ndcg > knnRow.Cold.Ndcg}/{full.Cold.Ndcg > easeRow.Cold.Ndcg}.");
            var freshRow = rows.First(r => r.Name.Contains("last"));
            Console.WriteLine($"Against the stronger EASE restricted to fresh posts: full blend NDCG@20 = {full.All.Ndcg / freshRow.All.Ndcg:P1} of it; cold slice beats it: {full.Cold.Ndcg > freshRow.Cold.Ndcg}.");
            Console.WriteLine($"Time: baselines {baseSeconds:F0}s, project recommender {oursSeconds:F0}s.");

            // ---- who to follow ----
            var cands = pipe.LeaderCandidates();
            var popular = LeaderMixer.Popular(cands).Take(200).ToList();
            var segPopular = world.UserSegment.Distinct().ToDictionary(seg => seg, seg => (IReadOnlyList<Guid>)LeaderMixer.SimilarSegment(seg, cands).Take(200).ToList());
            var followUsers = test.HeldOutFollows.Keys.OrderBy(u => u).ToArray();
            var leaderSrc = new Dictionary<LeaderSource, IReadOnlyList<Guid>>[followUsers.Length];
            Parallel.For(0, followUsers.Length, i => leaderSrc[i] = pipe.LeaderSources(followUsers[i], cands, popular, segPopular));
            Console.WriteLine();
            Console.WriteLine("| who to follow | Recall@20 | NDCG@20 | HitRate@20 |");
            Console.WriteLine("|---|---:|---:|---:|");
            void Follow(string name, RecommenderOptions o)
            {
                var m = new Metrics(K, world.UserCount);
                for (var i = 0; i < followUsers.Length; i++)
                    m.Add(pipe.WhoToFollow(followUsers[i], leaderSrc[i], o, K), test.HeldOutFollows[followUsers[i]]);
                Console.WriteLine($"| {name} | {m.Recall:F4} | {m.Ndcg:F4} | {m.HitRate:F4} |");
            }
            RecommenderOptions LeaderOnly(LeaderSource keep) => options with
            {
                LeaderQuotas = options.LeaderQuotas.ToDictionary(kv => kv.Key, kv => kv.Key == keep ? 1.0 : 0.0),
            };
            Follow("**mixed (latent + graph + segment + popular)**", options);
            foreach (var src in Enum.GetValues<LeaderSource>()) Follow($"{src} only", LeaderOnly(src));
            Console.WriteLine();
            Console.WriteLine($"Total {clock.Elapsed.TotalSeconds:F0}s.");
            return 0;
        }

        private static RecommenderOptions Tune(World world, Split val, RecommenderOptions start)
        {
            Console.WriteLine();
            Console.WriteLine("Tuning feed quotas (UB/IB/weekly/segment/followees) and m₀ on the validation split (NDCG@20 of the full feed, all users | cold):");
            var best = start;
            var bestNdcg = -1.0;
            var users = val.Truth.Keys.OrderBy(u => u).ToArray();
            var coldUsers = val.Train.GroupBy(e => e.User).ToDictionary(g => g.Key, g => g.Count());
            var pipe = new Pipeline(world, val.Train, val.TrainFollows, start);
            var src = new Dictionary<FeedSource, IReadOnlyList<Guid>>[users.Length];
            Parallel.For(0, users.Length, i => src[i] = pipe.Sources(users[i]));
            foreach (var quotas in QuotaGrid())
                foreach (var m0 in new[] { 0.0, 2.0, 5.0, 20.0 })
                {
                    var oq = start with { FeedQuotas = quotas, ColdStartMass = m0 };
                    var m = new Metrics(K, world.OotdCount);
                    var mc = new Metrics(K, world.OotdCount);
                    for (var i = 0; i < users.Length; i++)
                    {
                        var list = pipe.Feed(src[i], users[i], oq, K);
                        m.Add(list, val.Truth[users[i]]);
                        if (coldUsers.GetValueOrDefault(users[i]) <= 3) mc.Add(list, val.Truth[users[i]]);
                    }
                    var q = string.Join("/", Enum.GetValues<FeedSource>().Select(f => quotas[f].ToString("0.##")));
                    Console.WriteLine($"  quotas {q}, m₀={m0}: {m.Ndcg:F4} | {mc.Ndcg:F4}");
                    if (m.Ndcg > bestNdcg) { bestNdcg = m.Ndcg; best = oq; }
                }
            Console.WriteLine($"  chosen: quotas {string.Join("/", Enum.GetValues<FeedSource>().Select(f => best.FeedQuotas[f].ToString("0.##")))}, m₀={best.ColdStartMass}");

            Console.WriteLine("Tuning who-to-follow quotas (latent/graph/segment/popular) on the validation split (Recall@20 of held-out follows):");
            var cands = pipe.LeaderCandidates();
            var popular = LeaderMixer.Popular(cands).Take(200).ToList();
            var segPopular = world.UserSegment.Distinct().ToDictionary(seg => seg, seg => (IReadOnlyList<Guid>)LeaderMixer.SimilarSegment(seg, cands).Take(200).ToList());
            var fu = val.HeldOutFollows.Keys.OrderBy(u => u).ToArray();
            var ls = new Dictionary<LeaderSource, IReadOnlyList<Guid>>[fu.Length];
            Parallel.For(0, fu.Length, i => ls[i] = pipe.LeaderSources(fu[i], cands, popular, segPopular));
            var bestRecall = -1.0;
            double[][] grid = [[0.4, 0.3, 0.15, 0.15], [0.25, 0.25, 0.25, 0.25], [0.3, 0.2, 0.4, 0.1], [0.2, 0.1, 0.5, 0.2], [0.3, 0.1, 0.3, 0.3], [0.35, 0.3, 0.35, 0.0]];
            foreach (var g in grid)
            {
                var lq = new Dictionary<LeaderSource, double>
                {
                    [LeaderSource.Latent] = g[0], [LeaderSource.Graph] = g[1], [LeaderSource.SimilarSegment] = g[2], [LeaderSource.Popular] = g[3],
                };
                var ol = best with { LeaderQuotas = lq };
                var m = new Metrics(K, world.UserCount);
                for (var i = 0; i < fu.Length; i++) m.Add(pipe.WhoToFollow(fu[i], ls[i], ol, K), val.HeldOutFollows[fu[i]]);
                Console.WriteLine($"  leader quotas {string.Join("/", g)}: {m.Recall:F4}");
                if (m.Recall > bestRecall) { bestRecall = m.Recall; best = ol; }
            }
            Console.WriteLine($"  chosen leader quotas {string.Join("/", Enum.GetValues<LeaderSource>().Select(l => best.LeaderQuotas[l].ToString("0.##")))}");

            Console.WriteLine("γ (CF share) and h (shrinkage) for the user-based part alone (NDCG@20 on the validation split):");
            foreach (var (gamma, h) in new[] { (0.0, 5.0), (0.3, 5.0), (0.5, 5.0), (0.8, 5.0), (1.0, 5.0), (0.5, 0.0), (0.5, 20.0) })
            {
                var o = start with { Gamma = gamma, Shrinkage = h };
                var p = new Pipeline(world, val.Train, val.TrainFollows, o);
                var onlyUb = o with { FeedQuotas = new Dictionary<FeedSource, double> { [FeedSource.UserBased] = 1 }, ColdStartMass = 0 };
                var lists = new IReadOnlyList<int>[users.Length];
                Parallel.For(0, users.Length, i => lists[i] = p.Feed(new Dictionary<FeedSource, IReadOnlyList<Guid>> { [FeedSource.UserBased] = p.UserBased(users[i]) }, users[i], onlyUb, K));
                var m = new Metrics(K, world.OotdCount);
                for (var i = 0; i < users.Length; i++) m.Add(lists[i], val.Truth[users[i]]);
                Console.WriteLine($"  γ={gamma} h={h}: {m.Ndcg:F4}");
            }
            return best;
        }

        private static IEnumerable<Dictionary<FeedSource, double>> QuotaGrid()
        {
            double[][] grid =
            [
                [0.35, 0.35, 0.10, 0.10, 0.10],
                [0.30, 0.15, 0.10, 0.10, 0.35],
                [0.25, 0.10, 0.10, 0.10, 0.45],
                [0.40, 0.10, 0.05, 0.10, 0.35],
                [0.20, 0.20, 0.15, 0.15, 0.30],
                [0.30, 0.20, 0.05, 0.05, 0.40],
            ];
            foreach (var g in grid)
                yield return new()
                {
                    [FeedSource.UserBased] = g[0], [FeedSource.ItemBased] = g[1], [FeedSource.WeeklyBest] = g[2],
                    [FeedSource.SegmentBest] = g[3], [FeedSource.Followees] = g[4],
                };
        }

        private static Metrics Score(Split split, Interactions x, HashSet<int>[] own, Func<int, double[]> scorer, int items, Func<int, bool> include)
        {
            var users = split.Truth.Keys.Where(include).OrderBy(u => u).ToArray();
            var lists = new IReadOnlyList<int>[users.Length];
            Parallel.For(0, users.Length, i => lists[i] = Top(scorer(users[i]), x.Seen[users[i]], own[users[i]]));
            var m = new Metrics(K, items);
            for (var i = 0; i < users.Length; i++) m.Add(lists[i], split.Truth[users[i]]);
            return m;
        }

        /// <summary>Top-20 by score (ties by index), never a seen or own OOTD.</summary>
        public static IReadOnlyList<int> Top(double[] scores, HashSet<int> seen, HashSet<int> own)
        {
            var heap = new PriorityQueue<int, (double, int)>(Comparer<(double S, int I)>.Create((a, b) => a.S != b.S ? a.S.CompareTo(b.S) : b.I.CompareTo(a.I)));
            for (var i = 0; i < scores.Length; i++)
            {
                if (seen.Contains(i) || own.Contains(i)) continue;
                heap.Enqueue(i, (scores[i], i));
                if (heap.Count > K) heap.Dequeue();
            }
            var list = new List<int>();
            while (heap.Count > 0) list.Add(heap.Dequeue());
            list.Reverse();
            return list;
        }
    }
}
