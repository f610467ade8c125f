using Npgsql;
using NpgsqlTypes;

namespace Ootd.Grains.Search;

/// <summary>A shard's slice read in one statement: its live vectors and its version.</summary>
public sealed record ShardSlice(IReadOnlyList<StoredVector> Items, SliceVersion Version);

/// <summary>An item whose row had been in another super-category before this write.</summary>
public sealed record MovedItem(string Key, string PreviousSuperCategory);

/// <summary>Reads and writes <c>item_vectors</c> (migration 0100_search.sql). Thread-safe.</summary>
public sealed class ItemVectorStore(NpgsqlDataSource dataSource)
{
    private const string SliceFilter =
        "index_name = @index AND super_category = @super AND (@shards = 1 OR route_bucket % @shards = @shard)";

    /// <summary>Inserts or replaces items in one transaction; reports those that were filed under another super-category.</summary>
    public async Task<IReadOnlyList<MovedItem>> UpsertAsync(string index, string superCategory, IReadOnlyList<ItemVector> items, CancellationToken cancellation = default)
    {
        if (items.Count == 0) return [];
        await using var connection = await dataSource.OpenConnectionAsync(cancellation);
        await using var transaction = await connection.BeginTransactionAsync(cancellation);
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var item in items)
        {
            var command = new NpgsqlBatchCommand("""
                WITH previous AS (SELECT super_category, deleted FROM item_vectors WHERE index_name = $1 AND item_key = $2)
                INSERT INTO item_vectors (index_name, item_key, super_category, sub_category, route_bucket, vector, deleted, audience)
                VALUES ($1, $2, $3, $4, $5, $6, false, $7)
                ON CONFLICT (index_name, item_key) DO UPDATE SET
                    super_category = EXCLUDED.super_category, sub_category = EXCLUDED.sub_category, audience = EXCLUDED.audience,
                    route_bucket = EXCLUDED.route_bucket, vector = EXCLUDED.vector, deleted = false,
                    version = nextval('item_vectors_version_seq'), updated_at = now()
                RETURNING (SELECT super_category FROM previous WHERE NOT deleted)
                """);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = index });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = item.Key });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = superCategory });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = item.SubCategory });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = ShardRouting.Bucket(item.Key) });
            command.Parameters.Add(new NpgsqlParameter<float[]> { TypedValue = item.Vector, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Real });
            command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = item.Audience });
            batch.BatchCommands.Add(command);
        }
        var moved = new List<MovedItem>();
        await using (var reader = await batch.ExecuteReaderAsync(cancellation))
        {
            var i = 0;
            do
            {
                while (await reader.ReadAsync(cancellation))
                {
                    if (!reader.IsDBNull(0) && reader.GetString(0) is var previous && previous != superCategory)
                        moved.Add(new MovedItem(items[i].Key, previous));
                }
                i++;
            } while (await reader.NextResultAsync(cancellation));
        }
        await transaction.CommitAsync(cancellation);
        return moved;
    }

    /// <summary>Marks items deleted; returns the super-category each live one was filed under.</summary>
    public async Task<IReadOnlyList<(string Key, string SuperCategory)>> MarkDeletedAsync(string index, IReadOnlyList<string> keys, CancellationToken cancellation = default)
    {
        if (keys.Count == 0) return [];
        await using var command = dataSource.CreateCommand("""
            UPDATE item_vectors SET deleted = true, vector = NULL,
                version = nextval('item_vectors_version_seq'), updated_at = now()
            WHERE index_name = $1 AND item_key = ANY($2) AND NOT deleted
            RETURNING item_key, super_category
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = index });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = keys.ToArray() });
        var removed = new List<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation)) removed.Add((reader.GetString(0), reader.GetString(1)));
        return removed;
    }

    /// <summary>The live vectors of one shard and the slice's version, read in one statement (one snapshot of the table).</summary>
    public async Task<ShardSlice> LoadSliceAsync(string index, string superCategory, int shardCount, int shard, CancellationToken cancellation = default)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT item_key, sub_category, vector, version, audience FROM item_vectors WHERE {SliceFilter}");
        AddSliceParameters(command, index, superCategory, shardCount, shard);
        var items = new List<StoredVector>();
        long maxVersion = 0, rows = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation))
        {
            rows++;
            maxVersion = Math.Max(maxVersion, reader.GetInt64(3));
            if (reader.IsDBNull(2)) continue;
            items.Add(new StoredVector(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<float[]>(2), (byte)(reader.GetInt16(4) & 0xFF)));
        }
        return new ShardSlice(items, new SliceVersion(maxVersion, rows));
    }

    /// <summary>The slice's current version without reading vectors.</summary>
    public async Task<SliceVersion> GetSliceVersionAsync(string index, string superCategory, int shardCount, int shard, CancellationToken cancellation = default)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT coalesce(max(version), 0), count(*) FROM item_vectors WHERE {SliceFilter}");
        AddSliceParameters(command, index, superCategory, shardCount, shard);
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        await reader.ReadAsync(cancellation);
        return new SliceVersion(reader.GetInt64(0), reader.GetInt64(1));
    }

    private static void AddSliceParameters(NpgsqlCommand command, string index, string superCategory, int shardCount, int shard)
    {
        command.Parameters.Add(new NpgsqlParameter<string>("index", index));
        command.Parameters.Add(new NpgsqlParameter<string>("super", superCategory));
        command.Parameters.Add(new NpgsqlParameter<int>("shards", shardCount));
        command.Parameters.Add(new NpgsqlParameter<int>("shard", shard));
    }
}
