using System.Globalization;
using System.Text;
using Ootd.Inference;
using Ootd.Inference.Backbone;
using Ootd.Inference.Detection;
using Ootd.Inference.Imaging;
using Ootd.Inference.Models;
using Ootd.Inference.Onnx;
using Ootd.Taxonomy;

namespace Ootd.ModelBuilder;

/// <summary>`report`: measures the committed ONNX heads (through ONNX Runtime) on the test splits and writes models/REPORT.md.</summary>
public static class Evaluation
{
    private static string P(double v) => (100 * v).ToString("F1", CultureInfo.InvariantCulture);

    /// <summary>The title of the REPORT.md section written by hand from the serving benchmarks.</summary>
    public const string ServingSpeedTitle = "## Serving speed";

    /// <summary>The section of <paramref name="report"/> that starts with <paramref name="title"/> (to the next section), or null.</summary>
    public static string? KeptSection(string report, string title)
    {
        int start = report.IndexOf(title, StringComparison.Ordinal);
        if (start < 0) return null;
        int end = report.IndexOf("\n## ", start + title.Length, StringComparison.Ordinal);
        var section = end >= 0 ? report[start..(end + 1)] : report[start..];
        return section.EndsWith('\n') ? section : section + "\n";
    }

    /// <summary>The sections `report` writes but keeps from the previous REPORT.md when a command other than the full
    /// report produced them (the classifier's cross-source table and augmented-view training).</summary>
    public static readonly string[] KeptTitles = [ClassifierTraining.CrossSourceTitle, ClassifierTraining.ViewsTitle, ParserReport.Title, ParserReport.ResolutionTitle, GarmentCommands.Title];

    /// <summary><paramref name="report"/> with the section titled <paramref name="title"/> replaced by <paramref name="section"/>
    /// (inserted before <paramref name="before"/>, or appended, when it is not there yet).</summary>
    public static string ReplaceSection(string report, string title, string section, string before = "## Budget and caveats")
    {
        if (!section.EndsWith('\n')) section += "\n";
        if (KeptSection(report, title) is { } old)
        {
            int start = report.IndexOf(title, StringComparison.Ordinal);
            return report[..start] + section + report[(start + old.Length)..];
        }
        int at = report.IndexOf(before, StringComparison.Ordinal);
        return at >= 0 ? report[..at] + section + (section.EndsWith("\n\n", StringComparison.Ordinal) ? "" : "\n") + report[at..] : report.TrimEnd('\n') + "\n\n" + section;
    }

