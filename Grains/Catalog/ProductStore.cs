using Npgsql;
using NpgsqlTypes;

namespace Ootd.Grains.Catalog;

/// <summary>The <c>products</c> table (and the OOTD item embeddings the similar-products search reads).</summary>
public sealed class ProductStore(NpgsqlDataSource dataSource)
{
    private const string Columns = """
        product_id, title, brand, price, currency, shop_url, media_id, category_hint, photo_kind, status,
        super_category, sub_category, predicted_sub, analysis_error, created_at, updated_at,
        (SELECT m.content_type FROM media m WHERE m.id = p.media_id), (SELECT m.width FROM media m WHERE m.id = p.media_id),
        (SELECT m.height FROM media m WHERE m.id = p.media_id), audience, colour, traits
        """;

    public async Task<Product?> FindAsync(string productId)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT {Columns} FROM products p WHERE product_id = $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = productId });
        await using var reader = await cmd.ExecuteReaderAsync();
        return await reader.ReadAsync() ? Read(reader) : null;
    }

    /// <summary>The ready products among <paramref name="productIds"/>, by id.</summary>
    public async Task<Dictionary<string, Product>> FindReadyAsync(IReadOnlyCollection<string> productIds)
    {
        var result = new Dictionary<string, Product>(StringComparer.Ordinal);
        if (productIds.Count == 0) return result;
        await using var cmd = dataSource.CreateCommand($"SELECT {Columns} FROM products p WHERE product_id = ANY($1) AND status = 1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = productIds.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var p = Read(reader);
            result[p.Id] = p;
        }
        return result;
    }

    /// <summary>Inserts or replaces the product row with status Analyzing; true when it is new.</summary>
    public async Task<bool> UpsertAnalyzingAsync(string productId, ProductDraft draft)
    {
        await using var cmd = dataSource.CreateCommand("""
            INSERT INTO products AS p (product_id, title, brand, price, currency, shop_url, media_id, category_hint, photo_kind, status)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0)
            ON CONFLICT (product_id) DO UPDATE SET
              title = EXCLUDED.title, brand = EXCLUDED.brand, price = EXCLUDED.price, currency = EXCLUDED.currency,
              shop_url = EXCLUDED.shop_url, media_id = EXCLUDED.media_id, category_hint = EXCLUDED.category_hint,
              photo_kind = EXCLUDED.photo_kind, status = 0, analysis_error = NULL, updated_at = now()
            RETURNING (xmax = 0)
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = productId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = draft.Title });
        cmd.Parameters.Add(new NpgsqlParameter { Value = draft.Brand ?? "" });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)draft.Price?.Amount ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Numeric });
        cmd.Parameters.Add(Text(draft.Price?.Currency));
        cmd.Parameters.Add(Text(draft.ShopUrl));
        cmd.Parameters.Add(new NpgsqlParameter { Value = draft.Image.MediaId });
        cmd.Parameters.Add(Text(draft.CategoryHint));
        cmd.Parameters.Add(new NpgsqlParameter { Value = (short)draft.Shot, NpgsqlDbType = NpgsqlDbType.Smallint });
        return (bool)(await cmd.ExecuteScalarAsync())!;
    }

    public async Task MarkReadyAsync(string productId, string super, string sub, string predicted, ProductAudience audience = default,
        string? colour = null, IReadOnlyList<string>? traits = null)
    {
        await using var cmd = dataSource.CreateCommand("""
            UPDATE products SET status = 1, super_category = $2, sub_category = $3, predicted_sub = $4, analysis_error = NULL,
                                audience = $5, colour = $6, traits = $7, updated_at = now()
            WHERE product_id = $1
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = productId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = super });
        cmd.Parameters.Add(new NpgsqlParameter { Value = sub });
        cmd.Parameters.Add(new NpgsqlParameter { Value = predicted });
        cmd.Parameters.Add(Text(audience.Name));
        cmd.Parameters.Add(Text(colour));
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)traits?.ToArray() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task MarkFailedAsync(string productId, string error)
    {
        await using var cmd = dataSource.CreateCommand(
            "UPDATE products SET status = 2, analysis_error = $2, updated_at = now() WHERE product_id = $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = productId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = error });
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task<bool> DeleteAsync(string productId)
    {
        await using var cmd = dataSource.CreateCommand("DELETE FROM products WHERE product_id = $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = productId });
        return await cmd.ExecuteNonQueryAsync() > 0;
    }

    /// <summary>The analysed items of an OOTD: item number, categories, embedding and sub-category probabilities.</summary>
    public async Task<List<(int ItemNo, string Super, string Sub, float[] Embedding, float[] SubProbabilities)>> OotdItemEmbeddingsAsync(Guid ootdId)
    {
        await using var cmd = dataSource.CreateCommand(
            "SELECT item_no, super_category, sub_category, embedding, sub_probabilities FROM ootd_items WHERE ootd_id = $1 ORDER BY item_no");
        cmd.Parameters.Add(new NpgsqlParameter { Value = ootdId });
        await using var reader = await cmd.ExecuteReaderAsync();
        var result = new List<(int, string, string, float[], float[])>();
        while (await reader.ReadAsync())
            result.Add((reader.GetInt16(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<float[]>(3), reader.GetFieldValue<float[]>(4)));
        return result;
    }

    private static NpgsqlParameter Text(string? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    private static Product Read(NpgsqlDataReader r)
    {
        string? S(int i) => r.IsDBNull(i) ? null : r.GetString(i);
        Price? price = r.IsDBNull(3) ? null : new Price(r.GetDecimal(3), S(4) ?? "");
        var image = new ProductImage(r.GetString(6), S(16) ?? "application/octet-stream", r.IsDBNull(17) ? 0 : r.GetInt32(17), r.IsDBNull(18) ? 0 : r.GetInt32(18));
        return new Product(r.GetString(0), r.GetString(1), r.GetString(2), price, S(5), image, S(7), (ProductShot)r.GetInt16(8),
            (ProductStatus)r.GetInt16(9), S(10), S(11), S(12), S(13),
            r.GetFieldValue<DateTimeOffset>(14), r.GetFieldValue<DateTimeOffset>(15))
        {
            Audience = S(19),
            Colour = S(20),
            Traits = r.IsDBNull(21) ? null : r.GetFieldValue<string[]>(21),
        };
    }
}
