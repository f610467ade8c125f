using Ootd.Inference.Detection;
using Ootd.Inference.Imaging;
using Ootd.Inference.Models;
using Ootd.Taxonomy;

namespace Ootd.ModelBuilder;

/// <summary>`train classifier|tagger|embedder|detector`: trains heads on cached features and writes ONNX + manifests.</summary>
public static class Trainers
{
    public const string Rebuild = "dotnet run --project tools/ModelBuilder -c Release -- ";
    public static readonly int Epochs = int.TryParse(Environment.GetEnvironmentVariable("OOTD_EPOCHS"), out var e) ? e : 20;
    public static readonly int DetectorEpochs = int.TryParse(Environment.GetEnvironmentVariable("OOTD_EPOCHS"), out var e) ? e : 15;

    public static int Train(string[] which)
    {
        var data = Datasets.Locate();
        var items = FeatureStore.Open("items").Features;
        Directory.CreateDirectory(Paths.ModelsFolder);
        foreach (var w in which)
        {
            Console.WriteLine($"train {w}");
            switch (w)
            {
                case "classifier": Classifier(data, items); break;
                case "tagger": Tagger(data, items); break;
                case "embedder": Embedder(data, items); break;
                case "detector": Detector(data, items); break;
                default: Console.Error.WriteLine($"unknown head {w}"); return 2;
            }
        }
        return 0;
    }

    public static List<LabelledCrop> AllCrops(Datasets data) => [.. data.CcpCrops(), .. data.Products(), .. data.Clothing()];

    private static int[] Allowed(LabelledCrop c) =>
        c.Sub >= 0 ? [c.Sub] : FashionTaxonomy.Subs.Where(s => s.Super.Index == c.Super).Select(s => s.Index).ToArray();

    private static float[] BalancedWeights<T>(IReadOnlyList<T> rows, Func<T, int> cls)
    {
        var counts = rows.GroupBy(cls).ToDictionary(g => g.Key, g => g.Count());
        var w = rows.Select(r => 1f / MathF.Sqrt(counts[cls(r)])).ToArray();
        float mean = w.Average();
        return w.Select(x => x / mean).ToArray();
    }

    private static void Save(ModelManifest manifest, byte[] onnx)
    {
        File.WriteAllBytes(Path.Combine(Paths.ModelsFolder, manifest.File), onnx);
        File.WriteAllText(Path.Combine(Paths.ModelsFolder, manifest.Name + ".json"), manifest.ToJson());
        Console.WriteLine($"  wrote models/{manifest.File} ({onnx.Length / 1024} KB) and models/{manifest.Name}.json");
    }

    // ---------------------------------------------------------------- classifier
    public static void Classifier(Datasets data, Dictionary<string, float[]> items) => ClassifierTraining.Train(data, items);

    // ---------------------------------------------------------------- tagger
    public sealed record TaggerGroup(string Name, bool MultiLabel, string Column, string[] Labels);

    public static List<TaggerGroup> TaggerGroups(IReadOnlyList<LabelledCrop> train)
    {
        string[] Frequent(string column, int min) => train.Select(c => c.Attributes[column]).Where(v => v.Length > 0 && v != "NA")
            .GroupBy(v => v).Where(g => g.Count() >= min).OrderByDescending(g => g.Count()).Select(g => g.Key).ToArray();
        return
        [
            new("color", false, "color", Frequent("color", 20)),
            new("gender", false, "gender", Frequent("gender", 5)),
            new("season", true, "season", Frequent("season", 5)),
            new("occasion", true, "occasion", Frequent("occasion", 5)),
        ];
    }

