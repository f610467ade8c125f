using Npgsql;
using NpgsqlTypes;
using Ootd.Grains.Storage;

namespace Ootd.Grains.Inference;

/// <summary>
/// The tables of the analysis: photo bytes (<c>media</c>), analysed items with their vectors (<c>ootd_items</c>) and
/// photo fingerprints per post (<c>ootd_fingerprints</c>), the garments each post's photo shows (<c>ootd_garments</c>).
/// </summary>
public sealed class AnalysisStore(NpgsqlDataSource dataSource)
{
    private long _mediaReads;

    /// <summary>Photos this silo has read back from <c>media</c> (one per upload: the analysis' own read).</summary>
    public long MediaReads => Interlocked.Read(ref _mediaReads);

    /// <summary>The stored bytes of a photo, or null.</summary>
    public async Task<byte[]?> ReadMediaAsync(string mediaId, CancellationToken cancellation = default)
    {
        Interlocked.Increment(ref _mediaReads);
        await using var cmd = dataSource.Command("SELECT bytes FROM media WHERE id = $1", mediaId);
        return await cmd.ExecuteScalarAsync(cancellation) as byte[];
    }

    /// <summary>Replaces the items of an OOTD and the garments its photo shows (idempotent: a retried analysis
    /// writes the same rows; no garments leaves none).</summary>
    public async Task SaveItemsAsync(Guid ootdId, IReadOnlyList<AnalysedItem> items, IReadOnlyList<GarmentProbability>? garments = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using (var delete = new NpgsqlCommand("DELETE FROM ootd_items WHERE ootd_id = $1", connection, tx))
        {
            delete.Parameters.Add(new NpgsqlParameter { Value = ootdId });
            await delete.ExecuteNonQueryAsync();
        }
        var batch = new NpgsqlBatch(connection, tx);
        for (short i = 0; i < items.Count; i++)
        {
            var (item, v) = (items[i].Item, items[i].Vectors);
            var command = new NpgsqlBatchCommand("""
                INSERT INTO ootd_items (ootd_id, item_no, super_category, sub_category, box, embedding, sub_probabilities,
                                        attribute_vector, backbone_features)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                """);
            command.Parameters.Add(new NpgsqlParameter { Value = ootdId });
            command.Parameters.Add(new NpgsqlParameter { Value = i, NpgsqlDbType = NpgsqlDbType.Smallint });
            command.Parameters.Add(new NpgsqlParameter { Value = item.SuperCategory });
            command.Parameters.Add(new NpgsqlParameter { Value = item.SubCategory });
            command.Parameters.Add(Reals(new[] { item.Box.X0, item.Box.Y0, item.Box.X1, item.Box.Y1 }));
            command.Parameters.Add(Reals(v.Embedding));
            command.Parameters.Add(Reals(v.SubCategoryProbabilities));
            command.Parameters.Add(Reals(v.AttributeVector));
            command.Parameters.Add(Reals(v.BackboneFeatures));
            batch.BatchCommands.Add(command);
        }
        var clear = new NpgsqlBatchCommand("DELETE FROM ootd_garments WHERE ootd_id = $1");
        clear.Parameters.Add(new NpgsqlParameter { Value = ootdId });
        batch.BatchCommands.Add(clear);
        if (garments is { Count: > 0 })
        {
            var shown = new NpgsqlBatchCommand("INSERT INTO ootd_garments (ootd_id, labels, probabilities) VALUES ($1, $2, $3)");
            shown.Parameters.Add(new NpgsqlParameter { Value = ootdId });
            shown.Parameters.Add(new NpgsqlParameter { Value = garments.Select(g => g.Label).ToArray() });
            shown.Parameters.Add(Reals(garments.Select(g => g.Probability).ToArray()));
            batch.BatchCommands.Add(shown);
        }
        await batch.ExecuteNonQueryAsync();
        await batch.DisposeAsync();
        await tx.CommitAsync();
    }

    /// <summary>The stored embeddings of an OOTD's items, in item order.</summary>
    public async Task<List<float[]>> ReadEmbeddingsAsync(Guid ootdId)
    {
        await using var cmd = dataSource.Command("SELECT embedding FROM ootd_items WHERE ootd_id = $1 ORDER BY item_no", ootdId);
        await using var reader = await cmd.ExecuteReaderAsync();
        var result = new List<float[]>();
        while (await reader.ReadAsync()) result.Add(reader.GetFieldValue<float[]>(0));
        return result;
    }

