using System.Globalization;
using Ootd.Grains.Common;
using Ootd.Grains.Recommendation;

namespace Ootd.RecEval;

/// <summary>
/// Builds a <see cref="World"/>: OOTD style vectors from real product labels (or a vectors file), users with latent
/// tastes over style clusters shaped by their demographic segment, a follow graph with homophily and popularity,
/// and daily views/likes with recency, popularity and taste drift.
/// </summary>
public sealed class Simulator(EvalSettings s)
{
    private static readonly string[] StyleNames =
        ["minimal", "streetwear", "boho", "preppy", "athleisure", "classic", "grunge", "romantic", "business", "vintage", "sporty", "ethnicchic", "y2k", "normcore", "techwear", "coastal"];
    private static readonly string[] Genders = ["female", "male"];
    private static readonly string[] AgeBands = ["18-24", "25-34", "35-44", "45+"];
    private readonly Random _rng = new(s.Seed);
    private readonly int K = s.Clusters;

    private static string StyleTag(int c) => c < StyleNames.Length ? StyleNames[c] : $"style{c}";

    public World Build()
    {
        var users = s.Users;
        // --- users: segment, join day, activity, creator propensity, tastes (segment prior + personal, drifting) ---
        var segOfUser = new int[users];
        var segCount = Genders.Length * AgeBands.Length;
        var segLogits0 = new double[segCount][];
        var segLogits1 = new double[segCount][];
        for (var g = 0; g < segCount; g++)
        {
            var gender = g / AgeBands.Length;
            segLogits0[g] = new double[K];
            segLogits1[g] = new double[K];
            for (var c = 0; c < K; c++)
            {
                var match = c % 2 == gender ? 1.5 : -1.5;     // clusters alternate female / male styles
                segLogits0[g][c] = match + Gauss();
                segLogits1[g][c] = segLogits0[g][c] + 1.2 * Gauss(); // the segment's taste shifts over the run
            }
        }
        var taste0 = new double[users][];
        var taste1 = new double[users][];
        var join = new double[users];
        var activity = new double[users];
        var creator = new double[users];
        var segNames = new string[users];
        for (var u = 0; u < users; u++)
        {
            segOfUser[u] = _rng.NextDouble() < 0.55 ? _rng.Next(AgeBands.Length) : AgeBands.Length + _rng.Next(AgeBands.Length);
            segNames[u] = $"{Genders[segOfUser[u] / AgeBands.Length]}/{AgeBands[segOfUser[u] % AgeBands.Length]}";
            var personal = Enumerable.Range(0, K).Select(_ => 1.3 * Gauss()).ToArray();
            var personal1 = personal.Select(p => p + 0.8 * Gauss()).ToArray();
            taste0[u] = Softmax(segLogits0[segOfUser[u]].Select((l, c) => 1.2 * (l + personal[c])).ToArray());
            taste1[u] = Softmax(segLogits1[segOfUser[u]].Select((l, c) => 1.2 * (l + personal1[c])).ToArray());
            join[u] = _rng.NextDouble() < 0.75 ? 0 : _rng.NextDouble() * s.Days;
            activity[u] = Math.Exp(Math.Log(0.9) + 1.1 * Gauss());
            creator[u] = Math.Exp(1.2 * Gauss());
        }
        var prefTags = new HashSet<string>[users];
        for (var u = 0; u < users; u++)
        {
            prefTags[u] = new HashSet<string>();
            foreach (var c in Enumerable.Range(0, K).OrderByDescending(c => taste0[u][c]).Take(2))
                if (_rng.NextDouble() < 0.7) prefTags[u].Add(StyleTag(c));
            if (_rng.NextDouble() < s.Noise) prefTags[u].Add(StyleTag(_rng.Next(K)));
        }

        // --- OOTDs: style vectors and tags from products (or a file), a cluster, a post day, an author ---
        string source;
        float[][] styles;
        HashSet<string>[] tags;
        int[] clusterOf;
        double[]? postDays = null;
        if (s.VectorsPath is { } path)
        {
            styles = ReadVectors(path);
            clusterOf = KMeans(styles, K);
            tags = styles.Select(_ => new HashSet<string>()).ToArray();
            source = $"style vectors from {path} ({styles.Length} OOTDs × {styles[0].Length}), clusters by k-means; no tags";
        }
        else if (s.Content == ContentKind.Labels)
        {
            (styles, tags, clusterOf, source) = FromProducts(s.Ootds);
        }
        else
        {
            // post days are drawn with the content: items are centred by their sub-category's running mean in post order
            var content = new PhotoContent(s, _rng).Build();
            (styles, tags, clusterOf, source, postDays) = (content.Styles, content.Tags, content.Cluster, content.Source, content.PostDay);
        }
        var n = styles.Length;
        var postDay = new double[n];
        var author = new int[n];
        var quality = new double[n];
        for (var o = 0; o < n; o++)
        {
            postDay[o] = postDays?[o] ?? -14 + _rng.NextDouble() * (s.Days + 14);
            var c = clusterOf[o];
            author[o] = SampleUser(u => join[u] <= Math.Max(0, postDay[o]) ? creator[u] * taste0[u][c] : 0, users);
            quality[o] = Math.Exp(0.5 * Gauss()) * Math.Pow(creator[author[o]], 0.3);
        }
        var postsBy = Enumerable.Range(0, users).Select(_ => new List<int>()).ToArray();
        foreach (var o in Enumerable.Range(0, n).OrderBy(o => postDay[o])) postsBy[author[o]].Add(o);

        // --- follow graph: homophily (taste cosine) × popularity (creator propensity) ---
        var follows = new List<SimFollow>();
        var followSet = Enumerable.Range(0, users).Select(_ => new HashSet<int>()).ToArray();
        for (var u = 0; u < users; u++)
        {
            var count = 2 + Poisson(3 + 2 * Math.Log(1 + activity[u]));
            for (var f = 0; f < count; f++)
            {
                var v = SampleUser(v => v == u || followSet[u].Contains(v) ? 0 : creator[v] * Math.Exp(4 * Cos(taste0[u], taste0[v])), users);
                if (v < 0) break;
                followSet[u].Add(v);
                var day = _rng.NextDouble() < 0.5 ? join[u] : join[u] + _rng.NextDouble() * (s.Days - join[u]);
                follows.Add(new SimFollow(u, v, day));
            }
        }
        var followsByTime = follows.GroupBy(f => f.Follower).ToDictionary(g => g.Key, g => g.OrderBy(f => f.Day).ToList());

        // --- daily activity ---
        var events = new List<SimEvent>();
        var seen = Enumerable.Range(0, users).Select(_ => new HashSet<int>()).ToArray();
        var likes = new double[n];
        var byCluster = Enumerable.Range(0, K).Select(c => Enumerable.Range(0, n).Where(o => clusterOf[o] == c).OrderBy(o => postDay[o]).ToArray()).ToArray();
        var allByPost = Enumerable.Range(0, n).OrderBy(o => postDay[o]).ToArray();
        for (var t = 0; t < s.Days; t++)
        {
            var clusterCum = new double[K][];
            for (var c = 0; c < K; c++)
                clusterCum[c] = Cumulative(byCluster[c], o => postDay[o] <= t ? quality[o] * Math.Exp(-(t - Math.Max(0, postDay[o])) / 10.0) : 0);
            var trendCum = Cumulative(allByPost, o => postDay[o] <= t ? (1 + likes[o]) * Math.Exp(-(t - Math.Max(0, postDay[o])) / 5.0) : 0);
            var w = s.Days <= 1 ? 0 : s.Drift * t / (s.Days - 1);
            for (var u = 0; u < users; u++)
            {
                if (join[u] > t) continue;
                var taste = new double[K];
                for (var c = 0; c < K; c++) taste[c] = (1 - w) * taste0[u][c] + w * taste1[u][c];
                var maxTaste = taste.Max();
                var views = Poisson(activity[u]);
                for (var k = 0; k < views; k++)
                {
                    var o = -1;
                    for (var attempt = 0; attempt < 6 && o < 0; attempt++)
                    {
                        var r = _rng.NextDouble();
                        int cand;
                        if (r < 0.25) cand = FromFollowee(u, t, followsByTime, postsBy, postDay, seen[u]);
                        else if (r < 0.40) cand = Pick(allByPost, trendCum);
                        else if (r < 0.45) cand = _rng.Next(n);
                        else { var c = SampleIndex(taste); cand = Pick(byCluster[c], clusterCum[c]); }
                        if (cand >= 0 && postDay[cand] <= t && author[cand] != u && !seen[u].Contains(cand)) o = cand;
                    }
                    if (o < 0) continue;
                    seen[u].Add(o);
                    var at = t + _rng.NextDouble();
                    events.Add(new SimEvent(u, o, InteractionKind.View, at));
                    var pLike = 0.03 + 0.5 * taste[clusterOf[o]] / maxTaste;
                    if (_rng.NextDouble() < pLike)
                    {
                        events.Add(new SimEvent(u, o, InteractionKind.Like, Math.Min(t + 0.999, at + 0.001)));
                        likes[o]++;
                    }
                }
            }
        }
        return new World
        {
            Days = s.Days, Clusters = K, StyleSource = source, OotdStyle = styles, OotdTags = tags, OotdCluster = clusterOf,
            OotdAuthor = author, OotdPostDay = postDay, UserSegment = segNames, UserPrefTags = prefTags, UserJoinDay = join,
            Follows = follows, Events = events,
        };
    }

