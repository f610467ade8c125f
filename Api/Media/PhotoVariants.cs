using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using Npgsql;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Ootd.Api.Media;

/// <summary>
/// Resized copies of stored photos (posts, product images, avatars) for phones: JPEG, upright, at most the asked
/// width (never enlarged), cached in <c>media_variants</c> by (original SHA-256, width), so each size is computed once.
/// At most two resizes run at a time on the gateway.
/// </summary>
public sealed class PhotoVariants(NpgsqlDataSource db, MediaStore media)
{
    /// <summary>The widths served (<c>?w=</c>); 64 and 128 are for avatars.</summary>
    public static readonly int[] Widths = [64, 128, 320, 640, 1080];

    private readonly SemaphoreSlim _resizing = new(2);

    public static string WidthRule => $"w must be one of {string.Join(", ", Widths)} (or omitted for the original).";

    /// <summary>The variant of <paramref name="mediaId"/> at <paramref name="width"/>; the original when it is no wider; null when the original is missing.</summary>
    public async Task<StoredMedia?> Get(string mediaId, int width, CancellationToken ct)
    {
        await using (var cmd = db.CreateCommand("SELECT content_type, bytes FROM media_variants WHERE media_id = $1 AND width = $2"))
        {
            cmd.Parameters.AddWithValue(mediaId);
            cmd.Parameters.AddWithValue(width);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            if (await r.ReadAsync(ct)) return new StoredMedia(mediaId, r.GetString(0), r.GetFieldValue<byte[]>(1));
        }

        var original = await media.Find(mediaId, ct);
        if (original is null) return null;
        await _resizing.WaitAsync(ct);
        byte[] bytes;
        int height;
        try
        {
            (bytes, height) = await Task.Run(() => Resize(original.Bytes, width), ct);
        }
        finally
        {
            _resizing.Release();
        }

        await using (var save = db.CreateCommand(
            "INSERT INTO media_variants (media_id, width, content_type, height, bytes) VALUES ($1, $2, 'image/jpeg', $3, $4) ON CONFLICT DO NOTHING"))
        {
            save.Parameters.AddWithValue(mediaId);
            save.Parameters.AddWithValue(width);
            save.Parameters.AddWithValue(height);
            save.Parameters.AddWithValue(bytes);
            await save.ExecuteNonQueryAsync(ct);
        }
        return new StoredMedia(mediaId, "image/jpeg", bytes);
    }

    /// <summary>Upright JPEG at most <paramref name="width"/> wide (aspect kept), quality 82.</summary>
    public static (byte[] Bytes, int Height) Resize(byte[] original, int width)
    {
        using var image = Image.Load<Rgb24>(original);
        image.Mutate(x => x.AutoOrient());
        if (image.Width > width)
            image.Mutate(x => x.Resize(new ResizeOptions { Size = new Size(width, 0), Mode = ResizeMode.Max, Sampler = KnownResamplers.Lanczos3 }));
        image.Metadata.ExifProfile = null;
        using var output = new MemoryStream();
        image.SaveAsJpeg(output, new JpegEncoder { Quality = 82 });
        return (output.ToArray(), image.Height);
    }

    /// <summary>
    /// Serves a stored photo (the original, or the variant for <paramref name="width"/>) with a strong ETag (the
    /// SHA-256, plus the width for a variant) and <c>Cache-Control: public, max-age=31536000, immutable</c>;
    /// answers 304 to a matching If-None-Match without reading the bytes.
    /// </summary>
    public async Task<Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult, ValidationProblem>> Serve(
        HttpContext http, string mediaId, int? width, string missing, CancellationToken ct)
    {
        var etag = new EntityTagHeaderValue(width is { } w ? $"\"{mediaId}-w{w}\"" : $"\"{mediaId}\"");
        http.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
        var ifNoneMatch = http.Request.GetTypedHeaders().IfNoneMatch;
        if (ifNoneMatch.Any(t => t.Compare(etag, useStrongComparison: false) || t.Equals(EntityTagHeaderValue.Any)))
        {
            http.Response.Headers.ETag = etag.ToString();
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        var stored = width is { } size ? await Get(mediaId, size, ct) : await media.Find(mediaId, ct);
        if (stored is null) return Problems.NotFound(missing);
        return TypedResults.File(stored.Bytes, stored.ContentType, entityTag: etag);
    }

    /// <summary>Checks <c>?w=</c>: null (original) or one of <see cref="Widths"/>.</summary>
    public static bool TryWidth(string? text, out int? width)
    {
        width = null;
        if (string.IsNullOrEmpty(text)) return true;
        if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var w) || !Widths.Contains(w)) return false;
        width = w;
        return true;
    }
}
