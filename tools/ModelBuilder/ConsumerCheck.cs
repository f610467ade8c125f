using System.Diagnostics;
using System.Globalization;
using Ootd.Inference;
using Ootd.Inference.Models;
using Ootd.Inference.Onnx;
using Ootd.Taxonomy;

namespace Ootd.ModelBuilder;

/// <summary>
/// `consumer [models folder]`: what a person gets for a single-garment photo. Every clothing test photo (one garment each,
/// taken by many contributors) goes as bytes through <see cref="FashionAnalyzer"/> with kind = Product, as the API does;
/// the first item's super-category and its confidence are scored (accuracy, ECE, wrong answers with confidence ≥ 0.9).
/// The optional folder runs another set of models (e.g. the previous commit's, from `git show`), for before/after.
/// </summary>
public static class ConsumerCheck
{
    public static int Run(string? folder, bool auto = false)
    {
        var kind = auto ? PhotoKind.Auto : PhotoKind.Product;
        int asProduct = 0;
        var data = Datasets.Locate();
        var repo = folder is null ? new ModelRepository(Paths.ModelsFolder) : new ModelRepository(folder);
        var photos = data.Clothing().Where(c => c.Split == "test").ToList();
        using var analyzer = new FashionAnalyzer(repo, new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = false, IntraOpThreads = 2 }));
        var confidence = new List<float>(); var right = new List<bool>();
        var perSuper = new Dictionary<int, (int N, int Ok)>();
        var clock = Stopwatch.StartNew();
        foreach (var c in photos)
        {
            var analysis = analyzer.Analyze(File.ReadAllBytes(c.ImagePath), kind);
            if (analysis.Kind == PhotoKind.Product) asProduct++;
            var item = analysis.Items[0];
            bool ok = item.SuperCategory == FashionTaxonomy.Supers[c.Super].Name;
            confidence.Add(item.SuperConfidence); right.Add(ok);
            var (n, k) = perSuper.GetValueOrDefault(c.Super);
            perSuper[c.Super] = (n + 1, k + (ok ? 1 : 0));
        }
        int wrong = right.Count(r => !r);
        int wrongConfident = right.Where((r, i) => !r && confidence[i] >= 0.9f).Count();
        string P(double x) => (100 * x).ToString("F1", CultureInfo.InvariantCulture);
        Console.WriteLine($"models: {repo.Folder} (classifier calibration: {(repo.Get("classifier").Calibration is { } cal ? $"T = {cal.Temperature.ToString(CultureInfo.InvariantCulture)}" : "none")})");
        Console.WriteLine($"clothing test photos through FashionAnalyzer (kind = {kind}): {photos.Count} in {clock.Elapsed.TotalSeconds:F0} s; analysed as a product shot: {asProduct}");
        Console.WriteLine($"  super-category accuracy {P(right.Count(r => r) / (double)right.Count)} %, " +
            $"ECE {TemperatureScaling.ExpectedCalibrationError(confidence, right):F3}, wrong answers with confidence ≥ 0.9: {wrongConfident} of {wrong} ({P(wrongConfident / (double)Math.Max(1, wrong))} %)");
        foreach (var (s, (n, k)) in perSuper.OrderBy(kv => kv.Key))
            Console.WriteLine($"  {FashionTaxonomy.Supers[s].Name}: {k}/{n} ({P(k / (double)n)} %)");
        return 0;
    }
}
