using System.Diagnostics;
using System.Globalization;
using Ootd.Inference;
using Ootd.Inference.Models;
using Ootd.Inference.Onnx;

namespace Ootd.ModelBuilder;

/// <summary>One item that the serving pipeline found on a CCP street photo, with the tagger's raw outputs.</summary>
public sealed record StreetItem(string Image, string Split, string Sub, float[] TaggerOutputs);

/// <summary>
/// `street`: every CCP photo through <see cref="FashionAnalyzer"/> as an OOTD upload (detector, outfit rules, item
/// crops), caching per item its sub-category and the tagger's raw output vector (manifest group order) in
/// .data/street-items-&lt;models hash&gt;.tsv. The attribute decisions (e.g. gender with the sub-category prior) are then measured on this
/// cache without running the backbone again. The cache is valid for the committed detector/classifier/tagger heads.
/// </summary>
public static class StreetAnalysis
{
    /// <summary>.data/street-items-&lt;hash&gt;.tsv, the hash of the detector, classifier and tagger files it was made with.</summary>
    public static string CachePath => Path.Combine(Paths.DataFolder, $"street-items-{ModelsHash()}.tsv");

    private static string ModelsHash()
    {
        using var sha = System.Security.Cryptography.SHA256.Create();
        foreach (var name in new[] { "detector.onnx", "classifier.onnx", "tagger.onnx" })
        {
            var path = Path.Combine(Paths.ModelsFolder, name);
            var bytes = File.Exists(path) ? File.ReadAllBytes(path) : [];
            sha.TransformBlock(bytes, 0, bytes.Length, null, 0);
        }
        sha.TransformFinalBlock([], 0, 0);
        return Convert.ToHexString(sha.Hash!)[..12].ToLowerInvariant();
    }

    public static int Run(int workers)
    {
        var data = Datasets.Locate();
        var photos = data.CcpPhotos().OrderBy(p => p.Image, StringComparer.Ordinal).ToList();
        var done = File.Exists(CachePath)
            ? File.ReadLines(CachePath).Select(l => l.Split('\t')[0]).ToHashSet(StringComparer.Ordinal)
            : [];
        var todo = photos.Where(p => !done.Contains(p.Image)).ToList();
        Console.WriteLine($"street photos: {photos.Count}, cached {done.Count}, to analyse {todo.Count} ({workers} at once)");
        var factory = new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = false, IntraOpThreads = 1 });
        using var analyzer = new FashionAnalyzer(new ModelRepository(Paths.ModelsFolder), factory);
        var gate = new object();
        var clock = Stopwatch.StartNew();
        int n = 0;
        Parallel.ForEach(todo, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, workers) }, p =>
        {
            var analysis = analyzer.Analyze(File.ReadAllBytes(p.Path), PhotoKind.Outfit);
            var lines = analysis.Items.Select(i =>
                string.Join('\t', p.Image, p.Split, i.SubCategory,
                    string.Join(',', i.AttributeVector.Select(v => v.ToString("R", CultureInfo.InvariantCulture))))).ToList();
            if (lines.Count == 0) lines.Add(string.Join('\t', p.Image, p.Split, "", ""));
            lock (gate)
            {
                File.AppendAllLines(CachePath, lines);
                if (++n % 50 == 0) Console.WriteLine($"  {n}/{todo.Count} photos, {clock.Elapsed.TotalSeconds / n:F2} s/photo");
            }
        });
        Console.WriteLine($"done: {n} photos in {clock.Elapsed.TotalSeconds:F0} s → {CachePath}");
        return 0;
    }

    /// <summary>The cached items (photos without items are skipped).</summary>
    public static List<StreetItem> Load()
    {
        if (!File.Exists(CachePath)) throw new FileNotFoundException($"no street analysis cache: run `street` first", CachePath);
        return File.ReadLines(CachePath).Select(l => l.Split('\t')).Where(f => f.Length == 4 && f[2].Length > 0)
            .Select(f => new StreetItem(f[0], f[1], f[2], f[3].Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray()))
            .ToList();
    }
}
