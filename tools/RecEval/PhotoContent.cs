using System.Globalization;
using Ootd.Grains.Recommendation;
using Ootd.Inference.Models;
using Ootd.Inference.Taxonomy;
using Ootd.Taxonomy;

namespace Ootd.RecEval;

/// <summary>The OOTD content of a run: style vectors, tags, taste cluster and post day per OOTD.</summary>
public sealed record OotdContent(float[][] Styles, HashSet<string>[] Tags, int[] Cluster, double[] PostDay, string Source);

/// <summary>
/// OOTD content from real photos, computed the way the platform computes it: cached ResNet18 features of each
/// item photo → the project's classifier, tagger and embedder heads → item vector (ComposeItem of sub-category
/// probabilities, attribute vector and embedding) → centred by the running mean of its predicted sub-category, in
/// post order → averaged into the OOTD style vector. Two kinds of OOTDs: CCP street photos (their ground-truth
/// garment boxes stand in for the detector's) and outfits composed from product photos. Tags are what the models
/// predict (colour, occasion, season hashtags; sub-category names, as the platform adds them).
/// </summary>
public sealed class PhotoContent(EvalSettings s, Random rng)
{
    // CCP tag → sub-category; only the super-category is used here, as a detection's.
    private static IReadOnlyDictionary<string, string> CcpTags => CcpLabels.SubCategoryByTag;


    public OotdContent Build()
    {
        var k = s.Clusters;
        var features = FeatureCache.Read(s.FeaturesPath, key => key.StartsWith("ccp:", StringComparison.Ordinal) || key.StartsWith("products:", StringComparison.Ordinal));
        var catalogue = CatalogueRow.Read(s.ProductsPath, "--products").Where(p => features.ContainsKey("products:" + p.Id)).ToList();
        var ccpPhotos = features.Keys.Where(key => key.StartsWith("ccp:", StringComparison.Ordinal))
            .Select(key => (Key: key, Parts: key.Split(':')))
            .Where(x => x.Parts.Length == 3 && CcpTags.ContainsKey(x.Parts[2]))
            .GroupBy(x => x.Parts[1]).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Select(x => (x.Key, Super: FashionTaxonomy.Sub(CcpTags[x.Parts[2]]).Super.Index)).OrderBy(x => x.Key, StringComparer.Ordinal).ToList())
            .ToList();
        if (ccpPhotos.Count == 0 && catalogue.Count == 0)
            throw new InvalidDataException($"{s.FeaturesPath} holds no CCP or product features; rebuild it with `{FeatureCache.BuildCommand}`.");

        // --- run the heads once on every item photo used ---
        using var heads = new ModelHeads(s.ModelsPath is { } m ? new ModelRepository(m) : ModelRepository.Default());
        var rows = ccpPhotos.SelectMany(p => p).Select(x => (x.Key, features[x.Key], x.Super))
            .Concat(catalogue.Select(p => ("products:" + p.Id, features["products:" + p.Id], -1))).ToList();
        var analysed = heads.Analyse(rows).ToDictionary(a => a.Key, StringComparer.Ordinal);

        // --- the OOTDs: CCP photos (at most half the posts), then composed outfits ---
        var ccpCount = Math.Min(ccpPhotos.Count, catalogue.Count == 0 ? s.Ootds : s.Ootds / 2);
        var ootds = new List<IReadOnlyList<AnalysedCrop>>();
        foreach (var photo in ccpPhotos.OrderBy(_ => rng.Next()).Take(ccpCount).OrderBy(p => p[0].Key, StringComparer.Ordinal))
            ootds.Add(photo.Select(x => analysed[x.Key]).ToList());
        var composed = s.Ootds - ccpCount;
        var recipes = composed > 0 ? Recipes(catalogue, k) : [];
        var womenRecipe = new List<bool>(composed);
        for (var o = 0; o < composed; o++)
        {
            var recipe = recipes[rng.Next(recipes.Count)];
            womenRecipe.Add(recipe.Women);
            ootds.Add(recipe.Draw(rng).Select(p => analysed["products:" + p.Id]).ToList());
        }
        var n = ootds.Count;

