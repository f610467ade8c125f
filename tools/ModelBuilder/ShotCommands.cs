using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Ootd.Inference;
using Ootd.Inference.Backbone;
using Ootd.Inference.Detection;
using Ootd.Inference.Imaging;
using Ootd.Inference.Models;
using Ootd.Inference.Onnx;
using Ootd.Inference.Parsing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Ootd.ModelBuilder;

/// <summary>One photo for the product-shot head: where it comes from, whether the border rule already calls it a product
/// shot, whether it shows a single garment (clothing, products) or a worn outfit (CCP), and its <see cref="ShotFeatures"/>.</summary>
public sealed record ShotRow(string Key, string Source, string Split, bool Border, bool Single, int Super, float[] X);

/// <summary>
/// `shot features` / `shot train [--write]`: the learned product-shot decision (issue 11 §2). Every photo goes through the
/// pipeline's own decoder, border rule (<see cref="ProductShotDetector.Classify"/>) and garment parser; the head (logistic
/// regression on <see cref="ShotFeatures"/>) is trained on train photos, its threshold chosen on val, figures on test.
/// CCP photos are used twice: as they are and shrunk to ≤ 224 px (JPEG q90), the size of the clothing photos, so the head
/// cannot tell single garments from outfits by sharpness alone.
/// </summary>
public static class ShotCommands
{
    public static string Folder => Path.Combine(Paths.DataFolder, "shot");
    public const int ClothingTrain = 500, ProductsTrain = 150, ProductsVal = 80, ProductsTest = 150, CcpSmallTrain = 300;
    public const int Epochs = 40;
    public const float WeightDecay = 1e-3f;
    /// <summary>At most this share of CCP val outfits (both views) may be taken for a product shot by border rule + head.</summary>
    public const double MaxOutfitsTaken = 0.01;

    public static int Run(string[] args, int workers)
    {
        if (args.Length >= 1 && args[0] == "features") return Features(workers, args.Skip(1).ToArray());
        if (args.Length >= 1 && args[0] == "train") return Train(args.Contains("--write"));
        if (args.Length >= 2 && args[0] == "show") return Show(args[1], args.Length > 2 ? args[2] : "test");
        Console.Error.WriteLine("shot features [source…] | shot train [--write]");
        return 2;
    }

    private static IEnumerable<T> Sample<T>(IEnumerable<T> items, Func<T, string> key, int count) =>
        items.OrderBy(i => Hash(key(i))).ThenBy(key, StringComparer.Ordinal).Take(count);

    private static uint Hash(string s)
    {
        uint h = 2166136261;
        foreach (char c in s) { h ^= c; h *= 16777619; }
        return h;
    }

    private sealed record Job(string Key, string Source, string Split, string Path, bool Single, int Super, bool Shrink);

    private static List<Job> Jobs(Datasets data, string source) => source switch
    {
        "ccp" => [.. data.CcpPhotos().Select(p => new Job(p.Image, "ccp", p.Split, p.Path, false, -1, false))],
        "ccp-small" => [.. data.CcpPhotos().Where(p => p.Split != "train").Concat(Sample(data.CcpPhotos().Where(p => p.Split == "train"), p => p.Image, CcpSmallTrain))
            .Select(p => new Job(p.Image, "ccp-small", p.Split, p.Path, false, -1, true))],
        "clothing" => [.. data.Clothing().Where(c => c.Split != "train").Concat(Sample(data.Clothing().Where(c => c.Split == "train"), c => c.Key, ClothingTrain))
            .Select(c => new Job(c.Key, "clothing", c.Split, c.ImagePath, true, c.Super, false))],
        "products" => [.. new[] { ("train", ProductsTrain), ("val", ProductsVal), ("test", ProductsTest) }
            .SelectMany(s => Sample(data.Products().Where(p => p.Split == s.Item1), p => p.Key, s.Item2))
            .Select(p => new Job(p.Key, "products", p.Split, p.ImagePath, true, p.Super, false))],
        _ => throw new ArgumentException($"unknown source {source}"),
    };

