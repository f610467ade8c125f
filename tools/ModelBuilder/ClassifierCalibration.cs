using System.Globalization;
using System.Text;
using Ootd.Inference.Models;
using Ootd.Inference.Onnx;
using Ootd.Taxonomy;

namespace Ootd.ModelBuilder;

/// <summary>
/// `calibrate`: fits the classifier's temperature on the val crops of all three sources and stores it in
/// models/classifier.json (<c>calibration</c>), which <see cref="HeadSession"/> applies at run time; and the classifier's
/// part of `report` (accuracy, ECE before/after calibration, over-confident wrong answers, per-class tables).
/// </summary>
public static class ClassifierCalibration
{
    public static readonly string[] Sources = ["ccp", "products", "clothing"];
    public static readonly Dictionary<string, string> SourceNames = new() { ["ccp"] = "CCP garment crops", ["products"] = "products", ["clothing"] = "clothing" };

    /// <summary>The sub-categories of a super-category: the set of right answers for a crop's super-category label.</summary>
    public static int[] SuperSet(int super) => FashionTaxonomy.Subs.Where(s => s.Super.Index == super).Select(s => s.Index).ToArray();

    /// <summary>Weights that give each source the same total weight (CCP, products and clothing count equally).</summary>
    public static double[] SourceBalanced(IReadOnlyList<LabelledCrop> rows)
    {
        var counts = rows.GroupBy(r => r.Source).ToDictionary(g => g.Key, g => g.Count());
        var w = rows.Select(r => 1.0 / counts[r.Source]).ToArray();
        double mean = w.Average();
        return w.Select(x => x / mean).ToArray();
    }

    public static HeadSession OpenRaw(ModelRepository repo, OnnxSessionFactory factory)
    {
        var manifest = repo.Get("classifier");
        return new HeadSession(manifest with { Calibration = null }, File.ReadAllBytes(Path.Combine(repo.Folder, manifest.File)), factory);
    }

    public static List<float[]> Probabilities(HeadSession head, IReadOnlyList<LabelledCrop> crops, IReadOnlyDictionary<string, float[]> items)
    {
        var result = new List<float[]>(crops.Count);
        for (int start = 0; start < crops.Count; start += 512)
        {
            int n = Math.Min(512, crops.Count - start);
            var flat = new float[n * 512];
            for (int i = 0; i < n; i++) items[crops[start + i].Key].CopyTo(flat, i * 512);
            var o = head.Run(flat, n)["sub_probabilities"];
            for (int i = 0; i < n; i++) result.Add(o.Row(i).ToArray());
        }
        return result;
    }

    /// <summary>Super-category answers of rows of sub-category probabilities: (predicted, confidence, right).</summary>
    public static (int Predicted, float Confidence, bool Right)[] Supers(IReadOnlyList<float[]> probs, IReadOnlyList<LabelledCrop> crops) =>
        probs.Select((p, i) =>
        {
            var s = FashionTaxonomy.SuperProbabilities(p);
            int k = Trainers.ArgMax(s);
            return (k, s[k], k == crops[i].Super);
        }).ToArray();

    /// <summary>The measures one test set gets: super accuracy, ECE of the super-category confidence, share of wrong answers with confidence ≥ 0.9.</summary>
    public sealed record Measures(int Count, double SuperAccuracy, double Ece, double WrongConfident, int Wrong, double MeanConfidence);

    public static Measures Measure(IReadOnlyList<float[]> probs, IReadOnlyList<LabelledCrop> crops)
    {
        var s = Supers(probs, crops);
        int wrong = s.Count(x => !x.Right);
        return new Measures(s.Length, s.Count(x => x.Right) / (double)Math.Max(1, s.Length),
            TemperatureScaling.ExpectedCalibrationError(s.Select(x => x.Confidence).ToArray(), s.Select(x => x.Right).ToArray()),
            s.Count(x => !x.Right && x.Confidence >= 0.9f) / (double)Math.Max(1, wrong), wrong, s.Length == 0 ? 0 : s.Average(x => x.Confidence));
    }

    public static List<LabelledCrop> Split(Datasets data, IReadOnlyDictionary<string, float[]> items, string split) =>
        Trainers.AllCrops(data).Where(c => c.Split == split && items.ContainsKey(c.Key)).ToList();