        // --- style vectors: item vectors centred by the running mean of their sub-category, in post order ---
        var postDay = new double[n];
        for (var o = 0; o < n; o++) postDay[o] = -14 + rng.NextDouble() * (s.Days + 14);
        var options = RecommenderOptions.Default;
        var means = new Dictionary<string, SubCategoryMean>(StringComparer.Ordinal);
        var styles = new float[n][];
        foreach (var o in Enumerable.Range(0, n).OrderBy(o => postDay[o]))
        {
            var raw = new List<float[]>(ootds[o].Count);
            var centred = new List<float[]>(ootds[o].Count);
            foreach (var item in ootds[o])
            {
                var v = StyleVectors.ComposeItem([item.SubProbabilities, item.AttributeVector, item.Embedding], options.ItemBlockWeights);
                if (!means.TryGetValue(item.SubCategory, out var mean)) means[item.SubCategory] = mean = new SubCategoryMean(v.Length);
                raw.Add(v);
                centred.Add(mean.Centre(v));   // as CategoryStatsGrain.CentreAndAdd: centre with the mean so far, then add
                mean.Add(v);
            }
            styles[o] = StyleVectors.OotdStyle(options.OotdStyleFormula, raw, centred);   // as OotdStyle.ComputeAsync
        }
        var tags = ootds.Select(items => PredictedHashtags.For(items, heads.AttributeGroups)).ToArray();

        // --- taste clusters: spherical k-means over the style vectors, within the predicted-gender halves ---
        var genderLabels = heads.AttributeGroups.FirstOrDefault(g => g.Name == "gender")?.Labels ?? [];
        // The tagger's gender head learnt from product photos only: on CCP street crops it says "Men" for almost every
        // photo (measured: 31 of 1003 lean female), so a predicted sub-category worn by women only also counts.
        var female = ootds.Select(items => items.Average(i => GenderLean(i.Groups, genderLabels)) >= 0
                                           || items.Any(i => WomenOnly.Contains(i.SubCategory))).ToArray();
        var cluster = new int[n];
        var femaleK = (k + 1) / 2;
        var maleK = k - femaleK;
        AssignClusters(styles, Enumerable.Range(0, n).Where(o => female[o]).ToArray(), femaleK, c => 2 * c, cluster);
        AssignClusters(styles, Enumerable.Range(0, n).Where(o => !female[o]).ToArray(), Math.Max(1, maleK), c => maleK == 0 ? 0 : 2 * c + 1, cluster);

