using Ootd.Taxonomy;

namespace Ootd.Grains.Catalog;

/// <summary>
/// Reads a shop's category words ("Tshirts", "Casual Shoes", "jeans", "bag") as the platform's taxonomy: a
/// sub-category when the words name one, a super-category when they only name that, nothing otherwise. Knows the
/// taxonomy's own names, common English shop words and the article types of the Myntra catalogue.
/// </summary>
public static class CategoryHints
{
    /// <summary>The taxonomy's super-categories and their sub-categories (<see cref="FashionTaxonomy"/>), in taxonomy order.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Taxonomy =
        FashionTaxonomy.Supers.ToDictionary(s => s.Name, s => s.SubCategories.ToArray(), StringComparer.Ordinal);

    private static readonly Dictionary<string, string> SuperOfSub =
        Taxonomy.SelectMany(t => t.Value.Select(sub => (sub, t.Key))).ToDictionary(p => p.sub, p => p.Key, StringComparer.Ordinal);

    /// <summary>The super-category of a taxonomy sub-category, or null.</summary>
    public static string? SuperOf(string sub) => SuperOfSub.TryGetValue(sub, out var super) ? super : null;

    private static readonly Dictionary<string, string> SubWords = new(StringComparer.Ordinal)
    {
        // outer
        ["coat"] = "coat", ["overcoat"] = "coat", ["trench_coat"] = "coat", ["parka"] = "padded_jacket",
        ["jacket"] = "jacket", ["denim_jacket"] = "jacket", ["leather_jacket"] = "jacket", ["rain_jacket"] = "jacket",
        ["padded_jacket"] = "padded_jacket", ["puffer"] = "padded_jacket", ["puffer_jacket"] = "padded_jacket", ["down_jacket"] = "padded_jacket",
        ["blazer"] = "blazer", ["suit_jacket"] = "blazer", ["cardigan"] = "cardigan", ["shrug"] = "cardigan",
        ["vest"] = "vest", ["gilet"] = "vest", ["waistcoat"] = "vest",
        // top
        ["tshirt"] = "tshirt", ["t_shirt"] = "tshirt", ["tee"] = "tshirt", ["longsleeve"] = "tshirt",
        ["shirt"] = "shirt_blouse", ["blouse"] = "shirt_blouse", ["shirt_blouse"] = "shirt_blouse", ["kurta"] = "shirt_blouse",
        ["kurti"] = "shirt_blouse", ["tunic"] = "shirt_blouse",
        ["sweater"] = "knit_sweater", ["jumper"] = "knit_sweater", ["pullover"] = "knit_sweater", ["knit_sweater"] = "knit_sweater",
        ["hoodie"] = "hoodie_sweatshirt", ["sweatshirt"] = "hoodie_sweatshirt", ["hoodie_sweatshirt"] = "hoodie_sweatshirt",
        ["top"] = "sleeveless_top", ["tank_top"] = "sleeveless_top", ["camisole"] = "sleeveless_top", ["sleeveless_top"] = "sleeveless_top",
        ["polo"] = "polo", ["polo_shirt"] = "polo",
        // bottom
        ["jeans"] = "jeans", ["trousers"] = "trousers", ["pants"] = "trousers", ["chinos"] = "trousers", ["capris"] = "trousers",
        ["shorts"] = "shorts", ["lounge_shorts"] = "shorts", ["skirt"] = "skirt", ["leggings"] = "leggings", ["jeggings"] = "leggings",
        ["track_pants"] = "track_pants", ["lounge_pants"] = "track_pants", ["joggers"] = "track_pants", ["tracksuit"] = "track_pants",
        ["sweatpants"] = "track_pants",
        // dress
        ["dress"] = "dress", ["gown"] = "dress", ["jumpsuit"] = "jumpsuit", ["romper"] = "jumpsuit", ["playsuit"] = "jumpsuit",
        ["overalls"] = "jumpsuit",
        // shoes
        ["sneakers"] = "sneakers", ["trainers"] = "sneakers", ["casual_shoes"] = "sneakers", ["sports_shoes"] = "sneakers",
        ["running_shoes"] = "sneakers", ["flats"] = "flats_loafers", ["loafers"] = "flats_loafers", ["flats_loafers"] = "flats_loafers",
        ["ballerinas"] = "flats_loafers", ["heels"] = "heels", ["pumps"] = "heels", ["wedges"] = "heels", ["stilettos"] = "heels",
        ["boots"] = "boots", ["ankle_boots"] = "boots", ["sandals"] = "sandals", ["sports_sandals"] = "sandals",
        ["slippers"] = "slippers", ["flip_flops"] = "slippers", ["slides"] = "slippers", ["formal_shoes"] = "formal_shoes",
        ["oxfords"] = "formal_shoes", ["brogues"] = "formal_shoes", ["derbies"] = "formal_shoes",
        // bag
        ["backpack"] = "backpack", ["rucksack"] = "backpack", ["handbag"] = "handbag_tote", ["tote"] = "handbag_tote",
        ["tote_bag"] = "handbag_tote", ["handbag_tote"] = "handbag_tote", ["shoulder_bag"] = "shoulder_crossbody",
        ["crossbody"] = "shoulder_crossbody", ["crossbody_bag"] = "shoulder_crossbody", ["messenger_bag"] = "shoulder_crossbody",
        ["laptop_bag"] = "shoulder_crossbody", ["shoulder_crossbody"] = "shoulder_crossbody", ["clutch"] = "clutch_wallet",
        ["wallet"] = "clutch_wallet", ["purse"] = "clutch_wallet", ["clutch_wallet"] = "clutch_wallet",
        ["travel_bag"] = "travel_bag", ["duffel_bag"] = "travel_bag", ["duffle_bag"] = "travel_bag", ["suitcase"] = "travel_bag",
        ["luggage"] = "travel_bag",
    };

    private static readonly Dictionary<string, string> SuperWords = new(StringComparer.Ordinal)
    {
        ["outer"] = "outer", ["outerwear"] = "outer", ["outwear"] = "outer",
        ["top"] = "top", ["topwear"] = "top", ["tops"] = "top",
        ["bottom"] = "bottom", ["bottomwear"] = "bottom", ["bottoms"] = "bottom",
        ["dress"] = "dress", ["dresses"] = "dress",
        ["shoes"] = "shoes", ["shoe"] = "shoes", ["footwear"] = "shoes",
        ["bag"] = "bag", ["bags"] = "bag",
    };

    /// <summary>The (super, sub) named by <paramref name="hint"/>; sub is null when only the super-category is clear;
    /// null when the words name neither.</summary>
    public static (string Super, string? Sub)? Read(string? hint)
    {
        if (string.IsNullOrWhiteSpace(hint)) return null;
        var key = Normalise(hint);
        foreach (var candidate in Variants(key))
        {
            if (SubWords.TryGetValue(candidate, out var sub)) return (SuperOfSub[sub], sub);
        }
        foreach (var candidate in Variants(key))
        {
            if (SuperWords.TryGetValue(candidate, out var super)) return (super, null);
        }
        return null;
    }

    private static IEnumerable<string> Variants(string key)
    {
        yield return key;
        if (key.EndsWith("es", StringComparison.Ordinal)) yield return key[..^2];
        if (key.EndsWith('s')) yield return key[..^1];
    }

    private static string Normalise(string hint)
    {
        var chars = hint.Trim().ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray();
        var text = new string(chars);
        while (text.Contains("__", StringComparison.Ordinal)) text = text.Replace("__", "_", StringComparison.Ordinal);
        text = text.Trim('_');
        return text;
    }
}
