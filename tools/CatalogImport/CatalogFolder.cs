using System.Globalization;
using System.Text;
using Ootd.Grains.Catalog;

namespace Ootd.CatalogImport;

/// <summary>One product row of a catalog CSV, ready to send (or the reason it cannot be sent).</summary>
public sealed record CatalogRow(
    int Line, string Id, string Title, string Brand, string? Price, string? Currency, string? ShopUrl, string? Category,
    string? Shot, string ImagePath)
{
    /// <summary>The CSV's gender label (Myntra: Men, Women, Boys, Girls, Unisex), sent as the product's gender field.</summary>
    public string? Gender { get; init; }
}

public sealed record RowProblem(int Line, string Id, string Reason);

/// <summary>
/// A catalog folder: one CSV (first line = header) and the images. Columns are found by name, case-insensitively:
/// id (<c>id</c>, <c>product_id</c>, <c>sku</c>), title (<c>title</c>, <c>name</c>, <c>productDisplayName</c>),
/// <c>brand</c>, <c>price</c>, <c>currency</c>, shop URL (<c>shop_url</c>, <c>shopUrl</c>, <c>url</c>, <c>link</c>),
/// category (<c>category</c>, <c>category_hint</c>, <c>articleType</c>), <c>shot</c>, image (<c>image</c>,
/// <c>image_path</c>, <c>file</c>; relative to the folder) — else <c>images/&lt;id&gt;.jpg|.jpeg|.png|.webp</c>.
/// Without a brand column and with a <c>gender</c> column (the Myntra layout), the brand is the title's words before
/// the gender word ("Turtle Check Men Navy Blue Shirt" → "Turtle Check"). A <c>split</c> column can filter rows.
/// </summary>
public sealed class CatalogFolder
{
    private static readonly string[] GenderWords = ["Men", "Women", "Boys", "Girls", "Unisex", "Kids"];

