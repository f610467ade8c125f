using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Ootd.Inference.Backbone;
using Ootd.Inference.Imaging;
using Ootd.Inference.Models;
using Ootd.Inference.Onnx;
using Ootd.Inference.Parsing;

namespace Ootd.ModelBuilder;

/// <summary>One CCP photo for the garment-presence head: its split, its <see cref="GarmentRegionFeatures"/> and the
/// CCP garment labels it shows (a label counts from <see cref="GarmentCommands.MinPixels"/> pixels).</summary>
public sealed record GarmentRow(string Image, string Split, float[] X, HashSet<string> Labels);

/// <summary>
/// `garments features` / `garments train [--write]`: which garments a worn photo shows (issue 16: style vectors that
/// carry what is in the photo). The parser knows six garment regions and the classifier 32 sub-categories; CCP labels
/// say more (a skirt is not a dress, tights, hats, scarves, purses). The head is a multi-label logistic regression over
/// the parser's region-pooled hypercolumns, trained on CCP train, its epoch chosen on val, figures on test.
/// </summary>
public static class GarmentCommands
{
    public static string Folder => Path.Combine(Paths.DataFolder, "garments");
    /// <summary>The models/REPORT.md section `garments train --write` writes (kept by a full `report`).</summary>
    public const string Title = "## Garment presence (`models/garments.onnx`)";
    /// <summary>A garment counts as shown from this many labelled pixels (FeedSim's tastes use the same rule).</summary>
    public const int MinPixels = 1500;
    /// <summary>A label is learned when at least this many train photos show it.</summary>
    public const int MinTrainPhotos = 15;
    public static readonly int Epochs = Env("OOTD_GARMENT_EPOCHS", 60);
    public static readonly float WeightDecay = Env("OOTD_GARMENT_DECAY", 10f);
    public static readonly float LearningRate = Env("OOTD_GARMENT_LR", 1e-4f);

    private static T Env<T>(string name, T fallback) where T : IParsable<T> =>
        T.TryParse(Environment.GetEnvironmentVariable(name), CultureInfo.InvariantCulture, out var v) ? v : fallback;

    public static int Run(string[] args, int workers)
    {
        if (args.Length >= 1 && args[0] == "features") return Features(workers);
        if (args.Length >= 1 && args[0] == "items") return ItemFeatures(workers);
        if (args.Length >= 1 && args[0] == "train") return Train(args.Contains("--write"));
        Console.Error.WriteLine("garments features | garments items | garments train [--write]   (OOTD_GARMENT_INPUTS=regions|items|both)");
        return 2;
    }