    /// <summary>`report classifier`: only the classifier's section of models/REPORT.md and its manifest metrics.</summary>
    public static int ReportClassifier()
    {
        var data = Datasets.Locate();
        var items = FeatureStore.Open("items").Features;
        var repo = new ModelRepository(Paths.ModelsFolder);
        var factory = new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = false, IntraOpThreads = 1 });
        var m = new Dictionary<string, double>();
        var section = ClassifierCalibration.Section(data, items, repo, factory, m);
        WriteSection("## Classifier (`models/classifier.onnx`)", section, "## Attribute tagger");
        var path = Path.Combine(Paths.ModelsFolder, "classifier.json");
        File.WriteAllText(path, (ModelManifest.Parse(File.ReadAllText(path)) with { Metrics = m }).ToJson());
        Console.WriteLine(section);
        return 0;
    }

    /// <summary>Replaces (or adds) one section of models/REPORT.md.</summary>
    public static void WriteSection(string title, string section, string before = "## Budget and caveats")
    {
        var reportPath = Path.Combine(Paths.ModelsFolder, "REPORT.md");
        var report = File.Exists(reportPath) ? File.ReadAllText(reportPath) : "# Model report\n\n";
        File.WriteAllText(reportPath, ReplaceSection(report, title, section, before));
    }

    public static int Report(string[] which)
    {
        if (which.Length == 1 && which[0] == "classifier") return ReportClassifier();
        if (which.Length > 0) { Console.Error.WriteLine("report [classifier]"); return 2; }
        return Report();
    }

    public static int Report()
    {
        var data = Datasets.Locate();
        var items = FeatureStore.Open("items").Features;
        var repo = new ModelRepository(Paths.ModelsFolder);
        var factory = new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = false, IntraOpThreads = 1 });
        var md = new StringBuilder();
        md.AppendLine("# Model report");
        md.AppendLine();
        md.AppendLine("All numbers are on the **test** splits of `../shared/datasets` (trained on train, settings chosen on val), measured by");
        md.AppendLine("`dotnet run --project tools/ModelBuilder -c Release -- report`, which runs the committed ONNX heads in ONNX Runtime (CPU)");
        md.AppendLine("on backbone features cached by `-- features`. Rebuild everything: `-- backbone`, `-- features`, `-- train`, `-- report` (the parser and the product-shot head: their sections).");
        md.AppendLine();
        var metrics = new Dictionary<string, Dictionary<string, double>>();
        if (repo.Manifests.ContainsKey("classifier")) ClassifierSection(data, items, repo, factory, md, metrics);
        var reportPath = Path.Combine(Paths.ModelsFolder, "REPORT.md");
        var previous = File.Exists(reportPath) ? File.ReadAllText(reportPath) : "";
        foreach (var title in KeptTitles)
            if (KeptSection(previous, title) is { } kept) md.Append(kept);
        if (repo.Manifests.ContainsKey("tagger")) TaggerSection(data, items, repo, factory, md, metrics);
        if (repo.Manifests.ContainsKey("embedder")) RetrievalSection(data, items, repo, factory, md, metrics);
        if (repo.Manifests.ContainsKey("detector")) DetectorSection(data, items, repo, factory, md, metrics);
        md.AppendLine("## Budget and caveats");
        md.AppendLine();
        md.AppendLine("- Backbone: ImageNet ResNet18 (frozen); only the heads are trained, in plain C# (tools/ModelBuilder/HeadNetwork.cs), on cached 512-d features.");
        var ccp = data.CcpPhotos().ToList();
        string Share(int used, string split)
        {
            int all = ccp.Count(p => p.Split == split);
            return used >= all ? $"all {all}" : $"the first {used} of {all}";
        }
        md.AppendLine("- Feature extraction ran on a 2-core CPU (~21 ms per crop unloaded, ~40–250 ms when shared). The detector was trained on windows of");
        md.AppendLine($"  {Share(FeatureCommands.TrainDetectorPhotos, "train")} CCP train photos (all windows with IoU ≥ 0.4 plus 5 sampled background windows each, and the");
        md.AppendLine($"  ground-truth boxes), its thresholds and per-photo caps were tuned on {Share(FeatureCommands.ValDetectorPhotos, "val")} CCP val photos (all 32 windows each),");
        md.AppendLine("  and the N-pair embedder used one augmented view of 1,500 train images for 12 epochs (val top-1 still rising at the last epoch).");
        md.AppendLine("  Heads: 20 epochs (detector 15), best val epoch kept.");
        md.AppendLine("- The detector is a proposal-window classifier (no fine-tuned CNN); its ceiling is the window recall shown above.");
        md.AppendLine("- Sub-category labels are mapped from the data sets' own tags (maps in tools/ModelBuilder/Datasets.cs); CCP's generic tags");
        md.AppendLine("  (shoes, bag, purse, top) fix the super-category only.");
        md.AppendLine();
        // The serving-speed section comes from tests/Benchmarks, not from this command: carried over as it is.
        if (KeptSection(previous, ServingSpeedTitle) is { } speed) md.Append(speed);
        File.WriteAllText(reportPath, md.ToString());
        foreach (var (name, m) in metrics)
        {
            var path = Path.Combine(Paths.ModelsFolder, name + ".json");
            var manifest = ModelManifest.Parse(File.ReadAllText(path)) with { Metrics = m };
            File.WriteAllText(path, manifest.ToJson());
        }
        Console.WriteLine(md.ToString());
        return 0;
    }

    private static float[] Stack(IReadOnlyList<float[]> rows)
    {
        int w = rows.Count == 0 ? 0 : rows[0].Length;
        var flat = new float[rows.Count * w];
        for (int i = 0; i < rows.Count; i++) rows[i].CopyTo(flat, i * w);
        return flat;
    }

    private static void ClassifierSection(Datasets data, Dictionary<string, float[]> items, ModelRepository repo, OnnxSessionFactory factory,
        StringBuilder md, Dictionary<string, Dictionary<string, double>> metrics) =>
        md.Append(ClassifierCalibration.Section(data, items, repo, factory, metrics["classifier"] = new()));

    private static void TaggerSection(Datasets data, Dictionary<string, float[]> items, ModelRepository repo, OnnxSessionFactory factory,
        StringBuilder md, Dictionary<string, Dictionary<string, double>> metrics)
    {
        using var head = repo.Open("tagger", factory);
        var m = metrics["tagger"] = new();
        var test = data.Products().Where(c => c.Split == "test" && items.ContainsKey(c.Key)).ToList();
        var outs = head.Run(Stack(test.Select(c => items[c.Key]).ToList()), test.Count);
        md.AppendLine("## Attribute tagger (`models/tagger.onnx`), products test split");
        md.AppendLine();
        md.AppendLine("| group | kind | labelled test products | accuracy (arg max = label) | majority-label baseline |");
        md.AppendLine("|---|---|---:|---:|---:|");
        var colourCol = new Dictionary<string, string> { ["color"] = "color", ["gender"] = "gender", ["season"] = "season", ["occasion"] = "occasion" };
        foreach (var g in head.Manifest.AttributeGroups!)
        {
            var o = outs[g.Output];
            int ok = 0, all = 0;
            var counts = new Dictionary<string, int>();
            for (int i = 0; i < test.Count; i++)
            {
                var label = test[i].Attributes[colourCol[g.Name]];
                if (Array.IndexOf(g.Labels, label) is var li && li < 0) continue;
                all++; counts[label] = counts.GetValueOrDefault(label) + 1;
                // a group with a prior shows head^a × prior (product photos' power), as FashionAnalyzer does
                if (Trainers.ArgMax(Ootd.Inference.Attributes.AttributeReader.Shown(g, o.Row(i), FashionTaxonomy.Subs[test[i].Sub].Name, PhotoKind.Product)) == li) ok++;
            }
            double acc = (double)ok / Math.Max(1, all), majority = counts.Count == 0 ? 0 : (double)counts.Values.Max() / all;
            md.AppendLine($"| {g.Name} | {(g.MultiLabel ? "multi-label (sigmoid)" : "categorical (softmax)")}{(g.Prior is null || g.MultiLabel ? "" : " × sub-category prior")} | {all} | {P(acc)} | {P(majority)} |");
            m[$"test.products.{g.Name}.accuracy"] = Math.Round(acc, 4);
        }
        // Pixel-based colour second opinion.
        var decoder = new PhotoDecoder(PhotoLimits.Default with { MinSide = 1 });
        var paletteNames = PixelColourEstimator.Palette.Select(p => p.Name).ToHashSet();
        int pOk = 0, pAll = 0;
        foreach (var c in test.Where(c => paletteNames.Contains(c.Attributes["color"])))
        {
            using var photo = decoder.Decode(File.ReadAllBytes(c.ImagePath));
            pAll++;
            if (PixelColourEstimator.Estimate(photo.Image, PixelBox.Whole(photo.Width, photo.Height)) == c.Attributes["color"]) pOk++;
        }
        md.AppendLine($"| color (pixel estimate, `PixelColourEstimator`) | categorical, no learning | {pAll} (labels in its 17-colour palette) | {P((double)pOk / Math.Max(1, pAll))} | |");
        m["test.products.color.pixelEstimateAccuracy"] = Math.Round((double)pOk / Math.Max(1, pAll), 4);
        md.AppendLine();
        md.AppendLine($"Not covered by any data set here (reported as unknown): {string.Join(", ", head.Manifest.NotCovered!)}.");
        md.AppendLine();
        if (head.Manifest.AttributeGroups!.Any(g => g.Name == TaggerPriors.Group && g.Prior is not null))
        {
            var (priorMetrics, section) = TaggerPriors.Measure(data, items, head, head.Manifest);
            foreach (var (k, v) in priorMetrics) m[k] = v;
            md.Append(section);
        }
    }

    private static void RetrievalSection(Datasets data, Dictionary<string, float[]> items, ModelRepository repo, OnnxSessionFactory factory,
        StringBuilder md, Dictionary<string, Dictionary<string, double>> metrics)
    {
        md.AppendLine("## Visual search: augmented-view retrieval (Table 1 format)");
        md.AppendLine();
        md.AppendLine("Each test image is queried with an augmented view of itself (random crop 55–100 % area, aspect 3/4–4/3, flip, brightness/");
        md.AppendLine("contrast/saturation ±30 %, Gaussian blur, JPEG quality 30–90) among all test images of products + clothing; top-k = the");
        md.AppendLine("image itself is among the k nearest (cosine).");
        md.AppendLine();
        var (gallery, queries) = Trainers.RetrievalSet(data, items, "test");
        int[] ks = [1, 5, 10, 20];
        var embedders = repo.Manifests.Values.Where(x => x.Kind.StartsWith("embedder", StringComparison.Ordinal)).OrderBy(x => x.Name).ToList();
        var rows = new List<(string Name, double[] Top)>
        {
            ("ResNet18 512-d (raw)", Trainers.TopK(gallery, queries, x => x, x => x, items, ks)),
        };
        foreach (var e in embedders)
        {
            using var head = repo.Open(e.Name, factory);
            float[] Embed(float[] x) => head.Run(x, 1)["embedding"].Data;
            var top = Trainers.TopK(gallery, queries, Embed, Embed, items, ks);
            string label = e.Training!.Method.StartsWith("linear", StringComparison.Ordinal) ? "N-pair 128-d" : "PCA-whitening 128-d";
            rows.Add(($"{label} (`{e.File}`{(e.Kind == "embedder" ? ", serving" : "")})", top));
            metrics[e.Name] = ks.Select((k, i) => ($"test.top{k}", Math.Round(top[i], 4))).ToDictionary(t => t.Item1, t => t.Item2);
        }
        md.AppendLine($"| model | top-1 | top-5 | top-10 | top-20 |");
        md.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var (name, top) in rows) md.AppendLine($"| {name} | {string.Join(" | ", top.Select(P))} |");
        md.AppendLine();
        md.AppendLine($"Gallery: {gallery.Count} test images ({queries.Count} queries).");
        md.AppendLine();
    }

    private static void DetectorSection(Datasets data, Dictionary<string, float[]> items, ModelRepository repo, OnnxSessionFactory factory,
        StringBuilder md, Dictionary<string, Dictionary<string, double>> metrics)
    {
        using var head = repo.Open("detector", factory);
        using var classifier = repo.Open("classifier", factory);
        var spec = head.Manifest.Detector!;
        var windows = spec.Windows;
        var store = FeatureStore.Open("windows").Features;
        var rois = FeatureStore.Open("rois");
        var photos = data.CcpPhotos().Where(p => p.Split == "test").ToList();
        var plain = new DetectionTally(); var ruled = new DetectionTally();
        var rules = new OutfitRules();
        var detector = new WindowDetector(spec);
        using var backbone = new ResNetBackbone(factory);
        var decoder = new PhotoDecoder();
        int evaluated = 0;
        foreach (var p in photos)
        {
            var rows = DetectorTraining.PhotoRows(p, windows, store);
            if (rows.Count != windows.Length) continue;
            evaluated++;
            var feats = Stack(rows.Select(r => r.X[..512]).ToList());
            var geo = Stack(rows.Select(r => r.X[512..]).ToList());
            var outs = head.Run(rows.Count, ("features", feats), ("geometry", geo));
            var boxes = rows.Select(r => windows[r.K].ToPixels(p.Width, p.Height)).ToList();
            var (dets, best) = detector.Decode(outs["scores"], outs["deltas"], boxes, p.Width, p.Height);
            plain.Add(dets, p.Items);
            // Paper post-processing: re-classify each RoI from its own crop.
            var keys = dets.Select(d => $"{p.Image}:{d.Box.X0:F0},{d.Box.Y0:F0},{d.Box.X1:F0},{d.Box.Y1:F0}").ToList();
            var missing = dets.Where((d, i) => !rois.Contains(keys[i])).ToList();
            if (missing.Count > 0)
            {
                using var photo = decoder.Decode(File.ReadAllBytes(p.Path));
                var f = backbone.Features(photo.Image, missing.Select(d => d.Box).ToList());
                rois.Append(missing.Select((d, i) => (keys[dets.IndexOf(d)], f[i])).ToList());
            }
            var roiFeats = keys.Select(k => rois.Features[k]).ToList();
            var cls = classifier.Run(Stack(roiFeats), roiFeats.Count)["sub_probabilities"];
            var supers = Enumerable.Range(0, dets.Count).Select(i => Trainers.ArgMax(FashionTaxonomy.SuperProbabilities(cls.Row(i)))).ToList();
            ruled.Add(rules.Apply(dets, supers, best), p.Items);
        }
        var m = metrics["detector"] = new();
        md.AppendLine($"## Detector (`models/detector.onnx`), CCP test split ({evaluated} photos), IoU ≥ 0.5");
        md.AppendLine();
        md.AppendLine($"Proposals: {windows.Length} learned windows per photo → backbone → head (scores + box refinement) → per-class thresholds and per-photo caps (tuned on val) → NMS {spec.NmsIoU}.");
        md.AppendLine("\"+ rules\" adds the paper's post-processing (dress vs top/bottom exclusivity, RoI re-classification must agree, at least one item).");
        md.AppendLine();
        md.AppendLine("| super-category | ground-truth boxes | recall | precision | recall + rules | precision + rules |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|");
        for (int c = 0; c < 6; c++)
        {
            md.AppendLine($"| {FashionTaxonomy.Supers[c].Name} | {plain.GroundTruth[c]} | {P(plain.Recall(c))} | {P(plain.Precision(c))} | {P(ruled.Recall(c))} | {P(ruled.Precision(c))} |");
            m[$"test.{FashionTaxonomy.Supers[c].Name}.recall"] = Math.Round(ruled.Recall(c), 4);
            m[$"test.{FashionTaxonomy.Supers[c].Name}.precision"] = Math.Round(ruled.Precision(c), 4);
        }
        md.AppendLine($"| all | {plain.GroundTruth.Sum()} | {P(plain.AllRecall)} | {P(plain.AllPrecision)} | {P(ruled.AllRecall)} | {P(ruled.AllPrecision)} |");
        md.AppendLine();
        int covered = 0, all = 0;
        foreach (var p in photos)
        {
            var props = new WindowProposer(windows).Propose(p.Width, p.Height);
            foreach (var (_, box) in p.Items) { all++; if (props.Max(w => w.IoU(box)) >= 0.5f) covered++; }
        }
        md.AppendLine($"Upper bound from the proposals alone (before refinement): {P((double)covered / Math.Max(1, all))} % of test boxes have a window with IoU ≥ 0.5.");
        md.AppendLine();
    }
}
