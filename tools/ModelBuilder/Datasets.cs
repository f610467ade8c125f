using System.Globalization;
using Ootd.Inference.Backbone;
using Ootd.Inference.Imaging;
using Ootd.Inference.Taxonomy;
using Ootd.Taxonomy;

namespace Ootd.ModelBuilder;

/// <summary>One labelled image or image region of the training data.</summary>
public sealed record LabelledCrop(
    string Key, string Source, string Split, string ImagePath, PixelBox? Box, int Sub, int Super,
    IReadOnlyDictionary<string, string> Attributes);

/// <summary>A CCP photo with its garment boxes (super-category index and box).</summary>
public sealed record StreetPhoto(string Image, string Split, string Path, int Width, int Height, IReadOnlyList<(int Super, PixelBox Box)> Items);

/// <summary>Reads the three data sets under ../shared/datasets (or OOTD_DATASETS) and maps labels onto the taxonomy.</summary>
public sealed class Datasets(string root)
{
    public string Root { get; } = root;

    public static Datasets Locate()
    {
        var env = Environment.GetEnvironmentVariable("OOTD_DATASETS");
        if (!string.IsNullOrWhiteSpace(env)) return new Datasets(env);
        var repo = BackboneFiles.RepositoryRoot() ?? Directory.GetCurrentDirectory();
        foreach (var candidate in new[] { Path.Combine(repo, "..", "shared", "datasets"), Path.Combine(repo, "shared", "datasets") })
            if (Directory.Exists(candidate)) return new Datasets(Path.GetFullPath(candidate));
        throw new DirectoryNotFoundException("datasets not found: set OOTD_DATASETS");
    }

    // CCP tag → sub-category: Ootd.Inference.Taxonomy.CcpLabels (the RecEval tool reads the same map).
    public static IReadOnlyDictionary<string, string> CcpTags => CcpLabels.SubCategoryByTag;

    // CCP tags whose sub-category is a guess (generic "shoes", "bag", "purse"): used for the super-category only.
    public static readonly IReadOnlySet<string> CcpSuperOnly = new HashSet<string> { "shoes", "bag", "purse", "top" };

    // Myntra articleType → sub-category.
    public static readonly IReadOnlyDictionary<string, string> ProductTypes = new Dictionary<string, string>
    {
        ["Tshirts"] = "tshirt", ["Shirts"] = "shirt_blouse", ["Tops"] = "sleeveless_top", ["Kurtas"] = "shirt_blouse",
        ["Kurtis"] = "shirt_blouse", ["Tunics"] = "shirt_blouse", ["Sweaters"] = "knit_sweater", ["Sweatshirts"] = "hoodie_sweatshirt",
        ["Jackets"] = "jacket", ["Waistcoat"] = "vest", ["Shrug"] = "cardigan",
        ["Trousers"] = "trousers", ["Jeans"] = "jeans", ["Shorts"] = "shorts", ["Lounge Shorts"] = "shorts", ["Track Pants"] = "track_pants",
        ["Lounge Pants"] = "track_pants", ["Capris"] = "trousers", ["Skirts"] = "skirt", ["Leggings"] = "leggings",
        ["Dresses"] = "dress", ["Tracksuits"] = "track_pants",
        ["Casual Shoes"] = "sneakers", ["Sports Shoes"] = "sneakers", ["Heels"] = "heels", ["Flats"] = "flats_loafers",
        ["Sandals"] = "sandals", ["Sports Sandals"] = "sandals", ["Flip Flops"] = "slippers", ["Formal Shoes"] = "formal_shoes",
        ["Handbags"] = "handbag_tote", ["Wallets"] = "clutch_wallet", ["Clutches"] = "clutch_wallet", ["Backpacks"] = "backpack",
        ["Rucksacks"] = "backpack", ["Laptop Bag"] = "shoulder_crossbody", ["Messenger Bag"] = "shoulder_crossbody",
        ["Duffel Bag"] = "travel_bag",
    };

    // clothing class → sub-category; "shoes" is mixed, so super-category only. "hat" is not an item.
    public static readonly IReadOnlyDictionary<string, string> ClothingClasses = new Dictionary<string, string>
    {
        ["dress"] = "dress", ["longsleeve"] = "tshirt", ["outwear"] = "jacket", ["pants"] = "trousers", ["shirt"] = "shirt_blouse",
        ["shoes"] = "sneakers", ["shorts"] = "shorts", ["skirt"] = "skirt", ["t-shirt"] = "tshirt",
    };
    public static readonly IReadOnlySet<string> ClothingSuperOnly = new HashSet<string> { "shoes" };

