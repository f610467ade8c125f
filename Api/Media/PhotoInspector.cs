using System.Security.Cryptography;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.PixelFormats;
using Ootd.Api.Security;
using Ootd.Grains.Common;

namespace Ootd.Api.Media;

/// <summary>A photo that passed every check, with the facts the <c>media</c> row keeps.</summary>
public sealed record InspectedPhoto(string Sha256, string ContentType, int Width, int Height);

/// <summary>The outcome of <see cref="PhotoInspector.Inspect"/>: a photo, or the HTTP status and reason for rejecting it.</summary>
public sealed record PhotoVerdict(InspectedPhoto? Photo, int Status, string Title, string? Reason)
{
    public bool Accepted => Photo is not null;

    public static PhotoVerdict Ok(InspectedPhoto photo) => new(photo, 200, "OK", null);

    public static PhotoVerdict Reject(int status, string title, string reason) => new(null, status, title, reason);
}

/// <summary>
/// Checks an uploaded photo before anything is stored: size, format (JPEG, PNG, WebP), pixel count read from the
/// header before any decoding, a complete file (JPEG end-of-image marker, PNG IEND chunk, WebP RIFF length) and
/// finally a full decode under an allocation limit, which catches corrupt data the header check cannot see.
/// </summary>
public sealed class PhotoInspector
{
    private static readonly byte[] PngEnd = [0, 0, 0, 0, (byte)'I', (byte)'E', (byte)'N', (byte)'D', 0xAE, 0x42, 0x60, 0x82];
    private readonly Configuration imageConfig;

    private readonly PhotoDecodeRoom? decodeRoom;

