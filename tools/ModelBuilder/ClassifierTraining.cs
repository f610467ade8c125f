using System.Diagnostics;
using System.Globalization;
using System.Text;
using Ootd.Inference.Models;
using Ootd.Inference.Onnx;
using Ootd.Taxonomy;

namespace Ootd.ModelBuilder;

/// <summary>
/// The classifier (`train classifier`, `cross-source`): an MLP on backbone features of the train crops of all three sources
/// (CCP garment boxes, product photos, clothing photos) plus augmented views of them (<see cref="ClassificationViews"/>,
/// feature set "classviews"), with class weights 1/√n and each source given the same total weight; the best epoch on val
/// (mean over the sources of super- and sub-category accuracy) is kept, written only when it beats the committed head on
/// that same val score, then calibrated (<see cref="ClassifierCalibration"/>).
/// </summary>
public static class ClassifierTraining
{
    public const string ViewSet = "classviews";
    public const string CrossSourceTitle = "## Classifier across sources";
    public const string ViewsTitle = "## Classifier training views";

    /// <summary>Augmented views per source (each source's train crops in a fixed order, one view each, round again
    /// until the count is reached). OOTD_VIEWS_PER_SOURCE overrides.</summary>
    public static readonly int ViewsPerSource = int.TryParse(Environment.GetEnvironmentVariable("OOTD_VIEWS_PER_SOURCE"), out var v) ? v : 2500;

    public static string ViewKey(string key, int view) => $"{key}#cv{view}";

    /// <summary>The views to extract: (image, items) jobs with a box (CCP) or the whole photo and a stable seed.</summary>
    public static IEnumerable<(string, List<ExtractionItem>)> ViewWork(Datasets data)
    {
        foreach (var source in ClassifierCalibration.Sources)
        {
            var train = Trainers.AllCrops(data).Where(c => c.Source == source && c.Split == "train")
                .OrderBy(c => FeatureCommands.StableSeed(c.Key, 7)).ThenBy(c => c.Key, StringComparer.Ordinal).ToList();
            if (train.Count == 0) continue;
            var perCrop = new Dictionary<LabelledCrop, int>();
            for (int n = 0; n < ViewsPerSource; n++) { var c = train[n % train.Count]; perCrop[c] = perCrop.GetValueOrDefault(c) + 1; }
            foreach (var g in perCrop.GroupBy(kv => kv.Key.ImagePath))
                yield return (g.Key, g.SelectMany(kv => Enumerable.Range(0, kv.Value)
                    .Select(k => new ExtractionItem(ViewKey(kv.Key.Key, k), kv.Key.Box, FeatureCommands.StableSeed(kv.Key.Key, 100 + k), Classification: true))).ToList());
        }
    }

    /// <summary>Each crop's cached view features.</summary>
    public static Dictionary<string, List<float[]>> Views(IReadOnlyDictionary<string, float[]> store)
    {
        var result = new Dictionary<string, List<float[]>>(StringComparer.Ordinal);
        foreach (var (key, f) in store)
        {
            int at = key.LastIndexOf("#cv", StringComparison.Ordinal);
            if (at < 0) continue;
            var crop = key[..at];
            if (!result.TryGetValue(crop, out var list)) result[crop] = list = [];
            list.Add(f);
        }
        return result;
    }

    private static int[] Allowed(LabelledCrop c) => c.Sub >= 0 ? [c.Sub] : ClassifierCalibration.SuperSet(c.Super);

    /// <summary>Row weights: 1/√(rows of the row's class), then scaled so each source has the same total weight; mean 1.</summary>
    public static float[] Weights(IReadOnlyList<LabelledCrop> rows)
    {
        var classCounts = rows.GroupBy(r => r.Sub >= 0 ? r.Sub : 100 + r.Super).ToDictionary(g => g.Key, g => g.Count());
        var w = rows.Select(r => 1.0 / Math.Sqrt(classCounts[r.Sub >= 0 ? r.Sub : 100 + r.Super])).ToArray();
        var sourceTotals = new Dictionary<string, double>();
        for (int i = 0; i < rows.Count; i++) sourceTotals[rows[i].Source] = sourceTotals.GetValueOrDefault(rows[i].Source) + w[i];
        for (int i = 0; i < rows.Count; i++) w[i] /= sourceTotals[rows[i].Source];
        double mean = w.Average();
        return w.Select(x => (float)(x / mean)).ToArray();
    }

