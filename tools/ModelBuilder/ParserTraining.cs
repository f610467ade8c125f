using System.Diagnostics;
using System.Globalization;
using Ootd.Inference.Backbone;
using Ootd.Inference.Models;
using Ootd.Inference.Parsing;
using Ootd.Taxonomy;

namespace Ootd.ModelBuilder;

/// <summary>`parser train AREA [--write] [--hidden H]`: the per-pixel head and the mask → garment rules.</summary>
public static class ParserTraining
{
    public static readonly string[] Classes = [.. FashionTaxonomy.Supers.Select(s => s.Name), "background"];
    public const int Upsample = 4;
    public static int Epochs => int.TryParse(Environment.GetEnvironmentVariable("OOTD_EPOCHS"), out var e) ? e : 8;

    /// <summary>Val (or test) photos with every cell, and their ground-truth boxes.</summary>
    public sealed record EvalPhoto(ParserPhoto Cells, StreetPhoto Truth);

    public static List<EvalPhoto> EvalPhotos(Datasets data, int area, string split)
    {
        var truth = data.CcpPhotos().ToDictionary(p => p.Image);
        return [.. ParserData.Read(area, s => s == split).Where(p => truth.ContainsKey(p.Image)).Select(p => new EvalPhoto(p, truth[p.Image]))];
    }

    /// <summary>Class-major probabilities of every cell of a photo.</summary>
    public static float[] Probabilities(ParserPhoto p, Func<float[], float[]> predict)
    {
        int cells = p.GridWidth * p.GridHeight, k = Classes.Length;
        var planes = new float[k * cells];
        for (int j = 0; j < p.Cells.Length; j++)
        {
            var prob = predict(p.Rows[j]);
            for (int c = 0; c < k; c++) planes[c * cells + p.Cells[j]] = prob[c];
        }
        return planes;
    }

    /// <summary>Mean IoU over the 7 classes of the arg max on the grid cells (and per class).</summary>
    public static (double Mean, double[] PerClass) CellIoU(IEnumerable<(byte[] Truth, int[] Predicted)> photos)
    {
        var inter = new long[7]; var union = new long[7];
        foreach (var (truth, predicted) in photos)
            for (int i = 0; i < truth.Length; i++)
            {
                int t = truth[i], p = predicted[i];
                if (t == p) { inter[t]++; union[t]++; }
                else { union[t]++; union[p]++; }
            }
        var per = Enumerable.Range(0, 7).Select(c => union[c] == 0 ? 0 : (double)inter[c] / union[c]).ToArray();
        return (per.Average(), per);
    }

    public static int[] ArgMaxCells(ParserPhoto p, float[] planes)
    {
        int cells = p.GridWidth * p.GridHeight;
        var result = new int[p.Cells.Length];
        for (int j = 0; j < p.Cells.Length; j++)
        {
            int best = 0;
            for (int c = 1; c < Classes.Length; c++) if (planes[c * cells + p.Cells[j]] > planes[best * cells + p.Cells[j]]) best = c;
            result[j] = best;
        }
        return result;
    }

    /// <param name="photos">val photos with their class probabilities already upsampled ×<see cref="Upsample"/></param>
    public static DetectionTally Detect(IEnumerable<(EvalPhoto Photo, float[] Fine)> photos, GarmentRules rules)
    {
        var tally = new DetectionTally();
        var garments = new MaskGarments(rules);
        foreach (var (photo, fine) in photos)
        {
            var p = photo.Cells;
            var found = garments.Garments(fine, Classes.Length, p.GridWidth * Upsample, p.GridHeight * Upsample, photo.Truth.Width, photo.Truth.Height);
            tally.Add([.. found.Select(g => g.AsDetection())], photo.Truth.Items);
        }
        return tally;
    }

    private static double F1(DetectionTally t) => t.AllPrecision + t.AllRecall == 0 ? 0 : 2 * t.AllPrecision * t.AllRecall / (t.AllPrecision + t.AllRecall);

