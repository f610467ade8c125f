namespace Ootd.Taxonomy;

/// <summary>A super-category (outer, top, …) and its sub-categories.</summary>
public sealed record SuperCategory(int Index, string Name, IReadOnlyList<string> SubCategories);

/// <summary>A sub-category with its index among all 32 and its super-category.</summary>
public sealed record SubCategory(int Index, string Name, SuperCategory Super);

/// <summary>An attribute group: categorical (exactly one value) or multi-label.</summary>
public sealed record AttributeGroup(string Name, bool MultiLabel);

/// <summary>The platform's fashion taxonomy (DESIGN §4): 6 super-categories, 32 sub-categories, 18 attribute groups.</summary>
public static class FashionTaxonomy
{
    public static IReadOnlyList<SuperCategory> Supers { get; } =
    [
        new(0, "outer", ["coat", "jacket", "padded_jacket", "blazer", "cardigan", "vest"]),
        new(1, "top", ["tshirt", "shirt_blouse", "knit_sweater", "hoodie_sweatshirt", "sleeveless_top", "polo"]),
        new(2, "bottom", ["jeans", "trousers", "shorts", "skirt", "leggings", "track_pants"]),
        new(3, "dress", ["dress", "jumpsuit"]),
        new(4, "shoes", ["sneakers", "flats_loafers", "heels", "boots", "sandals", "slippers", "formal_shoes"]),
        new(5, "bag", ["backpack", "handbag_tote", "shoulder_crossbody", "clutch_wallet", "travel_bag"]),
    ];

    /// <summary>The super-categories' names in taxonomy order: the search shards' default scopes.</summary>
    public static IReadOnlyList<string> SuperNames { get; } = Supers.Select(s => s.Name).ToArray();

    /// <summary>The super-categories' names for people: "outer, top, bottom, dress, shoes or bag".</summary>
    public static string SuperNamesText { get; } = string.Join(", ", SuperNames.Take(SuperNames.Count - 1)) + " or " + SuperNames[^1];

    public static IReadOnlyList<SubCategory> Subs { get; } =
        Supers.SelectMany(s => s.SubCategories.Select(n => (s, n))).Select((p, i) => new SubCategory(i, p.n, p.s)).ToArray();

    public static IReadOnlyList<AttributeGroup> AttributeGroups { get; } =
    [
        new("color", false), new("pattern", false), new("sleeve_length", false), new("length", false), new("fit", false),
        new("neckline", false), new("material", false), new("gender", false), new("heel_height", false),
        new("bag_size", false), new("closure", false),
        new("style", true), new("occasion", true), new("season", true), new("details", true),
        new("secondary_colors", true), new("texture", true), new("accessories", true),
    ];

    private static readonly Dictionary<string, SubCategory> SubByName = Subs.ToDictionary(s => s.Name);
    private static readonly Dictionary<string, SuperCategory> SuperByName = Supers.ToDictionary(s => s.Name);

    public static SubCategory Sub(string name) =>
        SubByName.TryGetValue(name, out var s) ? s : throw new KeyNotFoundException($"unknown sub-category '{name}'");

    public static SuperCategory Super(string name) =>
        SuperByName.TryGetValue(name, out var s) ? s : throw new KeyNotFoundException($"unknown super-category '{name}'");

    public static bool TryGetSub(string name, out SubCategory sub) => SubByName.TryGetValue(name, out sub!);

    /// <summary>Sums sub-category probabilities (32) into super-category probabilities (6).</summary>
    public static float[] SuperProbabilities(ReadOnlySpan<float> subProbabilities)
    {
        if (subProbabilities.Length != Subs.Count) throw new ArgumentException("expected 32 sub-category probabilities");
        var result = new float[Supers.Count];
        for (int i = 0; i < Subs.Count; i++) result[Subs[i].Super.Index] += subProbabilities[i];
        return result;
    }
}
