using System.Diagnostics;
using System.Text.Json;
using Ootd.Inference.Backbone;
using Ootd.Inference.Detection;
using Ootd.Inference.Imaging;
using Ootd.Inference.Onnx;

namespace Ootd.ModelBuilder;

/// <summary>`backbone` and `features` commands.</summary>
public static class FeatureCommands
{
    /// <summary>Converts the backbone (dynamic batch) and checks batched outputs equal batch-1 outputs of the original.</summary>
    public static int Backbone()
    {
        var path = BackboneFiles.EnsureConverted();
        Console.WriteLine($"dynamic-batch backbone: {path} ({new FileInfo(path).Length / 1e6:F1} MB)");
        var factory = new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = true, IntraOpThreads = 2 });
        using var original = factory.Create(File.ReadAllBytes(BackboneFiles.OriginalModelPath()), "resnet18-original");
        using var dynamicBackbone = new ResNetBackbone(factory, path);
        var rng = new Random(1);
        const int n = 8;
        var batch = new float[n * CropTensor.Length];
        for (int i = 0; i < batch.Length; i++) batch[i] = (float)(rng.NextDouble() * 255 - 120);
        var clock = Stopwatch.StartNew();
        var batched = dynamicBackbone.Run(batch, n);
        var batchedMs = clock.Elapsed.TotalMilliseconds / n;
        double maxDiff = 0;
        clock.Restart();
        for (int i = 0; i < n; i++)
        {
            var one = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(batch.AsMemory(i * CropTensor.Length, CropTensor.Length), [1, 3, 224, 224]);
            using var r = original.Session.Run([Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor(ResNetBackbone.InputName, one)]);
            int k = 0;
            foreach (var v in r.First().AsTensor<float>()) maxDiff = Math.Max(maxDiff, Math.Abs(v - batched[i * 512 + k++]));
        }
        Console.WriteLine($"provider {dynamicBackbone.Provider}; batch {n}: {batchedMs:F1} ms/image; batch 1 (original): {clock.Elapsed.TotalMilliseconds / n:F1} ms/image");
        Console.WriteLine($"max |batched − single| = {maxDiff:G3}");
        return maxDiff < 1e-3 ? 0 : 1;
    }

    public static int Features(string[] sets, int workers)
    {
        var data = Datasets.Locate();
        Console.WriteLine($"datasets: {data.Root}");
        foreach (var set in sets)
        {
            Console.WriteLine($"feature set '{set}'");
            var store = FeatureStore.Open(set);
            switch (set)
            {
                case "items":
                    var crops = data.CcpCrops().Concat(data.Products()).Concat(data.Clothing()).ToList();
                    FeatureExtractor.Run(store, crops.GroupBy(c => c.ImagePath)
                        .Select(g => (g.Key, g.Select(c => new ExtractionItem(c.Key, c.Box)).ToList())), workers);
                    break;
                case "views":
                    FeatureExtractor.Run(store, ViewWork(data), workers);
                    break;
                case "windows":
                    FeatureExtractor.Run(store, WindowWork(data), workers);
                    break;
                case ClassifierTraining.ViewSet:
                    var backgrounds = ClassificationViews.LoadBackgrounds(data);
                    try { FeatureExtractor.Run(store, ClassifierTraining.ViewWork(data), workers, backgrounds); }
                    finally { backgrounds.ForEach(b => b.Dispose()); }
                    break;
                default:
                    Console.Error.WriteLine($"unknown feature set {set} (items, views, windows, {ClassifierTraining.ViewSet})");
                    return 2;
            }
        }
        return 0;
    }

    /// <summary>Augmented views: one per test image (retrieval protocol) and one per sampled train image (N-pair).</summary>
    public static IEnumerable<(string, List<ExtractionItem>)> ViewWork(Datasets data)
    {
        var all = data.Products().Concat(data.Clothing()).ToList();
        foreach (var c in all.Where(c => c.Split == "test"))
            yield return (c.ImagePath, [new ExtractionItem(ViewKey(c.Key, 0), null, StableSeed(c.Key, 0))]);
        var rng = new Random(11);
        foreach (var c in all.Where(c => c.Split == "train").OrderBy(_ => rng.Next()).Take(TrainViews))
            yield return (c.ImagePath, [new ExtractionItem(ViewKey(c.Key, 0), null, StableSeed(c.Key, 0))]);
        var vrng = new Random(12);
        foreach (var c in all.Where(c => c.Split == "val").OrderBy(_ => vrng.Next()).Take(ValViews))
            yield return (c.ImagePath, [new ExtractionItem(ViewKey(c.Key, 0), null, StableSeed(c.Key, 0))]);
    }

    public const int TrainViews = 1500;
    public const int ValViews = 700;
    public static string ViewKey(string key, int view) => $"{key}#view{view}";
    public static int StableSeed(string key, int view)
    {
        unchecked
        {
            int h = 17 + view;
            foreach (char ch in key) h = h * 31 + ch;
            return h & 0x7fffffff;
        }
    }

    public const int WindowCount = 32;
    public static string WindowsFile => Path.Combine(Paths.DataFolder, "windows.json");

    /// <summary>Learns the proposal windows from CCP train boxes (cached in .data/windows.json).</summary>
    public static RelativeWindow[] LearnWindows(Datasets data)
    {
        if (File.Exists(WindowsFile)) return JsonSerializer.Deserialize<RelativeWindow[]>(File.ReadAllText(WindowsFile))!;
        var photos = data.CcpPhotos().ToList();
        var train = photos.Where(p => p.Split == "train")
            .SelectMany(p => p.Items.Select(i => Relative(i.Box, p.Width, p.Height))).ToList();
        var windows = WindowProposer.Learn(train, WindowCount);
        Directory.CreateDirectory(Paths.DataFolder);
        File.WriteAllText(WindowsFile, JsonSerializer.Serialize(windows));
        foreach (var split in new[] { "train", "val", "test" })
        {
            int covered = 0, all = 0;
            foreach (var p in photos.Where(p => p.Split == split))
            {
                var props = new WindowProposer(windows).Propose(p.Width, p.Height);
                foreach (var (_, box) in p.Items) { all++; if (props.Max(w => w.IoU(box)) >= 0.5f) covered++; }
            }
            Console.WriteLine($"  {windows.Length} windows cover {covered}/{all} {split} boxes at IoU ≥ 0.5 ({100.0 * covered / all:F1}%)");
        }
        return windows;
    }

    public static RelativeWindow Relative(PixelBox b, int w, int h) =>
        new((b.X0 + b.X1) / 2 / w, (b.Y0 + b.Y1) / 2 / h, b.Width / w, b.Height / h);

    public const int ValDetectorPhotos = 138;
    public const int TestDetectorPhotos = 150;
    public const int TrainDetectorPhotos = 716;

    /// <summary>Windows to extract: all of them for test and a val subset; positives plus sampled negatives for train.</summary>
    public static IEnumerable<(string, List<ExtractionItem>)> WindowWork(Datasets data)
    {
        var windows = LearnWindows(data);
        var proposer = new WindowProposer(windows);
        var photos = data.CcpPhotos().ToList();
        int val = 0, train = 0, test = 0;
        foreach (var p in photos.OrderBy(p => p.Split == "test" ? 0 : p.Split == "train" ? 1 : 2).ThenBy(p => p.Image, StringComparer.Ordinal))
        {
            var props = proposer.Propose(p.Width, p.Height);
            var items = new List<ExtractionItem>();
            if ((p.Split == "test" && test++ < TestDetectorPhotos) || (p.Split == "val" && val++ < ValDetectorPhotos))
                for (int k = 0; k < props.Length; k++) items.Add(new ExtractionItem(WindowKey(p.Image, k), props[k]));
            else if (p.Split == "train" && train++ < TrainDetectorPhotos)
            {
                var rng = new Random(StableSeed(p.Image, 1));
                var neg = new List<int>();
                for (int k = 0; k < props.Length; k++)
                {
                    float best = p.Items.Count == 0 ? 0 : p.Items.Max(i => i.Box.IoU(props[k]));
                    if (best >= 0.4f) items.Add(new ExtractionItem(WindowKey(p.Image, k), props[k]));
                    else if (best < 0.3f) neg.Add(k);
                }
                foreach (var k in neg.OrderBy(_ => rng.Next()).Take(5)) items.Add(new ExtractionItem(WindowKey(p.Image, k), props[k]));
            }
            if (items.Count > 0) yield return (p.Path, items);
        }
    }

    public static string WindowKey(string image, int k) => $"ccp:{image}:w{k}";
}