    private int FromFollowee(int u, int t, Dictionary<int, List<SimFollow>> follows, List<int>[] postsBy, double[] postDay, HashSet<int> seen)
    {
        if (!follows.TryGetValue(u, out var list)) return -1;
        var active = list.Where(f => f.Day <= t).ToList();
        if (active.Count == 0) return -1;
        var v = active[_rng.Next(active.Count)].Followee;
        var posts = postsBy[v];
        for (var i = posts.Count - 1; i >= 0; i--)
        {
            var o = posts[i];
            if (postDay[o] > t) continue;
            if (t - postDay[o] > 14) break;
            if (!seen.Contains(o)) return o;
        }
        return -1;
    }

    // ---------- style vectors from real product labels ----------

    private (float[][] Styles, HashSet<string>[] Tags, int[] Cluster, string Source) FromProducts(int count)
    {
        var products = CatalogueRow.Read(s.ProductsPath, "--products or --vectors");
        if (products.Count < 50) throw new InvalidDataException($"{s.ProductsPath} has too few usable products ({products.Count}).");
        var articles = Vocab(products.Select(p => p.Article));
        var colours = Vocab(products.Select(p => p.Colour));
        var usages = Vocab(products.Select(p => p.Usage));
        var seasons = Vocab(products.Select(p => p.Season));
        var genders = Vocab(products.Select(p => p.Gender));
        var topColours = products.GroupBy(p => p.Colour).OrderByDescending(g => g.Count()).Take(15).Select(g => g.Key).ToArray();
        const int visualDim = 32;
        var rawDim = articles.Count + colours.Count + usages.Count;
        var projection = new double[visualDim, rawDim];
        for (var i = 0; i < visualDim; i++) for (var j = 0; j < rawDim; j++) projection[i, j] = Gauss() / Math.Sqrt(visualDim);

        string[] clusterUsage = ["Casual", "Casual", "Sports", "Formal", "Casual", "Ethnic"];
        var clusterGender = Enumerable.Range(0, K).Select(c => c % 2 == 0 ? "Women" : "Men").ToArray();
        var clusterUse = Enumerable.Range(0, K).Select(c => clusterUsage[(c / 2) % clusterUsage.Length]).ToArray();
        var clusterPalette = Enumerable.Range(0, K).Select(_ => topColours.OrderBy(_ => _rng.Next()).Take(3).ToHashSet()).ToArray();
        var clusterSeason = Enumerable.Range(0, K).Select(_ => seasons.Keys.ElementAt(_rng.Next(seasons.Count))).ToArray();
        var slotPick = new Dictionary<(int, string), (CatalogueRow[] Items, double[] Cum)>();
        foreach (var c in Enumerable.Range(0, K))
            foreach (var slot in new[] { "top", "bottom", "shoes", "bag", "dress" })
            {
                var items = products.Where(p => p.Slot == slot && (p.Gender == clusterGender[c] || p.Gender == "Unisex")).ToArray();
                if (items.Length == 0) items = products.Where(p => p.Slot == slot).ToArray();
                var cum = Cumulative(Enumerable.Range(0, items.Length).ToArray(), i =>
                    (items[i].Usage == clusterUse[c] ? 6.0 : 1.0) * (clusterPalette[c].Contains(items[i].Colour) ? 5.0 : 1.0) * (items[i].Season == clusterSeason[c] ? 2.0 : 1.0));
                slotPick[(c, slot)] = (items, cum);
            }

        var options = RecommenderOptions.Default;
        var itemVectors = new List<(int Ootd, string Article, float[] Vector)>();
        var tags = new HashSet<string>[count];
        var clusterOf = new int[count];
        for (var o = 0; o < count; o++)
        {
            var c = _rng.Next(K);
            clusterOf[o] = c;
            var slots = clusterGender[c] == "Women" && _rng.NextDouble() < 0.25
                ? new List<string> { "dress", "shoes" } : new List<string> { "top", "bottom", "shoes" };
            if (_rng.NextDouble() < 0.5) slots.Add("bag");
            tags[o] = new HashSet<string>();
            foreach (var slot in slots)
            {
                var (items, cum) = slotPick[(c, slot)];
                var p = items[Pick(Enumerable.Range(0, items.Length).ToArray(), cum)];
                var classifier = OneHot(articles, p.Article);
                var attributes = OneHot(colours, p.Colour).Concat(OneHot(usages, p.Usage)).Concat(OneHot(seasons, p.Season)).Concat(OneHot(genders, p.Gender)).ToArray();
                var visual = new float[visualDim];
                int a = articles[p.Article], col = articles.Count + colours[p.Colour], us = articles.Count + colours.Count + usages[p.Usage];
                for (var i = 0; i < visualDim; i++) visual[i] = (float)(projection[i, a] + projection[i, col] + projection[i, us] + s.Noise * Gauss());
                itemVectors.Add((o, p.Article, StyleVectors.ComposeItem([classifier, attributes, visual], options.ItemBlockWeights)));
                tags[o].Add(p.Usage.ToLowerInvariant());
                tags[o].Add(p.Colour.ToLowerInvariant().Replace(" ", ""));
            }
            if (_rng.NextDouble() < 0.6) tags[o].Add(StyleTag(c));
            if (_rng.NextDouble() < s.Noise * 0.5) tags[o].Add(StyleTag(_rng.Next(K)));
        }
        // centre each item by its sub-category's running mean (over all items of that article type), then average per OOTD
        var dim = itemVectors[0].Vector.Length;
        var means = new Dictionary<string, SubCategoryMean>();
        foreach (var (_, article, v) in itemVectors)
        {
            if (!means.TryGetValue(article, out var m)) means[article] = m = new SubCategoryMean(dim);
            m.Add(v);
        }
        var styles = itemVectors.GroupBy(x => x.Ootd).OrderBy(g => g.Key)
            .Select(g => StyleVectors.OotdStyle(g.Select(x => StyleVectors.Centre(x.Vector, means[x.Article])).ToList())).ToArray();
        var source = $"style vectors derived from real product labels ({s.ProductsPath}: {products.Count} products; articleType one-hot | colour+usage+season+gender one-hot | "
                     + $"32-d random projection + N(0,{s.Noise.ToString(CultureInfo.InvariantCulture)}) as the 'visual' block), 2–4 products per outfit, centred by article-type running mean; not from photos";
        return (styles, tags, clusterOf, source);
    }