    /// <summary>Val score: mean over the sources in <paramref name="val"/> of (super accuracy + sub accuracy) / 2.</summary>
    public static double ValScore(Func<float[], float[]> predict, IReadOnlyList<LabelledCrop> val, IReadOnlyDictionary<string, float[]> items)
    {
        var scores = new List<double>();
        foreach (var g in val.GroupBy(c => c.Source))
        {
            int superOk = 0, subOk = 0, subAll = 0, n = 0;
            foreach (var c in g)
            {
                var p = predict(items[c.Key]);
                n++;
                if (Trainers.ArgMax(FashionTaxonomy.SuperProbabilities(p)) == c.Super) superOk++;
                if (c.Sub >= 0) { subAll++; if (Trainers.ArgMax(p) == c.Sub) subOk++; }
            }
            double super = (double)superOk / n;
            scores.Add(subAll == 0 ? super : (super + (double)subOk / subAll) / 2);
        }
        return scores.Average();
    }

    /// <summary>Trains a head on <paramref name="train"/> crops (and their views when <paramref name="views"/> is given).</summary>
    public static HeadNetwork Fit(IReadOnlyList<LabelledCrop> train, IReadOnlyList<LabelledCrop> val, IReadOnlyDictionary<string, float[]> items,
        Dictionary<string, List<float[]>>? views, int epochs, out int rows)
    {
        var rowCrops = new List<LabelledCrop>(); var xs = new List<float[]>();
        foreach (var c in train)
        {
            rowCrops.Add(c); xs.Add(items[c.Key]);
            if (views is not null && views.TryGetValue(c.Key, out var vs)) foreach (var f in vs) { rowCrops.Add(c); xs.Add(f); }
        }
        rows = xs.Count;
        var weights = Weights(rowCrops);
        var examples = rowCrops.Select((c, i) => new Example { X = xs[i], Classes = [Allowed(c)], Weight = weights[i] }).ToList();
        var (mu, sigma) = HeadNetwork.Standardisation(xs, 512);
        var net = new HeadNetwork(512, 256, [new Segment("sub_probabilities", SegmentKind.Softmax, 32)], mu, sigma);
        net.Train(examples, epochs, validate: n => ValScore(n.Predict, val, items));
        return net;
    }