    private static IEnumerable<string[]> Csv(string path)
    {
        foreach (var line in File.ReadLines(path).Skip(1))
            if (!string.IsNullOrWhiteSpace(line)) yield return SplitCsv(line);
    }

    private static string[] SplitCsv(string line)
    {
        var parts = new List<string>(); var cur = new System.Text.StringBuilder(); bool quoted = false;
        foreach (char c in line)
        {
            if (c == '"') quoted = !quoted;
            else if (c == ',' && !quoted) { parts.Add(cur.ToString()); cur.Clear(); }
            else cur.Append(c);
        }
        parts.Add(cur.ToString());
        return [.. parts];
    }

    public Dictionary<string, string> CcpSplits() =>
        Csv(Path.Combine(Root, "ccp", "splits.csv")).ToDictionary(r => r[0], r => r[1]);

    /// <summary>CCP garment crops (one per image and tag). Sub = -1 where only the super-category is known.</summary>
    public IEnumerable<LabelledCrop> CcpCrops()
    {
        var splits = CcpSplits();
        foreach (var r in Csv(Path.Combine(Root, "ccp", "ccp_boxes.csv")))
        {
            string image = r[0], tag = r[4];
            if (r[5] != "True" || !CcpTags.TryGetValue(tag, out var subName)) continue;
            var sub = FashionTaxonomy.Sub(subName);
            var box = new PixelBox(F(r[6]), F(r[7]), F(r[8]) + 1, F(r[9]) + 1);
            if (box.Width < 8 || box.Height < 8) continue;
            yield return new LabelledCrop($"ccp:{image}:{tag}", "ccp", splits[image], Path.Combine(Root, "ccp", "photos", image), box,
                CcpSuperOnly.Contains(tag) ? -1 : sub.Index, sub.Super.Index, new Dictionary<string, string>());
        }
    }

    public IEnumerable<StreetPhoto> CcpPhotos()
    {
        var splits = CcpSplits();
        var rows = Csv(Path.Combine(Root, "ccp", "ccp_boxes.csv")).ToList();
        foreach (var g in rows.GroupBy(r => r[0]))
        {
            var items = new List<(int, PixelBox)>();
            foreach (var r in g)
                if (r[5] == "True" && CcpTags.TryGetValue(r[4], out var subName))
                {
                    var box = new PixelBox(F(r[6]), F(r[7]), F(r[8]) + 1, F(r[9]) + 1);
                    if (box.Width >= 8 && box.Height >= 8) items.Add((FashionTaxonomy.Sub(subName).Super.Index, box));
                }
            var first = g.First();
            yield return new StreetPhoto(g.Key, splits[g.Key], Path.Combine(Root, "ccp", "photos", g.Key),
                int.Parse(first[1], CultureInfo.InvariantCulture), int.Parse(first[2], CultureInfo.InvariantCulture), items);
        }
    }

    public IEnumerable<LabelledCrop> Products()
    {
        foreach (var r in Csv(Path.Combine(Root, "products", "styles.csv")))
        {
            // id,gender,masterCategory,subCategory,articleType,baseColour,season,year,usage,productDisplayName,split
            if (!ProductTypes.TryGetValue(r[4], out var subName)) continue;
            var sub = FashionTaxonomy.Sub(subName);
            var path = Path.Combine(Root, "products", "images", r[0] + ".jpg");
            if (!File.Exists(path)) continue;
            var attrs = new Dictionary<string, string> { ["gender"] = r[1], ["color"] = r[5], ["season"] = r[6], ["occasion"] = r[8] };
            yield return new LabelledCrop($"products:{r[0]}", "products", r[^1], path, null, sub.Index, sub.Super.Index, attrs);
        }
    }

    public IEnumerable<LabelledCrop> Clothing()
    {
        foreach (var (folder, split) in new[] { ("train", "train"), ("validation", "val"), ("test", "test") })
        {
            var dir = Path.Combine(Root, "clothing", folder);
            if (!Directory.Exists(dir)) continue;
            foreach (var classDir in Directory.GetDirectories(dir).Order(StringComparer.Ordinal))
            {
                var cls = Path.GetFileName(classDir);
                if (!ClothingClasses.TryGetValue(cls, out var subName)) continue;
                var sub = FashionTaxonomy.Sub(subName);
                foreach (var file in Directory.GetFiles(classDir).Order(StringComparer.Ordinal))
                    yield return new LabelledCrop($"clothing:{folder}/{cls}/{Path.GetFileName(file)}", "clothing", split, file, null,
                        ClothingSuperOnly.Contains(cls) ? -1 : sub.Index, sub.Super.Index, new Dictionary<string, string>());
            }
        }
    }

    private static float F(string s) => float.Parse(s, CultureInfo.InvariantCulture);
}
