using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using Ootd.Grains.Catalog;
using Ootd.Taxonomy;

namespace Ootd.Api.Catalog;

/// <summary>A checked product browsing request (<c>GET /api/v1/products</c>).</summary>
public sealed record ProductFilter(IReadOnlyList<string> Words, string? SuperCategory, string? Gender, decimal? MinPrice, decimal? MaxPrice, string? After, int Limit);

/// <summary>
/// Product browsing and text search over the ready products in <c>products</c> (read-only; the product grains write
/// the table): every query word must appear in the title or brand (case-insensitive), optional super-category,
/// gender (from the shop's title: <c>products.gender</c>) and price bounds; keyset paging in product id order.
/// </summary>
public sealed class ProductBrowser(NpgsqlDataSource db)
{
    public const int MaxQuery = 200;
    /// <summary>The super-categories a product listing may be filtered by: the taxonomy's (<see cref="FashionTaxonomy"/>).</summary>
    public static IReadOnlyList<string> Supers { get; } = FashionTaxonomy.SuperNames;
    private static readonly string[] Genders = ["female", "male", "unisex"];

    public static ProductFilter? Parse(string? query, string? superCategory, string? gender, string? minPrice, string? maxPrice,
        string? cursor, int? limit, Dictionary<string, string[]> errors)
    {
        var q = query?.Trim() ?? "";
        if (q.Length > MaxQuery) errors["query"] = [$"The query is at most {MaxQuery} characters."];
        if (q.Any(char.IsControl)) errors["query"] = ["The query must not contain control characters."];
        var words = q.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(10).ToList();
        var super = superCategory?.Trim().ToLowerInvariant();
        if (!string.IsNullOrEmpty(super) && !Supers.Contains(super)) errors["superCategory"] = [$"Unknown super-category; use {string.Join(", ", Supers)}."];
        var g = gender?.Trim().ToLowerInvariant();
        if (!string.IsNullOrEmpty(g) && !Genders.Contains(g)) errors["gender"] = ["Unknown gender; use female, male or unisex."];
        var min = Price(minPrice, "minPrice", errors);
        var max = Price(maxPrice, "maxPrice", errors);
        if (min is { } a && max is { } b && a > b) errors["maxPrice"] = ["maxPrice must not be below minPrice."];
        string? after = null;
        if (!string.IsNullOrEmpty(cursor) && (after = DecodeCursor(cursor)) is null) errors["cursor"] = ["The cursor is not one this API returned."];
        var l = limit ?? 20;
        if (l is < 1 or > 100) errors["limit"] = ["The limit must be between 1 and 100."];
        return errors.Count > 0 ? null : new ProductFilter(words, string.IsNullOrEmpty(super) ? null : super, string.IsNullOrEmpty(g) ? null : g, min, max, after, l);
    }

    private static decimal? Price(string? text, string field, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (decimal.TryParse(text.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value <= 1_000_000_000m) return value;
        errors[field] = [$"{field} must be a non-negative decimal number with a dot, e.g. 19.99."];
        return null;
    }

    public async Task<(IReadOnlyList<Product> Items, string? NextCursor)> Browse(ProductFilter f, CancellationToken ct)
    {
        var sql = new StringBuilder("""
            SELECT p.product_id, p.title, p.brand, p.price, p.currency, p.shop_url, p.media_id, p.category_hint, p.photo_kind, p.status,
                   p.super_category, p.sub_category, p.predicted_sub, p.analysis_error, p.created_at, p.updated_at,
                   m.content_type, m.width, m.height
            FROM products p LEFT JOIN media m ON m.id = p.media_id
            WHERE p.status = 1 AND p.product_id > $1
            """);
        var args = new List<NpgsqlParameter> { new() { Value = f.After ?? "" } };
        string Arg(object value, NpgsqlDbType? type = null)
        {
            var p = new NpgsqlParameter { Value = value };
            if (type is { } t) p.NpgsqlDbType = t;
            args.Add(p);
            return "$" + args.Count;
        }
        foreach (var word in f.Words)
        {
            var pattern = "%" + word.ToLowerInvariant().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
            var a = Arg(pattern);
            sql.Append($" AND (lower(p.title) LIKE {a} OR lower(p.brand) LIKE {a})");
        }
        if (f.SuperCategory is { } super) sql.Append($" AND p.super_category = {Arg(super)}");
        if (f.Gender is { } g) sql.Append(g == "unisex" ? $" AND p.gender = {Arg(g)}" : $" AND p.gender IN ({Arg(g)}, 'unisex')");
        if (f.MinPrice is { } min) sql.Append($" AND p.price >= {Arg(min, NpgsqlDbType.Numeric)}");
        if (f.MaxPrice is { } max) sql.Append($" AND p.price <= {Arg(max, NpgsqlDbType.Numeric)}");
        sql.Append($" ORDER BY p.product_id LIMIT {Arg(f.Limit + 1)}");

        await using var cmd = db.CreateCommand(sql.ToString());
        cmd.Parameters.AddRange(args.ToArray());
        var items = new List<Product>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            string? S(int i) => r.IsDBNull(i) ? null : r.GetString(i);
            Price? price = r.IsDBNull(3) ? null : new Price(r.GetDecimal(3), S(4) ?? "");
            var image = new ProductImage(r.GetString(6), S(16) ?? "application/octet-stream", r.IsDBNull(17) ? 0 : r.GetInt32(17), r.IsDBNull(18) ? 0 : r.GetInt32(18));
            items.Add(new Product(r.GetString(0), r.GetString(1), r.GetString(2), price, S(5), image, S(7), (ProductShot)r.GetInt16(8),
                (ProductStatus)r.GetInt16(9), S(10), S(11), S(12), S(13), r.GetFieldValue<DateTimeOffset>(14), r.GetFieldValue<DateTimeOffset>(15)));
        }
        if (items.Count <= f.Limit) return (items, null);
        items.RemoveAt(items.Count - 1);
        return (items, EncodeCursor(items[^1].Id));
    }

    private static string EncodeCursor(string lastId) =>
        "p1." + Convert.ToBase64String(Encoding.UTF8.GetBytes(lastId)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string? DecodeCursor(string cursor)
    {
        if (!cursor.StartsWith("p1.", StringComparison.Ordinal) || cursor.Length > 300) return null;
        var b64 = cursor[3..].Replace('-', '+').Replace('_', '/');
        b64 = b64.PadRight(b64.Length + (4 - b64.Length % 4) % 4, '=');
        try
        {
            var id = Encoding.UTF8.GetString(Convert.FromBase64String(b64));
            return ProductRules.IsValidId(id) ? id : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
