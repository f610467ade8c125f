namespace Ootd.Inference.Taxonomy;

/// <summary>How the CCP data set's garment tags map onto the platform's sub-categories (accessories, jewellery,
/// skin, hair and underwear are not items). Used by the tools that train on CCP and simulate with it.</summary>
public static class CcpLabels
{
    public static readonly IReadOnlyDictionary<string, string> SubCategoryByTag = new Dictionary<string, string>
    {
        ["coat"] = "coat", ["jacket"] = "jacket", ["blazer"] = "blazer", ["cardigan"] = "cardigan", ["vest"] = "vest",
        ["cape"] = "coat", ["suit"] = "blazer",
        ["t-shirt"] = "tshirt", ["blouse"] = "shirt_blouse", ["shirt"] = "shirt_blouse", ["sweater"] = "knit_sweater",
        ["jumper"] = "knit_sweater", ["hoodie"] = "hoodie_sweatshirt", ["sweatshirt"] = "hoodie_sweatshirt", ["top"] = "sleeveless_top",
        ["jeans"] = "jeans", ["pants"] = "trousers", ["shorts"] = "shorts", ["skirt"] = "skirt", ["leggings"] = "leggings",
        ["dress"] = "dress", ["romper"] = "jumpsuit", ["bodysuit"] = "jumpsuit",
        ["sneakers"] = "sneakers", ["boots"] = "boots", ["heels"] = "heels", ["pumps"] = "heels", ["wedges"] = "heels",
        ["sandals"] = "sandals", ["flats"] = "flats_loafers", ["loafers"] = "flats_loafers", ["clogs"] = "flats_loafers",
        ["shoes"] = "formal_shoes",
        ["bag"] = "handbag_tote", ["purse"] = "shoulder_crossbody", ["wallet"] = "clutch_wallet",
    };
}