    public static void Tagger(Datasets data, Dictionary<string, float[]> items)
    {
        var products = data.Products().Where(c => items.ContainsKey(c.Key)).ToList();
        var train = products.Where(c => c.Split == "train").ToList();
        var val = products.Where(c => c.Split == "val").ToList();
        var groups = TaggerGroups(train);
        var segments = groups.Select(g => new Segment(g.Name, g.MultiLabel ? SegmentKind.Sigmoid : SegmentKind.Softmax, g.Labels.Length)).ToArray();
        Example ToExample(LabelledCrop c) => new()
        {
            X = items[c.Key],
            Classes = groups.Select(g => !g.MultiLabel && Array.IndexOf(g.Labels, c.Attributes[g.Column]) is var i and >= 0 ? new[] { i } : null).ToArray(),
            Values = groups.Select(g =>
            {
                if (!g.MultiLabel) return null;
                int i = Array.IndexOf(g.Labels, c.Attributes[g.Column]);
                if (i < 0) return null;
                var y = new float[g.Labels.Length]; y[i] = 1; return y;
            }).ToArray(),
        };
        var examples = train.Select(ToExample).ToList();
        var (mu, sigma) = HeadNetwork.Standardisation(train.Select(c => items[c.Key]), 512);
        var net = new HeadNetwork(512, 256, segments, mu, sigma);
        net.Train(examples, Epochs, validate: n =>
        {
            double sum = 0;
            for (int s = 0; s < groups.Count; s++)
            {
                int ok = 0, all = 0;
                foreach (var c in val)
                {
                    int label = Array.IndexOf(groups[s].Labels, c.Attributes[groups[s].Column]);
                    if (label < 0) continue;
                    all++; if (ArgMax(n.Slice(n.Predict(items[c.Key]), s)) == label) ok++;
                }
                sum += all == 0 ? 0 : (double)ok / all;
            }
            return sum / groups.Count;
        });
        var allSubs = FashionTaxonomy.Subs.Select(s => s.Name).ToArray();
        var covered = groups.Select(g => g.Name).ToHashSet();
        var manifest = new ModelManifest
        {
            Name = "tagger", Kind = "attribute-tagger", File = "tagger.onnx",
            Inputs = [new TensorSpec("features", [-1, 512])],
            Outputs = groups.Select(g => new TensorSpec(g.Name, [-1, g.Labels.Length], g.MultiLabel ? "sigmoid" : "softmax", g.Labels)).ToArray(),
            AttributeGroups = groups.Select(g => new AttributeGroupSpec(g.Name, g.MultiLabel, g.Name, g.Labels, allSubs,
                $"products/styles.csv {(g.Column == "color" ? "baseColour" : g.Column == "occasion" ? "usage" : g.Column)}")).ToArray(),
            NotCovered = FashionTaxonomy.AttributeGroups.Where(g => !covered.Contains(g.Name)).Select(g => g.Name).ToArray(),
            Preprocessing = ModelManifest.ResNetPreprocessing("item box, stretched to 224×224"),
            Training = new TrainingSpec(["products/styles.csv (baseColour, gender, season, usage)"],
                new() { ["train"] = train.Count, ["val"] = val.Count },
                $"MLP 512→256 ReLU→ one softmax (categorical) or sigmoid (multi-label) block per group, Adam, {Epochs} epochs, best val epoch {net.BestEpoch}",
                "Colours with fewer than 20 training products are left out of the colour labels. The data gives one season and one usage per product, so the multi-label groups are trained with one positive each; a pixel-based colour estimate (PixelColourEstimator) is the second opinion on colour."),
            Rebuild = Rebuild + "train tagger",
        };
        Save(manifest, net.ToOnnx("tagger", [("features", 512)]));
        // A retrained head changes the street cache's outputs: `street` again, then `priors`.
        TaggerPriors.Run();
    }

    // ---------------------------------------------------------------- embedder
    public sealed record Projection(float[] Mean, float[] Matrix) // Matrix [128][512] row-major
    {
        public float[] Embed(float[] x)
        {
            var y = new float[128];
            for (int k = 0; k < 128; k++)
            {
                float s = 0;
                for (int i = 0; i < 512; i++) s += Matrix[k * 512 + i] * (x[i] - Mean[i]);
                y[k] = s;
            }
            return Linear.Normalize(y);
        }
    }

    public static (List<string> Gallery, Dictionary<string, float[]> Views) RetrievalSet(Datasets data, Dictionary<string, float[]> items, string split)
    {
        var views = FeatureStore.Open("views").Features;
        var gallery = data.Products().Concat(data.Clothing()).Where(c => c.Split == split && items.ContainsKey(c.Key)).Select(c => c.Key).ToList();
        var q = gallery.Where(k => views.ContainsKey(FeatureCommands.ViewKey(k, 0))).ToDictionary(k => k, k => views[FeatureCommands.ViewKey(k, 0)]);
        return (gallery, q);
    }

