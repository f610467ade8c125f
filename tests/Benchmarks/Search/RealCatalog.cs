using System.Globalization;
using Ootd.Inference.Backbone;
using Ootd.Inference.Models;
using Ootd.Inference.Onnx;

namespace Ootd.Benchmarks.Search;

/// <summary>
/// The real catalog for the search benchmark: cached 512-d backbone features of every product photo and clothing
/// photo (<c>.data/features/items.bin</c>, written by <c>tools/ModelBuilder -- features items views</c>), projected
/// to 128-d by the trained embedder head, as the indexed items; the augmented view of each test item
/// (<c>views.bin</c>, key <c>&lt;key&gt;#view0</c>), projected the same way, as the queries: a shopper's photo of a
/// product whose own catalog photo is in the index.
/// </summary>
internal sealed record RealCatalog(string[] Keys, float[][] Items, float[][] Queries, int[] OwnItem, string QuerySplit)
{
    public const string BuildCommand = "dotnet run --project tools/ModelBuilder -c Release -- features items views";

    /// <summary>Loads and projects the catalog, or returns null (with the reason) when the feature cache is missing.</summary>
    public static (RealCatalog? Catalog, string? Missing) TryLoad(string featureFolder, string? datasetsFolder, ModelRepository models)
    {
        var itemsPath = Path.Combine(featureFolder, "items.bin");
        var viewsPath = Path.Combine(featureFolder, "views.bin");
        if (!File.Exists(itemsPath) || !File.Exists(viewsPath))
            return (null, $"feature cache not found ({itemsPath}, {viewsPath})");
        if (!File.Exists(Path.Combine(featureFolder, "DONE")))
            Console.WriteLine($"warning: {featureFolder}/DONE is absent: the cache may still be being written; using what it holds");

        var items = FeatureFile.Read(itemsPath, key => key.StartsWith("products:", StringComparison.Ordinal) || key.StartsWith("clothing:", StringComparison.Ordinal));
        if (items.Count == 0) return (null, $"{itemsPath} holds no product or clothing photo features");
        var keys = items.Keys.Order(StringComparer.Ordinal).ToArray();
        var position = new Dictionary<string, int>(keys.Length, StringComparer.Ordinal);
        for (var i = 0; i < keys.Length; i++) position[keys[i]] = i;

        var testSplit = TestItems(datasetsFolder);
        var views = FeatureFile.Read(viewsPath, key =>
        {
            if (!key.EndsWith("#view0", StringComparison.Ordinal)) return false;
            var item = key[..^"#view0".Length];
            return position.ContainsKey(item) && (testSplit is null || testSplit(item));
        });
        if (views.Count == 0) return (null, $"{viewsPath} holds no view of a catalog item");
        var viewKeys = views.Keys.Order(StringComparer.Ordinal).ToArray();

        using var embedder = models.Open("embedder", new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = false, IntraOpThreads = Environment.ProcessorCount }));
        var projected = Project(embedder, keys.Select(k => items[k]).ToArray());
        var queries = Project(embedder, viewKeys.Select(k => views[k]).ToArray());
        var own = viewKeys.Select(k => position[k[..^"#view0".Length]]).ToArray();
        return (new RealCatalog(keys, projected, queries, own, testSplit is null ? "all cached views (datasets not found: split unknown)" : "test split"), null);
    }

    /// <summary>Which items belong to the test split (product styles.csv's split column; clothing's test folder), when the datasets are here.</summary>
    private static Func<string, bool>? TestItems(string? datasetsFolder)
    {
        var styles = datasetsFolder is null ? null : Path.Combine(datasetsFolder, "products", "styles.csv");
        if (styles is null || !File.Exists(styles)) return null;
        var testProducts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(styles).Skip(1))
        {
            var comma = line.IndexOf(',');
            if (comma > 0 && line.EndsWith(",test", StringComparison.Ordinal)) testProducts.Add("products:" + line[..comma]);
        }
        return key => testProducts.Contains(key) || key.StartsWith("clothing:test/", StringComparison.Ordinal);
    }

    private static float[][] Project(HeadSession embedder, float[][] features)
    {
        const int batch = 1024;
        var width = embedder.Manifest.Inputs[0].Shape[^1];
        var output = embedder.Manifest.Outputs[0].Name;
        var result = new float[features.Length][];
        for (var start = 0; start < features.Length; start += batch)
        {
            var count = Math.Min(batch, features.Length - start);
            var input = new float[count * width];
            for (var i = 0; i < count; i++)
            {
                if (features[start + i].Length != width)
                    throw new InvalidDataException($"feature of length {features[start + i].Length}, the embedder reads {width}");
                features[start + i].CopyTo(input, i * width);
            }
            var rows = embedder.Run(input, count)[output];
            for (var i = 0; i < count; i++) result[start + i] = rows.Row(i).ToArray();
        }
        return result;
    }

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Items.Length:N0} catalog photos ({Keys.Count(k => k.StartsWith("products:", StringComparison.Ordinal)):N0} products, " +
        $"{Keys.Count(k => k.StartsWith("clothing:", StringComparison.Ordinal)):N0} clothing), {Queries.Length:N0} augmented views as queries ({QuerySplit})");
}