    /// <summary>
    /// Records the photo of a new post unless the same author already has a live post with the same bytes or a
    /// perceptual hash within <paramref name="maxDistance"/> bits; then returns that post's id. Serialised per author
    /// (advisory lock) so two concurrent uploads of one photo cannot both pass. Without a hash (a post's photo is
    /// fingerprinted by its analysis, <see cref="RecordFingerprintAsync"/>; an uninformative hash, of a photo with
    /// almost no structure, counts as none) the row's hash is NULL and the photo matches by bytes only.
    /// </summary>
    public async Task<Guid?> ClaimPhotoAsync(Guid ootdId, Guid authorId, string mediaId, ulong? photoHash, int maxDistance)
    {
        object hash = photoHash is { } h ? unchecked((long)h) : DBNull.Value;
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using (var lockAuthor = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 200))", connection, tx))
        {
            lockAuthor.Parameters.Add(new NpgsqlParameter { Value = authorId });
            await lockAuthor.ExecuteNonQueryAsync();
        }
        // A fingerprint counts while its post is live; one whose post row is not there yet counts only for a minute
        // (a publish in progress), so a post that died before its first write does not block the photo for ever.
        await using (var find = new NpgsqlCommand("""
            SELECT f.ootd_id FROM ootd_fingerprints f LEFT JOIN ootd_posts p ON p.ootd_id = f.ootd_id
            WHERE f.author_id = $1 AND f.ootd_id <> $2
              AND (f.media_id = $3 OR ($5 >= 0 AND $4::bigint IS NOT NULL AND bit_count((f.phash # $4)::bit(64)) <= $5))
              AND (p.deleted_at IS NULL AND (p.ootd_id IS NOT NULL OR f.created_at > now() - interval '1 minute'))
            ORDER BY (f.media_id = $3) DESC, bit_count((f.phash # $4::bigint)::bit(64)) NULLS LAST, f.created_at
            LIMIT 1
            """, connection, tx))
        {
            find.Parameters.Add(new NpgsqlParameter { Value = authorId });
            find.Parameters.Add(new NpgsqlParameter { Value = ootdId });
            find.Parameters.Add(new NpgsqlParameter { Value = mediaId });
            find.Parameters.Add(new NpgsqlParameter { Value = hash, NpgsqlDbType = NpgsqlDbType.Bigint });
            find.Parameters.Add(new NpgsqlParameter { Value = maxDistance });
            if (await find.ExecuteScalarAsync() is Guid existing) return existing;
        }
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO ootd_fingerprints (ootd_id, author_id, media_id, phash) VALUES ($1, $2, $3, $4)
            ON CONFLICT (ootd_id) DO NOTHING
            """, connection, tx))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = ootdId });
            insert.Parameters.Add(new NpgsqlParameter { Value = authorId });
            insert.Parameters.Add(new NpgsqlParameter { Value = mediaId });
            insert.Parameters.Add(new NpgsqlParameter { Value = hash, NpgsqlDbType = NpgsqlDbType.Bigint });
            await insert.ExecuteNonQueryAsync();
        }
        await tx.CommitAsync();
        return null;
    }

    /// <summary>
    /// The fingerprint of a post's photo, as its analysis computed it: the id of an earlier live post of the same
    /// author whose photo is within <paramref name="maxDistance"/> bits (this post is then its near duplicate and its
    /// hash is not kept), else null and the hash is stored for later posts to be compared with. Serialised per author
    /// with <see cref="ClaimPhotoAsync"/>. Null <paramref name="photoHash"/> (uninformative) or a negative distance:
    /// nothing to compare.
    /// </summary>
    public async Task<Guid?> RecordFingerprintAsync(Guid ootdId, Guid authorId, ulong? photoHash, int maxDistance)
    {
        if (photoHash is not { } h) return null;
        long hash = unchecked((long)h);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using (var lockAuthor = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 200))", connection, tx))
        {
            lockAuthor.Parameters.Add(new NpgsqlParameter { Value = authorId });
            await lockAuthor.ExecuteNonQueryAsync();
        }
        // Only an earlier post counts (by fingerprint time, then id), so of two near duplicates the later one ends.
        await using (var find = new NpgsqlCommand("""
            SELECT f.ootd_id FROM ootd_fingerprints f
            JOIN ootd_fingerprints me ON me.ootd_id = $2
            LEFT JOIN ootd_posts p ON p.ootd_id = f.ootd_id
            WHERE f.author_id = $1 AND f.ootd_id <> $2 AND $4 >= 0 AND f.phash IS NOT NULL
              AND bit_count((f.phash # $3::bigint)::bit(64)) <= $4
              AND (f.created_at, f.ootd_id) < (me.created_at, me.ootd_id)
              AND p.ootd_id IS NOT NULL AND p.deleted_at IS NULL
            ORDER BY bit_count((f.phash # $3::bigint)::bit(64)), f.created_at
            LIMIT 1
            """, connection, tx))
        {
            find.Parameters.Add(new NpgsqlParameter { Value = authorId });
            find.Parameters.Add(new NpgsqlParameter { Value = ootdId });
            find.Parameters.Add(new NpgsqlParameter { Value = hash, NpgsqlDbType = NpgsqlDbType.Bigint });
            find.Parameters.Add(new NpgsqlParameter { Value = maxDistance });
            if (await find.ExecuteScalarAsync() is Guid existing) return existing;
        }
        await using (var update = new NpgsqlCommand("UPDATE ootd_fingerprints SET phash = $2 WHERE ootd_id = $1", connection, tx))
        {
            update.Parameters.Add(new NpgsqlParameter { Value = ootdId });
            update.Parameters.Add(new NpgsqlParameter { Value = hash, NpgsqlDbType = NpgsqlDbType.Bigint });
            await update.ExecuteNonQueryAsync();
        }
        await tx.CommitAsync();
        return null;
    }

    /// <summary>The stored hash of a post's photo, or null.</summary>
    public async Task<ulong?> ReadHashAsync(Guid ootdId)
    {
        await using var cmd = dataSource.Command("SELECT phash FROM ootd_fingerprints WHERE ootd_id = $1", ootdId);
        return await cmd.ExecuteScalarAsync() is long h ? unchecked((ulong)h) : null;
    }

    private static NpgsqlParameter Reals(float[] values) => new() { Value = values, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Real };
}