    /// <summary>Top-k accuracy: each query (a view of a gallery item) must find its own item among the whole gallery.</summary>
    public static double[] TopK(IReadOnlyList<string> gallery, IReadOnlyDictionary<string, float[]> queries,
        Func<float[], float[]> embedGallery, Func<float[], float[]> embedQuery, Dictionary<string, float[]> items, int[] ks)
    {
        var g = gallery.Select(k => Linear.Normalize(embedGallery(items[k]))).ToArray();
        var hits = new int[ks.Length]; int n = 0;
        for (int qi = 0; qi < gallery.Count; qi++)
        {
            if (!queries.TryGetValue(gallery[qi], out var view)) continue;
            n++;
            var q = Linear.Normalize(embedQuery(view));
            float own = Linear.Dot(q, g[qi]);
            int rank = 0;
            for (int j = 0; j < g.Length; j++) if (j != qi && Linear.Dot(q, g[j]) > own) rank++;
            for (int k = 0; k < ks.Length; k++) if (rank < ks[k]) hits[k]++;
        }
        return hits.Select(h => (double)h / Math.Max(n, 1)).ToArray();
    }

    public static Projection Pca(IReadOnlyList<float[]> xs, double power, double epsilonFraction, (double[] Values, double[][] Vectors, float[] Mean)? eig = null)
    {
        var (values, vectors, mean) = eig ?? Eigen(xs);
        var m = new float[128 * 512];
        double eps = epsilonFraction * values[0];
        for (int k = 0; k < 128; k++)
        {
            double scale = Math.Pow(Math.Max(values[k], 0) + eps, -power);
            for (int i = 0; i < 512; i++) m[k * 512 + i] = (float)(vectors[k][i] * scale);
        }
        return new Projection(mean, m);
    }

    public static (double[] Values, double[][] Vectors, float[] Mean) Eigen(IReadOnlyList<float[]> xs)
    {
        var mean = new double[512];
        foreach (var x in xs) for (int i = 0; i < 512; i++) mean[i] += x[i];
        for (int i = 0; i < 512; i++) mean[i] /= xs.Count;
        var cov = new double[512, 512];
        var c = new double[512];
        foreach (var x in xs)
        {
            for (int i = 0; i < 512; i++) c[i] = x[i] - mean[i];
            for (int i = 0; i < 512; i++) { double ci = c[i]; if (ci == 0) continue; for (int j = i; j < 512; j++) cov[i, j] += ci * c[j]; }
        }
        for (int i = 0; i < 512; i++) for (int j = i; j < 512; j++) { cov[i, j] /= xs.Count - 1; cov[j, i] = cov[i, j]; }
        var (values, vectors) = Linear.SymmetricEigen(cov);
        return (values, vectors, mean.Select(v => (float)v).ToArray());
    }

    public static void Embedder(Datasets data, Dictionary<string, float[]> items)
    {
        var views = FeatureStore.Open("views").Features;
        var trainKeys = AllCrops(data).Where(c => c.Split == "train" && items.ContainsKey(c.Key)).Select(c => c.Key).ToList();
        var xs = trainKeys.Select(k => items[k]).ToList();
        Console.WriteLine($"  PCA on {xs.Count} train crops");
        var eig = Eigen(xs);
        var (valGallery, valQueries) = RetrievalSet(data, items, "val");
        int[] ks = [1, 5, 10, 20];
        Projection? bestPca = null; double bestTop1 = -1; string bestName = "";
        foreach (var (power, eps) in new[] { (0.0, 0.0), (0.25, 0.01), (0.5, 0.01), (0.5, 0.001), (0.5, 0.1) })
        {
            var p = Pca(xs, power, eps, eig);
            var top = TopK(valGallery, valQueries, p.Embed, p.Embed, items, ks);
            Console.WriteLine($"  PCA power {power} eps {eps}: val top-1 {top[0]:F3} top-10 {top[2]:F3}");
            if (top[0] > bestTop1) { bestTop1 = top[0]; bestPca = p; bestName = $"power {power}, eps {eps}·λ1"; }
        }
        // N-pair (multi-class N-pair / InfoNCE) fine-tuning of a linear projection, initialised from the best PCA.
        var pairs = trainKeys.Where(k => views.ContainsKey(FeatureCommands.ViewKey(k, 0)))
            .Select(k => (items[k], views[FeatureCommands.ViewKey(k, 0)])).ToList();
        Console.WriteLine($"  N-pair on {pairs.Count} (photo, augmented view) pairs");
        var npair = NPair(pairs, bestPca!, p => TopK(valGallery, valQueries, p.Embed, p.Embed, items, ks)[0]);
        double npairTop1 = TopK(valGallery, valQueries, npair.Embed, npair.Embed, items, ks)[0];
        Console.WriteLine($"  val top-1: PCA {bestTop1:F3}, N-pair {npairTop1:F3}");
        bool keepNPair = npairTop1 > bestTop1;
        WriteEmbedder(keepNPair ? "embedder" : "embedder-npair", npair, "N-pair", pairs.Count, keepNPair, bestName);
        WriteEmbedder(keepNPair ? "embedder-pca" : "embedder", bestPca!, "PCA-whitening", xs.Count, !keepNPair, bestName);
    }