    public CatalogFolder(string folder, string? csvPath = null)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"catalog folder not found: {folder}");
        Folder = Path.GetFullPath(folder);
        if (csvPath is not null) CsvPath = Path.GetFullPath(Path.IsPathRooted(csvPath) ? csvPath : Path.Combine(Folder, csvPath));
        else
        {
            var csvs = Directory.GetFiles(Folder, "*.csv").Order(StringComparer.Ordinal).ToArray();
            CsvPath = csvs.FirstOrDefault(c => Path.GetFileName(c) is "products.csv" or "styles.csv" or "catalog.csv")
                      ?? (csvs.Length == 1 ? csvs[0] : throw new FileNotFoundException(
                          csvs.Length == 0 ? $"no CSV file in {Folder}" : $"several CSV files in {Folder}: choose one with --csv"));
        }
        if (!File.Exists(CsvPath)) throw new FileNotFoundException($"CSV not found: {CsvPath}");
    }

    public string Folder { get; }
    public string CsvPath { get; }

    /// <summary>Reads every row; a row that cannot become a product is a problem (reported, never fatal).</summary>
    public (List<CatalogRow> Rows, List<RowProblem> Problems) Read(string? split = null, string? defaultCurrency = null, string? shopUrlTemplate = null)
    {
        var rows = new List<CatalogRow>();
        var problems = new List<RowProblem>();
        using var reader = new StreamReader(CsvPath, Encoding.UTF8);
        var records = Csv.Parse(reader).GetEnumerator();
        if (!records.MoveNext()) return (rows, problems);
        var header = records.Current.Fields.Select(h => h.Trim().TrimStart('\uFEFF')).ToArray();
        int Col(params string[] names) => Array.FindIndex(header, h => names.Any(n => string.Equals(h, n, StringComparison.OrdinalIgnoreCase)));
        int id = Col("id", "product_id", "productId", "sku"), title = Col("title", "name", "productDisplayName", "product_name");
        int brand = Col("brand"), price = Col("price"), currency = Col("currency"), url = Col("shop_url", "shopUrl", "url", "link");
        int category = Col("category", "category_hint", "categoryHint", "articleType"), shot = Col("shot");
        int image = Col("image", "image_path", "imagePath", "file"), gender = Col("gender"), splitCol = Col("split");
        if (id < 0) throw new InvalidDataException($"{CsvPath}: no id column (id, product_id or sku)");
        if (title < 0) throw new InvalidDataException($"{CsvPath}: no title column (title, name or productDisplayName)");
        if (split is not null && splitCol < 0) throw new InvalidDataException($"{CsvPath}: --split given but the CSV has no split column");

        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (records.MoveNext())
        {
            var (line, f) = records.Current;
            string Get(int i) => i >= 0 && i < f.Count ? f[i].Trim() : "";
            if (f.Count == 1 && string.IsNullOrWhiteSpace(f[0])) continue;
            var productId = Get(id);
            if (f.Count != header.Length) { problems.Add(new(line, productId, $"expected {header.Length} fields, found {f.Count}")); continue; }
            if (split is not null && !string.Equals(Get(splitCol), split, StringComparison.OrdinalIgnoreCase)) continue;
            if (!ProductRules.IsValidId(productId)) { problems.Add(new(line, productId, $"invalid product id (must be {ProductRules.IdRule})")); continue; }
            if (!seen.Add(productId)) { problems.Add(new(line, productId, "duplicate product id (an earlier row has it)")); continue; }
            var productTitle = Get(title);
            if (productTitle.Length == 0) { problems.Add(new(line, productId, "empty title")); continue; }
            var productBrand = brand >= 0 ? Get(brand) : gender >= 0 ? BrandFromTitle(productTitle) : "";
            var imagePath = image >= 0 && Get(image).Length > 0 ? Path.GetFullPath(Path.Combine(Folder, Get(image))) : FindImage(productId);
            if (imagePath is null || !File.Exists(imagePath)) { problems.Add(new(line, productId, $"image not found ({(image >= 0 ? Get(image) : $"images/{productId}.jpg")})")); continue; }
            string? Opt(int i) => Get(i) is { Length: > 0 } v ? v : null;
            var priceText = Opt(price);
            var currencyText = Opt(currency) ?? (priceText is not null ? defaultCurrency : null);
            var shopUrl = Opt(url) ?? (shopUrlTemplate is not null ? shopUrlTemplate.Replace("{id}", Uri.EscapeDataString(productId), StringComparison.Ordinal) : null);
            rows.Add(new CatalogRow(line, productId, productTitle, productBrand, priceText, currencyText, shopUrl, Opt(category), Opt(shot), imagePath)
                { Gender = Opt(gender) is { } g && ProductAudience.Parse(g) is not null ? g : null });
        }
        return (rows, problems);
    }

    private string? FindImage(string id)
    {
        foreach (var ext in new[] { ".jpg", ".jpeg", ".png", ".webp", ".JPG", ".PNG" })
        {
            var path = Path.Combine(Folder, "images", id + ext);
            if (File.Exists(path)) return path;
        }
        return null;
    }

    /// <summary>The words of a Myntra-style title before its gender word, or "" when there is none.</summary>
    public static string BrandFromTitle(string title)
    {
        var words = title.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int at = Array.FindIndex(words, w => GenderWords.Contains(w.TrimEnd(',', '.', ';', ':'), StringComparer.OrdinalIgnoreCase));
        return at > 0 ? string.Join(' ', words[..at]) : "";
    }
}

/// <summary>RFC 4180 CSV: quoted fields may hold commas, doubled quotes and line breaks.</summary>
public static class Csv
{
    public static IEnumerable<(int Line, List<string> Fields)> Parse(TextReader reader)
    {
        int line = 0;
        string? text;
        while ((text = reader.ReadLine()) is not null)
        {
            line++;
            int start = line;
            var fields = new List<string>();
            var field = new StringBuilder();
            bool quoted = false;
            while (true)
            {
                for (int i = 0; i < text.Length; i++)
                {
                    char c = text[i];
                    if (quoted)
                    {
                        if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                        else if (c == '"') quoted = false;
                        else field.Append(c);
                    }
                    else if (c == '"' && field.Length == 0) quoted = true;
                    else if (c == ',') { fields.Add(field.ToString()); field.Clear(); }
                    else field.Append(c);
                }
                if (!quoted) break;
                var next = reader.ReadLine();
                if (next is null) break; // unterminated quote at the end of the file: keep what was read
                line++;
                field.Append('\n');
                text = next;
            }
            fields.Add(field.ToString());
            yield return (start, fields);
        }
    }
}
