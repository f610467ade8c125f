namespace Ootd.RecEval;

/// <summary>
/// A usable product of the products data set's styles.csv (id, gender, masterCategory, subCategory, articleType,
/// baseColour, season, year, usage, productDisplayName, split): one that fills an outfit slot (top, bottom, shoes,
/// bag, dress) and has colour, season and usage labels.
/// </summary>
public sealed record CatalogueRow(string Id, string Gender, string Slot, string Article, string Colour, string Season, string Usage)
{
    /// <summary>The usable rows of <paramref name="path"/>; <paramref name="options"/> names the options that point at it.</summary>
    public static List<CatalogueRow> Read(string path, string options)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Products file not found: {Path.GetFullPath(path)} (give {options}).");
        var rows = new List<CatalogueRow>();
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            var f = line.Split(',');
            if (f.Length < 11) continue;
            var slot = f[3] switch
            {
                "Topwear" => "top", "Bottomwear" => "bottom", "Shoes" or "Sandal" or "Flip Flops" => "shoes",
                "Bags" or "Wallets" => "bag", "Dress" => "dress", _ => "",
            };
            if (slot == "" || f[5] == "" || f[6] == "" || f[8] == "") continue;
            rows.Add(new CatalogueRow(f[0], f[1], slot, f[4], f[5], f[6], f[8]));
        }
        return rows;
    }
}