    /// <summary>Fits T on the val crops of all three sources (super-category NLL, sources weighted equally).</summary>
    public static double FitTemperature(IReadOnlyList<float[]> valProbs, IReadOnlyList<LabelledCrop> val) =>
        TemperatureScaling.Fit(valProbs, val.Select(c => SuperSet(c.Super)).ToArray(), SourceBalanced(val));

    public const string FittedOn = "val crops of CCP + products + clothing; minimises the super-category NLL (−log Σ p over the labelled super-category's sub-categories), each source weighted equally";

    /// <summary>`calibrate`: fit T on val with the classifier as it is (uncalibrated outputs) and write it into classifier.json.</summary>
    public static int Run()
    {
        var data = Datasets.Locate();
        var items = FeatureStore.Open("items").Features;
        var repo = new ModelRepository(Paths.ModelsFolder);
        var factory = new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = false, IntraOpThreads = 1 });
        using var raw = OpenRaw(repo, factory);
        var val = Split(data, items, "val");
        var probs = Probabilities(raw, val, items);
        double t = FitTemperature(probs, val);
        Console.WriteLine($"temperature fitted on {val.Count} val crops: T = {t:F3}");
        foreach (var source in Sources)
        {
            var idx = Enumerable.Range(0, val.Count).Where(i => val[i].Source == source).ToList();
            var before = Measure(idx.Select(i => probs[i]).ToList(), idx.Select(i => val[i]).ToList());
            var after = Measure(idx.Select(i => TemperatureScaling.Applied(probs[i], (float)t)).ToList(), idx.Select(i => val[i]).ToList());
            Console.WriteLine($"  val {source}: {before.Count} crops, super accuracy {before.SuperAccuracy:P1} → {after.SuperAccuracy:P1}, ECE {before.Ece:F3} → {after.Ece:F3}, wrong with confidence ≥ 0.9 {before.WrongConfident:P0} → {after.WrongConfident:P0}");
        }
        var path = Path.Combine(Paths.ModelsFolder, "classifier.json");
        var manifest = ModelManifest.Parse(File.ReadAllText(path)) with
        {
            Calibration = new CalibrationSpec(TemperatureScaling.Method, "sub_probabilities", (float)Math.Round(t, 3), FittedOn),
        };
        File.WriteAllText(path, manifest.ToJson());
        Console.WriteLine($"  wrote calibration (T = {manifest.Calibration!.Temperature}) into models/classifier.json");
        return 0;
    }

    private static string P(double v) => (100 * v).ToString("F1", CultureInfo.InvariantCulture);
    private static string F3(double v) => v.ToString("F3", CultureInfo.InvariantCulture);

    /// <summary>The classifier's section of models/REPORT.md; fills <paramref name="m"/> with its metrics.</summary>
    public static string Section(Datasets data, IReadOnlyDictionary<string, float[]> items, ModelRepository repo, OnnxSessionFactory factory,
        Dictionary<string, double> m)
    {
        using var head = repo.Open("classifier", factory);
        using var raw = OpenRaw(repo, factory);
        var cal = head.Manifest.Calibration;
        var md = new StringBuilder();
        md.AppendLine("## Classifier (`models/classifier.onnx`)");
        md.AppendLine();
        if (head.Manifest.Training is { } training) md.AppendLine($"Trained: {training.Method}.");
        md.AppendLine(cal is null
            ? "No calibration: confidences are the head's raw softmax."
            : $"Calibration: temperature scaling, T = {cal.Temperature.ToString(CultureInfo.InvariantCulture)} (fitted on {cal.FittedOn}); `HeadSession` applies it, so every confidence the API shows is calibrated.");
        md.AppendLine();
        md.AppendLine("| test set | crops | top-1 super, raw | top-1 super, calibrated | crops with sub label | top-1 sub | ECE raw | ECE calibrated | wrong answers with confidence ≥ 0.9, raw | same, calibrated |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var perSource = new Dictionary<string, (List<LabelledCrop> Test, List<float[]> Probs)>();
        foreach (var source in Sources)
        {
            var test = Trainers.AllCrops(data).Where(c => c.Source == source && c.Split == "test" && items.ContainsKey(c.Key)).ToList();
            var rawProbs = Probabilities(raw, test, items);
            var calProbs = Probabilities(head, test, items);
            perSource[source] = (test, calProbs);
            var before = Measure(rawProbs, test);
            var after = Measure(calProbs, test);
            int subAll = test.Count(c => c.Sub >= 0), subOk = test.Where((c, i) => c.Sub >= 0 && Trainers.ArgMax(calProbs[i]) == c.Sub).Count();
            md.AppendLine($"| {SourceNames[source]} | {test.Count} | {P(before.SuperAccuracy)} | {P(after.SuperAccuracy)} | {subAll} | {P((double)subOk / Math.Max(1, subAll))} | " +
                $"{F3(before.Ece)} | {F3(after.Ece)} | {P(before.WrongConfident)} % of {before.Wrong} | {P(after.WrongConfident)} % of {after.Wrong} |");
            m[$"test.{source}.top1Super"] = Math.Round(after.SuperAccuracy, 4);
            m[$"test.{source}.top1SuperUncalibrated"] = Math.Round(before.SuperAccuracy, 4);
            m[$"test.{source}.top1Sub"] = Math.Round((double)subOk / Math.Max(1, subAll), 4);
            m[$"test.{source}.ece"] = Math.Round(after.Ece, 4);
            m[$"test.{source}.eceUncalibrated"] = Math.Round(before.Ece, 4);
            m[$"test.{source}.wrongConfident"] = Math.Round(after.WrongConfident, 4);
            m[$"test.{source}.wrongConfidentUncalibrated"] = Math.Round(before.WrongConfident, 4);
        }
        md.AppendLine();
        md.AppendLine("Super-category = arg max of the summed sub-category probabilities (so calibration can move it; the sub-category arg max does not move).");
        md.AppendLine("ECE: the super-category confidence in 15 equal-width bins, Σ (bin share) × |bin accuracy − bin mean confidence|.");
        md.AppendLine("CCP shoes/bag/purse/top and clothing `shoes` have no reliable sub-category label, so they count only for the super-category columns.");
        md.AppendLine();
        md.AppendLine("Per super-category (calibrated): test crops and the share whose super-category is right (recall).");
        md.AppendLine();
        md.AppendLine($"| super-category | {string.Join(" | ", Sources.Select(s => $"{SourceNames[s]}: crops | recall"))} |");
        md.AppendLine($"|---|{string.Join("|", Sources.Select(_ => "---:|---:"))}|");
        foreach (var sup in FashionTaxonomy.Supers)
        {
            var cells = Sources.Select(s =>
            {
                var (test, probs) = perSource[s];
                var idx = Enumerable.Range(0, test.Count).Where(i => test[i].Super == sup.Index).ToList();
                if (idx.Count == 0) return " | ";
                int ok = idx.Count(i => Trainers.ArgMax(FashionTaxonomy.SuperProbabilities(probs[i])) == sup.Index);
                return $"{idx.Count} | {P((double)ok / idx.Count)}";
            });
            md.AppendLine($"| {sup.Name} | {string.Join(" | ", cells)} |");
        }
        md.AppendLine();
        md.AppendLine("Per sub-category (crops with a sub-category label): test crops and top-1 sub-category accuracy.");
        md.AppendLine();
        md.AppendLine($"| sub-category | {string.Join(" | ", Sources.Select(s => $"{SourceNames[s]}: crops | top-1"))} |");
        md.AppendLine($"|---|{string.Join("|", Sources.Select(_ => "---:|---:"))}|");
        foreach (var sub in FashionTaxonomy.Subs)
        {
            var cells = Sources.Select(s =>
            {
                var (test, probs) = perSource[s];
                var idx = Enumerable.Range(0, test.Count).Where(i => test[i].Sub == sub.Index).ToList();
                if (idx.Count == 0) return " | ";
                int ok = idx.Count(i => Trainers.ArgMax(probs[i]) == sub.Index);
                return $"{idx.Count} | {P((double)ok / idx.Count)}";
            }).ToList();
            if (cells.All(c => c == " | ")) continue;
            md.AppendLine($"| {sub.Name} | {string.Join(" | ", cells)} |");
        }
        md.AppendLine();
        return md.ToString();
    }
}
