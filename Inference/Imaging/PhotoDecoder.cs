using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Ootd.Inference.Imaging;

/// <summary>A decoded, upright RGB photo.</summary>
public sealed class DecodedPhoto(Image<Rgb24> image, string format) : IDisposable
{
    public Image<Rgb24> Image { get; } = image;
    public string Format { get; } = format;
    public int Width => Image.Width;
    public int Height => Image.Height;
    public void Dispose() => Image.Dispose();
}

/// <summary>
/// Decodes untrusted photo bytes safely: size and format checked from the header before decoding (so a crafted
/// header cannot make it allocate gigabytes), only JPEG/PNG/WebP/GIF, truncated files refused, EXIF orientation
/// applied, CMYK JPEGs converted, animated images reduced to their first frame.
/// </summary>
public sealed class PhotoDecoder
{
    private static readonly string[] Accepted = ["JPEG", "PNG", "WEBP", "GIF"];
    private readonly Configuration _configuration;

    public PhotoDecoder(PhotoLimits? limits = null)
    {
        Limits = limits ?? PhotoLimits.Default;
        _configuration = new Configuration(
            new JpegConfigurationModule(), new PngConfigurationModule(),
            new WebpConfigurationModule(), new GifConfigurationModule())
        {
            MaxDegreeOfParallelism = 1,
        };
        _configuration.ImageFormatsManager.SetDecoder(GifFormat.Instance, new GifDecoder { DecodingMode = FrameDecodingMode.First });
    }

    public PhotoLimits Limits { get; }

    /// <summary>Reads format and dimensions from the header only; throws <see cref="ImageRejectedException"/>.</summary>
    public (string Format, int Width, int Height) Inspect(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0) throw new ImageRejectedException(ImageRejection.Empty, "The photo is empty.");
        if (bytes.Length > Limits.MaxBytes)
            throw new ImageRejectedException(ImageRejection.TooManyBytes, $"The photo is larger than {Limits.MaxBytes / (1024 * 1024)} MB.");
        IImageInfo? info;
        IImageFormat? format;
        try
        {
            using var stream = new MemoryStream(bytes.ToArray(), writable: false);
            info = Image.Identify(_configuration, stream, out format);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new ImageRejectedException(ImageRejection.Corrupt, "The photo header cannot be read.", e);
        }
        if (info is null || format is null || !Accepted.Contains(format.Name, StringComparer.OrdinalIgnoreCase))
            throw new ImageRejectedException(ImageRejection.UnsupportedFormat, "Only JPEG, PNG, WebP and GIF photos are accepted.");
        if (info.Width < Limits.MinSide || info.Height < Limits.MinSide)
            throw new ImageRejectedException(ImageRejection.TooSmall, $"The photo must be at least {Limits.MinSide} pixels on each side.");
        if ((long)info.Width * info.Height > Limits.MaxPixels)
            throw new ImageRejectedException(ImageRejection.TooManyPixels, $"The photo has more than {Limits.MaxPixels / 1_000_000} megapixels.");
        string name = format.Name.ToUpperInvariant();
        // The WebP decoder of ImageSharp 2.1 decodes every animation frame: bound frames × pixels too.
        if (name == "WEBP" && (long)info.Width * info.Height * Math.Max(1, WebpFrames(bytes)) > 2 * Limits.MaxPixels)
            throw new ImageRejectedException(ImageRejection.TooManyPixels, "The animated photo has too many frames for its size.");
        if (!TruncationCheck.LooksComplete(name, bytes))
            throw new ImageRejectedException(ImageRejection.Truncated, "The photo file is incomplete.");
        return (name, info.Width, info.Height);
    }

    private static int WebpFrames(ReadOnlySpan<byte> bytes)
    {
        int frames = 0;
        for (long offset = 12; offset + 8 <= bytes.Length;)
        {
            var fourcc = bytes.Slice((int)offset, 4);
            uint size = BitConverter.ToUInt32(bytes.Slice((int)offset + 4, 4));
            if (fourcc.SequenceEqual("ANMF"u8)) frames++;
            offset += 8 + size + (size & 1);
        }
        return frames;
    }

    /// <summary>Checks and decodes; throws <see cref="ImageRejectedException"/> for anything it will not accept.</summary>
    public DecodedPhoto Decode(ReadOnlySpan<byte> bytes)
    {
        var (format, _, _) = Inspect(bytes);
        Image<Rgb24> image;
        try
        {
            image = Image.Load<Rgb24>(_configuration, bytes);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new ImageRejectedException(ImageRejection.Corrupt, "The photo cannot be decoded.", e);
        }
        try
        {
            while (image.Frames.Count > 1) image.Frames.RemoveFrame(image.Frames.Count - 1);
            image.Mutate(x => x.AutoOrient());
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            image.Dispose();
            throw new ImageRejectedException(ImageRejection.Corrupt, "The photo cannot be decoded.", e);
        }
        return new DecodedPhoto(image, format);
    }
}

/// <summary>Cheap end-of-file checks: decoders often fill missing data with grey instead of failing.</summary>
public static class TruncationCheck
{
    public static bool LooksComplete(string format, ReadOnlySpan<byte> bytes) => format switch
    {
        "JPEG" => EndsWithMarker(bytes, [0xFF, 0xD9], 4096),
        "PNG" => EndsWithMarker(bytes, "IEND"u8, 64),
        "GIF" => EndsWithMarker(bytes, [0x3B], 64),
        "WEBP" => bytes.Length >= 12 && BitConverter.ToUInt32(bytes.Slice(4, 4)) + 8L <= bytes.Length,
        _ => true,
    };

    private static bool EndsWithMarker(ReadOnlySpan<byte> bytes, ReadOnlySpan<byte> marker, int window)
    {
        int start = Math.Max(0, bytes.Length - window);
        return bytes[start..].LastIndexOf(marker) >= 0;
    }
}
