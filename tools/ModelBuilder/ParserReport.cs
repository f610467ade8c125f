using System.Diagnostics;
using System.Globalization;
using System.Text;
using Ootd.Inference.Backbone;
using Ootd.Inference.Detection;
using Ootd.Inference.Imaging;
using Ootd.Inference.Models;
using Ootd.Inference.Onnx;
using Ootd.Inference.Parsing;
using Ootd.Taxonomy;

namespace Ootd.ModelBuilder;

/// <summary>
/// `parser report`: the committed parser (models/parser.onnx through ONNX Runtime, from the photo bytes: decode →
/// feature maps → head → masks → garments) on CCP val and test, IoU ≥ 0.5. Whether the crop classifier may veto a
/// garment is chosen on val (written to models/parser.json); the test table → models/REPORT.md.
/// </summary>
public static class ParserReport
{
    public const string Title = "## Garment parser (`models/parser.onnx`)";
    /// <summary>The hand-written section with the working-resolution comparison (figures from `parser train` and `parser speed`).</summary>
    public const string ResolutionTitle = "## Garment parser: working resolution, training time";
    private static string P(double v) => (100 * v).ToString("F1", CultureInfo.InvariantCulture);

    private sealed record Run(DetectionTally Plain, DetectionTally Veto, DetectionTally Relabel, List<double> Ms, List<double> BackboneMs, int Photos);

    private static Run Measure(Datasets data, string split, GarmentParser parser, ResNetBackbone crops, HeadSession classifier, int limit)
    {
        var decoder = new PhotoDecoder(PhotoLimits.Default with { MinSide = 1 });
        var plain = new DetectionTally(); var veto = new DetectionTally(); var relabel = new DetectionTally();
        var ms = new List<double>(); var backboneMs = new List<double>();
        var photos = data.CcpPhotos().Where(p => p.Split == split).OrderBy(p => p.Image, StringComparer.Ordinal).Take(limit).ToList();
        foreach (var p in photos)
        {
            using var photo = decoder.Decode(File.ReadAllBytes(p.Path));
            var started = Stopwatch.GetTimestamp();
            var parse = parser.Parse(photo.Image);
            ms.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            backboneMs.Add(parse.BackboneMs);
            var found = parse.Garments.Select(g => g.AsDetection()).ToList();
            plain.Add(found, p.Items);
            if (found.Count == 0) { veto.Add(found, p.Items); relabel.Add(found, p.Items); continue; }
            var f = crops.Features(photo.Image, [.. found.Select(d => d.Box)]);
            var flat = new float[f.Length * ResNetBackbone.FeatureSize];
            for (int i = 0; i < f.Length; i++) f[i].CopyTo(flat, i * ResNetBackbone.FeatureSize);
            var subs = classifier.Run(flat, f.Length)["sub_probabilities"];
            var supers = Enumerable.Range(0, found.Count).Select(i => Trainers.ArgMax(FashionTaxonomy.SuperProbabilities(subs.Row(i)))).ToList();
            var keep = Ootd.Inference.Hosting.FashionModelHost.ParsedKeep(found, supers, classifierMustAgree: true);
            veto.Add([.. keep.Select(i => found[i])], p.Items);
            relabel.Add([.. found.Select((d, i) => d with { Super = supers[i] })], p.Items);
        }
        return new Run(plain, veto, relabel, ms, backboneMs, photos.Count);
    }

    private static double F1(DetectionTally t) => t.AllPrecision + t.AllRecall == 0 ? 0 : 2 * t.AllPrecision * t.AllRecall / (t.AllPrecision + t.AllRecall);

    private static double Percentile(List<double> xs, double q)
    {
        var s = xs.Order().ToList();
        return s.Count == 0 ? 0 : s[Math.Min(s.Count - 1, (int)Math.Floor(q * s.Count))];
    }

