using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Ootd.Grains.Catalog;

namespace Ootd.CatalogImport;

/// <summary>
/// Fits the weights of the similar-products ranking (<see cref="SimilarProductOptions"/>: Bias, VisualWeight,
/// SubCategoryWeight, ColourWeight, AttributeWeight) on a CCP split (val): each photo goes to
/// <c>POST /api/v1/search/image</c> with a large k; every detected item that overlaps a labelled garment with a known
/// sub-category (IoU ≥ 0.3) gives its candidate list, one row per product with the agreement terms the API returns
/// (<c>match</c>) and the label "the product has the garment's true sub-category". A logistic regression (Newton's
/// method, a small L2 penalty) on those rows gives the weights; the top-k hit rate of the garments is reported for the
/// weights the platform ran with and for the fitted ones, re-ranking the same candidate lists.
/// </summary>
public static class TuneRankingCommand
{
    private sealed record Row(double[] X, bool Label, string Sub = "");

    public static async Task<int> RunAsync(CatalogClient client, string ccpFolder, string split, int candidates, int k, int limit, int parallelism,
        TextWriter output, CancellationToken ct)
    {
        var splits = File.ReadLines(Path.Combine(ccpFolder, "splits.csv")).Skip(1).Select(l => l.Split(','))
            .Where(p => p.Length >= 2).ToDictionary(p => p[0], p => p[1].Trim());
        var truths = new Dictionary<string, List<(string? Sub, float X0, float Y0, float X1, float Y1)>>();
        foreach (var r in File.ReadLines(Path.Combine(ccpFolder, "ccp_boxes.csv")).Skip(1).Select(l => l.Split(',')))
        {
            if (r.Length < 11 || r[5] != "True" || CategoryHints.Read(r[4]) is not { } category) continue;
            var sub = r[4] is "top" or "shoes" or "bag" or "purse" ? null : category.Sub;
            float P(string s) => float.Parse(s, CultureInfo.InvariantCulture);
            if (!truths.TryGetValue(r[0], out var list)) truths[r[0]] = list = [];
            list.Add((sub, P(r[6]), P(r[7]), P(r[8]) + 1, P(r[9]) + 1));
        }
        var photos = splits.Where(s => s.Value == split && truths.ContainsKey(s.Key)).Select(s => s.Key).Order(StringComparer.Ordinal).ToList();
        if (limit > 0) photos = photos.Take(limit).ToList();
        output.WriteLine($"tune-ranking: {photos.Count} CCP '{split}' photos, {candidates} candidates per detected item");

        var lists = new List<List<Row>>();
        int failed = 0, done = 0;
        var bar = new ProgressBar(Console.Error, photos.Count, "searched", "-");
        await Parallel.ForEachAsync(photos, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = ct }, async (image, token) =>
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(ccpFolder, "photos", image), token);
            using var response = await client.SendAsync(() =>
            {
                var form = new MultipartFormDataContent { { new StringContent(candidates.ToString(CultureInfo.InvariantCulture)), "k" } };
                var file = new ByteArrayContent(bytes);
                file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
                form.Add(file, "photo", image);
                return new HttpRequestMessage(HttpMethod.Post, "api/v1/search/image") { Content = form };
            }, token);
            if (!response.IsSuccessStatusCode) { Interlocked.Increment(ref failed); }
            else
            {
                var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(token))!.AsObject();
                foreach (var node in body["items"]!.AsArray())
                {
                    var box = node!["box"]!.AsObject();
                    float x0 = box["x0"]!.GetValue<float>(), y0 = box["y0"]!.GetValue<float>(), x1 = box["x1"]!.GetValue<float>(), y1 = box["y1"]!.GetValue<float>();
                    var best = truths[image].Select(t => (t.Sub, IoU: IoU(x0, y0, x1, y1, t.X0, t.Y0, t.X1, t.Y1))).MaxBy(t => t.IoU);
                    if (best.IoU < 0.3f || best.Sub is null) continue;
                    var rows = new List<Row>();
                    foreach (var p in node["similarProducts"]!.AsArray())
                    {
                        if (p!["match"] is not JsonObject m) continue;
                        rows.Add(new Row([m["visual"]!.GetValue<float>(), m["subCategory"]!.GetValue<float>(), m["colour"]!.GetValue<float>(), m["attributes"]!.GetValue<float>()],
                            p["subCategory"]!.GetValue<string>() == best.Sub, p["subCategory"]!.GetValue<string>()));
                    }
                    if (rows.Count > 0) lock (lists) lists.Add(rows);
                }
            }
            int now = Interlocked.Increment(ref done);
            lock (lists) bar.Update(now, now - failed, 0, failed);
        });
        bar.Finish(done, done - failed, 0, failed);
        var all = lists.SelectMany(l => l).ToList();
        if (all.Count == 0) { output.WriteLine("no candidate rows (does the API return match terms?)"); return 1; }
        output.WriteLine($"{lists.Count} garments, {all.Count} candidate rows, {all.Count(r => r.Label)} with the true sub-category");

        // Agreement can only help a product: a criterion whose fitted weight comes out negative (a confounded one) is
        // left out (weight 0) and the rest refitted, so every weight the platform runs with is ≥ 0.
        var active = new bool[] { true, true, true, true, true };
        var w = Fit(all, 1e-3, active);
        while (Enumerable.Range(1, 4).FirstOrDefault(i => active[i] && w[i] < 0) is var negative and > 0)
        {
            output.WriteLine($"  criterion {negative} came out negative ({w[negative]:0.000}): left out and refitted");
            active[negative] = false;
            w = Fit(all, 1e-3, active);
        }
        static string F(double v) => v.ToString("0.000", CultureInfo.InvariantCulture);
        output.WriteLine($"fitted: Bias {F(w[0])}, VisualWeight {F(w[1])}, SubCategoryWeight {F(w[2])}, ColourWeight {F(w[3])}, AttributeWeight {F(w[4])}");
        output.WriteLine($"  appsettings: \"Bias\": {F(w[0])}, \"VisualWeight\": {F(w[1])}, \"SubCategoryWeight\": {F(w[2])}, \"ColourWeight\": {F(w[3])}, \"AttributeWeight\": {F(w[4])}");
        output.WriteLine($"  log-loss {F(LogLoss(all, w))} (constant model {F(LogLoss(all, [Logit(all.Count(r => r.Label) / (double)all.Count), 0, 0, 0, 0]))})");
        output.WriteLine($"top-{k} garments holding the true sub-category, re-ranking the same candidates:");
        output.WriteLine($"  as served (the platform's weights): {Share(lists.Count(l => l.Take(k).Any(r => r.Label)), lists.Count)}");
        output.WriteLine($"  fitted weights:                     {Share(lists.Count(l => l.OrderByDescending(r => Z(r.X, w)).Take(k).Any(r => r.Label)), lists.Count)}");
        output.WriteLine($"  visual similarity alone:            {Share(lists.Count(l => l.OrderByDescending(r => r.X[0]).Take(k).Any(r => r.Label)), lists.Count)}");
        output.WriteLine($"  sub-category term alone:            {Share(lists.Count(l => l.OrderByDescending(r => r.X[1]).ThenByDescending(r => r.X[0]).Take(k).Any(r => r.Label)), lists.Count)}");
        output.WriteLine($"  fitted weights, at most m products of one sub-category in the top {k} (MaxPerSubCategory):");
        for (int m = 1; m <= k; m++)
        {
            var cap = m;
            int hits = lists.Count(l => Capped(l.OrderByDescending(r => Z(r.X, w)).ToList(), cap, k).Any(r => r.Label));
            int served = lists.Count(l => Capped(l, cap, k).Any(r => r.Label));
            int visual = lists.Count(l => Capped(l.OrderByDescending(r => r.X[0]).ToList(), cap, k).Any(r => r.Label));
            output.WriteLine($"    m = {m}: {Share(hits, lists.Count)}; with the served order: {Share(served, lists.Count)}; visual alone: {Share(visual, lists.Count)}");
        }
        output.WriteLine($"  places in the top {k} per sub-category in proportion to the classifier (ceil(P(sub) · {k}), at least 1; SubCategorySlotsByProbability):");
        {
            int hits = lists.Count(l => Capped(l.OrderByDescending(r => Z(r.X, w)).ToList(), 0, k).Any(r => r.Label));
            int served = lists.Count(l => Capped(l, 0, k).Any(r => r.Label));
            int visual = lists.Count(l => Capped(l.OrderByDescending(r => r.X[0]).ToList(), 0, k).Any(r => r.Label));
            output.WriteLine($"    fitted {Share(hits, lists.Count)}; with the served order: {Share(served, lists.Count)}; visual alone: {Share(visual, lists.Count)}");
        }
        return 0;
    }

    /// <summary>The first k of a ranked list with at most <paramref name="cap"/> per sub-category while others are left
    /// (<see cref="SimilarProductRanking.Diversify"/>'s rule).</summary>
    private static List<Row> Capped(List<Row> ranked, int cap, int k)
    {
        var chosen = new List<Row>();
        var deferred = new List<Row>();
        var per = new Dictionary<string, int>();
        foreach (var r in ranked)
        {
            if (chosen.Count == k) break;
            var n = per.GetValueOrDefault(r.Sub);
            var limit = cap > 0 ? cap : Math.Max(1, (int)Math.Ceiling(r.X[1] * k - 1e-6)); // 0: in proportion to P(sub)
            if (n >= limit) { deferred.Add(r); continue; }
            per[r.Sub] = n + 1;
            chosen.Add(r);
        }
        chosen.AddRange(deferred.Take(k - chosen.Count));
        return chosen;
    }

    private static string Share(int a, int b) => b == 0 ? "n/a" : string.Create(CultureInfo.InvariantCulture, $"{(double)a / b:0.000} ({a}/{b})");

    private static double Z(double[] x, double[] w) => w[0] + w[1] * x[0] + w[2] * x[1] + w[3] * x[2] + w[4] * x[3];

    private static double Logit(double p) => Math.Log(p / (1 - p));

    private static double LogLoss(List<Row> rows, double[] w) =>
        rows.Average(r => { var p = Math.Clamp(1 / (1 + Math.Exp(-Z(r.X, w))), 1e-9, 1 - 1e-9); return r.Label ? -Math.Log(p) : -Math.Log(1 - p); });

    /// <summary>Logistic regression by Newton's method (IRLS) with an L2 penalty on the weights (not the bias).</summary>
    private static double[] Fit(List<Row> rows, double lambda, bool[] active)
    {
        const int d = 5;
        var w = new double[d];
        for (int iteration = 0; iteration < 50; iteration++)
        {
            var g = new double[d];
            var h = new double[d, d];
            foreach (var r in rows)
            {
                double[] x = [1, r.X[0], r.X[1], r.X[2], r.X[3]];
                double p = 1 / (1 + Math.Exp(-Z(r.X, w)));
                double e = p - (r.Label ? 1 : 0), s = Math.Max(p * (1 - p), 1e-9);
                for (int i = 0; i < d; i++)
                {
                    g[i] += e * x[i];
                    for (int j = 0; j < d; j++) h[i, j] += s * x[i] * x[j];
                }
            }
            for (int i = 1; i < d; i++) { g[i] += lambda * rows.Count * w[i]; h[i, i] += lambda * rows.Count; }
            for (int i = 0; i < d; i++)
            {
                if (active[i]) continue;
                g[i] = 0;
                for (int j = 0; j < d; j++) { h[i, j] = 0; h[j, i] = 0; }
                h[i, i] = 1;
            }
            for (int i = 0; i < d; i++) h[i, i] += 1e-9;
            var step = Solve(h, g);
            double change = 0;
            for (int i = 0; i < d; i++) { w[i] -= step[i]; change = Math.Max(change, Math.Abs(step[i])); }
            if (change < 1e-7) break;
        }
        return w;
    }

    private static double[] Solve(double[,] a, double[] b)
    {
        int n = b.Length;
        var m = (double[,])a.Clone();
        var x = (double[])b.Clone();
        for (int c = 0; c < n; c++)
        {
            int pivot = c;
            for (int r = c + 1; r < n; r++) if (Math.Abs(m[r, c]) > Math.Abs(m[pivot, c])) pivot = r;
            for (int j = 0; j < n; j++) (m[c, j], m[pivot, j]) = (m[pivot, j], m[c, j]);
            (x[c], x[pivot]) = (x[pivot], x[c]);
            for (int r = 0; r < n; r++)
            {
                if (r == c || m[c, c] == 0) continue;
                double f = m[r, c] / m[c, c];
                for (int j = 0; j < n; j++) m[r, j] -= f * m[c, j];
                x[r] -= f * x[c];
            }
        }
        for (int i = 0; i < n; i++) x[i] = m[i, i] == 0 ? 0 : x[i] / m[i, i];
        return x;
    }

    private static float IoU(float x0, float y0, float x1, float y1, float a0, float b0, float a1, float b1)
    {
        float ix = Math.Max(0, Math.Min(x1, a1) - Math.Max(x0, a0)), iy = Math.Max(0, Math.Min(y1, b1) - Math.Max(y0, b0));
        float inter = ix * iy, union = (x1 - x0) * (y1 - y0) + (a1 - a0) * (b1 - b0) - inter;
        return union > 0 ? inter / union : 0;
    }
}