    private static void WriteEmbedder(string name, Projection p, string method, int samples, bool kept, string pcaSetting)
    {
        var g = new Ootd.Inference.Onnx.OnnxGraphBuilder(name);
        var x = g.Input("features", 512);
        var w = new float[512 * 128]; var b = new float[128];
        for (int k = 0; k < 128; k++)
        {
            double bias = 0;
            for (int i = 0; i < 512; i++) { w[i * 128 + k] = p.Matrix[k * 512 + i]; bias -= p.Matrix[k * 512 + i] * p.Mean[i]; }
            b[k] = (float)bias;
        }
        g.L2Normalize(g.Dense(x, w, b, 512, 128), "embedding");
        g.Output("embedding", 128);
        var manifest = new ModelManifest
        {
            Name = name, Kind = kept ? "embedder" : "embedder-baseline", File = name + ".onnx",
            Inputs = [new TensorSpec("features", [-1, 512])],
            Outputs = [new TensorSpec("embedding", [-1, 128], "l2-normalised")],
            Preprocessing = ModelManifest.ResNetPreprocessing("item box, stretched to 224×224"),
            Training = new TrainingSpec(["products/ and clothing/ train photos", "ccp garment crops (train)"],
                new() { ["samples"] = samples },
                method == "N-pair"
                    ? $"linear 512→128 initialised from PCA ({pcaSetting}), trained with the multi-class N-pair loss (temperature 0.1, both directions) on (photo, augmented view) pairs; best val epoch kept"
                    : $"PCA of train features, whitening {pcaSetting}, top 128 components",
                kept ? "Kept: the better of PCA-whitening and N-pair on val augmented-view top-1." : "Baseline: the other candidate, kept for the report."),
            Rebuild = Rebuild + "train embedder",
        };
        Save(manifest, g.Build());
    }