        var dim = styles[0].Length;
        var femaleCcp = female.Take(ccpCount).Count(f => f);
        var femaleWomen = Enumerable.Range(0, composed).Count(i => womenRecipe[i] && female[ccpCount + i]);
        var femaleMen = Enumerable.Range(0, composed).Count(i => !womenRecipe[i] && female[ccpCount + i]);
        var sizes = string.Join("/", Enumerable.Range(0, k).Select(c => cluster.Count(x => x == c)));
        var tagsPerOotd = tags.Average(t => t.Count);
        var source = string.Create(CultureInfo.InvariantCulture,
            $"real photos through the project's models ({heads.Folder}: classifier, tagger, embedder) on cached ResNet18 features ({s.FeaturesPath}): "
            + $"{ccpCount} CCP street photos (ground-truth garment boxes stand in for detections; {ootds.Take(ccpCount).Sum(x => x.Count)} items) + "
            + $"{composed} outfits composed from {catalogue.Count} product photos ({recipes.Count} recipes by gender/usage/palette/season labels); "
            + $"item vector {dim}-d = sub-category probabilities ⊕ tagger attributes ⊕ 128-d embedding, centred by the running mean of the predicted sub-category in post order; "
            + $"tags = predicted colour/occasion/season hashtags + predicted sub-categories; {tagsPerOotd:F1} tags per OOTD; clusters = spherical k-means over the style vectors, female {femaleK} (even ids) / male {maleK} (odd ids) by predicted gender or a women-only predicted sub-category (female: CCP {femaleCcp}/{ccpCount}, women's recipes {femaleWomen}/{womenRecipe.Count(w => w)}, men's {femaleMen}/{womenRecipe.Count(w => !w)}), sizes {sizes}");
        return new OotdContent(styles, tags, cluster, postDay, source);
    }

    /// <summary>Predicted sub-categories that mark an outfit as women's whatever the tagger's gender head says.</summary>
    public static readonly IReadOnlySet<string> WomenOnly = new HashSet<string>(StringComparer.Ordinal) { "dress", "skirt", "heels", "leggings", "jumpsuit", "handbag_tote", "sleeveless_top" };

    /// <summary>Predicted gender lean of an item: P(Women) + P(Girls) − P(Men) − P(Boys) (Unisex counts for neither).</summary>
    private static double GenderLean(IReadOnlyDictionary<string, float[]> groups, string[] labels)
    {
        if (!groups.TryGetValue("gender", out var p) || p.Length != labels.Length) return 0;
        double lean = 0;
        for (var i = 0; i < p.Length; i++)
            lean += labels[i] switch { "Women" or "Girls" => p[i], "Men" or "Boys" => -p[i], _ => 0 };
        return lean;
    }

    private void AssignClusters(float[][] styles, int[] members, int k, Func<int, int> clusterId, int[] cluster)
    {
        if (members.Length == 0) return;
        var local = SphericalKMeans.Fit(members.Select(o => styles[o]).ToArray(), Math.Min(k, members.Length), rng);
        for (var i = 0; i < members.Length; i++) cluster[members[i]] = clusterId(local[i]);
    }

    // ---------- outfit recipes from the catalogue's labels ----------

    private List<OutfitRecipe> Recipes(List<CatalogueRow> catalogue, int count)
    {
        if (catalogue.Count == 0) throw new InvalidDataException("No product photo of the catalogue has cached features: cannot compose outfits.");
        string[] usages = ["Casual", "Casual", "Sports", "Formal", "Casual", "Ethnic"];
        var topColours = catalogue.GroupBy(p => p.Colour).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Take(15).Select(g => g.Key).ToArray();
        var seasons = catalogue.Select(p => p.Season).Distinct().Order(StringComparer.Ordinal).ToArray();
        var recipes = new List<OutfitRecipe>();
        for (var r = 0; r < count; r++)
        {
            var gender = r % 2 == 0 ? "Women" : "Men";
            var usage = usages[(r / 2) % usages.Length];
            var palette = topColours.OrderBy(_ => rng.Next()).Take(3).ToHashSet();
            var season = seasons[rng.Next(seasons.Length)];
            var slots = new Dictionary<string, (CatalogueRow[] Items, double[] Cum)>();
            foreach (var slot in new[] { "top", "bottom", "shoes", "bag", "dress" })
            {
                var items = catalogue.Where(p => p.Slot == slot && (p.Gender == gender || p.Gender == "Unisex")).ToArray();
                if (items.Length == 0) items = catalogue.Where(p => p.Slot == slot).ToArray();
                var cum = new double[items.Length];
                double total = 0;
                for (var i = 0; i < items.Length; i++)
                {
                    total += (items[i].Usage == usage ? 6.0 : 1.0) * (palette.Contains(items[i].Colour) ? 5.0 : 1.0) * (items[i].Season == season ? 2.0 : 1.0);
                    cum[i] = total;
                }
                slots[slot] = (items, cum);
            }
            recipes.Add(new OutfitRecipe(gender == "Women", slots));
        }
        return recipes;
    }

    private sealed class OutfitRecipe(bool women, Dictionary<string, (CatalogueRow[] Items, double[] Cum)> slots)
    {
        public bool Women => women;

        public List<CatalogueRow> Draw(Random rng)
        {
            var outfit = new List<CatalogueRow>();
            foreach (var slot in OutfitSlots.Draw(women, rng))
            {
                var (items, cum) = slots[slot];
                if (items.Length == 0) continue;
                var i = Array.BinarySearch(cum, rng.NextDouble() * cum[^1]);
                outfit.Add(items[Math.Min(i < 0 ? ~i : i, items.Length - 1)]);
            }
            return outfit;
        }
    }
}

/// <summary>Which slots a composed outfit fills: top + bottom + shoes or (women, 25 %) dress + shoes; a bag half the time.</summary>
public static class OutfitSlots
{
    public static List<string> Draw(bool women, Random rng)
    {
        var slots = women && rng.NextDouble() < 0.25 ? new List<string> { "dress", "shoes" } : ["top", "bottom", "shoes"];
        if (rng.NextDouble() < 0.5) slots.Add("bag");
        return slots;
    }
}