    public static int Report()
    {
        var data = Datasets.Locate();
        var repo = new ModelRepository(Paths.ModelsFolder);
        var factory = new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = false, IntraOpThreads = 2 });
        var heads = new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = false, IntraOpThreads = 1 });
        using var head = repo.Open("parser", heads);
        using var refine = head.Manifest.Parser?.RefineModel is { } refineModel ? repo.Open(refineModel, heads) : null;
        using var classifier = repo.Open("classifier", heads);
        using var maps = new FeatureMapBackbone(factory);
        using var crops = new ResNetBackbone(factory);
        var parser = new GarmentParser(maps, head, refine);
        int limit = int.TryParse(Environment.GetEnvironmentVariable("OOTD_PARSER_PHOTOS"), out var l) ? l : int.MaxValue;
        var val = Measure(data, "val", parser, crops, classifier, limit);
        bool mustAgree = F1(val.Veto) > F1(val.Plain);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  val ({val.Photos} photos): parser {val.Plain.AllRecall:F3}/{val.Plain.AllPrecision:F3}; classifier veto {val.Veto.AllRecall:F3}/{val.Veto.AllPrecision:F3}; classifier relabel {val.Relabel.AllRecall:F3}/{val.Relabel.AllPrecision:F3} → veto {(mustAgree ? "on" : "off")}"));
        var test = Measure(data, "test", parser, crops, classifier, limit);
        var served = mustAgree ? test.Veto : test.Plain;
        var spec = head.Manifest.Parser!;
        var md = new StringBuilder();
        md.AppendLine(Title);
        md.AppendLine();
        md.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Whole photo at ~{spec.WorkingArea} px (aspect kept) → ResNet18 layer2+layer3+layer4 hypercolumns on the stride-16 grid → per-cell head ({head.Manifest.Training?.Method.Split(';')[0]}) → probabilities ×{spec.Upsample} bilinear → arg max mask → per-class connected regions → garments ({spec.Rules})."));
        md.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"CCP **test** split ({test.Photos} photos), IoU ≥ 0.5 against `ccp_boxes.csv` (one box per garment tag: the union of its pixels, so a pair of shoes is one box). \"classifier veto\": a garment is dropped when the crop classifier (`classifier.onnx`) puts its box in another super-category; chosen on val: **{(mustAgree ? "on" : "off")}** (val F1 {F1(val.Plain):F3} without, {F1(val.Veto):F3} with)."));
        md.AppendLine();
        md.AppendLine("| super-category | ground-truth boxes | recall | precision | recall, classifier veto | precision, classifier veto |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|");
        for (int c = 0; c < 6; c++)
            md.AppendLine($"| {FashionTaxonomy.Supers[c].Name} | {test.Plain.GroundTruth[c]} | {P(test.Plain.Recall(c))} | {P(test.Plain.Precision(c))} | {P(test.Veto.Recall(c))} | {P(test.Veto.Precision(c))} |");
        md.AppendLine($"| **all** | {test.Plain.GroundTruth.Sum()} | **{P(test.Plain.AllRecall)}** | **{P(test.Plain.AllPrecision)}** | {P(test.Veto.AllRecall)} | {P(test.Veto.AllPrecision)} |");
        md.AppendLine();
        md.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Val ({val.Photos} photos): recall {P(val.Plain.AllRecall)}, precision {P(val.Plain.AllPrecision)} (veto {P(val.Veto.AllRecall)} / {P(val.Veto.AllPrecision)}; relabelling each garment with the classifier's super-category instead: {P(val.Relabel.AllRecall)} / {P(val.Relabel.AllPrecision)}). The window detector it replaces: 46 / 45 (42 / 49 with its rules) on the same test split."));
        md.AppendLine();
        md.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Parser time per test photo (decoded photo → garments, 2 intra-op threads, this shared 2-core machine): p50 {Percentile(test.Ms, 0.5):F0} ms, p90 {Percentile(test.Ms, 0.9):F0} ms, of which the backbone p50 {Percentile(test.BackboneMs, 0.5):F0} ms."));
        md.AppendLine();
        md.AppendLine($"Rebuild: `{head.Manifest.Rebuild}`; measure: `{Trainers.Rebuild}parser report`.");
        md.AppendLine();
        var metrics = new Dictionary<string, double>
        {
            ["test.recall"] = Math.Round(served.AllRecall, 4), ["test.precision"] = Math.Round(served.AllPrecision, 4),
            ["val.recall"] = Math.Round((mustAgree ? val.Veto : val.Plain).AllRecall, 4), ["val.precision"] = Math.Round((mustAgree ? val.Veto : val.Plain).AllPrecision, 4),
            ["test.parseMsP50"] = Math.Round(Percentile(test.Ms, 0.5), 1),
        };
        for (int c = 0; c < 6; c++)
        {
            metrics[$"test.{FashionTaxonomy.Supers[c].Name}.recall"] = Math.Round(served.Recall(c), 4);
            metrics[$"test.{FashionTaxonomy.Supers[c].Name}.precision"] = Math.Round(served.Precision(c), 4);
        }
        var path = Path.Combine(Paths.ModelsFolder, "parser.json");
        var manifest = head.Manifest with { Parser = spec with { ClassifierMustAgree = mustAgree }, Metrics = metrics };
        File.WriteAllText(path, manifest.ToJson());
        Evaluation.WriteSection(Title, md.ToString());
        Console.WriteLine(md.ToString());
        return 0;
    }
}
