using System.Globalization;
using System.Text;
using Ootd.Inference;
using Ootd.Inference.Attributes;
using Ootd.Inference.Models;
using Ootd.Inference.Onnx;
using Ootd.Taxonomy;

namespace Ootd.ModelBuilder;

/// <summary>
/// `priors`: P(gender | sub-category) from the products train split, written into the committed tagger manifest
/// without retraining the head, with the head powers chosen on data: product photos on the products val split
/// (accuracy), outfit photos on the CCP val items of the street cache (`street`; fewest items called "Men" on a
/// data set of women's street photos). Prints and stores the before/after figures (products test accuracy, CCP
/// shares) in the manifest's metrics and the gender section of models/REPORT.md.
/// </summary>
public static class TaggerPriors
{
    public const string Group = "gender";
    /// <summary>Laplace pseudo-count added to every (sub-category, label) cell.</summary>
    public const float PseudoCount = 1f;
    public static readonly float[] ProductPowers = [0f, 0.25f, 0.5f, 0.75f, 1f, 1.5f, 2f, 3f, 4f, 6f, 8f];
    public static readonly float[] OutfitPowers = [0f, 0.1f, 0.25f, 0.5f, 0.75f, 1f];
    public const string SectionTitle = "## Gender: sub-category prior";

    public static int Run()
    {
        var data = Datasets.Locate();
        var items = FeatureStore.Open("items").Features;
        var path = Path.Combine(Paths.ModelsFolder, "tagger.json");
        var manifest = ModelManifest.Parse(File.ReadAllText(path));
        var group = manifest.AttributeGroups?.FirstOrDefault(g => g.Name == Group)
            ?? throw new InvalidDataException($"the tagger has no '{Group}' group");
        var products = data.Products().Where(c => items.ContainsKey(c.Key)).ToList();
        var table = Table(products.Where(c => c.Split == "train"), group.Labels);

        var factory = new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = false, IntraOpThreads = 1 });
        using var head = new ModelRepository(Paths.ModelsFolder).Open("tagger", factory);
        var val = Scored(products.Where(c => c.Split == "val").ToList(), items, head, group);

        // Product photos: the power with the best val accuracy (ties: the larger power, i.e. closer to the head alone).
        Console.WriteLine($"products val ({val.Count} labelled): head alone {Accuracy(val, table, null):P2}");
        var productGrid = ProductGrid(val, table);
        foreach (var (a, acc) in productGrid) Console.WriteLine($"  head^{a} × prior: {acc:P2}");
        float productPower = productGrid.OrderByDescending(t => t.Accuracy).ThenByDescending(t => t.Power).First().Power;

        // Outfit photos: the power that calls the fewest CCP val items "Men" (ties: the larger power).
        var street = File.Exists(StreetAnalysis.CachePath) ? StreetRows(StreetAnalysis.Load(), manifest, group) : null;
        float outfitPower = group.Prior?.OutfitHeadPower ?? 1f;
        if (street is not null)
        {
            var outfitGrid = OutfitGrid(street, table, group);
            foreach (var (a, men, women) in outfitGrid) Console.WriteLine($"  CCP val head^{a} × prior: Men {men:P1}, Women {women:P1}");
            outfitPower = outfitGrid.OrderBy(t => t.Men).ThenByDescending(t => t.Power).First().Power;
        }
        else Console.WriteLine($"no street cache ({StreetAnalysis.CachePath}): outfit head power kept at {outfitPower}");

        var prior = new AttributePriorSpec(table.BySub, table.Overall, productPower, outfitPower,
            $"products/styles.csv train split ({table.Count} products): P(label | sub-category) with {PseudoCount} pseudo-count per label; " +
            "sub-categories without products use the overall distribution. Head powers: product photos chosen on products val accuracy, " +
            "outfit photos on the CCP val items of `street` (fewest called Men). Rebuild: " + Trainers.Rebuild + "priors");
        var groups = manifest.AttributeGroups!.Select(g => g.Name == Group ? g with { Prior = prior } : g).ToArray();
        var metrics = new Dictionary<string, double>(manifest.Metrics ?? []);
        var figures = Measure(data, items, head, manifest with { AttributeGroups = groups });
        foreach (var (k, v) in figures.Metrics) metrics[k] = v;
        File.WriteAllText(path, (manifest with { AttributeGroups = groups, Metrics = metrics }).ToJson());
        Console.WriteLine($"wrote models/tagger.json: gender prior over {table.BySub.Count} sub-categories, product power {productPower}, outfit power {outfitPower}");
        WriteSection(figures.Markdown);
        Console.WriteLine(figures.Markdown);
        return 0;
    }

    /// <summary>
    /// The before/after figures of the tagger's gender prior (products test accuracy; CCP shares from the street cache
    /// when it matches the committed models) and the what-if of the same prior on season/occasion (products val), as
    /// manifest metrics and the REPORT.md section. Used by `priors` and by `report`.
    /// </summary>
    public static (Dictionary<string, double> Metrics, string Markdown) Measure(
        Datasets data, Dictionary<string, float[]> items, HeadSession head, ModelManifest tagger)
    {
        var group = tagger.AttributeGroups?.FirstOrDefault(g => g.Name == Group && g.Prior is not null)
            ?? throw new InvalidDataException($"the tagger has no '{Group}' group with a prior: run `priors`");
        var products = data.Products().Where(c => items.ContainsKey(c.Key)).ToList();
        var train = products.Where(c => c.Split == "train").ToList();
        var table = Table(train, group.Labels);
        var test = Scored(products.Where(c => c.Split == "test").ToList(), items, head, group);
        var street = File.Exists(StreetAnalysis.CachePath) ? StreetRows(StreetAnalysis.Load(), tagger, group) : null;
        var otherGroups = new List<string>();
        foreach (var other in tagger.AttributeGroups!.Where(g => g.Name is "season" or "occasion"))
        {
            var otherTable = Table(train, other.Labels, other.Name);
            var otherVal = Scored(products.Where(c => c.Split == "val").ToList(), items, head, other);
            double alone = Accuracy(otherVal, otherTable, null);
            var (bestPower, bestAcc) = ProductPowers.Select(a => (a, Accuracy(otherVal, otherTable, a))).MaxBy(t => t.Item2);
            Console.WriteLine($"{other.Name}: products val arg max accuracy head alone {alone:P2}, best head^{bestPower} × prior {bestAcc:P2}");
            otherGroups.Add($"{other.Name}: val arg max accuracy {P(alone)} → {P(bestAcc)} with head^{bestPower.ToString(CultureInfo.InvariantCulture)} × prior");
        }
        var val = Scored(products.Where(c => c.Split == "val").ToList(), items, head, group);
        var choice = $"Products val gender accuracy: head alone {P(Accuracy(val, table, null))}, " +
            string.Join(", ", ProductGrid(val, table).Select(t => $"a = {t.Power.ToString(CultureInfo.InvariantCulture)}: {P(t.Accuracy)}")) + ".";
        if (street is not null)
            choice += $" CCP val items called Men: head alone {P(Share(street.Where(r => r.Split == "val").ToList(), table, null, group, "Men"))}, " +
                string.Join(", ", OutfitGrid(street, table, group).Select(t => $"a = {t.Power.ToString(CultureInfo.InvariantCulture)}: {P(t.Men)}")) +
                (group.Prior!.OutfitHeadPower == 0
                    ? " (a = 0: on outfit photos the shown gender is the sub-category's prior alone; every a > 0 calls more women's items Men, so the head's gender adds no usable evidence on street photos)."
                    : ".");
        return Figures(test, street, table, group, otherGroups, choice);
    }

    private static List<(float Power, double Accuracy)> ProductGrid(IReadOnlyList<ScoredProduct> val, PriorTable table) =>
        ProductPowers.Select(a => (a, Accuracy(val, table, a))).ToList();

    /// <summary>CCP val items called Men and Women for each outfit power.</summary>
    private static List<(float Power, double Men, double Women)> OutfitGrid(IReadOnlyList<StreetGender> street, PriorTable table, AttributeGroupSpec group)
    {
        var val = street.Where(s => s.Split == "val").ToList();
        return OutfitPowers.Select(a => (a, Share(val, table, a, group, "Men"), Share(val, table, a, group, "Women"))).ToList();
    }

    public sealed record PriorTable(Dictionary<string, float[]> BySub, float[] Overall, int Count, Dictionary<string, int> Products);

    /// <summary>P(label | sub-category) with a pseudo-count per label; subs without products are left out (they use Overall).</summary>
    public static PriorTable Table(IEnumerable<LabelledCrop> train, string[] labels, string column = Group)
    {
        var counts = new Dictionary<string, double[]>();
        var overall = new double[labels.Length];
        int n = 0;
        foreach (var c in train)
        {
            int l = Array.IndexOf(labels, c.Attributes.GetValueOrDefault(column, ""));
            if (l < 0 || c.Sub < 0) continue;
            var sub = FashionTaxonomy.Subs[c.Sub].Name;
            if (!counts.TryGetValue(sub, out var row)) counts[sub] = row = new double[labels.Length];
            row[l]++; overall[l]++; n++;
        }
        float[] Normalise(double[] row)
        {
            double total = row.Sum() + PseudoCount * row.Length;
            return row.Select(x => (float)((x + PseudoCount) / total)).ToArray();
        }
        return new PriorTable(
            FashionTaxonomy.Subs.Where(s => counts.ContainsKey(s.Name)).ToDictionary(s => s.Name, s => Normalise(counts[s.Name])),
            Normalise(overall), n, counts.ToDictionary(kv => kv.Key, kv => (int)kv.Value.Sum()));
    }

    /// <summary>A labelled product with the head's raw gender output.</summary>
    public sealed record ScoredProduct(string Sub, int Label, float[] Head);

    private static List<ScoredProduct> Scored(List<LabelledCrop> crops, Dictionary<string, float[]> items, HeadSession head, AttributeGroupSpec group)
    {
        var flat = new float[crops.Count * 512];
        for (int i = 0; i < crops.Count; i++) items[crops[i].Key].CopyTo(flat, i * 512);
        var outs = head.Run(flat, crops.Count)[group.Output];
        var rows = new List<ScoredProduct>();
        for (int i = 0; i < crops.Count; i++)
        {
            int l = Array.IndexOf(group.Labels, crops[i].Attributes.GetValueOrDefault(group.Name, ""));
            if (l >= 0) rows.Add(new ScoredProduct(FashionTaxonomy.Subs[crops[i].Sub].Name, l, outs.Row(i).ToArray()));
        }
        return rows;
    }

    private static float[] Posterior(float[] head, string sub, PriorTable table, float? power)
    {
        if (power is not { } a) return head;
        // A multi-label (sigmoid) head is read as a distribution over its labels for the what-if measurement.
        float sum = head.Sum();
        var h = Math.Abs(sum - 1) < 1e-3 || sum <= 0 ? head : head.Select(v => v / sum).ToArray();
        return PriorCombination.Combine(h, table.BySub.GetValueOrDefault(sub, table.Overall), a);
    }

    private static double Accuracy(IReadOnlyList<ScoredProduct> rows, PriorTable table, float? power) =>
        rows.Count == 0 ? 0 : rows.Count(r => Trainers.ArgMax(Posterior(r.Head, r.Sub, table, power)) == r.Label) / (double)rows.Count;

    /// <summary>A CCP item of the street cache with the head's raw gender output.</summary>
    public sealed record StreetGender(string Image, string Split, string Sub, float[] Head);

    private static List<StreetGender> StreetRows(List<StreetItem> items, ModelManifest tagger, AttributeGroupSpec group)
    {
        int offset = 0;
        foreach (var g in tagger.AttributeGroups!)
        {
            if (g.Name == group.Name) break;
            offset += g.Labels.Length;
        }
        return items.Select(i => new StreetGender(i.Image, i.Split, i.Sub, i.TaggerOutputs[offset..(offset + group.Labels.Length)])).ToList();
    }

    private static double Share(IReadOnlyList<StreetGender> rows, PriorTable table, float? power, AttributeGroupSpec group, string label)
    {
        int l = Array.IndexOf(group.Labels, label);
        return rows.Count == 0 ? 0 : rows.Count(r => Trainers.ArgMax(Posterior(r.Head, r.Sub, table, power)) == l) / (double)rows.Count;
    }

    private static string P(double v) => (100 * v).ToString("F1", CultureInfo.InvariantCulture);

    /// <summary>The before/after figures (test splits; CCP all splits) as manifest metrics and a REPORT.md section.</summary>
    private static (Dictionary<string, double> Metrics, string Markdown) Figures(
        IReadOnlyList<ScoredProduct> test, IReadOnlyList<StreetGender>? street, PriorTable table, AttributeGroupSpec group,
        IReadOnlyList<string> otherGroups, string choice)
    {
        var prior = group.Prior!;
        var m = new Dictionary<string, double>();
        var md = new StringBuilder();
        md.AppendLine(SectionTitle);
        md.AppendLine();
        md.AppendLine($"The tagger's gender head was trained on white-background product photos; on street photos it calls almost every item \"Men\".");
        md.AppendLine($"The shown gender is now arg max of head^a × P(gender | sub-category) (normalised, so the confidences stay probabilities), the prior from");
        md.AppendLine($"the products train split ({table.Count} products, {PseudoCount} pseudo-count per label, sub-categories without products use the overall");
        md.AppendLine($"distribution), stored in `models/tagger.json` (`attributeGroups[gender].prior`). a = {prior.ProductHeadPower.ToString(CultureInfo.InvariantCulture)} for product photos (best products val accuracy),");
        md.AppendLine($"a = {prior.OutfitHeadPower.ToString(CultureInfo.InvariantCulture)} for outfit photos (fewest CCP val items called Men). The attribute vector (the recommender's block) stays the head's raw output.");
        md.AppendLine($"Rebuild (no retraining): `{Trainers.Rebuild}street` (CCP photos through `FashionAnalyzer`, cached in .data/street-items-<models hash>.tsv), then `{Trainers.Rebuild}priors`.");
        md.AppendLine();
        md.AppendLine(choice);
        md.AppendLine();
        double before = Accuracy(test, table, null), after = Accuracy(test, table, prior.ProductHeadPower);
        md.AppendLine("| set | items | measure | head alone | head × prior |");
        md.AppendLine("|---|---:|---|---:|---:|");
        md.AppendLine($"| products test | {test.Count} | gender accuracy | {P(before)} | {P(after)} |");
        m["test.products.gender.headOnlyAccuracy"] = Math.Round(before, 4);
        m["test.products.gender.accuracy"] = Math.Round(after, 4);
        if (street is { Count: > 0 })
        {
            foreach (var (name, rows) in new[] { ("CCP all splits", street.ToList()), ("CCP test", street.Where(s => s.Split == "test").ToList()) })
            {
                string key = name == "CCP test" ? "test.ccp" : "all.ccp";
                foreach (var label in new[] { "Women", "Men" })
                {
                    double b = Share(rows, table, null, group, label), a = Share(rows, table, prior.OutfitHeadPower, group, label);
                    md.AppendLine($"| {name} (outfit analysis) | {rows.Count} | items labelled {label} | {P(b)} | {P(a)} |");
                    m[$"{key}.gender.{label.ToLowerInvariant()}Share.headOnly"] = Math.Round(b, 4);
                    m[$"{key}.gender.{label.ToLowerInvariant()}Share"] = Math.Round(a, 4);
                }
                // Every CCP wearer is taken as a declared Female author (the OOTD grain's DeclaredGender rule).
                double declared = rows.Count(r => (WearerGender.LabelFor(group, Wearer.Female, r.Sub)
                    ?? group.Labels[Trainers.ArgMax(Posterior(r.Head, r.Sub, table, prior.OutfitHeadPower))]) == "Women") / (double)rows.Count;
                md.AppendLine($"| {name}, author declared Female | {rows.Count} | items labelled Women | | {P(declared)} |");
                m[$"{key}.gender.womenShare.declaredFemale"] = Math.Round(declared, 4);
                var photos = rows.GroupBy(r => r.Image).ToList();
                // RecEval's measure: mean over the photo's items of P(Women) + P(Girls) − P(Men) − P(Boys) ≥ 0.
                var sign = group.Labels.Select(l => l switch { "Women" or "Girls" => 1.0, "Men" or "Boys" => -1.0, _ => 0.0 }).ToArray();
                double LeanFemale(float? power) => photos.Count(g =>
                    g.Average(r => Posterior(r.Head, r.Sub, table, power).Select((p, i) => p * sign[i]).Sum()) >= 0) / (double)photos.Count;
                double leanBefore = LeanFemale(null), leanAfter = LeanFemale(prior.OutfitHeadPower);
                md.AppendLine($"| {name} (outfit analysis) | {photos.Count} photos | photos leaning female (items' mean P(Women)+P(Girls)−P(Men)−P(Boys) ≥ 0) | {P(leanBefore)} | {P(leanAfter)} |");
                m[$"{key}.gender.photosLeaningFemale.headOnly"] = Math.Round(leanBefore, 4);
                m[$"{key}.gender.photosLeaningFemale"] = Math.Round(leanAfter, 4);
            }
        }
        md.AppendLine();
        int womenAt = Array.IndexOf(group.Labels, "Women");
        var womenSubs = FashionTaxonomy.Subs.Where(s => table.BySub.TryGetValue(s.Name, out var r) && Trainers.ArgMax(r) == womenAt).Select(s => s.Name).ToList();
        var unseen = FashionTaxonomy.Subs.Where(s => !table.BySub.ContainsKey(s.Name)).Select(s => s.Name).ToList();
        md.AppendLine($"The prior is the catalogue's mix, not the street's: its most likely label is Women only for {string.Join(", ", womenSubs)};");
        md.AppendLine($"{string.Join(", ", unseen)} have no train products and use the overall distribution ({P(table.Overall[0])} % {group.Labels[0]}). So on a woman's");
        md.AppendLine("street photo the prior fixes these garments but not those the catalogue sells mostly to men (trousers, jeans, shirts, t-shirts, sneakers, sandals);");
        md.AppendLine("the author's declared gender (below) closes that gap.");
        md.AppendLine();
        if (otherGroups.Count > 0)
        {
            md.AppendLine($"The same prior for the multi-label groups (sigmoid outputs read as a distribution; products val, measured only, not kept: these");
            md.AppendLine($"groups show every value with p ≥ 0.5, which a single-label prior does not fit): {string.Join("; ", otherGroups)}.");
            md.AppendLine();
        }
        md.AppendLine("With the author's declared profile gender (`Ootd.Grains.Ootds.DeclaredGender`), an OOTD item of a Female (Male) author is shown as Women (Men)");
        md.AppendLine("unless its sub-category is exclusive to the other gender by this prior (P(own gender or Unisex | sub-category) < 0.05).");
        md.AppendLine();
        md.AppendLine("| sub-category | train products | " + string.Join(" | ", group.Labels) + " |");
        md.AppendLine("|---|---:|" + string.Concat(group.Labels.Select(_ => "---:|")));
        foreach (var s in FashionTaxonomy.Subs)
        {
            var row = prior.For(s.Name);
            md.AppendLine($"| {s.Name} | {table.Products.GetValueOrDefault(s.Name)} | {string.Join(" | ", row.Select(p => P(p)))} |");
        }
        md.AppendLine();
        return (m, md.ToString());
    }

    /// <summary>Replaces (or inserts, before the visual-search section) the gender section of models/REPORT.md.</summary>
    private static void WriteSection(string section)
    {
        var path = Path.Combine(Paths.ModelsFolder, "REPORT.md");
        var text = File.Exists(path) ? File.ReadAllText(path) : "# Model report\n\n";
        int start = text.IndexOf(SectionTitle, StringComparison.Ordinal);
        if (start >= 0)
        {
            int end = text.IndexOf("\n## ", start + SectionTitle.Length, StringComparison.Ordinal);
            text = text[..start] + section + (end >= 0 ? text[(end + 1)..] : "");
        }
        else
        {
            int at = text.IndexOf("## Visual search", StringComparison.Ordinal);
            text = at >= 0 ? text[..at] + section + text[at..] : text + section;
        }
        File.WriteAllText(path, text);
    }
}