/// <summary>
/// An OOTD's tags from what the models predict, as a poster's hashtags plus the platform's own sub-category tags:
/// each item's predicted sub-category; for each single-label tagger group (colour), each item's most probable label
/// when its probability is ≥ 0.4; for each multi-label group (occasion, season), every label whose probability,
/// averaged over the items, is ≥ 0.5. Gender is never a hashtag. Labels become lower case without spaces.
/// </summary>
public static class PredictedHashtags
{
    public const float SingleLabelConfidence = 0.4f;
    public const float MultiLabelMean = 0.5f;

    public static HashSet<string> For(IReadOnlyList<AnalysedCrop> items, IReadOnlyList<AttributeGroupSpec> groups)
    {
        var tags = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items) tags.Add(item.SubCategory.ToLowerInvariant());
        foreach (var g in groups)
        {
            if (g.Name == "gender") continue;
            var rows = items.Select(i => i.Groups.GetValueOrDefault(g.Name)).OfType<float[]>().Where(p => p.Length == g.Labels.Length).ToList();
            if (rows.Count == 0) continue;
            if (g.MultiLabel)
            {
                for (var l = 0; l < g.Labels.Length; l++)
                    if (rows.Average(p => p[l]) >= MultiLabelMean) tags.Add(Tag(g.Labels[l]));
                continue;
            }
            foreach (var p in rows)
            {
                var best = 0;
                for (var i = 1; i < p.Length; i++) if (p[i] > p[best]) best = i;
                if (p[best] >= SingleLabelConfidence) tags.Add(Tag(g.Labels[best]));
            }
        }
        return tags;
    }

    private static string Tag(string label) => label.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();
}

/// <summary>k-means on the unit sphere (cosine): k-means++ seeding, then at most 30 rounds of assign and re-centre.</summary>
public static class SphericalKMeans
{
    public static int[] Fit(float[][] x, int k, Random rng)
    {
        if (k < 1 || x.Length == 0) throw new ArgumentException("k-means needs k ≥ 1 and at least one vector.");
        var unit = x.Select(Normalise).ToArray();
        var centres = new List<float[]> { unit[rng.Next(unit.Length)] };
        var d = new double[unit.Length];
        while (centres.Count < k)
        {
            double total = 0;
            for (var i = 0; i < unit.Length; i++) { d[i] = Math.Max(0, 1 - centres.Max(c => Dot(unit[i], c))); total += d[i]; }
            if (total <= 0) { centres.Add(unit[rng.Next(unit.Length)]); continue; }
            var r = rng.NextDouble() * total;
            var pick = 0;
            for (; pick < unit.Length - 1; pick++) { r -= d[pick]; if (r <= 0) break; }
            centres.Add(unit[pick]);
        }
        var assign = new int[unit.Length];
        for (var round = 0; round < 30; round++)
        {
            var changed = false;
            for (var i = 0; i < unit.Length; i++)
            {
                var best = 0;
                var bestDot = double.NegativeInfinity;
                for (var c = 0; c < k; c++) { var dot = Dot(unit[i], centres[c]); if (dot > bestDot) { bestDot = dot; best = c; } }
                if (round == 0 || assign[i] != best) changed = true;
                assign[i] = best;
            }
            if (!changed) break;
            for (var c = 0; c < k; c++)
            {
                var sum = new float[unit[0].Length];
                var any = false;
                for (var i = 0; i < unit.Length; i++)
                    if (assign[i] == c) { any = true; for (var j = 0; j < sum.Length; j++) sum[j] += unit[i][j]; }
                if (any) centres[c] = Normalise(sum);
            }
        }
        return assign;
    }

    private static float[] Normalise(float[] v)
    {
        double sq = 0;
        foreach (var a in v) sq += (double)a * a;
        var n = Math.Sqrt(sq);
        return n == 0 ? v.ToArray() : v.Select(a => (float)(a / n)).ToArray();
    }

    private static double Dot(float[] a, float[] b)
    {
        double s = 0;
        for (var i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }
}
