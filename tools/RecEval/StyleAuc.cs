using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Ootd.Grains.Recommendation;
using Ootd.Inference;
using Ootd.Inference.Models;
using Ootd.Inference.Taxonomy;
using Ootd.Taxonomy;

namespace Ootd.RecEval;

/// <summary>
/// <c>style-auc</c> (issue 16): does OOTD style similarity rank photos with the same garment composition above others?
/// Every CCP photo of the validation and test splits goes through the platform's own photo pipeline
/// (<see cref="FashionAnalyzer"/>: detector, classifier, tagger, embedder, as the silo runs it; analyses cached under
/// <c>.data/style-auc/</c>); its items become OOTD style vectors by each candidate formula, in file order (the running
/// sub-category means of the centred formulas grow as posts arrive, as <c>CategoryStatsGrain</c> does). For each garment
/// type g (the taxonomy sub-category of the CCP labels, ≥ <see cref="MinPhotos"/> photos in the split), pairs of photos
/// that both show g are positives and pairs where exactly one shows g negatives; AUC = P(cos of a positive pair &gt; cos
/// of a negative pair), ties ½. The summary is the mean over garment types. Formulas are chosen on the validation split
/// only; the test split is reported.
/// </summary>
public static class StyleAuc
{
    public const int MinPhotos = 8;

    public sealed record Photo(string Image, HashSet<string> Garments, List<CachedItem> Items);

    public sealed record CachedItem(string Sub, float[] SubProbabilities, float[] AttributeVector, float[] Embedding);

    /// <summary>A candidate OOTD style formula: block weights of the item vector and how items combine (raw and centred item vectors in, s_o out).</summary>
    public sealed record Formula(string Name, double[] BlockWeights, Func<IReadOnlyList<float[]>, IReadOnlyList<float[]>, float[]> Combine, bool Projected = false);

    public static IReadOnlyList<Formula> Formulas()
    {
        double[] all = [1, 1, 1];   // the block weights before issue 16
        return
        [
            new("centred mean (platform before)", all, (_, c) => StyleVectors.OotdStyle(c)),
            new("mean, not centred", all, (r, _) => StyleVectors.OotdStyle(r)),
            new("max, not centred", all, (r, _) => StyleVectors.OotdStyleMax(r)),
            new("max, centred", all, (_, c) => StyleVectors.OotdStyleMax(c)),
            new("classifier block only, centred mean", [1, 0, 0], (_, c) => StyleVectors.OotdStyle(c)),
            new("tagger block only, centred mean", [0, 1, 0], (_, c) => StyleVectors.OotdStyle(c)),
            new("embedding block only, centred mean", [0, 0, 1], (_, c) => StyleVectors.OotdStyle(c)),
            new("classifier block only, max", [1, 0, 0], (r, _) => StyleVectors.OotdStyleMax(r)),
            new("embedding block only, max", [0, 0, 1], (r, _) => StyleVectors.OotdStyleMax(r)),
            new("max, not centred, classifier ×2", [2, 1, 1], (r, _) => StyleVectors.OotdStyleMax(r)),
            new("max, not centred, classifier ×0.5", [0.5, 1, 1], (r, _) => StyleVectors.OotdStyleMax(r)),
        ];
    }

