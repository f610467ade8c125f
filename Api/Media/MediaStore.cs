using Npgsql;

namespace Ootd.Api.Media;

public sealed record StoredMedia(string Id, string ContentType, byte[] Bytes);

/// <summary>Photo bytes in the <c>media</c> table, keyed by their SHA-256 (lower-case hex); identical uploads share a row.</summary>
public sealed class MediaStore(NpgsqlDataSource db)
{
    public async Task Save(InspectedPhoto photo, byte[] bytes, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "INSERT INTO media (id, content_type, width, height, byte_length, bytes) VALUES ($1, $2, $3, $4, $5, $6) " +
            "ON CONFLICT (id) DO NOTHING");
        cmd.Parameters.AddWithValue(photo.Sha256);
        cmd.Parameters.AddWithValue(photo.ContentType);
        cmd.Parameters.AddWithValue(photo.Width);
        cmd.Parameters.AddWithValue(photo.Height);
        cmd.Parameters.AddWithValue(bytes.Length);
        cmd.Parameters.AddWithValue(bytes);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<StoredMedia?> Find(string id, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT content_type, bytes FROM media WHERE id = $1");
        cmd.Parameters.AddWithValue(id);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new StoredMedia(id, reader.GetString(0), reader.GetFieldValue<byte[]>(1));
    }

    public async Task<bool> Ping(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT 1");
        return await cmd.ExecuteScalarAsync(ct) is 1;
    }
}
