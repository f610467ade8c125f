using Ootd.Inference.Detection;
using Ootd.Inference.Imaging;
using Ootd.Inference.Models;
using Ootd.Taxonomy;

namespace Ootd.ModelBuilder;

/// <summary>Per-class detection counts at IoU ≥ 0.5.</summary>
public sealed class DetectionTally
{
    public int[] TruePositives { get; } = new int[6];
    public int[] FalsePositives { get; } = new int[6];
    public int[] GroundTruth { get; } = new int[6];

    public void Add(IReadOnlyList<DetectedItem> detections, IReadOnlyList<(int Super, PixelBox Box)> truth)
    {
        for (int c = 0; c < 6; c++)
        {
            var gt = truth.Where(t => t.Super == c).Select(t => t.Box).ToList();
            GroundTruth[c] += gt.Count;
            var used = new bool[gt.Count];
            foreach (var d in detections.Where(d => d.Super == c).OrderByDescending(d => d.Score))
            {
                int best = -1; float bestIoU = 0.5f;
                for (int g = 0; g < gt.Count; g++)
                    if (!used[g] && d.Box.IoU(gt[g]) >= bestIoU) { bestIoU = d.Box.IoU(gt[g]); best = g; }
                if (best >= 0) { used[best] = true; TruePositives[c]++; } else FalsePositives[c]++;
            }
        }
    }

    public double Recall(int c) => GroundTruth[c] == 0 ? 0 : (double)TruePositives[c] / GroundTruth[c];
    public double Precision(int c) => TruePositives[c] + FalsePositives[c] == 0 ? 0 : (double)TruePositives[c] / (TruePositives[c] + FalsePositives[c]);
    public double F1(int c) { double p = Precision(c), r = Recall(c); return p + r == 0 ? 0 : 2 * p * r / (p + r); }
    public double AllRecall => (double)TruePositives.Sum() / Math.Max(1, GroundTruth.Sum());
    public double AllPrecision => (double)TruePositives.Sum() / Math.Max(1, TruePositives.Sum() + FalsePositives.Sum());
}

/// <summary>Trains the window head: 6 super-categories + background with class-agnostic box refinement.</summary>
public static class DetectorTraining
{
    public static readonly string[] Classes = [.. FashionTaxonomy.Supers.Select(s => s.Name), "background"];
    public const float NmsIoU = 0.4f;

    /// <summary>Candidate per-class score thresholds; the val optimum often sits near the top, so the grid is finer there.</summary>
    public static readonly float[] ThresholdGrid = [0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f];

    public static float[] Input(float[] feature, RelativeWindow w) => [.. feature, w.Cx, w.Cy, w.W, w.H];

    /// <summary>Window rows of one photo that have cached features: (window index, features+geometry).</summary>
    public static List<(int K, float[] X)> PhotoRows(StreetPhoto p, RelativeWindow[] windows, Dictionary<string, float[]> store)
    {
        var rows = new List<(int, float[])>();
        for (int k = 0; k < windows.Length; k++)
            if (store.TryGetValue(FeatureCommands.WindowKey(p.Image, k), out var f)) rows.Add((k, Input(f, windows[k])));
        return rows;
    }

    public static (List<DetectedItem>, DetectedItem?) Detect(StreetPhoto p, RelativeWindow[] windows, List<(int K, float[] X)> rows,
        Func<float[], (float[] Scores, float[] Deltas)> head, float[] thresholds, int[]? maxPerClass = null)
    {
        var spec = new DetectorSpec(windows, Classes, thresholds, NmsIoU, "", maxPerClass);
        var scores = new float[rows.Count * 7]; var deltas = new float[rows.Count * 4];
        var boxes = new List<PixelBox>();
        for (int i = 0; i < rows.Count; i++)
        {
            var (s, d) = head(rows[i].X);
            s.CopyTo(scores, i * 7); d.CopyTo(deltas, i * 4);
            boxes.Add(windows[rows[i].K].ToPixels(p.Width, p.Height));
        }
        return new WindowDetector(spec).Decode(new HeadOutput(scores, rows.Count, 7), new HeadOutput(deltas, rows.Count, 4), boxes, p.Width, p.Height);
    }