    /// <summary>Val precision the rules must keep (issue 11 asks recall ≥ 0.80 at precision ≥ 0.70; test precision ran
    /// 0.04 below val before, hence the margin); 0 tunes plain F1.</summary>
    public static double PrecisionFloor => double.TryParse(Environment.GetEnvironmentVariable("OOTD_PARSER_PRECISION_FLOOR"), CultureInfo.InvariantCulture, out var f) ? f : 0.74;

    /// <summary>What rule tuning maximises: among settings at or above the precision floor the highest recall (any of
    /// them beats every setting below it); below the floor, F1.</summary>
    private static double Objective(DetectionTally t) => PrecisionFloor > 0 && t.AllPrecision >= PrecisionFloor ? 1 + t.AllRecall : F1(t);

    /// <summary>The rules with the best val <see cref="Objective"/> (overall, IoU ≥ 0.5) over a small grid, one setting at a time.</summary>
    public static (GarmentRules Rules, DetectionTally Tally) TuneRules(List<(EvalPhoto, float[])> val)
    {
        // First the best F1, then from there the highest recall at the precision floor (a greedy search straight for
        // the floor stops at worse settings than this path).
        var (rules, tally) = TuneRules(val, new GarmentRules(), F1, "F1");
        return PrecisionFloor > 0 ? TuneRules(val, rules, Objective, $"recall at precision ≥ {PrecisionFloor:F2}") : (rules, tally);
    }