    /// <summary>`train classifier`.</summary>
    public static void Train(Datasets data, Dictionary<string, float[]> items)
    {
        var clock = Stopwatch.StartNew();
        var crops = Trainers.AllCrops(data).Where(c => items.ContainsKey(c.Key)).ToList();
        var train = crops.Where(c => c.Split == "train").ToList();
        var val = crops.Where(c => c.Split == "val").ToList();
        var views = Views(FeatureStore.Open(ViewSet).Features);
        int viewCount = views.Values.Sum(v => v.Count);
        Console.WriteLine($"  {train.Count} train crops + {viewCount} augmented views; {val.Count} val crops");
        var net = Fit(train, val, items, views.Count > 0 ? views : null, Trainers.Epochs, out int rows);
        double newScore = ValScore(net.Predict, val, items);
        double? oldScore = null;
        if (File.Exists(Path.Combine(Paths.ModelsFolder, "classifier.json")))
        {
            var factory = new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = false, IntraOpThreads = 1 });
            using var old = ClassifierCalibration.OpenRaw(new ModelRepository(Paths.ModelsFolder), factory);
            oldScore = ValScore(x => old.Run(x, 1)["sub_probabilities"].Data, val, items);
        }
        Console.WriteLine($"  val score (mean over sources of super/sub accuracy): new {newScore:F4}, committed {(oldScore is { } o ? o.ToString("F4", CultureInfo.InvariantCulture) : "none")}; trained in {clock.Elapsed.TotalSeconds:F0} s");
        if (oldScore is { } previous && newScore <= previous && Environment.GetEnvironmentVariable("OOTD_FORCE") != "1")
        {
            Console.WriteLine("  the new head does not beat the committed one on val: models/classifier.* left as they are (OOTD_FORCE=1 writes it anyway)");
            return;
        }
        var manifest = new ModelManifest
        {
            Name = "classifier", Kind = "classifier", File = "classifier.onnx",
            Inputs = [new TensorSpec("features", [-1, 512])],
            Outputs = [new TensorSpec("sub_probabilities", [-1, 32], "softmax", FashionTaxonomy.Subs.Select(s => s.Name).ToArray())],
            Preprocessing = ModelManifest.ResNetPreprocessing("item box (detector RoI or whole product photo), stretched to 224×224"),
            Training = new TrainingSpec(
                ["ccp/ccp_boxes.csv garment crops (tag→taxonomy map)", "products/styles.csv (articleType→sub-category map)", "clothing/ (class→sub-category map)",
                 $"{viewCount} augmented views of train crops (ClassificationViews: box jitter / random crop, flip, colour jitter, blur, JPEG, pasted on other backgrounds)"],
                new() { ["train"] = train.Count, ["views"] = viewCount, ["rows"] = rows, ["val"] = val.Count, ["trainWithSubLabel"] = train.Count(c => c.Sub >= 0) },
                $"MLP 512→256 ReLU→32 softmax, Adam lr 1e-3, batch 64, weight decay 1e-4, class weights 1/√n, sources weighted equally, {Trainers.Epochs} epochs, best val epoch {net.BestEpoch} (val: mean over sources of super/sub accuracy)",
                "Crops whose label fixes only the super-category (CCP shoes/bag/purse/top, clothing shoes) are trained on the summed probability of that super-category's sub-categories. Super-category = sum of its sub-categories' probabilities. Confidences are temperature-scaled (calibration)."),
            Rebuild = Trainers.Rebuild + "features classviews && " + Trainers.Rebuild + "train classifier",
        };
        var onnx = net.ToOnnx("classifier", [("features", 512)]);
        File.WriteAllBytes(Path.Combine(Paths.ModelsFolder, manifest.File), onnx);
        File.WriteAllText(Path.Combine(Paths.ModelsFolder, "classifier.json"), manifest.ToJson());
        Console.WriteLine($"  wrote models/classifier.onnx ({onnx.Length / 1024} KB) and models/classifier.json; calibrating");
        ClassifierCalibration.Run();
    }

    /// <summary>`cross-source`: for each source, train on the other two (with and without views), test on its test split.</summary>
    public static int CrossSource()
    {
        var data = Datasets.Locate();
        var items = FeatureStore.Open("items").Features;
        var views = Views(FeatureStore.Open(ViewSet).Features);
        var crops = Trainers.AllCrops(data).Where(c => items.ContainsKey(c.Key)).ToList();
        var factory = new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = false, IntraOpThreads = 1 });
        using var committed = new ModelRepository(Paths.ModelsFolder).Open("classifier", factory);
        var md = new StringBuilder();
        md.AppendLine(CrossSourceTitle);
        md.AppendLine();
        md.AppendLine("Each row: a head trained on the train crops of the other two sources (best epoch on their val crops; the held-out source is");
        md.AppendLine("never seen), tested on the held-out source's test split. Super-category accuracy (%) and ECE of the super-category confidence");
        md.AppendLine($"(raw softmax: the temperature is fitted on val of all three sources, so the held-out rows are uncalibrated). Last column: the committed head (trained on all three). Command: `{Trainers.Rebuild}cross-source`.");
        md.AppendLine();
        md.AppendLine("| held out (test split) | crops | trained on | clean crops only | + augmented views | ECE, clean | ECE, + views | committed head, all three sources |");
        md.AppendLine("|---|---:|---|---:|---:|---:|---:|---:|");
        var clock = Stopwatch.StartNew();
        foreach (var held in ClassifierCalibration.Sources)
        {
            var train = crops.Where(c => c.Source != held && c.Split == "train").ToList();
            var val = crops.Where(c => c.Source != held && c.Split == "val").ToList();
            var test = crops.Where(c => c.Source == held && c.Split == "test").ToList();
            var cells = new List<ClassifierCalibration.Measures>();
            foreach (var withViews in new[] { false, true })
            {
                Console.WriteLine($"held out {held}, {(withViews ? "with" : "without")} views");
                var net = Fit(train, val, items, withViews ? views : null, Trainers.Epochs, out _);
                cells.Add(ClassifierCalibration.Measure(test.Select(c => net.Predict(items[c.Key])).ToList(), test));
            }
            var all = ClassifierCalibration.Measure(ClassifierCalibration.Probabilities(committed, test, items), test);
            string P(double x) => (100 * x).ToString("F1", CultureInfo.InvariantCulture);
            string F(double x) => x.ToString("F3", CultureInfo.InvariantCulture);
            var others = string.Join(" + ", ClassifierCalibration.Sources.Where(s => s != held).Select(s => ClassifierCalibration.SourceNames[s]));
            md.AppendLine($"| {ClassifierCalibration.SourceNames[held]} | {test.Count} | {others} | {P(cells[0].SuperAccuracy)} | {P(cells[1].SuperAccuracy)} | {F(cells[0].Ece)} | {F(cells[1].Ece)} | {P(all.SuperAccuracy)} |");
            Console.WriteLine($"  held out {held}: clean {P(cells[0].SuperAccuracy)}, + views {P(cells[1].SuperAccuracy)}, committed {P(all.SuperAccuracy)}");
        }
        md.AppendLine();
        md.AppendLine($"Six trainings took {clock.Elapsed.TotalMinutes:F1} min on this machine's 2 cores (single-threaded trainer).");
        md.AppendLine();
        Evaluation.WriteSection(CrossSourceTitle, md.ToString());
        Console.WriteLine(md.ToString());
        return 0;
    }
}