    public static readonly string[] Sources = ["ccp", "ccp-small", "clothing", "products"];

    public static int Features(int workers, string[] only)
    {
        var data = Datasets.Locate();
        using var committed = new CommittedParser();
        var parser = committed.Parser;
        var decoder = new PhotoDecoder();
        Directory.CreateDirectory(Folder);
        var total = Stopwatch.StartNew();
        foreach (var source in only.Length > 0 ? only : Sources)
        {
            var jobs = Jobs(data, source);
            var rows = new ConcurrentBag<ShotRow>();
            int done = 0, rejected = 0;
            var clock = Stopwatch.StartNew();
            Parallel.ForEach(jobs, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, workers) }, job =>
            {
                try
                {
                    var bytes = File.ReadAllBytes(job.Path);
                    if (job.Shrink) bytes = Shrink(bytes, 224);
                    using var photo = decoder.Decode(bytes);
                    bool border = ProductShotDetector.Classify(photo.Image) == PhotoKind.Product;
                    var parse = parser.Parse(photo.Image);
                    rows.Add(new ShotRow(job.Key, job.Source, job.Split, border, job.Single, job.Super, ShotFeatures.Of(parse, photo.Width, photo.Height)));
                }
                catch (ImageRejectedException) { Interlocked.Increment(ref rejected); }
                int n = Interlocked.Increment(ref done);
                if (n % 200 == 0) Console.WriteLine($"    {source}: {n}/{jobs.Count} ({clock.Elapsed.TotalSeconds:F0} s)");
            });
            Write(Path.Combine(Folder, source + ".bin"), [.. rows.OrderBy(r => r.Key, StringComparer.Ordinal)]);
            Console.WriteLine($"  {source}: {rows.Count} photos ({rejected} rejected by the decoder) in {clock.Elapsed.TotalSeconds:F0} s");
        }
        Console.WriteLine($"  features: {total.Elapsed.TotalSeconds:F0} s with {workers} worker(s) × 1 intra-op thread");
        return 0;
    }

    /// <summary>The photo shrunk so its longer side is <paramref name="side"/> px, re-encoded as JPEG q90.</summary>
    public static byte[] Shrink(byte[] bytes, int side)
    {
        using var image = Image.Load<Rgb24>(bytes);
        double scale = (double)side / Math.Max(image.Width, image.Height);
        if (scale < 1) image.Mutate(x => x.Resize(Math.Max(1, (int)Math.Round(image.Width * scale)), Math.Max(1, (int)Math.Round(image.Height * scale))));
        using var ms = new MemoryStream();
        image.SaveAsJpeg(ms, new JpegEncoder { Quality = 90 });
        return ms.ToArray();
    }

    private static void Write(string path, IReadOnlyList<ShotRow> rows)
    {
        using var w = new BinaryWriter(File.Create(path));
        w.Write(rows.Count);
        foreach (var r in rows)
        {
            w.Write(r.Key); w.Write(r.Source); w.Write(r.Split); w.Write(r.Border); w.Write(r.Single); w.Write(r.Super);
            w.Write(r.X.Length);
            foreach (var v in r.X) w.Write(v);
        }
    }

    public static List<ShotRow> Read(string source)
    {
        var path = Path.Combine(Folder, source + ".bin");
        if (!File.Exists(path)) throw new FileNotFoundException($"run `shot features {source}` first", path);
        using var r = new BinaryReader(File.OpenRead(path));
        int n = r.ReadInt32();
        var rows = new List<ShotRow>(n);
        for (int i = 0; i < n; i++)
        {
            string key = r.ReadString(), source2 = r.ReadString(), split = r.ReadString();
            bool border = r.ReadBoolean(), single = r.ReadBoolean();
            int super = r.ReadInt32();
            var x = new float[r.ReadInt32()];
            for (int k = 0; k < x.Length; k++) x[k] = r.ReadSingle();
            rows.Add(new ShotRow(key, source2, split, border, single, super, x));
        }
        return rows;
    }

    public static int Train(bool write)
    {
        var missing = Sources.Where(s => !File.Exists(Path.Combine(Folder, s + ".bin"))).ToList();
        if (missing.Count > 0 && write) throw new FileNotFoundException($"run `shot features {string.Join(' ', missing)}` first");
        if (missing.Count > 0) Console.WriteLine($"  (not cached yet: {string.Join(", ", missing)})");
        var rows = Sources.Except(missing).SelectMany(Read).ToList();
        int d = ShotFeatures.Width;
        if (rows.Any(r => r.X.Length != d)) throw new InvalidDataException($"cached features are not {d} wide: rerun `shot features`");
        var train = rows.Where(r => r.Split == "train").ToList();
        var val = rows.Where(r => r.Split == "val").ToList();
        var test = rows.Where(r => r.Split == "test").ToList();
        int singles = train.Count(r => r.Single), outfits = train.Count - singles;
        var (mu, sigma) = HeadNetwork.Standardisation(train.Select(r => r.X), d);
        // Each class weighs half, and within the singles each source half (clothing and products).
        float WeightOf(ShotRow r) => r.Single
            ? 0.5f * train.Count / (2f * train.Count(t => t.Single && t.Source == r.Source))
            : 0.5f * train.Count / outfits;
        var weights = train.GroupBy(r => (r.Single, r.Source)).ToDictionary(g => g.Key, g => WeightOf(g.First()));
        var examples = train.Select(r => new Example { X = r.X, Values = [[r.Single ? 1f : 0f]], Weight = weights[(r.Single, r.Source)] }).ToList();
        var net = new HeadNetwork(d, 0, [new Segment("product", SegmentKind.Sigmoid, 1)], mu, sigma);
        var clock = Stopwatch.StartNew();
        net.Train(examples, Epochs, 1e-3f, WeightDecay, 64, n => -BalancedLogLoss(n, val));
        double trainSeconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"  trained on {train.Count} photos ({singles} single garments, {outfits} outfits) in {trainSeconds:F1} s, best val epoch {net.BestEpoch}");

        var pVal = val.ToDictionary(r => r, r => net.Predict(r.X)[0]);
        // Threshold: among those that keep CCP val outfits (both views) taken for products — by the border rule or the
        // head — within MaxOutfitsTaken, the ones that take the most val single garments (each source weighted equally)
        // for product shots; of those, the middle one (a margin on both sides).
        var ccpVal = val.Where(r => !r.Single).ToList();
        var singleVal = val.Where(r => r.Single).GroupBy(r => r.Source).Select(g => g.ToList()).ToList();
        int allowed = (int)Math.Floor(MaxOutfitsTaken * ccpVal.Count);
        var grid = Enumerable.Range(1, 199).Select(i => i / 200f).ToList();
        var feasible = grid.Where(t => ccpVal.Count(r => r.Border || pVal[r] >= t) <= allowed)
            .Select(t => (T: t, Score: singleVal.Average(g => g.Count(r => r.Border || pVal[r] >= t) / (double)g.Count))).ToList();
        float threshold = 0.5f;
        if (feasible.Count > 0)
        {
            double best = feasible.Max(f => f.Score);
            var top = feasible.Where(f => f.Score >= best - 1e-9).Select(f => f.T).ToList();
            threshold = top[top.Count / 2];
            Console.WriteLine($"  best val thresholds {top[0]:F3}–{top[^1]:F3}; val probabilities: outfits ≤ {ccpVal.Max(r => pVal[r]):F4}, single garments ≥ {singleVal.SelectMany(g => g).Min(r => pVal[r]):F4}");
        }
        Console.WriteLine($"  threshold {threshold:F3} (CCP val outfits, both views: at most {allowed} of {ccpVal.Count} taken for a product)");
        var lines = new List<string>();
        foreach (var (name, split) in new[] { ("val", val), ("test", test) })
        {
            var p = split.ToDictionary(r => r, r => net.Predict(r.X)[0]);
            foreach (var g in split.GroupBy(r => r.Source).OrderBy(g => Array.IndexOf(Sources, g.Key)))
            {
                var list = g.ToList();
                int border = list.Count(r => r.Border);
                int auto = list.Count(r => r.Border || p[r] >= threshold);
                int head = list.Count(r => p[r] >= threshold);
                int fills = list.Count(r => r.Border || r.X[ShotFeatures.PooledWidth + 11] > 0.5f);
                string line = $"| {name} | {g.Key} ({(list[0].Single ? "single garments" : "outfits")}) | {list.Count} | {border} | {fills} | {auto} ({Pct(auto, list.Count)}) | {head} ({Pct(head, list.Count)}) |";
                lines.Add(line);
                Console.WriteLine(line);
            }
        }
        if (!write) return 0;
        var manifest = new ModelManifest
        {
            Name = "shot", Kind = "shot", File = "shot.onnx",
            Inputs = [new TensorSpec("features", [-1, d])],
            Outputs = [new TensorSpec("product", [-1, 1], "sigmoid", ["product shot"])],
            Shot = new ShotSpec(threshold, ShotFeatures.StatNames),
            Training = new TrainingSpec(
                [$"ccp photos (train split) as outfits, as they are and ({CcpSmallTrain} sampled) shrunk to ≤ 224 px", $"clothing train ({ClothingTrain} sampled) and products train ({ProductsTrain} sampled) as single garments"],
                new() { ["trainPhotos"] = train.Count, ["trainSingles"] = singles, ["trainOutfits"] = outfits, ["valPhotos"] = val.Count },
                $"logistic regression on the garment parser's pooled layer4 (512) + {ShotFeatures.StatNames.Length} mask statistics (standardised); classes weighted equally (single-garment sources equally within); Adam lr 1e-3, weight decay {WeightDecay}, {Epochs} epochs, best val epoch {net.BestEpoch} (balanced val log-loss); trained in {trainSeconds:F1} s on the shared 2-core machine",
                $"Threshold {threshold.ToString(CultureInfo.InvariantCulture)}: the middle of the val thresholds that keep CCP val outfits taken for a product (border rule or head, both views) ≤ {MaxOutfitsTaken:P0} and take the most val single garments (sources weighted equally)."),
            Rebuild = Trainers.Rebuild + "shot features && " + Trainers.Rebuild + "shot train --write",
        };
        var onnx = net.ToOnnx("shot", [("features", d)]);
        File.WriteAllBytes(Path.Combine(Paths.ModelsFolder, manifest.File), onnx);
        File.WriteAllText(Path.Combine(Paths.ModelsFolder, "shot.json"), manifest.ToJson());
        Console.WriteLine($"  wrote models/shot.onnx ({onnx.Length / 1024.0:F1} KB)");
        return 0;
    }

    /// <summary>`shot show SOURCE [split]`: each cached photo with the committed head's probability (for picking examples).</summary>
    public static int Show(string source, string split)
    {
        var repo = new ModelRepository(Paths.ModelsFolder);
        using var head = repo.Open("shot", new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = false, IntraOpThreads = 1 }));
        foreach (var r in Read(source).Where(r => r.Split == split))
        {
            float p = head.Run(1, ("features", r.X))["product"].Data[0];
            Console.WriteLine($"{r.Key}\t{r.Border}\t{r.X[ShotFeatures.PooledWidth + 11]}\t{p:F4}");
        }
        return 0;
    }

    private static string Pct(int k, int n) => (100.0 * k / Math.Max(1, n)).ToString("F1", CultureInfo.InvariantCulture) + " %";

    /// <summary>Log-loss with single garments and outfits weighted equally.</summary>
    private static double BalancedLogLoss(HeadNetwork net, IReadOnlyList<ShotRow> rows)
    {
        double[] sum = new double[2]; int[] n = new int[2];
        foreach (var r in rows)
        {
            double p = Math.Clamp(net.Predict(r.X)[0], 1e-6, 1 - 1e-6);
            int c = r.Single ? 1 : 0;
            sum[c] -= r.Single ? Math.Log(p) : Math.Log(1 - p);
            n[c]++;
        }
        return 0.5 * (sum[0] / Math.Max(1, n[0]) + sum[1] / Math.Max(1, n[1]));
    }
}