    public static void Train(Datasets data, Dictionary<string, float[]> items)
    {
        var windows = FeatureCommands.LearnWindows(data);
        var store = FeatureStore.Open("windows").Features;
        var photos = data.CcpPhotos().ToList();
        var examples = new List<(int Label, float[] X, float[]? Delta)>();
        int trainPhotos = 0;
        foreach (var p in photos.Where(p => p.Split == "train"))
        {
            var photoRows = PhotoRows(p, windows, store);
            if (photoRows.Count > 0) trainPhotos++;
            foreach (var (k, x) in photoRows)
            {
                var box = windows[k].ToPixels(p.Width, p.Height);
                int bestItem = -1; float best = 0;
                for (int i = 0; i < p.Items.Count; i++) { float iou = p.Items[i].Box.IoU(box); if (iou > best) { best = iou; bestItem = i; } }
                if (best >= 0.5f) examples.Add((p.Items[bestItem].Super, x, BoxDeltas.Encode(box, p.Items[bestItem].Box)));
                else if (best < 0.3f) examples.Add((6, x, null));
            }
        }
        // The ground-truth boxes themselves are positives with zero refinement.
        foreach (var c in data.CcpCrops().Where(c => c.Split == "train" && items.ContainsKey(c.Key)))
        {
            var p = photos.First(ph => ph.Path == c.ImagePath);
            examples.Add((c.Super, Input(items[c.Key], FeatureCommands.Relative(c.Box!.Value, p.Width, p.Height)), [0, 0, 0, 0]));
        }
        Console.WriteLine($"  {examples.Count} training windows: " + string.Join(", ", Classes.Select((n, i) => $"{n} {examples.Count(e => e.Label == i)}")));
        var counts = examples.GroupBy(e => e.Label).ToDictionary(g => g.Key, g => g.Count());
        float meanW = (float)examples.Average(e => 1 / Math.Sqrt(counts[e.Label]));
        var train = examples.Select(e => new Example
        {
            X = e.X, Classes = [[e.Label], null], Values = [null, e.Delta], Weight = (float)(1 / Math.Sqrt(counts[e.Label])) / meanW,
        }).ToList();
        var (mu, sigma) = HeadNetwork.Standardisation(train.Select(t => t.X), 516);
        var net = new HeadNetwork(516, 256, [new Segment("scores", SegmentKind.Softmax, 7), new Segment("deltas", SegmentKind.Regression, 4)], mu, sigma);
        var val = photos.Where(p => p.Split == "val").Select(p => (p, PhotoRows(p, windows, store))).Where(x => x.Item2.Count == windows.Length).ToList();
        (float[], float[]) Head(HeadNetwork n, float[] x) { var o = n.Predict(x); return (n.Slice(o, 0), n.Slice(o, 1)); }
        var defaults = Enumerable.Repeat(0.5f, 6).ToArray();
        double ValF1(HeadNetwork n, float[] thr)
        {
            var tally = new DetectionTally();
            foreach (var (p, rows) in val) tally.Add(Detect(p, windows, rows, x => Head(n, x), thr).Item1, p.Items);
            double pr = tally.AllPrecision, rc = tally.AllRecall;
            return pr + rc == 0 ? 0 : 2 * pr * rc / (pr + rc);
        }
        Console.WriteLine($"  validating on {val.Count} val photos");
        net.Train(train, Trainers.DetectorEpochs, validate: n => ValF1(n, defaults));
        // Per-class score thresholds tuned on val (F1 of that class).
        var thresholds = (float[])defaults.Clone();
        var cache = val.Select(v => (v.p, v.Item2, Outputs: v.Item2.Select(r => Head(net, r.X)).ToArray())).ToList();
        for (int c = 0; c < 6; c++)
        {
            float bestT = 0.5f; double bestF = -1;
            foreach (var t in ThresholdGrid)
            {
                var thr = (float[])thresholds.Clone(); thr[c] = t;
                var tally = new DetectionTally();
                foreach (var (p, rows, outs) in cache)
                {
                    int i = 0;
                    tally.Add(Detect(p, windows, rows, _ => outs[i++], thr).Item1, p.Items);
                }
                if (tally.F1(c) > bestF) { bestF = tally.F1(c); bestT = t; }
            }
            thresholds[c] = bestT;
            Console.WriteLine($"  threshold {Classes[c]}: {bestT} (val F1 {bestF:F3})");
        }
        // Per-class cap on items per photo, tuned on val the same way.
        var caps = new[] { 99, 99, 99, 99, 99, 99 };
        for (int c = 0; c < 6; c++)
        {
            int bestCap = 99; double bestF = -1;
            foreach (var cap in new[] { 1, 2, 3, 99 })
            {
                var trial = (int[])caps.Clone(); trial[c] = cap;
                var tally = new DetectionTally();
                foreach (var (p, rows, outs) in cache)
                {
                    int i = 0;
                    tally.Add(Detect(p, windows, rows, _ => outs[i++], thresholds, trial).Item1, p.Items);
                }
                if (tally.F1(c) > bestF + 1e-9) { bestF = tally.F1(c); bestCap = cap; }
            }
            caps[c] = bestCap;
            Console.WriteLine($"  max per photo {Classes[c]}: {bestCap} (val F1 {bestF:F3})");
        }
        var final = new DetectionTally();
        foreach (var (p, rows, outs) in cache)
        {
            int i = 0;
            final.Add(Detect(p, windows, rows, _ => outs[i++], thresholds, caps).Item1, p.Items);
        }
        Console.WriteLine($"  val, all super-categories: recall {final.AllRecall:P1}, precision {final.AllPrecision:P1}");
        var manifest = new ModelManifest
        {
            Name = "detector", Kind = "detector", File = "detector.onnx",
            Inputs = [new TensorSpec("features", [-1, 512]), new TensorSpec("geometry", [-1, 4])],
            Outputs = [new TensorSpec("scores", [-1, 7], "softmax", Classes), new TensorSpec("deltas", [-1, 4], "box deltas (dx, dy, log dw, log dh)")],
            Preprocessing = ModelManifest.ResNetPreprocessing("each proposal window of the photo, stretched to 224×224"),
            Detector = new DetectorSpec(windows, Classes, thresholds, NmsIoU, "relative window centre x, centre y, width, height (0–1)", caps),
            Training = new TrainingSpec(["ccp/ccp_boxes.csv garment boxes (train split), tags mapped to super-categories"],
                new() { ["windows"] = examples.Count, ["trainPhotos"] = trainPhotos, ["valPhotos"] = val.Count },
                $"{windows.Length} proposal windows from k-means (1 − IoU) over train boxes; MLP 516→256 ReLU → 7-way softmax + 4 box deltas (smooth L1), windows IoU ≥ 0.5 positive, < 0.3 background, GT boxes added as positives; {Trainers.DetectorEpochs} epochs, best val epoch {net.BestEpoch}; per-class thresholds and per-photo caps tuned on val F1; NMS IoU {NmsIoU}",
                $"Train windows: all with IoU ≥ 0.4 to a garment plus 5 sampled background windows per photo, on {trainPhotos} of the {photos.Count(p => p.Split == "train")} train photos; thresholds and caps tuned on all windows of {val.Count} of the {photos.Count(p => p.Split == "val")} val photos."),
            Rebuild = Trainers.Rebuild + "train detector",
        };
        var onnx = net.ToOnnx("detector", [("features", 512), ("geometry", 4)]);
        File.WriteAllBytes(Path.Combine(Paths.ModelsFolder, manifest.File), onnx);
        File.WriteAllText(Path.Combine(Paths.ModelsFolder, "detector.json"), manifest.ToJson());
        Console.WriteLine($"  wrote models/detector.onnx ({onnx.Length / 1024} KB)");
    }
}