    private static (GarmentRules Rules, DetectionTally Tally) TuneRules(List<(EvalPhoto, float[])> val, GarmentRules start, Func<DetectionTally, double> objective, string goal)
    {
        Console.WriteLine($"  tuning the rules for {goal}");
        var rules = start;
        var bestTally = Detect(val, rules);
        void Try(Func<GarmentRules, GarmentRules>[] candidates, string name)
        {
            foreach (var make in candidates)
            {
                var trial = make(rules);
                var tally = Detect(val, trial);
                if (objective(tally) > objective(bestTally) + 1e-9) { rules = trial; bestTally = tally; }
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    {name}: val recall {bestTally.AllRecall:F3}, precision {bestTally.AllPrecision:F3} ({rules})"));
        }
        for (int round = 0; round < 2; round++)
        {
            Try([.. new[] { 0.0005f, 0.001f, 0.002f, 0.004f, 0.008f, 0.015f }.Select(v => (Func<GarmentRules, GarmentRules>)(r => r with { MinAreaFraction = v }))], "min area");
            Try([.. new[] { 0f, 0.05f, 0.1f, 0.2f, 0.35f, 0.5f }.Select(v => (Func<GarmentRules, GarmentRules>)(r => r with { MinRelativeToLargest = v }))], "min share of the class's largest region");
            Try([.. new[] { 0.02f, 0.05f, 0.1f, 0.2f, 1f }.Select(v => (Func<GarmentRules, GarmentRules>)(r => r with { MergeGap = v }))], "merge gap");
            Try([r => r with { DressExclusive = true }, r => r with { DressExclusive = false }], "dress exclusivity");
            Try([r => r with { SplitShoes = false }, r => r with { SplitShoes = true }], "split shoes");
            Try([.. new[] { 0f, 0.4f, 0.5f, 0.6f, 0.7f }.Select(v => (Func<GarmentRules, GarmentRules>)(r => r with { MinScore = v }))], "min score");
        }
        // Per-class mask thresholds and minimum scores, each class in turn (overall val F1).
        for (int round = 0; round < 2; round++)
            for (int c = 0; c < 6; c++)
            {
                Try([.. new[] { 0f, 0.2f, 0.25f, 0.3f, 0.35f, 0.4f, 0.5f }.Select(v => (Func<GarmentRules, GarmentRules>)(r =>
                {
                    var m = r.MaskThresholdByClass is { } old ? (float[])old.Clone() : new float[6];
                    m[c] = v;
                    return r with { MaskThresholdByClass = m };
                }))], $"mask threshold of {Classes[c]}");
                Try([.. new[] { 0f, 0.4f, 0.5f, 0.55f, 0.6f, 0.65f, 0.7f, 0.75f, 0.8f }.Select(v => (Func<GarmentRules, GarmentRules>)(r =>
                {
                    var m = r.MinScoreByClass is { } old ? (float[])old.Clone() : Enumerable.Repeat(r.MinScore, 6).ToArray();
                    m[c] = v;
                    return r with { MinScoreByClass = m };
                }))], $"min score of {Classes[c]}");
            }
        return (rules, bestTally);
    }

    /// <summary>A class-balanced sample of each train photo's cells (<see cref="ParserData.Sample"/>) as examples; the row
    /// of cell j of photo i is <paramref name="row"/>(i, j).</summary>
    private static List<Example> Examples(IReadOnlyList<ParserPhoto> photos, int[][] sampled, Func<int, int, float[]> row, int[] counts)
    {
        double meanW = counts.Select((n, c) => n * (n == 0 ? 0 : 1 / Math.Sqrt(n))).Sum() / counts.Sum();
        var examples = new List<Example>();
        for (int i = 0; i < photos.Count; i++)
            foreach (int j in sampled[i])
                examples.Add(new Example { X = row(i, j), Classes = [[photos[i].Labels[j]]], Weight = (float)(1 / Math.Sqrt(counts[photos[i].Labels[j]]) / meanW) });
        return examples;
    }

    /// <summary>Trains one head on examples (class balancing: weight 1/√count, normalised to mean 1), keeping the epoch
    /// with the best val cell mIoU.</summary>
    private static HeadNetwork TrainHead(List<Example> examples, int width, int hidden, int epochs, List<EvalPhoto> val, Func<int, int, float[]> valRow)
    {
        var (mu, sigma) = HeadNetwork.Standardisation(examples.Select(e => e.X), width);
        var net = new HeadNetwork(width, hidden, [new Segment("probabilities", SegmentKind.Softmax, Classes.Length)], mu, sigma);
        float decay = float.TryParse(Environment.GetEnvironmentVariable("OOTD_PARSER_DECAY"), CultureInfo.InvariantCulture, out var wd) ? wd : WeightDecay;
        net.Train(examples, epochs, lr: 1e-3f, weightDecay: decay, batch: 128,
            validate: n => CellIoU(PlanesOf(val.Select(v => v.Cells).ToList(), n, valRow).Select((planes, i) => (val[i].Cells.Labels, ArgMaxCells(val[i].Cells, planes)))).Mean);
        return net;
    }

    /// <summary>Class-major probabilities of every photo (photos in parallel).</summary>
    private static float[][] PlanesOf(IReadOnlyList<ParserPhoto> photos, HeadNetwork net, Func<int, int, float[]> row)
    {
        var result = new float[photos.Count][];
        Parallel.For(0, photos.Count, i =>
        {
            var p = photos[i];
            int j = 0;
            result[i] = Probabilities(p, _ => net.Predict(row(i, j++)));
        });
        return result;
    }

    /// <summary>The CCP photo a cached view was made from (a mirrored copy or a composite goes into its photo's fold).</summary>
    private static string BaseImage(string image) => image.IndexOf('|') is var bar and >= 0 ? image[..bar] : image;

    /// <param name="mergeGap">when set, the tuned rules' merge gap is replaced by this value afterwards (1: every region
    /// of a class is one garment, one person per photo) and val is tallied again</param>
    public static int Train(int area, bool write, int hidden, bool context, float? mergeGap = null, bool composites = false)
    {
        var data = Datasets.Locate();
        var watch = Stopwatch.StartNew();
        var train = ParserData.Read(area, s => s == "train").ToList();
        if (composites)
        {
            var extra = ParserData.ReadFile(ParserComposites.CachePath(area), s => s == "train").ToList();
            Console.WriteLine($"  + {extra.Count} composite train photos ({ParserComposites.CachePath(area)})");
            train.AddRange(extra);
        }
        var val = EvalPhotos(data, area, "val");
        // A composite adds the pasted garment's cells only (with OOTD_PARSER_COMPOSITE_CELLS=pasted): the rest of it is its
        // CCP photo again, with a context disturbed by the paste.
        bool pastedOnly = Environment.GetEnvironmentVariable("OOTD_PARSER_COMPOSITE_CELLS") == "pasted";
        var sampled = train.Select(p => pastedOnly && p.Image.Contains(ParserComposites.Suffix, StringComparison.Ordinal)
            ? [.. ParserData.Sample(p.Labels, p.Image).Where(j => p.Labels[j] == FashionTaxonomy.Super("bag").Index)]
            : ParserData.Sample(p.Labels, p.Image)).ToArray();
        Console.WriteLine($"  area {area}: {train.Count} train photos (with mirrored copies), {sampled.Sum(s => s.Length)} sampled cells; {val.Count} val photos; read in {watch.Elapsed.TotalSeconds:F0} s");
        var counts = new int[7];
        for (int i = 0; i < train.Count; i++) foreach (int j in sampled[i]) counts[train[i].Labels[j]]++;
        Console.WriteLine("  train cells: " + string.Join(", ", Classes.Select((n, i) => $"{n} {counts[i]}")));
        var trainWatch = Stopwatch.StartNew();
        float[] Plain(IReadOnlyList<ParserPhoto> photos, int i, int j) => photos[i].Rows[j];
        var examples = Examples(train, sampled, (i, j) => Plain(train, i, j), counts);
        var valPhotos = val.Select(v => v.Cells).ToList();
        var net = TrainHead(examples, Hypercolumns.Width, hidden, Epochs, val, (i, j) => Plain(valPhotos, i, j));
        HeadNetwork? refine = null;
        int contextWidth = ParserContext.WidthFor(Classes.Length);
        float[][]? valContext = null;
        // The second head's input row: cell j's hypercolumn followed by its context values.
        float[] Joined(float[] row, float[] ctx, int j)
        {
            var x = new float[Hypercolumns.Width + contextWidth];
            row.CopyTo(x, 0);
            ctx.AsSpan(j * contextWidth, contextWidth).CopyTo(x.AsSpan(Hypercolumns.Width));
            return x;
        }
        if (context)
        {
            // Out-of-fold first passes for the train photos (two halves by photo, a mirrored copy with its original), so
            // the second head learns from first-pass probabilities as wrong as they will be on photos never seen.
            var fold = train.Select(p => (ParserData.StableHash(BaseImage(p.Image)) & 1)).ToArray();
            var trainContext = new float[train.Count][];
            for (int f = 0; f < 2; f++)
            {
                var inFold = Enumerable.Range(0, train.Count).Where(i => fold[i] != f).ToList();
                var foldPhotos = inFold.Select(i => train[i]).ToList();
                var foldExamples = Examples(foldPhotos, [.. inFold.Select(i => sampled[i])], (i, j) => foldPhotos[i].Rows[j], counts);
                Console.WriteLine($"  first pass for fold {f}: trained on {foldPhotos.Count} photos");
                var foldNet = TrainHead(foldExamples, Hypercolumns.Width, hidden, Math.Min(Epochs, 5), val, (i, j) => Plain(valPhotos, i, j));
                var heldOut = Enumerable.Range(0, train.Count).Where(i => fold[i] == f).ToList();
                var heldPhotos = heldOut.Select(i => train[i]).ToList();
                var heldPlanes = PlanesOf(heldPhotos, foldNet, (i, j) => heldPhotos[i].Rows[j]);
                for (int k = 0; k < heldOut.Count; k++)
                    trainContext[heldOut[k]] = ParserContext.Build(heldPlanes[k], Classes.Length, heldPhotos[k].GridWidth, heldPhotos[k].GridHeight);
            }
            valContext = [.. PlanesOf(valPhotos, net, (i, j) => Plain(valPhotos, i, j)).Select((p1, i) => ParserContext.Build(p1, Classes.Length, valPhotos[i].GridWidth, valPhotos[i].GridHeight))];
            // OOTD_PARSER_COMPOSITES_FIRST_ONLY=1: the composites train the first heads only; the second head learns from
            // real photos (their context maps are what it will see).
            var refineSampled = Environment.GetEnvironmentVariable("OOTD_PARSER_COMPOSITES_FIRST_ONLY") == "1"
                ? [.. sampled.Select((s, i) => train[i].Image.Contains(ParserComposites.Suffix, StringComparison.Ordinal) ? [] : s)]
                : sampled;
            var refineExamples = Examples(train, refineSampled, (i, j) => Joined(train[i].Rows[j], trainContext[i], j), counts);
            Console.WriteLine($"  second pass (hypercolumn + {contextWidth} context values)");
            var vc = valContext;
            refine = TrainHead(refineExamples, Hypercolumns.Width + contextWidth, hidden, Epochs, val, (i, j) => Joined(valPhotos[i].Rows[j], vc[i], j));
        }
        var trainSeconds = trainWatch.Elapsed.TotalSeconds;
        Console.WriteLine($"  heads trained in {trainSeconds:F0} s ({Epochs} epochs, hidden {hidden}, best epoch {net.BestEpoch}{(refine is null ? "" : $", second pass best epoch {refine.BestEpoch}")})");
        var finalPlanes = refine is null
            ? PlanesOf(valPhotos, net, (i, j) => Plain(valPhotos, i, j))
            : PlanesOf(valPhotos, refine, (i, j) => Joined(valPhotos[i].Rows[j], valContext![i], j));
        var planes = val.Select((v, i) => (v, finalPlanes[i])).ToList();
        var (miou, perClass) = CellIoU(planes.Select(x => (x.v.Cells.Labels, ArgMaxCells(x.v.Cells, x.Item2))));
        Console.WriteLine($"  val cell IoU: mean {miou:F3}; " + string.Join(", ", Classes.Select((n, i) => $"{n} {perClass[i]:F3}")));
        var tuneWatch = Stopwatch.StartNew();
        var fine = planes.Select(x => (x.v, ParseMap.UpsamplePlanes(x.Item2, Classes.Length, x.v.Cells.GridWidth, x.v.Cells.GridHeight, Upsample))).ToList();
        var (rules, tally) = TuneRules(fine);
        if (mergeGap is { } gap)
        {
            rules = rules with { MergeGap = gap };
            tally = Detect(fine, rules);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  merge gap set to {gap}: val recall {tally.AllRecall:F3}, precision {tally.AllPrecision:F3}"));
        }
        Console.WriteLine($"  rules tuned in {tuneWatch.Elapsed.TotalSeconds:F0} s: {rules}");
        for (int c = 0; c < 6; c++)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {Classes[c],-8} val recall {tally.Recall(c):F3} precision {tally.Precision(c):F3} ({tally.GroundTruth[c]} boxes)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  val all: recall {tally.AllRecall:F3}, precision {tally.AllPrecision:F3}; total {watch.Elapsed.TotalSeconds:F0} s"));
        // Ceiling of the grid and the rules: the ground-truth cell labels (one-hot) through the same mask → garment rules.
        var oracle = Detect([.. val.Select(v =>
        {
            int cells = v.Cells.GridWidth * v.Cells.GridHeight;
            var onehot = new float[Classes.Length * cells];
            for (int j = 0; j < v.Cells.Cells.Length; j++) onehot[v.Cells.Labels[j] * cells + v.Cells.Cells[j]] = 1;
            return (v, ParseMap.UpsamplePlanes(onehot, Classes.Length, v.Cells.GridWidth, v.Cells.GridHeight, Upsample));
        })], new GarmentRules(MinAreaFraction: 0.0005f, MinRelativeToLargest: 0f));
        var perClassCeiling = string.Join(", ", Enumerable.Range(0, 6).Select(c => $"{Classes[c]} {oracle.Recall(c):F2}"));
        Console.WriteLine($"  ceiling (ground-truth cell labels through the rules): recall {oracle.AllRecall:F3}, precision {oracle.AllPrecision:F3}; {perClassCeiling}");
        if (!write) return 0;
        var manifest = new ModelManifest
        {
            Name = "parser", Kind = "parser", File = "parser.onnx",
            Inputs = [new TensorSpec("hypercolumns", [-1, Hypercolumns.Width])],
            Outputs = [new TensorSpec("probabilities", [-1, Classes.Length], "softmax", Classes)],
            Preprocessing = new PreprocessingSpec(
                "ResNet18 (ImageNet), Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1, fully convolutional (symbolic N, H, W): layer2 (stride 8) averaged 2×2, layer3 (stride 16), layer4 (stride 32) bilinearly upsampled, + cell x, y (0–1) = 898 per stride-16 cell",
                area, "NCHW", "BGR, 0–255", "minus the channel means of ResNetPreprocess.onnx MeanImage",
                $"the whole photo resized to about {area} pixels (aspect kept, sides multiples of 32)"),
            Parser = new ParserSpec(area, BackboneFiles.StageOutputs[1..], Upsample, Classes, rules, RefineModel: refine is null ? null : RefineName),
            Training = new TrainingSpec(["ccp/labels per-pixel garment labels (train split), tags mapped to super-categories"],
                new() { ["trainPhotos"] = train.Count, ["trainCells"] = examples.Count, ["valPhotos"] = val.Count },
                $"per-pixel head {(hidden > 0 ? $"MLP {Hypercolumns.Width}→{hidden} ReLU" : "linear")} → 7-way softmax on stride-16 hypercolumns; cells labelled with their majority CCP pixel label; train photos and their mirror images{(refine is null ? "" : $"; a second head ({RefineName}) reads each hypercolumn with {contextWidth} context values (ParserContext: the first head's probabilities at 25 cells around it and per class the maxima over its row, column and photo and the photo mean), trained on out-of-fold first-head probabilities (train photos in two halves), best val-mIoU epoch {refine.BestEpoch}")}; at most {ParserData.PerClassCells} cells per class ({ParserData.BackgroundCells} background) per train photo, weights 1/√(class count); Adam, {Epochs} epochs, best val-mIoU epoch {net.BestEpoch}; trained in {trainSeconds:F0} s on the shared 2-core machine",
                $"Mask → garment rules tuned on val at IoU ≥ 0.5 (the highest recall at precision ≥ {PrecisionFloor:F2}, else F1; val recall {tally.AllRecall:F3}, precision {tally.AllPrecision:F3}; val cell mIoU {miou:F3})."),
            Rebuild = Trainers.Rebuild + $"parser features {area} && " + (composites ? Trainers.Rebuild + $"parser composites {area} && " : "") + Trainers.Rebuild + $"parser train {area} --write" + (refine is null ? "" : " --context") + (composites ? " --composites" : "") + (hidden != DefaultHidden ? $" --hidden {hidden}" : "") + (mergeGap is { } mg ? string.Create(CultureInfo.InvariantCulture, $" --merge-gap {mg}") : ""),
        };
        var onnx = net.ToOnnx("parser", [("hypercolumns", Hypercolumns.Width)]);
        File.WriteAllBytes(Path.Combine(Paths.ModelsFolder, manifest.File), onnx);
        File.WriteAllText(Path.Combine(Paths.ModelsFolder, "parser.json"), manifest.ToJson());
        Console.WriteLine($"  wrote models/parser.onnx ({onnx.Length / 1024} KB)");
        var refinePath = Path.Combine(Paths.ModelsFolder, RefineName + ".onnx");
        var refineManifestPath = Path.Combine(Paths.ModelsFolder, RefineName + ".json");
        if (refine is null)
        {
            File.Delete(refinePath); File.Delete(refineManifestPath);
            return 0;
        }
        var refineManifest = manifest with
        {
            Name = RefineName, Kind = "parser-refine", File = RefineName + ".onnx",
            Inputs = [new TensorSpec("hypercolumns_context", [-1, Hypercolumns.Width + contextWidth])],
            Parser = null,
        };
        var refineOnnx = refine.ToOnnx(RefineName, [("hypercolumns_context", Hypercolumns.Width + contextWidth)]);
        File.WriteAllBytes(refinePath, refineOnnx);
        File.WriteAllText(refineManifestPath, refineManifest.ToJson());
        Console.WriteLine($"  wrote models/{RefineName}.onnx ({refineOnnx.Length / 1024} KB)");
        return 0;
    }

    public const string RefineName = "parser-refine";
    public const int DefaultHidden = 64;
    public const float WeightDecay = 1e-4f;
}