    private static Dictionary<string, HashSet<string>> Labels(Datasets data)
    {
        var labels = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(Path.Combine(data.Root, "ccp", "ccp_boxes.csv")).Skip(1))
        {
            // image,width,height,label_id,tag,garment,x0,y0,x1,y1,pixels
            var r = line.Split(',');
            if (!labels.TryGetValue(r[0], out var set)) labels[r[0]] = set = new HashSet<string>(StringComparer.Ordinal);
            if (r[5] == "True" && int.Parse(r[10], CultureInfo.InvariantCulture) >= MinPixels) set.Add(r[4]);
        }
        return labels;
    }

    public static int Features(int workers)
    {
        var data = Datasets.Locate();
        var labels = Labels(data);
        using var committed = new CommittedParser();
        var parser = committed.Parser;
        var decoder = new PhotoDecoder();
        Directory.CreateDirectory(Folder);
        var photos = data.CcpPhotos().ToList();
        var rows = new ConcurrentBag<GarmentRow>();
        int done = 0;
        var clock = Stopwatch.StartNew();
        Parallel.ForEach(photos, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, workers) }, p =>
        {
            using var photo = decoder.Decode(File.ReadAllBytes(p.Path));
            var x = parser.Parse(photo.Image).Regions;
            rows.Add(new GarmentRow(p.Image, p.Split, x, labels.GetValueOrDefault(p.Image) ?? []));
            int n = Interlocked.Increment(ref done);
            if (n % 100 == 0) Console.WriteLine($"    {n}/{photos.Count} ({clock.Elapsed.TotalSeconds:F0} s)");
        });
        using (var w = new BinaryWriter(File.Create(Path.Combine(Folder, "ccp.bin"))))
        {
            var ordered = rows.OrderBy(r => r.Image, StringComparer.Ordinal).ToList();
            w.Write(ordered.Count);
            foreach (var r in ordered)
            {
                w.Write(r.Image); w.Write(r.Split);
                w.Write(r.X.Length);
                foreach (var v in r.X) w.Write(v);
                w.Write(string.Join(' ', r.Labels.Order(StringComparer.Ordinal)));
            }
        }
        Console.WriteLine($"  garments features: {rows.Count} CCP photos in {clock.Elapsed.TotalSeconds:F0} s with {workers} worker(s)");
        return 0;
    }

    /// <summary>Experiment: the serving pipeline's items per photo (as a post), pooled per super-category: the mean of the
    /// items' crop backbone features (512 each) and a presence flag, then the max sub-category probabilities.</summary>
    public static int ItemFeatures(int workers)
    {
        var data = Datasets.Locate();
        var factory = new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = false, IntraOpThreads = 1 });
        using var analyzer = new Ootd.Inference.FashionAnalyzer(new ModelRepository(Paths.ModelsFolder), factory);
        var photos = data.CcpPhotos().ToList();
        var result = new ConcurrentDictionary<string, float[]>();
        int done = 0;
        var clock = Stopwatch.StartNew();
        var supers = Ootd.Taxonomy.FashionTaxonomy.SuperNames;
        int subs = Ootd.Taxonomy.FashionTaxonomy.Subs.Count;
        Parallel.ForEach(photos, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, workers) }, p =>
        {
            var a = analyzer.Analyze(File.ReadAllBytes(p.Path), Ootd.Inference.PhotoKind.Post);
            var x = new float[supers.Count * 513 + subs];
            for (int s = 0; s < supers.Count; s++)
            {
                var items = a.Items.Where(i => i.SuperCategory == supers[s]).ToList();
                if (items.Count == 0) continue;
                for (int k = 0; k < 512; k++) x[s * 513 + k] = items.Average(i => i.BackboneFeatures[k]);
                x[s * 513 + 512] = 1;
            }
            foreach (var i in a.Items)
                for (int k = 0; k < subs; k++) x[supers.Count * 513 + k] = Math.Max(x[supers.Count * 513 + k], i.SubCategoryProbabilities[k]);
            result[p.Image] = x;
            int n = Interlocked.Increment(ref done);
            if (n % 100 == 0) Console.WriteLine($"    {n}/{photos.Count} ({clock.Elapsed.TotalSeconds:F0} s)");
        });
        Directory.CreateDirectory(Folder);
        using var w = new BinaryWriter(File.Create(Path.Combine(Folder, "items.bin")));
        w.Write(result.Count);
        foreach (var (k, v) in result.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            w.Write(k); w.Write(v.Length);
            foreach (var f in v) w.Write(f);
        }
        Console.WriteLine($"  item features: {result.Count} photos in {clock.Elapsed.TotalSeconds:F0} s");
        return 0;
    }

    private static Dictionary<string, float[]> ReadItems()
    {
        var path = Path.Combine(Folder, "items.bin");
        if (!File.Exists(path)) throw new FileNotFoundException("run `garments items` first", path);
        using var r = new BinaryReader(File.OpenRead(path));
        int n = r.ReadInt32();
        var d = new Dictionary<string, float[]>(StringComparer.Ordinal);
        for (int i = 0; i < n; i++)
        {
            var k = r.ReadString();
            var v = new float[r.ReadInt32()];
            for (int j = 0; j < v.Length; j++) v[j] = r.ReadSingle();
            d[k] = v;
        }
        return d;
    }

    public static List<GarmentRow> Read()
    {
        var path = Path.Combine(Folder, "ccp.bin");
        if (!File.Exists(path)) throw new FileNotFoundException("run `garments features` first", path);
        using var r = new BinaryReader(File.OpenRead(path));
        int n = r.ReadInt32();
        var rows = new List<GarmentRow>(n);
        for (int i = 0; i < n; i++)
        {
            string image = r.ReadString(), split = r.ReadString();
            var x = new float[r.ReadInt32()];
            for (int k = 0; k < x.Length; k++) x[k] = r.ReadSingle();
            var labels = r.ReadString().Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
            rows.Add(new GarmentRow(image, split, x, labels));
        }
        return rows;
    }

    public static int Train(bool write)
    {
        var rows = Read();
        var mode = Environment.GetEnvironmentVariable("OOTD_GARMENT_INPUTS") ?? "regions";
        if (mode != "regions")
        {
            var items = ReadItems();
            rows = rows.Select(r => r with { X = mode == "items" ? items[r.Image] : [.. r.X, .. items[r.Image]] }).ToList();
        }
        int d = rows[0].X.Length;
        var train = rows.Where(r => r.Split == "train").ToList();
        var val = rows.Where(r => r.Split == "val").ToList();
        var test = rows.Where(r => r.Split == "test").ToList();
        var names = train.SelectMany(r => r.Labels).GroupBy(l => l).Where(g => g.Count() >= MinTrainPhotos)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Key).ToArray();
        var (mu, sigma) = HeadNetwork.Standardisation(train.Select(r => r.X), d);
        var examples = train.Select(r => new Example { X = r.X, Values = [names.Select(n => r.Labels.Contains(n) ? 1f : 0f).ToArray()] }).ToList();
        var net = new HeadNetwork(d, 0, [new Segment("garments", SegmentKind.Sigmoid, names.Length)], mu, sigma);
        var clock = Stopwatch.StartNew();
        net.Train(examples, Epochs, LearningRate, WeightDecay, 32, n => MeanAuc(n, val, names));
        Console.WriteLine($"  trained {names.Length} labels on {train.Count} photos in {clock.Elapsed.TotalSeconds:F1} s, best val epoch {net.BestEpoch} (mean val AUC {MeanAuc(net, val, names):F3})");
        var lines = new List<string> { "| label | train photos | val AUC | test photos | test AUC |", "|---|---|---|---|---|" };
        foreach (var (name, i) in names.Select((n, i) => (n, i)))
            lines.Add($"| {name} | {train.Count(r => r.Labels.Contains(name))} | {Auc(net, val, name, i):F3} | {test.Count(r => r.Labels.Contains(name))} | {Auc(net, test, name, i):F3} |");
        lines.Add($"| mean | | {MeanAuc(net, val, names):F3} | | {MeanAuc(net, test, names):F3} |");
        foreach (var l in lines) Console.WriteLine(l);
        // The val and test photos' probabilities, for offline checks (tools/FeedSim/offline).
        using (var w = new StreamWriter(Path.Combine(Folder, "predictions.tsv")))
        {
            w.WriteLine("image\tsplit\t" + string.Join('\t', names));
            foreach (var r in val.Concat(test))
                w.WriteLine($"{r.Image}\t{r.Split}\t" + string.Join('\t', net.Predict(r.X).Select(v => v.ToString("F4", CultureInfo.InvariantCulture))));
        }
        if (!write) return 0;
        var manifest = new ModelManifest
        {
            Name = "garments", Kind = "garments", File = "garments.onnx",
            Inputs = [new TensorSpec("regions", [-1, d])],
            Outputs = [new TensorSpec("garments", [-1, names.Length], "sigmoid", names)],
            Training = new TrainingSpec(
                [$"ccp photos (train split, {train.Count}); a label counts from {MinPixels} labelled pixels; labels shown in ≥ {MinTrainPhotos} train photos"],
                new() { ["trainPhotos"] = train.Count, ["valPhotos"] = val.Count, ["labels"] = names.Length },
                $"multi-label logistic regression on the garment parser's region-pooled hypercolumns ({d}, standardised); Adam lr {LearningRate}, weight decay {WeightDecay}, batch 32, {Epochs} epochs, best val epoch {net.BestEpoch} (mean val AUC); trained in {clock.Elapsed.TotalSeconds:F1} s",
                $"Mean AUC over the {names.Length} labels: val {MeanAuc(net, val, names):F3}, test {MeanAuc(net, test, names):F3}."),
            Rebuild = Trainers.Rebuild + "garments features && " + Trainers.Rebuild + "garments train --write",
        };
        var onnx = net.ToOnnx("garments", [("regions", d)]);
        File.WriteAllBytes(Path.Combine(Paths.ModelsFolder, manifest.File), onnx);
        File.WriteAllText(Path.Combine(Paths.ModelsFolder, "garments.json"), manifest.ToJson());
        Console.WriteLine($"  wrote models/garments.onnx ({onnx.Length / 1024.0:F1} KB)");
        var section = string.Join('\n', new[]
        {
            Title, "",
            "Which garments a worn photo shows (issue 16: style vectors that carry what is in the photo). The parser knows six garment",
            "regions and the classifier 32 sub-categories; the CCP labels name more (a skirt apart from a dress, stockings, hats, scarves,",
            "purses). The head is a multi-label logistic regression over the parser's hypercolumns pooled per garment region",
            $"(`Inference/Parsing/GarmentRegionFeatures.cs`: each of the 6 garment classes' probability-weighted mean, its mass, the plain mean; {d} values),",
            $"trained on CCP **train** ({train.Count} photos; a label counts from {MinPixels} labelled pixels; the {names.Length} labels shown in ≥ {MinTrainPhotos} train photos),",
            $"Adam lr {LearningRate}, weight decay {WeightDecay} (the pair with the best mean val AUC of lr 1e-3 / 1e-4 × decay 1e-2 … 10), epoch {net.BestEpoch} of {Epochs} by mean val AUC.",
            "Every post analysed as an outfit gets every label with its probability (`OutfitAnalysis.Garments`, table `ootd_garments`);",
            "the recommender's learned taste model reads them as features (`g:<label>`, `Grains/Recommendation/TasteModel.cs`).",
            $"Rebuild: `{manifest.Rebuild}`.", "",
        }.Concat(lines).Append(""));
        var report = Path.Combine(Paths.ModelsFolder, "REPORT.md");
        File.WriteAllText(report, Evaluation.ReplaceSection(File.ReadAllText(report), Title, section));
        Console.WriteLine("  wrote its section of models/REPORT.md");
        return 0;
    }

    private static double MeanAuc(HeadNetwork net, IReadOnlyList<GarmentRow> rows, string[] names)
    {
        var p = rows.Select(r => net.Predict(r.X)).ToList();
        var aucs = names.Select((n, i) => Auc(rows.Select((r, j) => (p[j][i], r.Labels.Contains(n))))).Where(double.IsFinite).ToList();
        return aucs.Count == 0 ? 0 : aucs.Average();
    }

    private static double Auc(HeadNetwork net, IReadOnlyList<GarmentRow> rows, string name, int i) =>
        Auc(rows.Select(r => (net.Predict(r.X)[i], r.Labels.Contains(name))));

    /// <summary>Area under the ROC curve (ties count half); NaN without both classes.</summary>
    public static double Auc(IEnumerable<(float Score, bool Positive)> scored)
    {
        var list = scored.OrderBy(s => s.Score).ToList();
        long pos = list.Count(s => s.Positive), neg = list.Count - pos;
        if (pos == 0 || neg == 0) return double.NaN;
        double rankSum = 0;
        for (int i = 0; i < list.Count;)
        {
            int j = i;
            while (j < list.Count && list[j].Score == list[i].Score) j++;
            double rank = (i + 1 + j) / 2.0;
            for (int k = i; k < j; k++) if (list[k].Positive) rankSum += rank;
            i = j;
        }
        return (rankSum - pos * (pos + 1) / 2.0) / (pos * neg);
    }
}