    public static int Run(string[] args)
    {
        string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var root = Ootd.Inference.Backbone.BackboneFiles.RepositoryRoot() ?? Directory.GetCurrentDirectory();
        var ccp = Arg("--ccp") ?? Path.Combine(root, "..", "shared", "datasets", "ccp");
        var cache = Arg("--cache") ?? Path.Combine(root, ".data", "style-auc");
        var models = Arg("--models");
        // Items the platform stored for posted CCP photos (e.g. the database tools/feedsim.sh left behind): used as the
        // analyses of those photos instead of running the pipeline here (the same pipeline, run by the silo).
        if (Arg("--items-from-db") is { } connection) ImportFromDatabase(connection, ccp, cache);
        var clock = Stopwatch.StartNew();

        var photos = new Dictionary<string, List<Photo>>();
        FashionAnalyzer? analyzer = null;
        try
        {
            foreach (var split in new[] { "val", "test" })
                photos[split] = Load(ccp, split, cache, () => analyzer ??= new FashionAnalyzer(models is null ? ModelRepository.Default() : new ModelRepository(models)));
        }
        finally { analyzer?.Dispose(); }
        Console.WriteLine($"# style-auc — CCP val {photos["val"].Count} / test {photos["test"].Count} photos through the platform's pipeline ({clock.Elapsed.TotalSeconds:F0} s with the cache in {cache})");
        Console.WriteLine();

        // ---- detection: how often the pipeline finds each garment type at all ----
        var test = photos["test"];
        var types = GarmentTypes(test);
        Console.WriteLine("Detection on test: share of the photos showing a garment type where an item of that sub-category (or super-category) was found; items per photo "
                          + (test.Average(p => p.Items.Count)).ToString("F1", CultureInfo.InvariantCulture) + ".");
        Console.WriteLine();
        Console.WriteLine("| garment type | photos | found as sub-category | found as super-category | AUC of tag Jaccard (detected sub-categories) |");
        Console.WriteLine("|---|---|---|---|---|");
        var jaccard = Similarities(test, p => p.Items.Select(i => i.Sub).ToHashSet(), (a, b) => Jaccard(a, b));
        foreach (var g in types)
        {
            var with = test.Where(p => p.Garments.Contains(g)).ToList();
            var super = FashionTaxonomy.Sub(g).Super.Index;
            var sub = with.Count(p => p.Items.Any(i => i.Sub == g)) / (double)with.Count;
            var sup = with.Count(p => p.Items.Any(i => FashionTaxonomy.Sub(i.Sub).Super.Index == super)) / (double)with.Count;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {g} | {with.Count} | {sub:F2} | {sup:F2} | {Auc(test, jaccard, g):F3} |"));
        }
        Console.WriteLine();

        // ---- formulas: AUC on val (choice) and test (report) ----
        var results = new List<(Formula F, double Val, double Test, Dictionary<string, double> PerType)>();
        foreach (var f in Formulas())
        {
            var (val, _) = MacroAuc(photos["val"], f);
            var (t, perType) = MacroAuc(test, f);
            results.Add((f, val, t, perType));
        }
        var chosen = results.MaxBy(r => r.Val);
        // the "ootd-style" index holds a 128-d random projection: how much of the signal survives it
        foreach (var f in new[] { results[0].F, chosen.F }.Distinct().Select(f => f with { Name = f.Name + ", 128-d index projection", Projected = true }))
        {
            var (val, _) = MacroAuc(photos["val"], f);
            var (t, perType) = MacroAuc(test, f);
            results.Add((f, val, t, perType));
        }
        Console.WriteLine("| OOTD style formula | val AUC (mean over garment types) | test AUC |");
        Console.WriteLine("|---|---|---|");
        foreach (var r in results)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {r.F.Name}{(r == chosen ? " **(chosen on val)**" : "")} | {r.Val:F4} | {r.Test:F4} |"));
        Console.WriteLine();
        var before = results[0];
        Console.WriteLine($"Per garment type on test (positives: both photos show it; negatives: exactly one does):");
        Console.WriteLine();
        Console.WriteLine($"| garment type | photos | {before.F.Name} | {chosen.F.Name} |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var g in types)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {g} | {test.Count(p => p.Garments.Contains(g))} | {before.PerType[g]:F3} | {chosen.PerType[g]:F3} |"));
        Console.WriteLine();
        Console.WriteLine($"Chosen on val: {chosen.F.Name}: test AUC {before.Test:F3} → {chosen.Test:F3}. Total {clock.Elapsed.TotalSeconds:F0} s.");
        return 0;
    }

    /// <summary>Garment types with at least <see cref="MinPhotos"/> photos and at least <see cref="MinPhotos"/> without, ordered by count.</summary>
    public static List<string> GarmentTypes(IReadOnlyList<Photo> photos) =>
        photos.SelectMany(p => p.Garments).GroupBy(g => g)
            .Where(g => g.Count() >= MinPhotos && photos.Count - g.Count() >= MinPhotos)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Key).ToList();

    /// <summary>OOTD style vectors of the photos by <paramref name="f"/>, in file order with running sub-category means.</summary>
    public static float[][] Styles(IReadOnlyList<Photo> photos, Formula f)
    {
        var means = new Dictionary<string, SubCategoryMean>(StringComparer.Ordinal);
        var result = new float[photos.Count][];
        for (var p = 0; p < photos.Count; p++)
        {
            var raw = new List<float[]>();
            var centred = new List<float[]>();
            foreach (var item in photos[p].Items)
            {
                var v = StyleVectors.ComposeItem([item.SubProbabilities, item.AttributeVector, item.Embedding], f.BlockWeights);
                if (!means.TryGetValue(item.Sub, out var mean)) means[item.Sub] = mean = new SubCategoryMean(v.Length);
                centred.Add(mean.Centre(v));
                mean.Add(v);
                raw.Add(v);
            }
            var s = raw.Count == 0 ? [] : f.Combine(raw, centred);
            result[p] = f.Projected && s.Length > 0 ? StyleProjection.Project(s, 128)! : s;
        }
        return result;
    }

    public static (double Mean, Dictionary<string, double> PerType) MacroAuc(IReadOnlyList<Photo> photos, Formula f)
    {
        var styles = Styles(photos, f);
        var sims = Similarities(photos, p => styles[Index(photos, p)], Cosine);
        var perType = GarmentTypes(photos).ToDictionary(g => g, g => Auc(photos, sims, g));
        return (perType.Values.Average(), perType);
    }

    private static int Index(IReadOnlyList<Photo> photos, Photo p)
    {
        for (var i = 0; i < photos.Count; i++) if (ReferenceEquals(photos[i], p)) return i;
        return -1;
    }

    /// <summary>Similarity of every pair i &lt; j.</summary>
    private static double[,] Similarities<T>(IReadOnlyList<Photo> photos, Func<Photo, T> of, Func<T, T, double> sim)
    {
        var values = photos.Select(of).ToArray();
        var result = new double[photos.Count, photos.Count];
        for (var i = 0; i < photos.Count; i++)
            for (var j = i + 1; j < photos.Count; j++) result[i, j] = sim(values[i], values[j]);
        return result;
    }

    /// <summary>AUC of the pairs sharing garment type g (positives) against the pairs where exactly one photo shows it.</summary>
    public static double Auc(IReadOnlyList<Photo> photos, double[,] sims, string g)
    {
        var pos = new List<double>();
        var neg = new List<double>();
        for (var i = 0; i < photos.Count; i++)
            for (var j = i + 1; j < photos.Count; j++)
            {
                bool a = photos[i].Garments.Contains(g), b = photos[j].Garments.Contains(g);
                if (a && b) pos.Add(sims[i, j]);
                else if (a != b) neg.Add(sims[i, j]);
            }
        return Auc(pos, neg);
    }

    /// <summary>Mann–Whitney AUC: P(positive &gt; negative) + ½ P(tie).</summary>
    public static double Auc(IReadOnlyList<double> positives, IReadOnlyList<double> negatives)
    {
        if (positives.Count == 0 || negatives.Count == 0) return double.NaN;
        var all = positives.Select(v => (V: v, Pos: true)).Concat(negatives.Select(v => (V: v, Pos: false))).OrderBy(x => x.V).ToArray();
        double rankSum = 0;
        for (var i = 0; i < all.Length;)
        {
            var j = i;
            while (j < all.Length && all[j].V == all[i].V) j++;
            var rank = (i + 1 + j) / 2.0;   // mean of ranks i+1 … j
            for (var k = i; k < j; k++) if (all[k].Pos) rankSum += rank;
            i = j;
        }
        var n1 = positives.Count;
        return (rankSum - n1 * (n1 + 1) / 2.0) / ((double)n1 * negatives.Count);
    }

    private static double Cosine(float[] a, float[] b)
    {
        if (a.Length == 0 || b.Length == 0) return 0;
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
        return na == 0 || nb == 0 ? 0 : dot / Math.Sqrt(na * nb);
    }

    private static double Jaccard(HashSet<string> a, HashSet<string> b)
    {
        var union = a.Union(b).Count();
        return union == 0 ? 0 : a.Intersect(b).Count() / (double)union;
    }

    /// <summary>
    /// Writes the stored items (<c>ootd_items</c>, in item order) of every post whose photo is a CCP photo (media id =
    /// SHA-256 of the file's bytes) into the cache files of the photo's split, next to what is cached already.
    /// </summary>
    private static void ImportFromDatabase(string connection, string ccp, string cacheFolder)
    {
        var splitOf = File.ReadLines(Path.Combine(ccp, "splits.csv")).Skip(1).Select(l => l.Split(','))
            .Where(f => f.Length >= 2).ToDictionary(f => f[0], f => f[1].Trim(), StringComparer.Ordinal);
        var byHash = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var image in splitOf.Keys)
        {
            var path = Path.Combine(ccp, "photos", image);
            if (File.Exists(path)) byHash[Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)))] = image;
        }
        var found = new Dictionary<string, List<CachedItem>>(StringComparer.Ordinal);
        using (var db = new Npgsql.NpgsqlConnection(connection))
        {
            db.Open();
            using var cmd = new Npgsql.NpgsqlCommand("""
                SELECT p.media_id, i.sub_category, i.sub_probabilities, i.attribute_vector, i.embedding
                FROM ootd_posts p JOIN ootd_items i ON i.ootd_id = p.ootd_id WHERE p.deleted_at IS NULL ORDER BY p.media_id, i.item_no
                """, db);
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                if (!byHash.TryGetValue(r.GetString(0), out var image)) continue;
                if (!found.TryGetValue(image, out var items)) found[image] = items = [];
                items.Add(new CachedItem(r.GetString(1), r.GetFieldValue<float[]>(2), r.GetFieldValue<float[]>(3), r.GetFieldValue<float[]>(4)));
            }
        }
        Directory.CreateDirectory(cacheFolder);
        foreach (var split in found.Keys.GroupBy(i => splitOf[i]))
        {
            var file = Path.Combine(cacheFolder, $"{split.Key}.json");
            var cached = File.Exists(file) ? JsonSerializer.Deserialize<Dictionary<string, List<CachedItem>>>(File.ReadAllText(file)) ?? new() : new();
            foreach (var image in split) cached[image] = found[image];
            File.WriteAllText(file, JsonSerializer.Serialize(cached));
            Console.Error.WriteLine($"style-auc: {split.Count()} {split.Key} photos' items taken from the database");
        }
    }

    /// <summary>The split's photos with their garment types (CCP labels ≥ 1,500 px mapped to taxonomy sub-categories) and analysed items (cached).</summary>
    private static List<Photo> Load(string ccp, string split, string cacheFolder, Func<FashionAnalyzer> analyzer)
    {
        var splitOf = File.ReadLines(Path.Combine(ccp, "splits.csv")).Skip(1).Select(l => l.Split(','))
            .Where(f => f.Length >= 2).ToDictionary(f => f[0], f => f[1].Trim(), StringComparer.Ordinal);
        var garments = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(Path.Combine(ccp, "ccp_boxes.csv")).Skip(1))
        {
            var f = line.Split(',');
            if (f.Length < 11 || !string.Equals(f[5], "True", StringComparison.OrdinalIgnoreCase)) continue;
            if (!CcpLabels.SubCategoryByTag.TryGetValue(f[4], out var sub)) continue;
            if (!long.TryParse(f[10], NumberStyles.Integer, CultureInfo.InvariantCulture, out var px) || px < 1500) continue;
            if (!garments.TryGetValue(f[0], out var set)) garments[f[0]] = set = new HashSet<string>(StringComparer.Ordinal);
            set.Add(sub);
        }
        var images = garments.Keys.Where(i => splitOf.GetValueOrDefault(i) == split).Order(StringComparer.Ordinal).ToList();

        Directory.CreateDirectory(cacheFolder);
        var cacheFile = Path.Combine(cacheFolder, $"{split}.json");
        var cached = File.Exists(cacheFile)
            ? JsonSerializer.Deserialize<Dictionary<string, List<CachedItem>>>(File.ReadAllText(cacheFile)) ?? new()
            : new Dictionary<string, List<CachedItem>>();
        var missing = images.Where(i => !cached.ContainsKey(i)).ToList();
        if (missing.Count > 0)
        {
            var a = analyzer();
            var clock = Stopwatch.StartNew();
            foreach (var image in missing)
            {
                var analysis = a.Analyze(File.ReadAllBytes(Path.Combine(ccp, "photos", image)));
                cached[image] = analysis.Items.Select(i => new CachedItem(i.SubCategory, i.SubCategoryProbabilities, i.AttributeVector, i.Embedding)).ToList();
            }
            File.WriteAllText(cacheFile, JsonSerializer.Serialize(cached));
            Console.Error.WriteLine($"style-auc: analysed {missing.Count} {split} photos in {clock.Elapsed.TotalSeconds:F0} s ({a.Provider})");
        }
        return images.Select(i => new Photo(i, garments[i], cached[i])).ToList();
    }
}
