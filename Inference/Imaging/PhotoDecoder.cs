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

/// <summary>
/// A decoded, upright RGB photo at working size: <see cref="Width"/> × <see cref="Height"/> are the pixels of
/// <see cref="Image"/> (what the pipeline crops), <see cref="OriginalWidth"/> × <see cref="OriginalHeight"/> the upright
/// photo's own size, which boxes are reported in (<see cref="ToOriginal"/>).
/// </summary>
public sealed class DecodedPhoto(Image<Rgb24> image, string format, int originalWidth, int originalHeight) : IDisposable
{
    public DecodedPhoto(Image<Rgb24> image, string format) : this(image, format, image.Width, image.Height)
    {
    }

    public Image<Rgb24> Image { get; } = image;
    public string Format { get; } = format;
    public int Width => Image.Width;
    public int Height => Image.Height;
    public int OriginalWidth { get; } = originalWidth;
    public int OriginalHeight { get; } = originalHeight;

    /// <summary>True when the photo was scaled down to the working size.</summary>
    public bool IsScaled => OriginalWidth != Width || OriginalHeight != Height;

    /// <summary>A box in working-size pixels → the same box in the original photo's pixels.</summary>
    public PixelBox ToOriginal(PixelBox box)
    {
        if (!IsScaled) return box;
        float sx = (float)OriginalWidth / Width, sy = (float)OriginalHeight / Height;
        return new PixelBox(box.X0 * sx, box.Y0 * sy, box.X1 * sx, box.Y1 * sy).ClampTo(OriginalWidth, OriginalHeight);
    }

    public void Dispose() => Image.Dispose();
}

/// <summary>
/// Decodes untrusted photo bytes safely: size and format checked from the header before decoding (so a crafted
/// header cannot make it allocate gigabytes), only JPEG/PNG/WebP/GIF, truncated files refused, EXIF orientation
/// applied, CMYK JPEGs converted, animated images reduced to their first frame. Photos larger than
/// <see cref="PhotoLimits.MaxWorkingSide"/> are scaled down at once (ImageSharp 2.1 cannot decode at a reduced size),
/// and at most <see cref="PhotoLimits.LargeDecodePixelBudget"/> pixels of such photos are decoded at full size at once.
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
        _largeDecodes = new PixelBudget(Math.Max(Limits.LargeDecodePixelBudget, 1));
    }

    public PhotoLimits Limits { get; }

    private readonly PixelBudget _largeDecodes;

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

    private long _decodes;

    /// <summary>Photos this decoder has started to decode (past the header checks): what one upload costs in full
    /// decodes, read by the tests that pin "one decode per upload in the silo".</summary>
    public long Decodes => Interlocked.Read(ref _decodes);

    /// <summary>Checks and decodes; throws <see cref="ImageRejectedException"/> for anything it will not accept.</summary>
    public DecodedPhoto Decode(ReadOnlySpan<byte> bytes)
    {
        var (format, width, height) = Inspect(bytes);
        Interlocked.Increment(ref _decodes);
        int maxSide = Limits.MaxWorkingSide;
        bool large = maxSide > 0 && Math.Max(width, height) > maxSide;
        // A large photo holds its pixels of the budget while it exists at full size.
        using var room = large ? _largeDecodes.Enter((long)width * height) : null;
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
            int originalWidth = image.Width, originalHeight = image.Height;
            if (large)
            {
                // Scale before orienting: rotating the full-size image would need a second full-size buffer.
                double scale = (double)maxSide / Math.Max(originalWidth, originalHeight);
                var size = new Size(Math.Max(1, (int)Math.Round(originalWidth * scale)), Math.Max(1, (int)Math.Round(originalHeight * scale)));
                image.Mutate(x => x.Resize(new ResizeOptions { Size = size, Mode = ResizeMode.Stretch, Sampler = KnownResamplers.Triangle }));
            }
            int scaledWidth = image.Width;
            image.Mutate(x => x.AutoOrient());
            // A quarter turn swaps the sides: the upright original is then as tall as the stored one was wide.
            bool turned = image.Width != scaledWidth;
            return new DecodedPhoto(image, format, turned ? originalHeight : originalWidth, turned ? originalWidth : originalHeight);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            image.Dispose();
            throw new ImageRejectedException(ImageRejection.Corrupt, "The photo cannot be decoded.", e);
        }
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