    public static Projection NPair(List<(float[] A, float[] B)> pairs, Projection init, Func<Projection, double> validate,
        int epochs = 12, int batch = 128, float tau = 0.1f, float lr = 1e-3f)
    {
        var mean = init.Mean; var w = (float[])init.Matrix.Clone();
        // Scale rows so the initial projection has unit-ish output norm.
        var m = new float[w.Length]; var v = new float[w.Length]; int step = 0;
        var rng = new Random(9);
        double best = validate(new Projection(mean, w)); var bestW = (float[])w.Clone(); int bestEpoch = 0;
        Console.WriteLine($"    epoch 0: val top-1 {best:F4}");
        var order = Enumerable.Range(0, pairs.Count).ToArray();
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            rng.Shuffle(order);
            double loss = 0;
            for (int s = 0; s + batch <= order.Length; s += batch)
            {
                int n = batch;
                var xa = new float[n][]; var xb = new float[n][];
                var ua = new float[n][]; var ub = new float[n][]; var za = new float[n][]; var zb = new float[n][];
                var na = new float[n]; var nb = new float[n];
                for (int i = 0; i < n; i++)
                {
                    var (a, b) = pairs[order[s + i]];
                    xa[i] = a.Select((x, j) => x - mean[j]).ToArray(); xb[i] = b.Select((x, j) => x - mean[j]).ToArray();
                    ua[i] = Project(w, xa[i]); ub[i] = Project(w, xb[i]);
                    na[i] = Norm(ua[i]); nb[i] = Norm(ub[i]);
                    za[i] = ua[i].Select(x => x / na[i]).ToArray(); zb[i] = ub[i].Select(x => x / nb[i]).ToArray();
                }
                var logits = new float[n, n];
                for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) logits[i, j] = Linear.Dot(za[i], zb[j]) / tau;
                // Symmetric cross-entropy: rows (a→b) and columns (b→a).
                var dl = new float[n, n];
                for (int i = 0; i < n; i++)
                {
                    float max = float.MinValue; for (int j = 0; j < n; j++) max = MathF.Max(max, logits[i, j]);
                    double sum = 0; for (int j = 0; j < n; j++) sum += Math.Exp(logits[i, j] - max);
                    for (int j = 0; j < n; j++) dl[i, j] += (float)(Math.Exp(logits[i, j] - max) / sum) / (2 * n);
                    dl[i, i] -= 1f / (2 * n);
                    loss += -(logits[i, i] - max - Math.Log(sum)) / 2;
                    max = float.MinValue; for (int j = 0; j < n; j++) max = MathF.Max(max, logits[j, i]);
                    sum = 0; for (int j = 0; j < n; j++) sum += Math.Exp(logits[j, i] - max);
                    for (int j = 0; j < n; j++) dl[j, i] += (float)(Math.Exp(logits[j, i] - max) / sum) / (2 * n);
                    dl[i, i] -= 1f / (2 * n);
                    loss += -(logits[i, i] - max - Math.Log(sum)) / 2;
                }
                var grad = new float[w.Length];
                for (int i = 0; i < n; i++)
                {
                    var dza = new float[128]; var dzb = new float[128];
                    for (int j = 0; j < n; j++)
                    {
                        float gij = dl[i, j] / tau, gji = dl[j, i] / tau;
                        for (int k = 0; k < 128; k++) { dza[k] += gij * zb[j][k]; dzb[k] += gji * za[j][k]; }
                    }
                    Accumulate(grad, dza, za[i], na[i], xa[i]);
                    Accumulate(grad, dzb, zb[i], nb[i], xb[i]);
                }
                step++;
                float c1 = 1 - MathF.Pow(0.9f, step), c2 = 1 - MathF.Pow(0.999f, step);
                for (int i = 0; i < w.Length; i++)
                {
                    m[i] = 0.9f * m[i] + 0.1f * grad[i]; v[i] = 0.999f * v[i] + 0.001f * grad[i] * grad[i];
                    w[i] -= lr * (m[i] / c1) / (MathF.Sqrt(v[i] / c2) + 1e-8f) * Scale(init.Matrix);
                }
            }
            double score = validate(new Projection(mean, w));
            Console.WriteLine($"    epoch {epoch}: loss {loss / order.Length:F4}, val top-1 {score:F4}");
            if (score > best) { best = score; bestW = (float[])w.Clone(); bestEpoch = epoch; }
        }
        Console.WriteLine($"    kept epoch {bestEpoch}");
        return new Projection(mean, bestW);
    }

    private static float _scale = -1;
    private static float Scale(float[] matrix)
    {
        if (_scale < 0) _scale = MathF.Sqrt(matrix.Select(x => x * x).Average());
        return _scale;
    }

    private static float[] Project(float[] w, float[] x)
    {
        var y = new float[128];
        for (int k = 0; k < 128; k++) { float s = 0; for (int i = 0; i < 512; i++) s += w[k * 512 + i] * x[i]; y[k] = s; }
        return y;
    }

    private static float Norm(float[] u) => MathF.Max(MathF.Sqrt(u.Sum(x => x * x)), 1e-12f);

    // d/du of z = u/|u|: (dz − z (z·dz)) / |u|; then dW += du xᵀ.
    private static void Accumulate(float[] grad, float[] dz, float[] z, float norm, float[] x)
    {
        float zdz = Linear.Dot(z, dz);
        for (int k = 0; k < 128; k++)
        {
            float du = (dz[k] - z[k] * zdz) / norm;
            if (du == 0) continue;
            int o = k * 512;
            for (int i = 0; i < 512; i++) grad[o + i] += du * x[i];
        }
    }

    public static int ArgMax(ReadOnlySpan<float> v)
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
    public static int ArgMax(float[] v) => ArgMax(v.AsSpan());

    // ---------------------------------------------------------------- detector
    public static void Detector(Datasets data, Dictionary<string, float[]> items) => DetectorTraining.Train(data, items);
}