    private static Dictionary<string, int> Vocab(IEnumerable<string> values) =>
        values.Distinct().OrderBy(v => v, StringComparer.Ordinal).Select((v, i) => (v, i)).ToDictionary(x => x.v, x => x.i);

    private static float[] OneHot(Dictionary<string, int> vocab, string value)
    {
        var v = new float[vocab.Count];
        v[vocab[value]] = 1;
        return v;
    }

    private static float[][] ReadVectors(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Vectors file not found: {path}");
        var rows = new List<float[]>();
        var lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var parts = line.Split([' ', ',', '\t'], StringSplitOptions.RemoveEmptyEntries);
            var v = new float[parts.Length];
            for (var i = 0; i < parts.Length; i++)
                if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out v[i]) || !float.IsFinite(v[i]))
                    throw new InvalidDataException($"{path}:{lineNo}: '{parts[i]}' is not a finite number.");
            if (rows.Count > 0 && v.Length != rows[0].Length) throw new InvalidDataException($"{path}:{lineNo}: {v.Length} values, expected {rows[0].Length}.");
            rows.Add(v);
        }
        if (rows.Count < 50) throw new InvalidDataException($"{path}: needs at least 50 vectors, has {rows.Count}.");
        return rows.ToArray();
    }

    private int[] KMeans(float[][] x, int k)
    {
        var centres = x.OrderBy(_ => _rng.Next()).Take(k).Select(v => v.ToArray()).ToArray();
        var assign = new int[x.Length];
        for (var iter = 0; iter < 15; iter++)
        {
            for (var i = 0; i < x.Length; i++)
                assign[i] = Enumerable.Range(0, k).MaxBy(c => Similarity.Cosine(x[i], centres[c]));
            for (var c = 0; c < k; c++)
            {
                var members = Enumerable.Range(0, x.Length).Where(i => assign[i] == c).ToList();
                if (members.Count == 0) continue;
                centres[c] = StyleVectors.OotdStyle(members.Select(i => x[i]).ToList());
            }
        }
        return assign;
    }

    // ---------- random helpers ----------

    private double Gauss() => Math.Sqrt(-2 * Math.Log(1 - _rng.NextDouble())) * Math.Cos(2 * Math.PI * _rng.NextDouble());

    private int Poisson(double mean)
    {
        if (mean <= 0) return 0;
        if (mean > 30) return Math.Max(0, (int)Math.Round(mean + Math.Sqrt(mean) * Gauss()));
        var l = Math.Exp(-mean);
        var k = 0;
        var p = 1.0;
        do { k++; p *= _rng.NextDouble(); } while (p > l);
        return k - 1;
    }

    private static double[] Softmax(double[] logits)
    {
        var m = logits.Max();
        var e = logits.Select(l => Math.Exp(l - m)).ToArray();
        var sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }

    private static double Cos(double[] a, double[] b)
    {
        double d = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++) { d += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
        return d / Math.Sqrt(na * nb);
    }

    private static double[] Cumulative(int[] ids, Func<int, double> weight)
    {
        var cum = new double[ids.Length];
        double s = 0;
        for (var i = 0; i < ids.Length; i++) { s += Math.Max(0, weight(ids[i])); cum[i] = s; }
        return cum;
    }

    private int Pick(int[] ids, double[] cum)
    {
        if (ids.Length == 0 || cum[^1] <= 0) return -1;
        var r = _rng.NextDouble() * cum[^1];
        var i = Array.BinarySearch(cum, r);
        if (i < 0) i = ~i;
        return ids[Math.Min(i, ids.Length - 1)];
    }

    private int SampleIndex(double[] p)
    {
        var r = _rng.NextDouble() * p.Sum();
        for (var i = 0; i < p.Length; i++) { r -= p[i]; if (r <= 0) return i; }
        return p.Length - 1;
    }

    private int SampleUser(Func<int, double> weight, int users)
    {
        var w = new double[users];
        double sum = 0;
        for (var u = 0; u < users; u++) { w[u] = weight(u); sum += w[u]; }
        if (sum <= 0) return -1;
        var r = _rng.NextDouble() * sum;
        for (var u = 0; u < users; u++) { r -= w[u]; if (r <= 0) return u; }
        return users - 1;
    }
}