    public PhotoInspector(long maxBytes = 10 * 1024 * 1024, long maxPixels = 40_000_000, int maxSide = 12_000, PhotoDecodeRoom? decodeRoom = null)
    {
        this.decodeRoom = decodeRoom;
        MaxBytes = maxBytes;
        MaxPixels = maxPixels;
        MaxSide = maxSide;
        imageConfig = Configuration.Default.Clone();
        // Decoder limit: even a header that slips past the pixel check cannot make the decoder allocate more than this.
        var limitMb = (int)Math.Clamp(maxPixels * 4 / (1024 * 1024) + 64, 64, 1024);
        imageConfig.MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions { AllocationLimitMegabytes = limitMb });
    }

    public long MaxBytes { get; }

    public long MaxPixels { get; }

    public int MaxSide { get; }

    /// <summary>
    /// The inspector of the gateway from the validated <c>Media</c> section (the silo's too: its decoder refuses what
    /// this refuses) and <c>AbuseLimits:PhotoChecks</c>.
    /// </summary>
    public static PhotoInspector FromOptions(MediaOptions media, PhotoCheckOptions checks)
    {
        var maxPixels = media.MaxPixels;
        var megapixels = checks.MaxMegapixelsAtOnce > 0 ? checks.MaxMegapixelsAtOnce : (int)Math.Clamp(2 * maxPixels / 1_000_000, 1, int.MaxValue);
        return new(media.MaxPhotoBytes, maxPixels, media.MaxSide,
            new PhotoDecodeRoom(megapixels, checks.QueueTimeout));
    }

    /// <summary>
    /// <see cref="Inspect"/> for a request: the full decode waits for room in the gateway's pixel budget
    /// (<see cref="PhotoDecodeRoom"/>: throws <see cref="ThrottledException"/>, 503, when there is none in time).
    /// </summary>
    public async Task<PhotoVerdict> InspectAsync(byte[] bytes, CancellationToken ct)
    {
        var header = CheckHeader(bytes);
        if (header.Verdict is { } rejected) return rejected;
        if (decodeRoom is null) return CheckPixels(bytes, header.Info!, header.ContentType!);
        using var room = await decodeRoom.EnterAsync((long)header.Info!.Width * header.Info.Height, ct);
        return CheckPixels(bytes, header.Info, header.ContentType!);
    }

    public PhotoVerdict Inspect(byte[] bytes)
    {
        var header = CheckHeader(bytes);
        return header.Verdict ?? CheckPixels(bytes, header.Info!, header.ContentType!);
    }

    /// <summary>Size, format, declared pixels and completeness, from the bytes without decoding: a rejection, or the header.</summary>
    private (PhotoVerdict? Verdict, IImageInfo? Info, string? ContentType) CheckHeader(byte[] bytes)
    {
        if (bytes.Length == 0)
        {
            return (PhotoVerdict.Reject(400, "Empty photo", "The photo file is empty."), null, null);
        }

        if (bytes.Length > MaxBytes)
        {
            return (TooLarge(bytes.Length), null, null);
        }

        IImageInfo? info;
        IImageFormat? format;
        try
        {
            info = Image.Identify(imageConfig, bytes, out format);
        }
        catch (Exception e) when (e is ImageFormatException or InvalidImageContentException or NotSupportedException or InvalidMemoryOperationException or ArgumentException)
        {
            return (NotAnImage(), null, null);
        }

        if (info is null || format is null)
        {
            return (NotAnImage(), null, null);
        }

        var contentType = format.Name.ToUpperInvariant() switch
        {
            "JPEG" => "image/jpeg",
            "PNG" => "image/png",
            "WEBP" => "image/webp",
            _ => null,
        };
        if (contentType is null)
        {
            return (PhotoVerdict.Reject(415, "Unsupported image format", $"Only JPEG, PNG and WebP photos are accepted; this one is {format.Name}."), null, null);
        }

        var pixels = (long)info.Width * info.Height;
        if (info.Width <= 0 || info.Height <= 0 || pixels > MaxPixels || info.Width > MaxSide || info.Height > MaxSide)
        {
            return (PhotoVerdict.Reject(400, "Photo dimensions not allowed",
                $"The photo claims {info.Width}x{info.Height} = {pixels:N0} pixels; at most {MaxPixels:N0} pixels and {MaxSide} per side are accepted."), null, null);
        }

        if (!IsComplete(contentType, bytes))
        {
            return (PhotoVerdict.Reject(400, "Truncated photo", "The photo file is incomplete (its end marker is missing); upload the whole file."), null, null);
        }

        return (null, info, contentType);
    }

    /// <summary>The full decode, which finds corrupt data the header cannot show; then the hash.</summary>
    private PhotoVerdict CheckPixels(byte[] bytes, IImageInfo info, string contentType)
    {
        try
        {
            // One byte a pixel is enough to find corrupt data (a third of the memory of RGB).
            using var decoded = Image.Load<L8>(imageConfig, bytes);
            if (decoded.Width != info.Width || decoded.Height != info.Height)
            {
                return PhotoVerdict.Reject(400, "Corrupt photo", "The photo's header and its pixel data disagree.");
            }
        }
        catch (Exception e) when (e is ImageFormatException or InvalidImageContentException or NotSupportedException or InvalidMemoryOperationException or ArgumentException or IndexOutOfRangeException)
        {
            // The decoder's own words ("unsupported compression method", …) mean nothing to the caller.
            return PhotoVerdict.Reject(400, "Corrupt photo",
                $"The photo's {contentType["image/".Length..].ToUpperInvariant()} image data is damaged or uses a feature that cannot be decoded; save or export it again and upload the new file.");
        }

        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        return PhotoVerdict.Ok(new InspectedPhoto(sha, contentType, info.Width, info.Height));
    }

    public PhotoVerdict TooLarge(long length) => PhotoVerdict.Reject(413, "Photo too large",
        $"The photo is {length:N0} bytes; at most {MaxBytes:N0} bytes ({MaxBytes / (1024.0 * 1024):0.#} MB) are accepted.");

    private static PhotoVerdict NotAnImage() =>
        PhotoVerdict.Reject(400, "Not an image", "The photo is not a readable image; send a JPEG, PNG or WebP file.");

    /// <summary>True when the file ends where its format says it must (a cut-off upload does not).</summary>
    internal static bool IsComplete(string contentType, ReadOnlySpan<byte> bytes)
    {
        switch (contentType)
        {
            case "image/jpeg":
                // Some writers pad after the end-of-image marker; allow trailing zero bytes only.
                var end = bytes.Length;
                while (end > 0 && bytes[end - 1] == 0) end--;
                return end >= 4 && bytes[end - 2] == 0xFF && bytes[end - 1] == 0xD9;
            case "image/png":
                return bytes.Length >= PngEnd.Length && bytes[^PngEnd.Length..].SequenceEqual(PngEnd);
            case "image/webp":
                if (bytes.Length < 12) return false;
                var riffSize = BitConverter.ToUInt32(bytes.Slice(4, 4)) ;
                if (!BitConverter.IsLittleEndian) riffSize = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(riffSize);
                return riffSize + 8L <= bytes.Length;
            default:
                return false;
        }
    }
}
